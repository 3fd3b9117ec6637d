package palpluss

import (
	"bytes"
	"context"
	"fmt"
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
	"github.com/payoutkit/payout/webhook"
)

func TestWebhookHandlerConfirmsByGetAndDeduplicates(t *testing.T) {
	m := newMock(t)
	// The body claims SUCCESS; PalPluss's record (the camelCase fixture)
	// is what the application must see.
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(200, fixture(t, "transaction_get_camel.json")))
	signer, err := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	cb, err := signer.CallbackURL("https://shop.example.com/hooks/palpluss", "WD-2024-001")
	require.NoError(t, err)

	var mu sync.Mutex
	var got []payout.Event
	h := m.client.WebhookHandler(func(_ context.Context, ev payout.Event) error {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		return nil
	}, webhook.WithVerifier(signer.Verifier()))

	post := func(url string, body []byte) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body)))
		return rec.Code
	}
	body := fixture(t, "webhook_b2c_success.json")
	assert.Equal(t, http.StatusOK, post(cb, body))
	assert.Equal(t, http.StatusOK, post(cb, body), "a redelivery is acknowledged")
	assert.Equal(t, http.StatusUnauthorized, post("https://shop.example.com/hooks/palpluss", body), "no token")

	require.Len(t, got, 1, "handled once")
	ev := got[0]
	assert.Equal(t, EventSuccess, ev.Type)
	assert.Equal(t, "palpluss", ev.Provider)
	assert.Equal(t, payout.StatusSucceeded, ev.Payout.Status)
	assert.Equal(t, "LGR019G3J2", ev.Payout.Receipt)
	reqs := m.all()
	require.Len(t, reqs, 1, "confirmed once, by GET /transactions/{id}")
	assert.Equal(t, "/v1/transactions/"+txID, reqs[0].Path)
	assert.Equal(t, wantAuth, reqs[0].Header.Get("Authorization"))
}

func TestWebhookHandlerRefusesWhatPalPlussDoesNotKnow(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/2f9c1e77-0000-0000-0000-000000000003", reply(404, errorBody(t, 404, "TRANSACTION_NOT_FOUND")))
	called := false
	h := m.client.WebhookHandler(func(context.Context, payout.Event) error { called = true; return nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(fixture(t, "webhook_b2c_failed.json"))))
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.False(t, called)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader([]byte(`{"transaction":{"status":"SUCCESS"}}`))))
	assert.Equal(t, http.StatusBadRequest, rec.Code, "no transaction id")
}

// callbackHandler is a PalPluss webhook handler for one payout's callback
// URL, recording the events handed on.
func callbackHandler(t *testing.T, m *mock, opts ...webhook.Option) (h *webhook.Handler, cb string, got func() []payout.Event) {
	t.Helper()
	signer, err := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	require.NoError(t, err)
	cb, err = signer.CallbackURL("https://shop.example.com/hooks/palpluss", "WD-2024-001")
	require.NoError(t, err)
	var mu sync.Mutex
	var events []payout.Event
	h = m.client.WebhookHandler(func(_ context.Context, ev payout.Event) error {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	}, append([]webhook.Option{webhook.WithVerifier(signer.Verifier())}, opts...)...)
	return h, cb, func() []payout.Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]payout.Event(nil), events...)
	}
}

func postTo(h http.Handler, url string, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body)))
	return rec
}

// pendingTx is GET /transactions/{id} while the payout is pending.
func pendingTx(t *testing.T) []byte {
	b := bytes.Replace(fixture(t, "transaction_get_camel.json"), []byte(`"status": "SUCCESS"`), []byte(`"status": "PENDING"`), 1)
	return bytes.Replace(b, []byte(`"mpesaReceipt": "LGR019G3J2"`), []byte(`"mpesaReceipt": null`), 1)
}

// Regression (issue 11, item 1): with one leaked callback URL, a forged
// SUCCESS while the payout was PENDING was handed on (Type success, Status
// pending) and its key marked done, so that PalPluss's genuine SUCCESS
// callback was answered 200 and never handed on.
func TestWebhookHandlerForgedSuccessDoesNotPoisonTheGenuine(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID,
		reply(200, pendingTx(t)), reply(200, fixture(t, "transaction_get_camel.json")))
	// No cache: the genuine callback comes right after the forgery here.
	h, cb, got := callbackHandler(t, m, webhook.WithConfirmLimits(webhook.ConfirmLimits{CacheTTL: -1}))

	genuine := fixture(t, "webhook_b2c_success.json") // what the attacker forges, byte for byte
	assert.Equal(t, http.StatusUnprocessableEntity, postTo(h, cb, genuine).Code, "PalPluss says PENDING")
	assert.Empty(t, got(), "a contradicted event is not handed on")

	assert.Equal(t, http.StatusOK, postTo(h, cb, genuine).Code, "PalPluss settled; its callback arrives")
	events := got()
	require.Len(t, events, 1, "the genuine delivery is processed")
	assert.Equal(t, EventSuccess, events[0].Type)
	assert.Equal(t, payout.StatusSucceeded, events[0].Payout.Status)
	assert.Equal(t, "LGR019G3J2", events[0].Payout.Receipt)
	assert.Equal(t, http.StatusOK, postTo(h, cb, genuine).Code, "its redelivery is a duplicate")
	assert.Len(t, got(), 1)
}

