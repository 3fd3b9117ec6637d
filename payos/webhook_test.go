package payos

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/payoutkit/payout/webhook"
)

func TestParseWebhookFixtures(t *testing.T) {
	body := fixture(t, "webhook_payout_completed.json")
	ev, err := ParseWebhook(body)
	require.NoError(t, err)
	assert.Equal(t, "payos:"+txID+":COMPLETED", ev.ID)
	assert.Equal(t, ProviderName, ev.Provider)
	assert.Equal(t, EventPayoutCompleted, ev.Type)
	assert.Equal(t, body, []byte(ev.Raw))
	assert.Equal(t, &payout.Payout{ID: txID, Reference: refIndiv, Provider: ProviderName, Status: payout.StatusSucceeded,
		ProviderStatus: "COMPLETED", Receipt: "SKL4H7QZ2P"}, ev.Payout)

	ev, err = ParseWebhook(fixture(t, "webhook_payout_failed.json"))
	require.NoError(t, err, "Svix's {type, data} envelope")
	assert.Equal(t, EventPayoutFailed, ev.Type)
	assert.Equal(t, payout.StatusFailed, ev.Payout.Status)
	assert.Equal(t, "PAYOUT_RECIPIENT_INVALID_ACCOUNT", ev.Payout.FailureCode)
	assert.Equal(t, "The recipient phone number is not registered with M-Pesa", ev.Payout.FailureMessage)
	assert.Equal(t, payout.CodeInvalidRecipient, FailureCode(ev.Payout.FailureCode))
}

func TestParseWebhookTypes(t *testing.T) {
	for typ, want := range map[string]payout.Status{
		EventPayoutCompleted: payout.StatusSucceeded, EventPayoutFailed: payout.StatusFailed,
		EventPayoutErrored: payout.StatusFailed, EventPayoutCancelled: payout.StatusCancelled,
		EventPayoutExpired: payout.StatusExpired, EventTransactionCompleted: payout.StatusSucceeded,
		EventTransactionFailed: payout.StatusFailed, EventTransactionErrored: payout.StatusFailed,
		EventTransactionCancelled: payout.StatusCancelled, EventTransactionExpired: payout.StatusExpired,
		EventTransactionSettled: payout.StatusSucceeded, "payout.on_hold": payout.StatusPending,
	} {
		status := strings.ToUpper(strings.SplitN(typ, ".", 2)[1])
		body := `{"type":"` + typ + `","payload":{"transactionId":"t1","status":"` + status + `","extra":{"kept":true}}}`
		ev, err := ParseWebhook([]byte(body))
		require.NoError(t, err, typ)
		assert.Equal(t, typ, ev.Type, "types are kept as sent, known or not")
		assert.Equal(t, want, ev.Payout.Status, typ)
		assert.Equal(t, status, ev.Payout.ProviderStatus)
	}
}

func TestParseWebhookErrors(t *testing.T) {
	for body, field := range map[string]string{
		`{"type":"payout.completed"}`:                                                       "payload",
		`{"type":"payout.completed","payload":null,"data":"x"}`:                             "payload",
		`{"type":"payout.completed","payload":[1]}`:                                         "payload",
		`{"type":"payout.completed","payload":{"status":"COMPLETED"}}`:                      "payload.transactionId",
		`{"type":"payout.completed","data":{"transactionId":"t"}}`:                          "payload.status",
		`{"type":"payout.completed","payload":{"transactionId":"t","status":"FAILED"}}`:     "type",
		`{"type":"transaction.settled","data":{"transactionId":"t","status":"PROCESSING"}}`: "type",
		`{"type":"payout.completed","payload":{"transactionId":1}}`:                         "payload",
		`[]`: "",
		`{"type":"payout.completed","payload":{"transactionId":"t","status"`: "",
		``: "",
	} {
		ev, err := ParseWebhook([]byte(body))
		assert.Nil(t, ev, body)
		require.ErrorIs(t, err, ErrInvalidWebhook, body)
		require.ErrorIs(t, err, payout.ErrInvalidRequest, body)
		var pe *payout.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, field, pe.Field, body)
		if field != "" {
			assert.Contains(t, err.Error(), field)
		}
	}
	big := append([]byte(`{"type":"x","payload":{"transactionId":"t","status":"S","pad":"`), bytes.Repeat([]byte("a"), MaxWebhookBody)...)
	big = append(big, `"}}`...)
	_, err := ParseWebhook(big)
	require.ErrorIs(t, err, ErrInvalidWebhook)
	assert.Contains(t, err.Error(), "exceeds")
}

