package palpluss

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestGetCamelCase(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(200, fixture(t, "transaction_get_camel.json")))
	p, err := m.client.Get(context.Background(), txID)
	require.NoError(t, err)

	reqs := m.all()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/v1/transactions/"+txID, r.Path)
	assert.Equal(t, wantAuth, r.Header.Get("Authorization"))
	assert.Empty(t, r.Header.Get("Idempotency-Key"))
	assert.Empty(t, r.Header.Get("Content-Type"), "no body, no content type")
	assert.Empty(t, r.Body)

	assert.Equal(t, &payout.Payout{
		ID:             txID,
		Reference:      "WD-2024-001",
		Provider:       "palpluss",
		Status:         payout.StatusSucceeded,
		ProviderStatus: "SUCCESS",
		Amount:         money.New(500_00, money.KES),
		Fee:            money.New(15_00, money.KES),
		Phone:          "254712345678",
		Receipt:        "LGR019G3J2",
		CreatedAt:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt:      time.Date(2026, 3, 1, 9, 1, 30, 0, time.UTC),
	}, p)
}

func TestGetSnakeCase(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(200, fixture(t, "transaction_get_snake.json")))
	p, err := m.client.Get(context.Background(), txID)
	require.NoError(t, err)
	assert.Equal(t, &payout.Payout{
		ID:             txID,
		Reference:      "WD-2024-001",
		Provider:       "palpluss",
		Status:         payout.StatusReversed,
		ProviderStatus: "REVERSED",
		Amount:         money.New(500_00, money.KES),
		Fee:            money.New(0, money.KES),
		Phone:          "254712345678",
		FailureCode:    "2001",
		FailureMessage: "The initiator information is invalid.",
		CreatedAt:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt:      time.Date(2026, 3, 1, 9, 2, 10, 0, time.UTC),
	}, p)
}

func TestGetEveryStatus(t *testing.T) {
	cases := map[string]payout.Status{
		"PENDING": payout.StatusPending, "PROCESSING": payout.StatusProcessing, "SUCCESS": payout.StatusSucceeded,
		"FAILED": payout.StatusFailed, "CANCELLED": payout.StatusCancelled, "EXPIRED": payout.StatusExpired,
		"REVERSED": payout.StatusReversed, "success": payout.StatusSucceeded, " Failed ": payout.StatusFailed,
		"ON_HOLD": payout.StatusPending, "": payout.StatusPending,
	}
	for raw, want := range cases {
		t.Run(raw, func(t *testing.T) {
			m := newMock(t)
			m.on(http.MethodGet, baseURL+"/transactions/"+txID,
				reply(200, envelopeOf(`{"transaction_id":"`+txID+`","status":"`+raw+`","amount":500,"result_code":"1032","result_desc":"Request cancelled by user"}`)))
			p, err := m.client.Get(context.Background(), txID)
			require.NoError(t, err)
			assert.Equal(t, want, p.Status)
			assert.Equal(t, raw, p.ProviderStatus, "the raw status is kept")
			if want.Terminal() && want != payout.StatusSucceeded {
				assert.Equal(t, "1032", p.FailureCode)
				assert.Equal(t, "Request cancelled by user", p.FailureMessage)
			} else {
				assert.Empty(t, p.FailureCode)
				assert.Empty(t, p.FailureMessage)
			}
		})
	}
}

