package payouttest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

type sink struct {
	mu     sync.Mutex
	events []payout.Event
}

func (s *sink) handle(_ context.Context, ev payout.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	return nil
}

func (s *sink) all() []payout.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]payout.Event(nil), s.events...)
}

func serveTo(h http.Handler, r *http.Request) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// Regression (issue 11, item 8): Fake.WebhookRequest built a private body
// that a PalPluss or PayOS route answers 400; the provider-shaped requests
// go through the real routes, parsers, verifiers and confirmation.
func TestProviderShapedWebhookRequests(t *testing.T) {
	fake := payouttest.NewFake()
	signer, err := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	statuses := []payout.Status{payout.StatusSucceeded, payout.StatusFailed, payout.StatusCancelled, payout.StatusExpired, payout.StatusProcessing}
	var ids []string
	for i, st := range statuses {
		ref := "REF-" + string(st)
		cb, err := signer.CallbackURL("https://shop.example.com/hooks/palpluss", ref)
		require.NoError(t, err)
		p, err := fake.Send(context.Background(), payout.Request{Reference: ref, Amount: money.New(int64(100_00+i*50), money.KES),
			Recipient: payout.Recipient{Phone: "0712345678"}, CallbackURL: cb})
		require.NoError(t, err)
		_, err = fake.Settle(p.ID, st)
		require.NoError(t, err)
		ids = append(ids, p.ID)
	}

	// The Fake costs nothing to ask: no confirmation budget.
	free := webhook.WithConfirmLimits(webhook.ConfirmLimits{Rate: -1, PerPayout: -1})
	pal := &sink{}
	palRoute := webhook.NewHandler(palpluss.ParseWebhook, pal.handle,
		webhook.WithVerifier(signer.Verifier()), webhook.WithConfirm(webhook.ConfirmByGet(fake)), free)
	pay := &sink{}
	payRoute, err := payos.NewWebhookHandler(hookSecret, pay.handle, webhook.WithConfirm(webhook.ConfirmByGet(fake)), free)
	require.NoError(t, err)

	// The Fake's own body is no PayOS body: a PayOS route sees an event of
	// unknown shape, without its payout.
	oldSink := &sink{}
	oldRoute, err := payos.NewWebhookHandler(hookSecret, oldSink.handle)
	require.NoError(t, err)
	old, err := fake.WebhookRequest(ids[0], "https://shop.example.com/hooks/payos", hookSecret)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, serveTo(oldRoute, old))
	require.Len(t, oldSink.all(), 1)
	assert.Nil(t, oldSink.all()[0].Payout)

	for i, id := range ids {
		want, err := fake.Get(context.Background(), id)
		require.NoError(t, err)

		r, err := fake.PalPlussWebhookRequest(id)
		require.NoError(t, err)
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, http.StatusOK, serveTo(palRoute, r), "%s", want.Status)
		r, err = fake.PayOSWebhookRequest(id, "https://shop.example.com/hooks/payos", hookSecret)
		require.NoError(t, err)
		assert.NotEmpty(t, r.Header.Get("svix-signature"))
		assert.Equal(t, http.StatusOK, serveTo(payRoute, r), "%s", want.Status)

		for _, got := range []payout.Event{pal.all()[i], pay.all()[i]} {
			assert.Equal(t, want.ID, got.Payout.ID)
			assert.Equal(t, want.Reference, got.Payout.Reference)
			assert.Equal(t, want.Status, got.Payout.Status)
		}
		// What the provider's body itself says, before confirmation.
		pe, err := palpluss.ParseWebhook(pal.all()[i].Raw)
		require.NoError(t, err)
		assert.Equal(t, want.Status, pe.Payout.Status)
		assert.Equal(t, want.Amount, pe.Payout.Amount)
		assert.Equal(t, want.Receipt, pe.Payout.Receipt)
		assert.Equal(t, "254712345678", pe.Payout.Phone)
		oe, err := payos.ParseWebhook(pay.all()[i].Raw)
		require.NoError(t, err)
		assert.Equal(t, want.Status, oe.Payout.Status)
		assert.Equal(t, want.Receipt, oe.Payout.Receipt)
		assert.Equal(t, want.FailureCode, oe.Payout.FailureCode)
	}
	assert.Equal(t, palpluss.EventSuccess, pal.all()[0].Type)
	assert.Equal(t, payos.EventPayoutCompleted, pay.all()[0].Type)
	assert.Equal(t, payos.EventPayoutFailed, pay.all()[1].Type)

	// A redelivery is one (same svix-id, same PalPluss key); a wrong secret
	// or a URL without the token is refused.
	r, _ := fake.PayOSWebhookRequest(ids[0], "https://shop.example.com/hooks/payos", hookSecret)
	assert.Equal(t, http.StatusOK, serveTo(payRoute, r))
	r, _ = fake.PalPlussWebhookRequest(ids[0])
	assert.Equal(t, http.StatusOK, serveTo(palRoute, r))
	assert.Len(t, pay.all(), len(ids))
	assert.Len(t, pal.all(), len(ids))
	r, err = fake.PayOSWebhookRequest(ids[0], "https://shop.example.com/hooks/payos", "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkhIQ==")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, serveTo(payRoute, r))
	r, err = payouttest.PalPlussWebhookRequest("https://shop.example.com/hooks/palpluss?ref=REF-succeeded", &payout.Payout{ID: ids[0], Reference: "REF-succeeded", Status: payout.StatusSucceeded})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, serveTo(palRoute, r))

	// No CallbackURL at Send: nothing to build.
	p, err := fake.Send(context.Background(), payout.Request{Reference: "NO-CB", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}})
	require.NoError(t, err)
	_, err = fake.PalPlussWebhookRequest(p.ID)
	assert.ErrorContains(t, err, "CallbackURL")
	_, err = fake.PalPlussWebhookRequest("nope")
	assert.Error(t, err)
	_, err = payouttest.PayOSWebhookRequest("https://x", hookSecret, &payout.Payout{ID: "x", Status: "weird"})
	assert.Error(t, err)
	_, err = payouttest.PayOSWebhookRequest("https://x", "whsec_AA==", &payout.Payout{ID: "x", Status: payout.StatusSucceeded})
	assert.ErrorIs(t, err, webhook.ErrInvalidSecret)
}

