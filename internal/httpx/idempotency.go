package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// derivedPrefix starts every derived key.
const derivedPrefix = "ref-"

// derivedLen is the length of a derived key: the prefix and 64 hex digits.
const derivedLen = len(derivedPrefix) + 2*sha256.Size

// IdempotencyKey derives the Idempotency-Key of a payout from its Reference,
// for a provider that accepts keys of at most max characters. It is
// injective (two References never share a key):
//
//   - the Reference itself when it is 1 to max printable ASCII characters
//     other than space and the header-unfriendly '"', ',', ';' and '\', and
//     does not have the shape of a derived key;
//   - else "ref-" followed by the lower-case hex SHA-256 of the Reference
//     (68 characters).
//
// A verbatim key never has the shape of a derived one, so no Reference can
// take the key another derives (before this rule, the literal Reference
// "ref-<sha256 of X>" shared X's key, and its payout was never made).
// Only References of exactly that shape changed key with the rule: a
// payout sent under one before the upgrade must be resolved (looked up by
// its Reference) before it is sent again.
//
// The key depends on nothing but its arguments, so every attempt, every
// later Send with the same Reference and every process derive the same key.
func IdempotencyKey(reference string, max int) string {
	plain := len(reference) > 0 && len(reference) <= max && !derivedShape(reference)
	for i := 0; plain && i < len(reference); i++ {
		c := reference[i]
		plain = c > ' ' && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\'
	}
	if plain {
		return reference
	}
	sum := sha256.Sum256([]byte(reference))
	return derivedPrefix + hex.EncodeToString(sum[:])
}

// derivedShape reports whether s looks like a derived key: "ref-" (in any
// case, should a provider compare keys case-insensitively) and 64 hex
// digits (of any case).
func derivedShape(s string) bool {
	if len(s) != derivedLen || !strings.EqualFold(s[:len(derivedPrefix)], derivedPrefix) {
		return false
	}
	for i := len(derivedPrefix); i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