func TestGetReadsTheWire(t *testing.T) {
	cases := []struct {
		name, data string
		check      func(t *testing.T, p *payout.Payout)
	}{
		{"decimal amount", `{"transactionId":"` + txID + `","status":"SUCCESS","amount":500.0,"transactionFee":"15.50"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, money.New(500_00, money.KES), p.Amount)
			assert.Equal(t, money.New(15_50, money.KES), p.Fee)
		}},
		{"large exact amount", `{"transactionId":"` + txID + `","status":"SUCCESS","amount":99999999999999.99}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, int64(9999999999999999), p.Amount.Minor, "no float on the way")
		}},
		{"nulls everywhere", `{"transactionId":"` + txID + `","status":"PENDING","amount":null,"transactionFee":null,"phone":null,"reference":null,"mpesaReceipt":null,"resultCode":null,"createdAt":null,"currency":null}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, payout.StatusPending, p.Status)
			assert.True(t, p.Amount.IsZero())
			assert.True(t, p.CreatedAt.IsZero())
		}},
		{"numeric result code", `{"transaction_id":"` + txID + `","status":"FAILED","amount":500,"result_code":2001,"resultDescription":"Initiator invalid"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, "2001", p.FailureCode)
			assert.Equal(t, "Initiator invalid", p.FailureMessage)
		}},
		{"result code 0 is no failure code", `{"transaction_id":"` + txID + `","status":"FAILED","result_code":"0"}`, func(t *testing.T, p *payout.Payout) {
			assert.Empty(t, p.FailureCode)
		}},
		{"phone in national form and odd member types", `{"transaction_id":"` + txID + `","status":"PENDING","phone_number":"0712 345 678","tenant_id":123,"customer_name":{"first":"x"}}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, "254712345678", p.Phone)
		}},
		{"unparseable phone kept", `{"transaction_id":"` + txID + `","status":"PENDING","phone_number":"2547****5678"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, "2547****5678", p.Phone)
		}},
		{"camelCase wins over snake_case", `{"transactionId":"` + txID + `","transaction_id":"other","reference":"camel","external_reference":"snake","status":"PENDING"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, txID, p.ID)
			assert.Equal(t, "camel", p.Reference)
		}},
		{"externalReference and escapes", `{"transactionId":"` + txID + `","externalReference":"WD\/2024\u002d9","status":"PENDING"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, "WD/2024-9", p.Reference)
		}},
		{"id missing: the one asked for", `{"status":"PENDING"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, txID, p.ID)
		}},
		{"timestamps without zone or millis", `{"transactionId":"` + txID + `","status":"PENDING","createdAt":"2026-03-01T09:00:00Z","updated_at":"2026-03-01 09:05:00"}`, func(t *testing.T, p *payout.Payout) {
			assert.Equal(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), p.CreatedAt)
			assert.Equal(t, time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC), p.UpdatedAt)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(200, envelopeOf(tc.data)))
			p, err := m.client.Get(context.Background(), txID)
			require.NoError(t, err)
			tc.check(t, p)
		})
	}
}

func TestGetUnwrappedAnswer(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(200, []byte(`{"transaction_id":"`+txID+`","status":"SUCCESS","amount":500}`)))
	p, err := m.client.Get(context.Background(), txID)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusSucceeded, p.Status)
}

func TestGetUnreadableAnswers(t *testing.T) {
	full := string(fixture(t, "transaction_get_camel.json"))
	for name, body := range map[string]string{
		"truncated":        full[:len(full)-40],
		"HTML":             "<html></html>",
		"bad amount":       string(envelopeOf(`{"transactionId":"` + txID + `","amount":"12abc"}`)),
		"exponent amount":  string(envelopeOf(`{"transactionId":"` + txID + `","amount":5e2}`)),
		"unknown currency": string(envelopeOf(`{"transactionId":"` + txID + `","amount":5,"currency":"XYZ"}`)),
		"null data":        `{"success":true,"data":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.on(http.MethodGet, baseURL+"/transactions/"+txID, replyRaw(200, "application/json", body))
			_, err := m.client.Get(context.Background(), txID)
			require.ErrorIs(t, err, payout.ErrProviderError)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 200, pe.HTTPStatus)
			assert.Len(t, m.all(), 1)
		})
	}
}

// Issue 10, item 9: ids are PalPluss's and opaque; only what cannot be
// one path segment is refused before sending.
func TestGetChecksTheIDLocally(t *testing.T) {
	m := newMock(t)
	for _, id := range []string{"", "  ", "../wallets/service/balance", "a/b", `a\b`, ".", ".."} {
		_, err := m.client.Get(context.Background(), id)
		var pe *payout.Error
		require.ErrorAs(t, err, &pe, id)
		assert.Equal(t, payout.CodeInvalidRequest, pe.Code)
		assert.Equal(t, "id", pe.Field)
	}
	assert.Empty(t, m.all())

	for _, id := range []string{strings.ToUpper(txID), strings.ReplaceAll(txID, "-", "")} {
		m.on(http.MethodGet, baseURL+"/transactions/"+id, reply(200, fixture(t, "transaction_get_camel.json")))
		p, err := m.client.Get(context.Background(), id)
		require.NoError(t, err, "%s is the same UUID", id)
		assert.Equal(t, txID, p.ID)
	}
}

func TestGetNotFound(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(404, errorBody(t, 404, "TRANSACTION_NOT_FOUND")))
	_, err := m.client.Get(context.Background(), txID)
	require.ErrorIs(t, err, payout.ErrNotFound)
	assert.Len(t, m.all(), 1, "a 404 is final")
}

func TestGetRetriesServerErrors(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/transactions/"+txID,
		replyRaw(502, "text/html", "<html>bad gateway</html>"),
		reply(200, fixture(t, "transaction_get_snake.json")))
	p, err := m.client.Get(context.Background(), txID)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusReversed, p.Status)
	assert.Len(t, m.all(), 2)
}