// A Sandbox delivery replays into a route without a listener.
func TestSandboxDeliveryRequestReplays(t *testing.T) {
	sb := payouttest.NewSandbox(payouttest.WithSandboxWebhookRetries(), payouttest.WithPayOSWebhookURL("http://127.0.0.1:1/hooks/payos"))
	defer sb.Close()
	c, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), adapterOptions(sb.PayOSURL())...)
	require.NoError(t, err)
	p, err := c.Send(context.Background(), payout.Request{Reference: "SB-1", Amount: money.New(100_00, money.KES),
		Recipient: payout.Recipient{Name: "Jane Doe", Phone: "0712345678"}, Sender: &payout.Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Nationality: "ZAF",
			Identity: payout.IdentityPassport, IdentityNumber: "A12345678", DateOfBirth: "1990-01-15",
			PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"}})
	require.NoError(t, err)
	require.NoError(t, sb.Settle(payouttest.SandboxPayOS, p.ID))
	var d payouttest.SandboxDelivery
	require.Eventually(t, func() bool {
		ds := sb.Deliveries(payouttest.SandboxPayOS)
		if len(ds) == 0 {
			return false
		}
		d = ds[0]
		return true
	}, 5*time.Second, 5*time.Millisecond)
	got := &sink{}
	route, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), got.handle, webhook.WithConfirm(webhook.ConfirmByGet(c)))
	require.NoError(t, err)
	r, err := d.Request()
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(r.URL.Path, "/hooks/payos"))
	assert.Equal(t, http.StatusOK, serveTo(route, r))
	require.Len(t, got.all(), 1)
	assert.Equal(t, p.ID, got.all()[0].Payout.ID)
	assert.Equal(t, payout.StatusSucceeded, got.all()[0].Payout.Status)
}

// The Sandbox builds the webhook of a payout it knows, in its current
// status, for either provider: a route test needs no listener.
func TestSandboxWebhookRequest(t *testing.T) {
	sb := payouttest.NewSandbox(payouttest.WithSandboxWebhookRetries())
	defer sb.Close()
	ctx := context.Background()
	signer, err := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	pal, err := palpluss.New(sb.PalPlussAPIKey(), adapterOptions(sb.PalPlussURL())...)
	require.NoError(t, err)
	pos, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), adapterOptions(sb.PayOSURL())...)
	require.NoError(t, err)

	cb, err := signer.CallbackURL("https://127.0.0.1:1/hooks/palpluss", "SBW-1")
	require.NoError(t, err)
	pp, err := pal.Send(ctx, payout.Request{Reference: "SBW-1", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}, CallbackURL: cb})
	require.NoError(t, err)
	op, err := pos.Send(ctx, payout.Request{Reference: "SBW-2", Amount: money.New(750_00, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: payouttest.SandboxPhoneInvalidAccount},
		Sender: &payout.Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Nationality: "ZAF",
			Identity: payout.IdentityPassport, IdentityNumber: "A12345678", DateOfBirth: "1990-01-15",
			PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"}})
	require.NoError(t, err)
	require.NoError(t, sb.Settle(payouttest.SandboxPalPluss, pp.ID))
	require.NoError(t, sb.Settle(payouttest.SandboxPayOS, op.ID))

	got := &sink{}
	palRoute := pal.WebhookHandler(got.handle, webhook.WithVerifier(signer.Verifier()))
	posRoute, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), got.handle, webhook.WithConfirm(webhook.ConfirmByGet(pos)))
	require.NoError(t, err)

	r, err := sb.WebhookRequest(payouttest.SandboxPalPluss, pp.ID, "")
	require.NoError(t, err)
	assert.Equal(t, cb, r.URL.String(), "to the payout's callback URL")
	assert.Equal(t, http.StatusOK, serveTo(palRoute, r))
	r, err = sb.WebhookRequest(payouttest.SandboxPayOS, op.ID, "https://shop.example.com/hooks/payos")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, serveTo(posRoute, r))

	evs := got.all()
	require.Len(t, evs, 2)
	assert.Equal(t, palpluss.EventSuccess, evs[0].Type)
	assert.Equal(t, payout.StatusSucceeded, evs[0].Payout.Status)
	assert.NotEmpty(t, evs[0].Payout.Receipt)
	assert.Equal(t, payos.EventPayoutFailed, evs[1].Type)
	assert.Equal(t, payout.StatusFailed, evs[1].Payout.Status)
	assert.Equal(t, "PAYOUT_RECIPIENT_INVALID_ACCOUNT", evs[1].Payout.FailureCode)

	_, err = sb.WebhookRequest(payouttest.SandboxPalPluss, "nope", "")
	assert.ErrorIs(t, err, payout.ErrNotFound)
	_, err = sb.WebhookRequest(payouttest.SandboxPayOS, op.ID, "")
	assert.Error(t, err, "no PayOS endpoint configured")
}
