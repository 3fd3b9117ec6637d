package payouttest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// pathLimiter is a payout.Limiter that records each Wait, and a
// RoundTripper behind it that records each request that went out, so a
// test can compare the two.
type pathLimiter struct {
	mu    sync.Mutex
	waits int
	sent  []string
	next  http.RoundTripper
}

func (l *pathLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	l.waits++
	l.mu.Unlock()
	return ctx.Err()
}

func (l *pathLimiter) PauseUntil(context.Context, time.Time) error { return nil }

func (l *pathLimiter) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.sent = append(l.sent, r.Method+" "+r.URL.Path)
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

func (l *pathLimiter) counts() (int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits, append([]string(nil), l.sent...)
}

func limitedOptions(base string, l *pathLimiter) []payout.Option {
	l.next = &http.Transport{DisableKeepAlives: true}
	return []payout.Option{payout.WithBaseURL(base), payout.WithLimiter(l),
		payout.WithHTTPClient(&http.Client{Transport: l})}
}

// TestPayOSTokenCallsGoThroughTheLimiter: the OAuth2 token request counts
// against the provider's limit like any other, so it waits for the
// Limiter too.
func TestPayOSTokenCallsGoThroughTheLimiter(t *testing.T) {
	sb := payouttest.NewSandbox()
	t.Cleanup(sb.Close)
	l := &pathLimiter{}
	c, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), limitedOptions(sb.PayOSURL(), l)...)
	require.NoError(t, err)
	s, err := payout.NewIndividualSender("Jane Smith", "27821234567", payout.IdentityPassport, "A12345678", "1990-01-15",
		payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), payout.Request{Reference: "LIM-1", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: "0712345678"}, Sender: s})
	require.NoError(t, err)

	waits, sent := l.counts()
	assert.Equal(t, len(sent), waits, "one Wait per request sent: %v", sent)
	assert.Contains(t, sent, "POST /api/v1/auth/oauth2/token")
	assert.GreaterOrEqual(t, len(sent), 2, "the token and the payout")
}

// TestWebhookConfirmationsGoThroughTheLimiter: the Get that confirms a
// PalPluss callback waits for the Limiter, so a flood of callbacks cannot
// spend the account's rate limit behind the Limiter's back.
func TestWebhookConfirmationsGoThroughTheLimiter(t *testing.T) {
	sb := payouttest.NewSandbox()
	t.Cleanup(sb.Close)
	l := &pathLimiter{}
	c, err := palpluss.New(sb.PalPlussAPIKey(), limitedOptions(sb.PalPlussURL(), l)...)
	require.NoError(t, err)

	signer, err := webhook.NewCallbackSigner("a-long-random-merchant-secret")
	require.NoError(t, err)
	events := make(chan payout.Event, 1)
	srv := httptest.NewServer(c.WebhookHandler(func(_ context.Context, ev payout.Event) error {
		events <- ev
		return nil
	}, webhook.WithVerifier(signer.Verifier())))
	t.Cleanup(srv.Close)
	callback, err := signer.CallbackURL(srv.URL+"/hook", "LIM-2")
	require.NoError(t, err)

	p, err := c.Send(context.Background(), payout.Request{Reference: "LIM-2", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}, CallbackURL: callback})
	require.NoError(t, err)
	require.NoError(t, sb.Settle(payouttest.SandboxPalPluss, p.ID))
	select {
	case ev := <-events:
		assert.Equal(t, payout.StatusSucceeded, ev.Payout.Status)
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook")
	}
	waits, sent := l.counts()
	assert.Equal(t, len(sent), waits, "one Wait per request sent: %v", sent)
	assert.Contains(t, sent, "GET /v1/transactions/"+p.ID, "the confirming Get")
}
