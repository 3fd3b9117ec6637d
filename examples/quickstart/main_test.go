package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
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
		// A receipt where one was paid, and a failure code in its own
		// column, never in RECEIPT.
		`palpluss-1\s+palpluss\s+KES 500\.00\s+PENDING -> SUCCEEDED\s+KES 15\.00\s+[A-Z0-9]{10}\s+-\n`,
		`palpluss-2\s+palpluss\s+KES 1200\.00\s+PENDING -> FAILED -> REVERSED\s+KES 15\.00\s+-\s+2001\n`,
		`payos-3\s+payos\s+KES 2500\.50\s+PENDING -> SUCCEEDED\s+-\s+[A-Z0-9]+\s+-\n`,
		`payos-4\s+payos\s+KES 750\.00\s+PENDING -> FAILED\s+-\s+-\s+PAYOUT_RECIPIENT_INVALID_ACCOUNT\n`,
	} {
		assert.Regexp(t, regexp.MustCompile(line), s)
	}
	assert.Regexp(t, `REFERENCE\s+PROVIDER\s+AMOUNT\s+STATUS PATH\s+FEE\s+RECEIPT\s+FAILURE\n`, s)
}

func TestPayoutRowKeepsReceiptAndFailureApart(t *testing.T) {
	req := payout.Request{Reference: "R-1", Amount: money.New(500_00, money.KES)}
	failed := payoutRow(req, "payos", "PENDING -> FAILED", &payout.Payout{FailureCode: "PAYOUT_RECIPIENT_INVALID_ACCOUNT"})
	assert.Equal(t, row{"R-1", "payos", "KES 500.00", "PENDING -> FAILED", "-", "-", "PAYOUT_RECIPIENT_INVALID_ACCOUNT"}, failed)
	paid := payoutRow(req, "palpluss", "PENDING -> SUCCEEDED", &payout.Payout{Receipt: "VM1BO0UVSI", Fee: money.New(15_00, money.KES)})
	assert.Equal(t, row{"R-1", "palpluss", "KES 500.00", "PENDING -> SUCCEEDED", "KES 15.00", "VM1BO0UVSI", "-"}, paid)
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
