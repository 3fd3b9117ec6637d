package payos_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// These tests run the client over loopback HTTP against payouttest's
// Sandbox, an independent reading of PayOS's documents.

func sandboxClient(t *testing.T, sb *payouttest.Sandbox, opts ...payout.Option) *payos.Client {
	t.Helper()
	opts = append([]payout.Option{payout.WithBaseURL(sb.PayOSURL()), payout.WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), opts...)
	require.NoError(t, err)
	return c
}

func sandboxRequest(ref, phone string, minor int64) payout.Request {
	s, err := payout.NewIndividualSender("Jane Smith", "27821234567", payout.IdentityPassport, "A12345678", "1990-01-15",
		payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
	if err != nil {
		panic(err) // the sender above is complete
	}
	return payout.Request{Reference: ref, Amount: money.New(minor, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: phone}, Sender: s}
}

func TestSandboxLifecycle(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	ctx := context.Background()

	req := sandboxRequest("SB-1", "0712345678", 500_00)
	p, err := c.Send(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusPending, p.Status)
	assert.Equal(t, "RECEIVED", p.ProviderStatus)
	again, err := c.Send(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, p.ID, again.ID, "the same Reference is the same payout")
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPayOS, "SB-1"))

	f, err := c.Send(ctx, sandboxRequest("SB-2", payouttest.SandboxPhoneInvalidAccount, 100_00))
	require.NoError(t, err)
	l, err := c.Send(ctx, sandboxRequest("SB-3", payouttest.SandboxPhoneLimitExceeded, 100_00))
	require.NoError(t, err)
	sb.SettleAll()

	got, err := c.Get(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusSucceeded, got.Status)
	assert.NotEmpty(t, got.Receipt)
	assert.Equal(t, money.New(500_00, money.KES), got.Amount)
	assert.Equal(t, "SB-1", got.Reference)

	for id, want := range map[string]payout.Code{f.ID: payout.CodeInvalidRecipient, l.ID: payout.CodeLimitExceeded} {
		got, err = c.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, payout.StatusFailed, got.Status)
		assert.Equal(t, want, payos.FailureCode(got.FailureCode))
		assert.NotEmpty(t, got.FailureMessage)
	}

	found, err := c.FindByReference(ctx, "SB-1")
	require.NoError(t, err)
	assert.Equal(t, p.ID, found.ID)
	assert.Equal(t, payout.StatusSucceeded, found.Status)
	assert.Equal(t, money.New(500_00, money.KES), found.Amount)
	_, err = c.FindByReference(ctx, "SB-none")
	assert.ErrorIs(t, err, payout.ErrNotFound)
	_, err = c.Get(ctx, "no-such-id")
	assert.ErrorIs(t, err, payout.ErrNotFound)
}

func TestSandboxErrors(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	ctx := context.Background()

	_, err := c.Send(ctx, sandboxRequest("SB-FUNDS", "0712345678", payouttest.SandboxInsufficientFundsKES*100))
	require.ErrorIs(t, err, payout.ErrInsufficientFunds)

	_, err = c.Send(ctx, sandboxRequest("SB-C", "0712345678", 100_00))
	require.NoError(t, err)
	_, err = c.Send(ctx, sandboxRequest("SB-C", "0712345678", 200_00))
	require.ErrorIs(t, err, payout.ErrDuplicateReference, "the same Reference for another payout")

	bad, err := payos.New(sb.PayOSMerchantID(), "wrong-secret", payout.WithBaseURL(sb.PayOSURL()))
	require.NoError(t, err)
	_, err = bad.Send(ctx, sandboxRequest("SB-AUTH", "0712345678", 100_00))
	require.ErrorIs(t, err, payout.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "wrong-secret")
	assert.Zero(t, sb.CreatedCount(payouttest.SandboxPayOS, "SB-AUTH"))
}

func TestSandboxDuplicateReferenceWithoutIdempotencyReplay(t *testing.T) {
	// Another client (another key) created the payout first; this client's
	// Send is refused as a duplicate and answers with the existing payout.
	sb := payouttest.NewSandbox()
	defer sb.Close()
	ctx := context.Background()
	first, err := sandboxClient(t, sb).Send(ctx, sandboxRequest("SB-D", "0712345678", 100_00))
	require.NoError(t, err)
	sb.SetFault(func(provider string, r *http.Request) payouttest.Fault {
		r.Header.Del("Idempotency-Key") // as if the key had expired
		return payouttest.FaultNone()
	})
	again, err := sandboxClient(t, sb).Send(ctx, sandboxRequest("SB-D", "0712345678", 100_00))
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPayOS, "SB-D"))
}

func TestSandboxTokenExpiryAndConcurrency(t *testing.T) {
	sb := payouttest.NewSandbox(payouttest.WithPayOSTokenTTL(300 * time.Millisecond))
	defer sb.Close()
	c := sandboxClient(t, sb)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := c.Send(ctx, sandboxRequest(fmt.Sprintf("SB-T%02d", i), "0712345678", 100_00))
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	time.Sleep(350 * time.Millisecond) // the token has expired at the provider
	_, err := c.Send(ctx, sandboxRequest("SB-T-late", "0712345678", 100_00))
	require.NoError(t, err)
}

func TestSandboxFaultsNeverPayTwice(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault payouttest.Fault
	}{
		{"reset after process", payouttest.FaultResetAfterProcess()},
		{"503 after process", payouttest.FaultStatusAfterProcess(503)},
		{"truncated answer", payouttest.FaultTruncate()},
		{"reset before read", payouttest.FaultResetBeforeRead()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := payouttest.NewSandbox()
			defer sb.Close()
			var mu sync.Mutex
			faulted := 0
			sb.SetFault(func(provider string, r *http.Request) payouttest.Fault {
				mu.Lock()
				defer mu.Unlock()
				if r.URL.Path == "/api/v1/payout/initiate" && faulted < 2 {
					faulted++
					return tc.fault
				}
				return payouttest.FaultNone()
			})
			c := sandboxClient(t, sb, payout.WithMaxRetries(1))
			req := sandboxRequest("SB-F", "0712345678", 100_00)
			p, err := c.Send(context.Background(), req)
			if err != nil {
				require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
				p, err = c.Send(context.Background(), req)
			}
			require.NoError(t, err)
			assert.NotEmpty(t, p.ID)
			assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPayOS, "SB-F"))
		})
	}
}

func TestSandboxWebhooks(t *testing.T) {
	var mu sync.Mutex
	var events []payout.Event
	sb := payouttest.NewSandbox()
	defer sb.Close()
	h, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), func(_ context.Context, ev payout.Event) error {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	require.NoError(t, sb.SetPayOSWebhookURL(srv.URL))

	c := sandboxClient(t, sb)
	p, err := c.Send(context.Background(), sandboxRequest("SB-W", "0712345678", 100_00))
	require.NoError(t, err)
	f, err := c.Send(context.Background(), sandboxRequest("SB-WF", payouttest.SandboxPhoneInvalidAccount, 100_00))
	require.NoError(t, err)
	sb.SettleAll()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(events) == 2 }, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	byID := map[string]payout.Event{}
	for _, ev := range events {
		byID[ev.Payout.ID] = ev
	}
	assert.Equal(t, "payout.completed", byID[p.ID].Type)
	assert.Equal(t, payout.StatusSucceeded, byID[p.ID].Payout.Status)
	assert.Equal(t, "SB-W", byID[p.ID].Payout.Reference)
	assert.Equal(t, "payout.failed", byID[f.ID].Type)
	assert.Equal(t, payout.CodeInvalidRecipient, payos.FailureCode(byID[f.ID].Payout.FailureCode))
}
