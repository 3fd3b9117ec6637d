package palpluss_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// These tests run the client over loopback HTTP against payouttest's
// Sandbox, a second, independent reading of PalPluss's documents.

func sandboxClient(t *testing.T, sb *payouttest.Sandbox, opts ...payout.Option) *palpluss.Client {
	t.Helper()
	opts = append([]payout.Option{payout.WithBaseURL(sb.PalPlussURL()), payout.WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := palpluss.New(sb.PalPlussAPIKey(), opts...)
	require.NoError(t, err)
	return c
}

func TestSandboxLifecycle(t *testing.T) {
	for name, opts := range map[string][]payouttest.SandboxOption{"camelCase": nil, "snake_case": {payouttest.WithPalPlussSnakeCase()}} {
		t.Run(name, func(t *testing.T) {
			sb := payouttest.NewSandbox(opts...)
			defer sb.Close()
			c := sandboxClient(t, sb)
			ctx := context.Background()
			req := payout.Request{Reference: "SB-1", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}

			p, err := c.Send(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, payout.StatusPending, p.Status)
			again, err := c.Send(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, p.ID, again.ID, "the same Reference is the same payout")
			assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "SB-1"))

			failing := payout.Request{Reference: "SB-2", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: "0700000001"}}
			f, err := c.Send(ctx, failing)
			require.NoError(t, err)
			sb.SettleAll()

			got, err := c.Get(ctx, p.ID)
			require.NoError(t, err)
			assert.Equal(t, payout.StatusSucceeded, got.Status)
			assert.NotEmpty(t, got.Receipt)
			assert.Equal(t, money.New(500_00, money.KES), got.Amount)
			assert.Equal(t, "SB-1", got.Reference)
			assert.Equal(t, "254712345678", got.Phone)

			got, err = c.Get(ctx, f.ID)
			require.NoError(t, err)
			assert.Equal(t, payout.StatusReversed, got.Status)
			assert.Equal(t, "2001", got.FailureCode)

			_, err = c.Send(ctx, payout.Request{Reference: "SB-3", Amount: money.New(payouttest.SandboxInsufficientFundsKES*100, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}})
			require.ErrorIs(t, err, payout.ErrInsufficientFunds)

			var refs []string
			for p, err := range c.Transactions(ctx, palpluss.TransactionsQuery{Limit: 1}) {
				require.NoError(t, err)
				refs = append(refs, p.Reference)
			}
			assert.Equal(t, []string{"SB-2", "SB-1"}, refs, "newest first, one page each")
			found, err := c.FindByReference(ctx, "SB-1")
			require.NoError(t, err)
			assert.Equal(t, p.ID, found.ID)

			bal, err := c.ServiceBalance(ctx)
			require.NoError(t, err)
			assert.Equal(t, money.KES, bal.Available.Currency)
		})
	}
}

// TestSandboxFaultsNeverPayTwice sends payouts through random faults and
// checks what the client concluded against what the Sandbox did.
func TestSandboxFaultsNeverPayTwice(t *testing.T) {
	faults := payouttest.RandomFaults(7,
		payouttest.FaultChance{Fault: payouttest.FaultResetBeforeRead(), P: 0.1},
		payouttest.FaultChance{Fault: payouttest.FaultResetAfterProcess(), P: 0.15},
		payouttest.FaultChance{Fault: payouttest.FaultStatus(503), P: 0.1},
		payouttest.FaultChance{Fault: payouttest.FaultStatusAfterProcess(502), P: 0.1},
		payouttest.FaultChance{Fault: payouttest.FaultTruncate(), P: 0.1},
	)
	sb := payouttest.NewSandbox(payouttest.WithSandboxFault(faults))
	defer sb.Close()
	c := sandboxClient(t, sb, payout.WithMaxRetries(2))
	ctx := context.Background()
	outcomes := map[string]int{}
	for i := 0; i < 60; i++ {
		ref := fmt.Sprintf("CH-%d", i)
		req := payout.Request{Reference: ref, Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}
		p, err := c.Send(ctx, req)
		switch {
		case err == nil:
			outcomes["accepted"]++
			assert.NotEmpty(t, p.ID)
			assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, ref), "%s: accepted means created", ref)
		case errors.Is(err, payout.ErrOutcomeUnknown):
			outcomes["unknown"]++
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, ref, pe.Reference)
			// Resolve it as documented: the same Reference again.
			sb.SetFault(nil)
			p, err := c.Send(ctx, req)
			sb.SetFault(faults)
			require.NoError(t, err)
			assert.NotEmpty(t, p.ID)
		default:
			outcomes["failed"]++
			assert.Equal(t, 0, sb.CreatedCount(payouttest.SandboxPalPluss, ref), "%s: a clean failure created a payout: %v", ref, err)
		}
		assert.LessOrEqual(t, sb.CreatedCount(payouttest.SandboxPalPluss, ref), 1, "%s paid twice", ref)
	}
	t.Logf("outcomes %v, faults %v", outcomes, sb.FaultCounts(payouttest.SandboxPalPluss))
	assert.Positive(t, outcomes["unknown"], "the faults produced ambiguous outcomes")
}

func TestSandboxWebhooksThroughTheHandler(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	signer, err := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	got := make(chan payout.Event, 10)
	srv := httptest.NewServer(c.WebhookHandler(func(_ context.Context, ev payout.Event) error {
		got <- ev
		return nil
	}, webhook.WithVerifier(signer.Verifier())))
	defer srv.Close()

	for i, ph := range []string{"0712345678", "0700000001"} {
		ref := fmt.Sprintf("WH-%d", i)
		cb, err := signer.CallbackURL(srv.URL+"/hooks/palpluss", ref)
		require.NoError(t, err)
		_, err = c.Send(context.Background(), payout.Request{Reference: ref, Amount: money.New(100_00, money.KES),
			Recipient: payout.Recipient{Phone: ph}, CallbackURL: cb})
		require.NoError(t, err)
	}
	sb.SettleAll()
	seen := map[string]payout.Status{}
	timeout := time.After(10 * time.Second)
	for seen["WH-0 transaction.success"] == "" || seen["WH-1 transaction.updated"] == "" {
		select {
		case ev := <-got:
			seen[ev.Payout.Reference+" "+ev.Type] = ev.Payout.Status
		case <-timeout:
			t.Fatalf("only %v arrived", seen)
		}
	}
	assert.Equal(t, payout.StatusSucceeded, seen["WH-0 transaction.success"])
	assert.Equal(t, payout.StatusReversed, seen["WH-1 transaction.updated"])
	// The FAILED callback, when PalPluss's record already says REVERSED, is
	// stale: acknowledged, never handed on as "failed" with a reversed
	// payout.
	if st, ok := seen["WH-1 transaction.failed"]; ok {
		assert.Equal(t, payout.StatusFailed, st)
	}
}