// Issue 10, item 10: the webhook reads the payout's id as Send and Get do,
// "id" or "payoutId" where "transactionId" is absent; transactionId wins
// when several are there.
func TestParseWebhookIDOrPayoutIDWhereTransactionIDIsAbsent(t *testing.T) {
	for _, member := range []string{"id", "payoutId"} {
		for _, env := range []string{"payload", "data"} {
			for _, typ := range []string{EventPayoutCompleted, "payout.on_hold"} {
				status := "COMPLETED"
				if typ == "payout.on_hold" {
					status = "ON_HOLD"
				}
				body := `{"type":"` + typ + `","` + env + `":{"` + member + `":"` + txID + `","status":"` + status + `","merchantReference":"` + refIndiv + `"}}`
				ev, err := ParseWebhook([]byte(body))
				require.NoError(t, err, body)
				require.NotNil(t, ev.Payout, body)
				assert.Equal(t, txID, ev.Payout.ID, body)
				assert.Equal(t, refIndiv, ev.Payout.Reference, body)
				assert.Equal(t, "payos:"+txID+":"+status, ev.ID, body)
			}
		}
	}
	ev, err := ParseWebhook([]byte(`{"type":"payout.completed","payload":{"payoutId":"p-2","id":"i-1","transactionId":"t-0","status":"COMPLETED"}}`))
	require.NoError(t, err)
	assert.Equal(t, "t-0", ev.Payout.ID, "transactionId first")
	ev, err = ParseWebhook([]byte(`{"type":"payout.completed","payload":{"payoutId":"p-2","id":"i-1","status":"COMPLETED"}}`))
	require.NoError(t, err)
	assert.Equal(t, "i-1", ev.Payout.ID, "then id, then payoutId")
	_, err = ParseWebhook([]byte(`{"type":"payout.completed","payload":{"id":"","payoutId":"","status":"COMPLETED"}}`))
	var pe *payout.Error
	require.ErrorAs(t, err, &pe, "empty ids are no id")
	assert.Equal(t, "payload.transactionId", pe.Field)
}

