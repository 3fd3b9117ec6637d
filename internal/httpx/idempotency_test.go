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
