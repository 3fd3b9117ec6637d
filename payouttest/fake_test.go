package payouttest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

func request(ref, phone string) payout.Request {
	return payout.Request{Reference: ref, Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Name: "John", Phone: phone}}
}

func TestFakeSendIsIdempotentPerReference(t *testing.T) {
	f := payouttest.NewFake()
	ctx := context.Background()
	first, err := f.Send(ctx, request("R-1", "0712345678"))
	require.NoError(t, err)
	assert.Equal(t, payout.StatusPending, first.Status)
	assert.Equal(t, "254712345678", first.Phone)
	assert.Equal(t, payouttest.FakeProvider, first.Provider)
	again, err := f.Send(ctx, request("R-1", "+254 712 345 678"))
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Len(t, f.Payouts(), 1, "a repeated Reference creates nothing")
	assert.Len(t, f.Requests(), 2, "but every Send is recorded")
	other := request("R-1", "0712345678")
	other.Amount = money.New(1000, money.KES)
	_, err = f.Send(ctx, other)
	assert.ErrorIs(t, err, payout.ErrDuplicateReference, "a Reference reused for another amount")
	_, err = f.Send(ctx, request("R-1", "0722000000"))
	assert.ErrorIs(t, err, payout.ErrDuplicateReference, "a Reference reused for another recipient is not the first payout")
	assert.Len(t, f.Payouts(), 1)
}

// Issue 10, item 5: the same Reference and amount to another phone. The old
// Fake returned the earlier payout with a nil error, as if phone B had been
// paid; it now behaves as the adapters do.
func TestFakeReferenceReusedForAnotherPhone(t *testing.T) {
	f := payouttest.NewFake()
	ctx := context.Background()
	first, err := f.Send(ctx, request("R-9", "0712345678"))
	require.NoError(t, err)
	p, err := f.Send(ctx, request("R-9", "0798765432"))
	assert.Nil(t, p)
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
	assert.Contains(t, err.Error(), "phone 2547****5678, not 2547****5432")
	assert.Contains(t, err.Error(), first.ID)
	assert.NotContains(t, err.Error(), "0798765432", "phones are masked")
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "R-9", pe.Reference)
	assert.Equal(t, payouttest.FakeProvider, pe.Provider)
	assert.Len(t, f.Payouts(), 1)

	other := request("R-9", "0712345678")
	other.Amount = money.New(1000, money.KES)
	_, err = f.Send(ctx, other)
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
	assert.Contains(t, err.Error(), "amount KES 500.00, not KES 10.00")
}

func TestFakeValidates(t *testing.T) {
	f := payouttest.NewFake()
	_, err := f.Send(context.Background(), request("R-2", "020 1234567"))
	assert.ErrorIs(t, err, payout.ErrInvalidRecipient)
	assert.Empty(t, f.Payouts())
	assert.Len(t, f.Requests(), 1)
}

func TestFakeScriptedFailures(t *testing.T) {
	f := payouttest.NewFake()
	ctx := context.Background()
	f.OnReference("R-broke", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInsufficientFunds), Times: 1})
	require.NoError(t, f.OnPhone("0722 000 000", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInvalidRecipient)}))
	assert.Error(t, f.OnPhone("12", payouttest.Outcome{}))

	_, err := f.Send(ctx, request("R-broke", "0712345678"))
	assert.ErrorIs(t, err, payout.ErrInsufficientFunds)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "R-broke", pe.Reference)
	p, err := f.Send(ctx, request("R-broke", "0712345678"))
	require.NoError(t, err, "Times: 1 fails once")
	assert.NotEmpty(t, p.ID)

	for _, number := range []string{"0722000000", "+254722000000", "254 722 000 000"} {
		_, err = f.Send(ctx, request("R-ph-"+number, number))
		assert.ErrorIs(t, err, payout.ErrInvalidRecipient, number)
	}
	assert.Len(t, f.Payouts(), 1)
}

