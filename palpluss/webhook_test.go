package palpluss

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestParseWebhookSuccess(t *testing.T) {
	body := fixture(t, "webhook_b2c_success.json")
	ev, err := ParseWebhook(body)
	require.NoError(t, err)
	assert.Equal(t, "2f9c1e77-0000-0000-0000-000000000001:SUCCESS", ev.ID)
	assert.Equal(t, "palpluss", ev.Provider)
	assert.Equal(t, EventSuccess, ev.Type)
	assert.Equal(t, body, []byte(ev.Raw))
	assert.Equal(t, &payout.Payout{
		ID: txID, Reference: "WD-2024-001", Provider: "palpluss",
		Status: payout.StatusSucceeded, ProviderStatus: "SUCCESS",
		Amount: money.New(500_00, money.KES), Fee: money.New(15_00, money.KES),
		Phone: "254712345678", Receipt: "LGR019G3J2",
		CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 3, 1, 9, 1, 30, 0, time.UTC),
	}, ev.Payout)

	body[0] = ' '
	assert.NotEqual(t, body, []byte(ev.Raw), "Raw is a copy")
}

func TestParseWebhookFailed(t *testing.T) {
	ev, err := ParseWebhook(fixture(t, "webhook_b2c_failed.json"))
	require.NoError(t, err)
	assert.Equal(t, "2f9c1e77-0000-0000-0000-000000000003:FAILED", ev.ID)
	assert.Equal(t, EventFailed, ev.Type)
	p := ev.Payout
	assert.Equal(t, payout.StatusFailed, p.Status)
	assert.Equal(t, "WD-2024-003", p.Reference)
	assert.Equal(t, money.New(2500_00, money.KES), p.Amount)
	assert.Equal(t, "254722000000", p.Phone)
	assert.Empty(t, p.Receipt)
	assert.Equal(t, "2001", p.FailureCode)
	assert.Equal(t, "The initiator information is invalid.", p.FailureMessage)
}

func TestParseWebhookIsLenient(t *testing.T) {
	cases := []struct {
		name, body string
		check      func(t *testing.T, ev *payout.Event)
	}{
		{"reversed", `{"event":"transaction.updated","event_type":"transaction.failed","transaction":{"id":"t1","status":"REVERSED","amount":500,"result_code":"2001"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, payout.StatusReversed, ev.Payout.Status)
			assert.Equal(t, "t1:REVERSED", ev.ID)
			assert.Equal(t, "2001", ev.Payout.FailureCode)
		}},
		{"unknown event type kept", `{"event":"transaction.updated","event_type":"transaction.reversed","transaction":{"id":"t1","status":"REVERSED"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, "transaction.reversed", ev.Type)
		}},
		{"no event_type: event", `{"event":"transaction.updated","transaction":{"id":"t1","status":"PROCESSING"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, EventUpdated, ev.Type)
			assert.Equal(t, payout.StatusProcessing, ev.Payout.Status)
		}},
		{"no type at all", `{"transaction":{"id":"t1","status":"SUCCESS"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Empty(t, ev.Type)
		}},
		{"unknown status kept", `{"event_type":"transaction.updated","transaction":{"id":"t1","status":"QUEUED_AT_OPERATOR"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, payout.StatusPending, ev.Payout.Status)
			assert.Equal(t, "QUEUED_AT_OPERATOR", ev.Payout.ProviderStatus)
			assert.Equal(t, "t1:PENDING", ev.ID, "the key names a known status: PENDING's for an unknown one")
		}},
		{"lower-case status", `{"transaction":{"id":"t1","status":"success"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, payout.StatusSucceeded, ev.Payout.Status)
			assert.Equal(t, "t1:SUCCESS", ev.ID, "the key does not depend on the status's case")
		}},
		{"unknown members and odd types", `{"event_type":"transaction.success","extra":{"a":[1,2]},"transaction":{"id":"t1","status":"SUCCESS","amount":"500","transaction_fee":null,"result_code":0,"metadata":{"x":1},"tenant_id":7}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, money.New(500_00, money.KES), ev.Payout.Amount)
		}},
		{"camelCase transaction", `{"eventType":"transaction.success","transaction":{"transactionId":"t1","status":"SUCCESS","mpesaReceipt":"ABC","phoneNumber":"0712345678","externalReference":"R"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, "t1", ev.Payout.ID)
			assert.Equal(t, "ABC", ev.Payout.Receipt)
			assert.Equal(t, "254712345678", ev.Payout.Phone)
			assert.Equal(t, "R", ev.Payout.Reference)
			assert.Equal(t, EventSuccess, ev.Type)
		}},
		{"data instead of transaction", `{"event_type":"transaction.expired","data":{"id":"t1","status":"EXPIRED"}}`, func(t *testing.T, ev *payout.Event) {
			assert.Equal(t, payout.StatusExpired, ev.Payout.Status)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseWebhook([]byte(tc.body))
			require.NoError(t, err)
			assert.Equal(t, "palpluss", ev.Provider)
			tc.check(t, ev)
		})
	}
}

func TestParseWebhookIDIsStableAcrossRedeliveries(t *testing.T) {
	a, err := ParseWebhook(fixture(t, "webhook_b2c_success.json"))
	require.NoError(t, err)
	// A redelivery, re-serialised with other spacing and member order.
	b, err := ParseWebhook([]byte(`{"transaction": {"status": "SUCCESS", "id": "2f9c1e77-0000-0000-0000-000000000001"}, "event_type": "transaction.success"}`))
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID)
	c, err := ParseWebhook([]byte(`{"transaction":{"status":"REVERSED","id":"2f9c1e77-0000-0000-0000-000000000001"}}`))
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, c.ID, "a new status is a new event")
}

