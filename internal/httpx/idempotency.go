package httpx

import (
	"crypto/sha256"
	"encoding/hex"
)

// IdempotencyKey derives the Idempotency-Key of a payout from its Reference,
// for a provider that accepts keys of at most max characters: the Reference
// itself when it is 1 to max printable ASCII characters other than space
// and the header-unfriendly '"', ',', ';' and '\', else "ref-" followed by
// the hex SHA-256 of the Reference (68 characters). It depends on nothing
// but its arguments, so every attempt, every later Send with the same
// Reference and every process derive the same key.
func IdempotencyKey(reference string, max int) string {
	plain := len(reference) > 0 && len(reference) <= max
	for i := 0; plain && i < len(reference); i++ {
		c := reference[i]
		plain = c > ' ' && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\'
	}
	if plain {
		return reference
	}
	sum := sha256.Sum256([]byte(reference))
	return "ref-" + hex.EncodeToString(sum[:])
}