// Regression (issue 11, item 5): correctly signed PayOS bodies of shapes
// the parser does not know were answered 400, so that PayOS retried them
// for a day and could disable the endpoint.
func TestWebhookHandlerAcceptsAuthenticEventsOfUnknownShape(t *testing.T) {
	var mu sync.Mutex
	var got []payout.Event
	h, err := NewWebhookHandler(testWebhookSecret, func(_ context.Context, ev payout.Event) error {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	bodies := []string{
		`{"type":"endpoint.ping"}`,
		`{"type":"balance.low","data":{"balance":{"amount":"120.00","currency":"KES"},"threshold":"500.00"}}`,
		`{"type":"merchant.kyc.approved","payload":{"merchantId":"m-1","approvedAt":"2026-03-01T09:00:00Z"}}`,
		`{"type":"payout.created","payload":{"transactionId":"t-new","merchantReference":"R-1"}}`,
		`{"type":"payout.created","payload":"not an object"}`,
		`{"type":{"nested":true},"payload":[1,2]}`,
		`{}`,
	}
	for i, b := range bodies {
		hdr, err := webhook.Sign(testWebhookSecret, fmt.Sprint("msg_", i), time.Now(), []byte(b))
		require.NoError(t, err)
		r := httptest.NewRequest(http.MethodPost, "/hooks/payos", strings.NewReader(b))
		for k, v := range hdr {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusOK, w.Code, b)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, len(bodies), "each one handed on, for the application to decide")
	for i, ev := range got {
		assert.Nil(t, ev.Payout, bodies[i])
		assert.Equal(t, fmt.Sprint("msg_", i), ev.ID, "deduplicated by its svix-id")
		assert.JSONEq(t, bodies[i], string(ev.Raw))
	}
	assert.Equal(t, "endpoint.ping", got[0].Type)
	assert.Equal(t, "payout.created", got[3].Type)

	// An unknown type whose object is a payout carries it.
	ev, err := ParseWebhook([]byte(`{"type":"payout.on_hold","payload":{"transactionId":"t1","status":"ON_HOLD"}}`))
	require.NoError(t, err)
	require.NotNil(t, ev.Payout)
	assert.Equal(t, payout.StatusPending, ev.Payout.Status)
	// A malformed documented payout event is still refused.
	_, err = ParseWebhook([]byte(`{"type":"payout.completed","payload":{"merchantReference":"R-1"}}`))
	assert.ErrorIs(t, err, ErrInvalidWebhook)
}

func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"webhook_payout_completed.json", "webhook_payout_failed.json", "get_payout_failed.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"type":"transaction.settled","data":{"transactionId":"t","currentState":"settled","amount":20.0}}`))
	f.Add([]byte(`{"type":"","payload":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseWebhook(body)
		if err != nil {
			require.Nil(t, ev)
			require.ErrorIs(t, err, ErrInvalidWebhook)
			return
		}
		require.Equal(t, ProviderName, ev.Provider)
		require.True(t, json.Valid(ev.Raw))
		if want, known := payoutEventStatus[ev.Type]; known {
			require.NotNil(t, ev.Payout, "a documented payout event has its payout")
			if ev.Payout.Status != payout.StatusReversed {
				require.Equal(t, want, ev.Payout.Status, "and its type agrees with its status")
			}
		}
		if ev.Payout == nil {
			require.Empty(t, ev.ID)
			return
		}
		require.NotEmpty(t, ev.Payout.ID)
		require.True(t, strings.HasPrefix(ev.ID, "payos:"+ev.Payout.ID+":"))
	})
}

func TestWebhookHandlerVerifiesAndParses(t *testing.T) {
	var vec struct {
		Secret       string            `json:"secret"`
		Headers      map[string]string `json:"headers"`
		VerifyAtUnix int64             `json:"verify_at_unix"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "webhook_signature_vector.json"), &vec))
	body := fixture(t, "webhook_payout_completed.json")

	var mu sync.Mutex
	var got []payout.Event
	handle := func(_ context.Context, ev payout.Event) error {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		return nil
	}
	post := func(h http.Handler, hdr http.Header, b []byte) int {
		r := httptest.NewRequest(http.MethodPost, "/hooks/payos", bytes.NewReader(b))
		for k, vs := range hdr {
			r.Header[k] = vs
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	// The documented vector, verified at its own time.
	v, err := webhook.NewStandardVerifierWithOptions([]string{vec.Secret},
		webhook.WithClock(func() time.Time { return time.Unix(vec.VerifyAtUnix, 0) }))
	require.NoError(t, err)
	h, err := NewWebhookHandler(vec.Secret, handle, webhook.WithVerifier(v))
	require.NoError(t, err)
	hdr := http.Header{}
	for k, val := range vec.Headers {
		hdr.Set(k, val)
	}
	assert.Equal(t, http.StatusOK, post(h, hdr, body))
	assert.Equal(t, http.StatusOK, post(h, hdr, body), "a redelivery is acknowledged")
	assert.Equal(t, http.StatusUnauthorized, post(h, hdr, append([]byte(" "), body...)), "a changed body is refused")

	// Signed now, with the default verifier.
	h, err = NewWebhookHandler(vec.Secret, handle)
	require.NoError(t, err)
	signed, err := webhook.Sign(vec.Secret, "msg_now", time.Now(), body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, post(h, signed, body))
	assert.Equal(t, http.StatusUnauthorized, post(h, http.Header{}, body))
	bad, err := webhook.Sign(vec.Secret, "msg_bad", time.Now(), []byte(`{"type":"payout.completed"}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, post(h, bad, []byte(`{"type":"payout.completed"}`)))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2, "the redelivery reached handle once")
	assert.Equal(t, vec.Headers["svix-id"], got[0].ID, "the svix-id is the dedupe key")
	assert.Equal(t, "msg_now", got[1].ID)
	assert.Equal(t, payout.StatusSucceeded, got[0].Payout.Status)

	_, err = NewWebhookHandler("not base64!", handle)
	require.ErrorIs(t, err, webhook.ErrInvalidSecret)
}

// testWebhookSecret is the endpoint secret of the tests (the fixture
// vector's: 24 bytes).
const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Review of issue 10, item 10 / issue 11, item 5: answers accept id or
// payoutId where transactionId is absent, but the webhook parser did not:
// an authentic payout event naming its payout so was answered 400, and
// PayOS retries it for a day and may disable the endpoint.
func TestParseWebhookAcceptsIDOrPayoutID(t *testing.T) {
	for _, member := range []string{"id", "payoutId"} {
		body := `{"type":"` + EventPayoutCompleted + `","payload":{"` + member + `":"` + txID + `","status":"COMPLETED","merchantReference":"` + refIndiv + `"}}`
		ev, err := ParseWebhook([]byte(body))
		require.NoError(t, err, member)
		assert.Equal(t, "payos:"+txID+":COMPLETED", ev.ID, member)
		require.NotNil(t, ev.Payout, member)
		assert.Equal(t, txID, ev.Payout.ID, member)
		assert.Equal(t, payout.StatusSucceeded, ev.Payout.Status, member)
	}
	_, err := ParseWebhook([]byte(`{"type":"` + EventPayoutCompleted + `","payload":{"status":"COMPLETED"}}`))
	var pe *payout.Error
	require.ErrorAs(t, err, &pe, "a payout event naming no payout is still malformed")
	assert.Equal(t, "payload.transactionId", pe.Field)
}