func TestParseWebhookIsStrictAboutWhatItNeeds(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"empty", ``, ""},
		{"not JSON", `event=transaction.success`, ""},
		{"array", `[{"transaction":{"id":"t1","status":"SUCCESS"}}]`, ""},
		{"truncated", `{"event_type":"transaction.success","transaction":{"id":"t1","sta`, ""},
		{"trailing data", `{"transaction":{"id":"t1","status":"SUCCESS"}} {}`, ""},
		{"no transaction", `{"event_type":"transaction.success"}`, "transaction"},
		{"null transaction", `{"event_type":"transaction.success","transaction":null}`, "transaction"},
		{"transaction not an object", `{"transaction":"t1"}`, "transaction"},
		{"no id", `{"transaction":{"status":"SUCCESS","amount":500}}`, "transaction.id"},
		{"blank id", `{"transaction":{"id":"  ","status":"SUCCESS"}}`, "transaction.id"},
		{"null id", `{"transaction":{"id":null,"status":"SUCCESS"}}`, "transaction.id"},
		{"no status", `{"transaction":{"id":"t1","amount":500}}`, "transaction.status"},
		{"status not a string", `{"transaction":{"id":"t1","status":{"code":"SUCCESS"}}}`, "transaction.status"},
		{"bad amount", `{"transaction":{"id":"t1","status":"SUCCESS","amount":"five hundred"}}`, "transaction.amount"},
		{"fractional cents", `{"transaction":{"id":"t1","status":"SUCCESS","amount":500.001}}`, "transaction.amount"},
		{"bad fee", `{"transaction":{"id":"t1","status":"SUCCESS","transaction_fee":true}}`, "transaction.transactionFee"},
		{"unknown currency", `{"transaction":{"id":"t1","status":"SUCCESS","currency":"KSH"}}`, "transaction.currency"},
		{"no id in data", `{"data":{"status":"SUCCESS"}}`, "data.id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseWebhook([]byte(tc.body))
			require.Error(t, err)
			assert.Nil(t, ev)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, payout.CodeInvalidRequest, pe.Code)
			assert.Equal(t, tc.field, pe.Field)
			if tc.field != "" {
				assert.Contains(t, err.Error(), tc.field, "the error names what is wrong")
			}
		})
	}
}

func TestParseWebhookRejectsLargeBodies(t *testing.T) {
	pad := strings.Repeat(" ", MaxWebhookBody)
	body := []byte(`{"transaction":{"id":"t1","status":"SUCCESS"}}` + pad)
	_, err := ParseWebhook(body)
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "1 MiB")

	ok := bytes.TrimRight(body[:MaxWebhookBody], " ")
	_, err = ParseWebhook(append(ok, bytes.Repeat([]byte(" "), MaxWebhookBody-len(ok))...))
	require.NoError(t, err, "exactly 1 MiB is accepted")
}

