package httpx

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIdempotencyKey(t *testing.T) {
	assert.Equal(t, "WD-2024-001", IdempotencyKey("WD-2024-001", 120))
	assert.Equal(t, strings.Repeat("a", 120), IdempotencyKey(strings.Repeat("a", 120), 120))
	for _, ref := range []string{strings.Repeat("a", 121), "has space", "ünïcode", "a,b", `a"b`, "a;b", `a\b`, "tab\there", ""} {
		k := IdempotencyKey(ref, 120)
		assert.True(t, strings.HasPrefix(k, "ref-"), "%q", ref)
		assert.Len(t, k, len("ref-")+64)
		assert.Equal(t, k, IdempotencyKey(ref, 120), "stable")
	}
	assert.NotEqual(t, IdempotencyKey("has space", 120), IdempotencyKey("has  space", 120))
	// Pinned: an upgrade must not change the key of a payout in flight.
	assert.Equal(t, "ref-b8b8f25a5fc711caea1cfebfe02359e3ce2b9a8f9ce02d18fdcb1ba47ff095f1", IdempotencyKey("with space", 120))
}

// Issue 10, item 3: the literal Reference "ref-<sha256 of X>" took X's key,
// so its payout was never made and Send answered with X's. A verbatim key
// never has the shape of a derived one.
func TestIdempotencyKeyIsInjective(t *testing.T) {
	for _, x := range []string{"with space", strings.Repeat("b", 121), "ünïcode"} {
		derived := IdempotencyKey(x, 120)
		for _, lookalike := range []string{derived, strings.ToUpper(derived), "REF-" + derived[4:], "Ref-" + strings.ToUpper(derived[4:])} {
			assert.NotEqual(t, derived, IdempotencyKey(lookalike, 120), "%q must not share %q's key", lookalike, x)
			assert.Regexp(t, `^ref-[0-9a-f]{64}$`, IdempotencyKey(lookalike, 120), "a lookalike is itself hashed")
		}
	}
	// What merely resembles a derived key is still verbatim: only the exact
	// shape changed with the rule, so keys in flight elsewhere stay.
	for _, ref := range []string{"ref-1", "ref-" + strings.Repeat("a", 63), "ref-" + strings.Repeat("a", 65), "ref-" + strings.Repeat("g", 64), "xef-" + strings.Repeat("a", 64)} {
		assert.Equal(t, ref, IdempotencyKey(ref, 120))
	}
}