// Regression (issue 11, item 2): the key embedded the status as sent, so
// that SUCCESS0 ... SUCCESS59 were 60 events (60 Gets, 60 handler calls),
// and a 512 KiB status a 512 KiB key.
func TestWebhookHandlerStatusSpellingsShareOneKey(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(200, pendingTx(t)))
	h, cb, got := callbackHandler(t, m)
	tmpl := `{"event":"transaction.updated","event_type":"transaction.updated","transaction":{"id":"` + txID +
		`","status":"%s","external_reference":"WD-2024-001"}}`
	for i := range 60 {
		code := postTo(h, cb, []byte(fmt.Sprintf(tmpl, fmt.Sprint("SUCCESS", i)))).Code
		assert.Contains(t, []int{http.StatusOK, http.StatusConflict}, code)
	}
	assert.Len(t, got(), 1, "one transaction, one unknown status: one event (PENDING's)")
	assert.Equal(t, txID+":PENDING", got()[0].ID)
	assert.Len(t, m.all(), 1, "one Get")

	huge := postTo(h, cb, []byte(fmt.Sprintf(tmpl, strings.Repeat("S", 512<<10))))
	assert.Equal(t, http.StatusBadRequest, huge.Code, "a 512 KiB status is no status")
	assert.Len(t, m.all(), 1)
}

// Regression (issue 11, item 3): ten forged callbacks on one leaked URL
// cost ten Gets on the merchant's key and starved a Send. They cost the
// payout's confirmation budget now; the rest are answered 503 with
// Retry-After, and the Send goes through.
func TestWebhookHandlerFloodCostsAtMostTheBudget(t *testing.T) {
	// Paced as PalPluss's limit asks, ten times faster: a Get every 100 ms.
	m := newMock(t, payout.WithRateLimit(RequestsPerMinute, 6*time.Second))
	m.on(http.MethodPost, payoutsURL, reply(201, fixture(t, "b2c_payout_response.json")))
	forgedID := func(i int) string { return fmt.Sprintf("2f9c1e77-0000-0000-0000-%012d", 100+i) }
	for i := range 30 {
		m.on(http.MethodGet, baseURL+"/transactions/"+forgedID(i), reply(404, errorBody(t, 404, "TRANSACTION_NOT_FOUND")))
	}
	h, cb, got := callbackHandler(t, m)
	gets := func() int {
		n := 0
		for _, r := range m.all() {
			if r.Method == http.MethodGet {
				n++
			}
		}
		return n
	}
	var wg sync.WaitGroup
	codes := make(chan *httptest.ResponseRecorder, 30)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			forged := fmt.Sprintf(`{"event_type":"transaction.success","transaction":{"id":%q,"status":"SUCCESS","external_reference":"WD-2024-001"}}`, forgedID(i))
			codes <- postTo(h, cb, []byte(forged))
		}()
	}
	// While the flood runs, a Send must get its turn: 30 Gets queued ahead
	// of it would take 3 s.
	require.Eventually(t, func() bool { return gets() > 0 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := m.client.Send(ctx, payout.Request{Reference: "WD-2024-001", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}})
	require.NoError(t, err, "the flood did not take the rate the Send needs")

	wg.Wait()
	close(codes)
	refused := 0
	for w := range codes {
		if w.Code == http.StatusServiceUnavailable {
			refused++
			assert.NotEmpty(t, w.Header().Get("Retry-After"))
		} else {
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		}
	}
	assert.Equal(t, webhook.DefaultConfirmPayoutBurst, gets(), "a leaked URL costs its payout's budget, no more")
	assert.Equal(t, 30-gets(), refused)
	assert.Empty(t, got())
}

// Review of issue 10, item 9 / issue 11: a callback naming a transaction
// id that Get refuses before asking ("..", one holding '/') was answered
// 503, so it was redelivered for nothing, and a flood of them passed for
// an outage. No transaction can have such an id: 422, nothing sent, the
// HandleFunc never called.
func TestWebhookHandlerRefusesAnIDGetCannotAsk(t *testing.T) {
	for _, id := range []string{"..", "tx/../../wallets", `tx\1`} {
		m := newMock(t)
		called := false
		h := m.client.WebhookHandler(func(context.Context, payout.Event) error { called = true; return nil })
		body := fmt.Sprintf(`{"event":"transaction.updated","event_type":"transaction.success","transaction":{"id":%q,"status":"SUCCESS","external_reference":"WD-1"}}`, id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body)))
		assert.Equal(t, http.StatusUnprocessableEntity, rec.Code, id)
		assert.False(t, called, id)
		assert.Empty(t, m.all(), "%s: nothing is sent to PalPluss", id)
	}
}