func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"webhook_b2c_success.json", "webhook_b2c_failed.json", "transaction_get_camel.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"transaction":{"id":"t1","status":"REVERSED","amount":"1e400"}}`))
	f.Add([]byte(`{"data":{"transactionId":1,"status":2,"amount":-0.00}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseWebhook(body)
		if err != nil {
			if ev != nil {
				t.Fatalf("event and error together")
			}
			var pe *payout.Error
			if !errors.As(err, &pe) || pe.Code != payout.CodeInvalidRequest {
				t.Fatalf("error is not an invalid-request *payout.Error: %v", err)
			}
			if len(err.Error()) > 1024 {
				t.Fatalf("unbounded error text: %d bytes", len(err.Error()))
			}
			return
		}
		if ev.Payout == nil || ev.Payout.ID == "" || ev.Payout.ProviderStatus == "" {
			t.Fatalf("accepted without id or status: %+v", ev.Payout)
		}
		if !strings.HasPrefix(ev.ID, strings.TrimSpace(ev.Payout.ID)+":") || ev.Provider != "palpluss" {
			t.Fatalf("bad event id %q / provider %q", ev.ID, ev.Provider)
		}
		if !bytes.Equal(ev.Raw, body) {
			t.Fatalf("Raw differs from the body")
		}
		// The id names a known status, and its length is bounded.
		if _, st, _ := strings.Cut(ev.ID, ":"); providerStatuses[ev.Payout.Status] != st || len(ev.ID) > maxWebhookIDLen+1+len("PROCESSING") {
			t.Fatalf("event id %q for status %q", ev.ID, ev.Payout.Status)
		}
		if want, ok := eventStatus[ev.Type]; ok && ev.Payout.Status != want && ev.Payout.Status != payout.StatusReversed {
			t.Fatalf("type %q with status %q", ev.Type, ev.Payout.Status)
		}
		if ev.Payout.Amount.Currency != "" && !ev.Payout.Amount.Currency.Valid() {
			t.Fatalf("amount in an unknown currency: %v", ev.Payout.Amount)
		}
		// Parsing is deterministic: the same body gives the same event id.
		again, err := ParseWebhook(body)
		if err != nil || again.ID != ev.ID {
			t.Fatalf("not deterministic: %v", err)
		}
	})
}

// Review of issue 11: a documented event type in another case
// ("TRANSACTION.SUCCESS") escaped the check against the status, so a
// forged success on a pending payout reached the HandleFunc with a type
// an application comparing without regard to case reads as paid.
func TestParseWebhookTypeInAnotherCaseIsTheDocumentedType(t *testing.T) {
	body := func(typ, status string) []byte {
		return []byte(`{"event":"transaction.updated","event_type":"` + typ + `","transaction":{"id":"tx_01j8abc123","status":"` + status + `","external_reference":"WD-1"}}`)
	}
	for _, typ := range []string{"TRANSACTION.SUCCESS", "Transaction.Success", " transaction.success "} {
		_, err := ParseWebhook(body(typ, "PENDING"))
		var pe *payout.Error
		require.ErrorAs(t, err, &pe, typ)
		assert.Equal(t, "event_type", pe.Field, typ)

		ev, err := ParseWebhook(body(typ, "SUCCESS"))
		require.NoError(t, err, typ)
		assert.Equal(t, EventSuccess, ev.Type, "%q is given in its documented spelling", typ)
		assert.Equal(t, "tx_01j8abc123:SUCCESS", ev.ID)
	}
	ev, err := ParseWebhook(body("Transaction.Updated", "PENDING"))
	require.NoError(t, err)
	assert.Equal(t, EventUpdated, ev.Type)
	ev, err = ParseWebhook(body("transaction.Refunded", "PENDING"))
	require.NoError(t, err)
	assert.Equal(t, "transaction.Refunded", ev.Type, "an unknown type is kept as sent")
}
