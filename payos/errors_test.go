package payos

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

func TestParseErrorBodyShapes(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		code, msg   string
		payoutCode  payout.Code
		field       string
		notInString string
	}{
		{"nest fixture", 400, string(fixture(t, "error_400_nest.json")), "", "sender.identityNumber should not be empty",
			payout.CodeInvalidRequest, "sender.identityNumber", ""},
		{"oauth fixture", 401, string(fixture(t, "error_401_oauth.json")), "invalid_client", "Client authentication failed",
			payout.CodeUnauthorized, "", ""},
		{"coded fixture", 422, string(fixture(t, "error_422_coded.json")), "PAYOUT_INSUFFICIENT_FUNDS",
			"Insufficient funds in the payout source account", payout.CodeInsufficientFunds, "", ""},
		{"nest string message", 404, `{"message":"Payout not found","error":"Not Found","statusCode":404}`, "", "Payout not found",
			payout.CodeNotFound, "", ""},
		{"nest array", 400, `{"message":["recipient.phoneNumber must be a string","amount too small"],"error":"Bad Request","statusCode":400}`,
			"", "recipient.phoneNumber must be a string; amount too small", payout.CodeInvalidRequest, "recipient.phone", ""},
		{"nest with coded error", 422, `{"message":"merchantReference already exists","error":"DUPLICATE_MERCHANT_REFERENCE","statusCode":422}`,
			"DUPLICATE_MERCHANT_REFERENCE", "merchantReference already exists", payout.CodeDuplicateReference, "reference", ""},
		{"top-level code", 403, `{"code":"MERCHANT_INACTIVE","message":"Merchant is inactive"}`, "MERCHANT_INACTIVE",
			"Merchant is inactive", payout.CodeForbidden, "", ""},
		{"numeric code", 400, `{"error":{"code":4001,"message":"bad"}}`, "4001", "bad", payout.CodeInvalidRequest, "", ""},
		{"rfc invalid_grant", 400, `{"error":"invalid_grant","error_description":"expired"}`, "invalid_grant", "expired",
			payout.CodeUnauthorized, "", ""},
		{"bare error string", 409, `{"error":"Conflict"}`, "", "Conflict", payout.CodeConflict, "", ""},
		{"html 502", 502, `<html><body>nginx MARKER-HTML</body></html>`, "", "", payout.CodeProviderError, "", "MARKER-HTML"},
		{"truncated json", 500, `{"error":{"code":"DOWNSTREAM_ERROR","message":"MARKER-TRUNC`, "", "", payout.CodeProviderError, "", "MARKER-TRUNC"},
		{"empty", 429, ``, "", "", payout.CodeRateLimited, "", ""},
		{"json null", 400, `null`, "", "", payout.CodeInvalidRequest, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := parseErrorBody(tt.status, []byte(tt.body))
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.msg, msg)
			pe := decodeError(tt.status, http.Header{}, []byte(tt.body))
			assert.Equal(t, tt.payoutCode, pe.Code)
			assert.Equal(t, tt.field, pe.Field)

			// Through the client: a GET (no outcome question) answered so.
			m := newMock(t)
			m.onToken()
			m.on(http.MethodGet, payoutPath+"x", jsonString(tt.status, tt.body))
			_, err := m.client(payout.WithMaxRetries(0)).Get(context.Background(), "x")
			require.ErrorIs(t, err, tt.payoutCode.Err())
			if tt.notInString != "" {
				assert.NotContains(t, err.Error(), tt.notInString, "never the body in Error()")
			}
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// Issue 10, item 8: the provider's text is bounded after it is redacted,
// so that a cut cannot leave a prefix of the client secret; X-Request-Id is
// redacted on every error (a proxy may echo the secret there).
func TestErrorTextRedactedThenBounded(t *testing.T) {
	m := newMock(t)
	msg := strings.Repeat("x", httpx.MaxMessage-6) + testSecret + strings.Repeat("y", 5000)
	code := strings.Repeat("C", httpx.MaxCode-3) + testSecret
	echo := func(status int, body string) httpmock.Responder {
		return func(r *http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(status, body)
			resp.Header.Set("Content-Type", "application/json")
			resp.Header.Set("X-Request-Id", "rid-"+testSecret)
			return resp, nil
		}
	}
	m.onToken()
	m.on(http.MethodGet, payoutPath+"x", echo(400, `{"message":"`+msg+`","error":{"code":"`+code+`"}}`), echo(200, `not json`))
	c := m.client(payout.WithMaxRetries(0))
	for i := 0; i < 2; i++ {
		_, err := c.Get(context.Background(), "x")
		var pe *payout.Error
		require.ErrorAs(t, err, &pe)
		for field, v := range map[string]string{"message": pe.Message, "code": pe.ProviderCode, "request id": pe.RequestID, "Error()": err.Error()} {
			assert.NotContains(t, v, testSecret[:6], field)
		}
		assert.LessOrEqual(t, len(pe.Message), httpx.MaxMessage)
		assert.LessOrEqual(t, len(pe.ProviderCode), httpx.MaxCode)
		assert.Contains(t, pe.RequestID, "rid-")
	}
	calls := m.recorded(payoutPath + "x")
	require.Len(t, calls, 2)
	assert.Equal(t, "Bearer "+testToken, calls[0].Header.Get("Authorization"))
}

func TestFailureCodeTable(t *testing.T) {
	for code, want := range map[string]payout.Code{
		"PAYOUT_RECIPIENT_INVALID_ACCOUNT": payout.CodeInvalidRecipient,
		"PAYOUT_RECIPIENT_LIMIT_EXCEEDED":  payout.CodeLimitExceeded,
		"PAYOUT_INSUFFICIENT_FUNDS":        payout.CodeInsufficientFunds,
		"INVALID_DATA":                     payout.CodeInvalidRecipient,
		"NETWORK_ERROR":                    payout.CodeProviderError,
		"DOWNSTREAM_ERROR":                 payout.CodeProviderError,
		"invalid_client":                   payout.CodeUnauthorized,
		"invalid_grant":                    payout.CodeUnauthorized,
		"unauthorized_client":              payout.CodeUnauthorized,
		"IDEMPOTENCY_CONFLICT":             payout.CodeConflict,
		"DUPLICATE_MERCHANT_REFERENCE":     payout.CodeDuplicateReference,
		" payout_insufficient_funds ":      payout.CodeInsufficientFunds,
		"SOMETHING_ELSE":                   "",
		"":                                 "",
	} {
		assert.Equal(t, want, FailureCode(code), code)
	}
}

func TestSendNestValidationNamesField(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonResponder(400, fixture(t, "error_400_nest.json")))
	_, err := m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "sender.identityNumber", pe.Field)
	assert.Equal(t, 400, pe.HTTPStatus)
	assert.Equal(t, refIndiv, pe.Reference)
	assert.Len(t, m.recorded(initiatePath), 1, "a 400 is not retried")
}
