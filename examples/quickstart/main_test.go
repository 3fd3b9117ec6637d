package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuickstartSandbox runs the README's first command end to end: both
// adapters against the Sandbox over loopback, webhooks through
// webhook.Handler, a reversal, a refusal and an idempotent resend.
func TestQuickstartSandbox(t *testing.T) {
	t.Setenv("PALPLUSS_API_KEY", "")
	t.Setenv("PAYOS_MERCHANT_ID", "")
	require.False(t, live())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, runSandbox(ctx, &out))
	s := out.String()
	assert.Contains(t, s, "nobody paid twice")
	assert.Contains(t, s, "insufficient funds, as expected")
	for _, line := range []string{
		`palpluss-1\s+palpluss\s+KES 500\.00\s+PENDING -> SUCCEEDED\s+KES 15\.00\s+\S+`,
		`palpluss-2\s+palpluss\s+KES 1200\.00\s+PENDING -> FAILED -> REVERSED\s+KES 15\.00\s+2001`,
		`payos-3\s+payos\s+KES 2500\.50\s+PENDING -> SUCCEEDED\s+-\s+\S+`,
		`payos-4\s+payos\s+KES 750\.00\s+PENDING -> FAILED\s+-\s+PAYOUT_RECIPIENT_INVALID_ACCOUNT`,
	} {
		assert.Regexp(t, regexp.MustCompile(line), s)
	}
}

func TestQuickstartLiveNeedsAPhone(t *testing.T) {
	t.Setenv("PALPLUSS_API_KEY", "pk_test_x")
	t.Setenv("QUICKSTART_PHONE", "")
	require.True(t, live())
	err := runLive(context.Background(), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "QUICKSTART_PHONE")
	assert.NotContains(t, err.Error(), "pk_test_x")
}
