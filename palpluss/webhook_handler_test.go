package palpluss

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
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