func TestFakeLostAnswerThenResend(t *testing.T) {
	f := payouttest.NewFake()
	ctx := context.Background()
	f.OnReference("R-lost", payouttest.Outcome{Err: payouttest.Failure(payout.CodeOutcomeUnknown), Create: true, Times: 1})
	_, err := f.Send(ctx, request("R-lost", "0712345678"))
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	require.Len(t, f.Payouts(), 1, "the provider has it")
	p, err := f.Send(ctx, request("R-lost", "0712345678"))
	require.NoError(t, err)
	assert.Equal(t, f.Payouts()[0].ID, p.ID, "sending again returns the payout, not a second one")
}

func TestFakeSettleGetAndEvents(t *testing.T) {
	f := payouttest.NewFake()
	ctx := context.Background()
	p, err := f.Send(ctx, request("R-3", "0712345678"))
	require.NoError(t, err)
	_, err = f.Settle(p.ID, payout.StatusSucceeded)
	require.NoError(t, err)
	got, err := f.Get(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusSucceeded, got.Status)
	assert.NotEmpty(t, got.Receipt)
	_, err = f.Get(ctx, "nope")
	assert.ErrorIs(t, err, payout.ErrNotFound)
	_, err = f.Settle("nope", payout.StatusFailed)
	assert.ErrorIs(t, err, payout.ErrNotFound)

	ev, err := f.Event(p.ID)
	require.NoError(t, err)
	assert.Equal(t, "payout.succeeded", ev.Type)
	parsed, err := payouttest.ParseWebhook(ev.Raw)
	require.NoError(t, err)
	assert.Equal(t, ev.ID, parsed.ID)
	assert.Equal(t, *got, *withTimes(parsed.Payout, got), "the webhook carries the payout")
}

// withTimes copies the timestamps a webhook body does not carry.
func withTimes(p, from *payout.Payout) *payout.Payout {
	cp := *p
	cp.CreatedAt, cp.UpdatedAt, cp.Fee = from.CreatedAt, from.UpdatedAt, from.Fee
	return &cp
}

func TestFakeSignedWebhookThroughHandler(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	f := payouttest.NewFake()
	p, err := f.Send(context.Background(), request("R-4", "0712345678"))
	require.NoError(t, err)
	_, err = f.Settle(p.ID, payout.StatusFailed)
	require.NoError(t, err)

	v, err := webhook.NewStandardVerifier(secret)
	require.NoError(t, err)
	var mu sync.Mutex
	var got []payout.Event
	h := webhook.NewHandler(payouttest.ParseWebhook, func(_ context.Context, ev payout.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}, webhook.WithVerifier(v))
	for i := 0; i < 2; i++ { // a redelivery reaches the application once
		r, err := f.WebhookRequest(p.ID, "https://example.com/hooks", secret)
		require.NoError(t, err)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Less(t, w.Code, 300)
	}
	require.Len(t, got, 1)
	assert.Equal(t, payout.StatusFailed, got[0].Payout.Status)
	assert.Equal(t, "FAKE_FAILED", got[0].Payout.FailureCode)

	r, err := f.WebhookRequest(p.ID, "https://example.com/hooks", "whsec_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusUnauthorized, w.Code, "signed under another secret")
}

func TestFakeConcurrentUse(t *testing.T) {
	f := payouttest.NewFake()
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p, err := f.Send(context.Background(), request(fmt.Sprintf("C-%d", i%16), "0712345678"))
			if assert.NoError(t, err) {
				_, _ = f.Get(context.Background(), p.ID)
			}
		}(i)
	}
	wg.Wait()
	assert.Len(t, f.Payouts(), 16)
	assert.Len(t, f.Requests(), 64)
}

func ExampleFake() {
	f := payouttest.NewFake()
	f.OnReference("WD-2", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInsufficientFunds)})

	// The code under test sees a payout.Client.
	var client payout.Client = f
	ctx := context.Background()
	p, _ := client.Send(ctx, request("WD-1", "0712 345 678"))
	fmt.Println(p.ID, p.Status, p.Phone)
	_, err := client.Send(ctx, request("WD-2", "0712 345 678"))
	fmt.Println(err)

	f.Settle(p.ID, payout.StatusSucceeded)
	p, _ = client.Get(ctx, p.ID)
	fmt.Println(p.Status, p.Receipt, len(f.Requests()))
	// Output:
	// fake-000001 pending 254712345678
	// payout: fake: insufficient funds: scripted failure (reference "WD-2")
	// succeeded FK000001 2
}
