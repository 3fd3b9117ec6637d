package palpluss

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

// documented is PalPluss's error list, written out independently of the
// package's table so that a row missing from (or wrong in) either shows.
var documented = []struct {
	status int
	code   string
	want   payout.Code
}{
	{401, "AUTH_HEADER_INVALID", payout.CodeUnauthorized},
	{401, "INVALID_API_KEY", payout.CodeUnauthorized},
	{401, "TENANT_INACTIVE", payout.CodeUnauthorized},
	{403, "ACCOUNT_INACTIVE", payout.CodeForbidden},
	{403, "KYC_NOT_VERIFIED", payout.CodeForbidden},
	{400, "INVALID_PHONE", payout.CodeInvalidRecipient},
	{400, "CHANNEL_NOT_FOUND", payout.CodeInvalidRequest},
	{400, "INVALID_IDEMPOTENCY_KEY", payout.CodeInvalidRequest},
	{400, "INVALID_CURSOR", payout.CodeInvalidRequest},
	{400, "INVALID_UUID", payout.CodeInvalidRequest},
	{400, "UNSUPPORTED_CURRENCY", payout.CodeInvalidRequest},
	{402, "INSUFFICIENT_SERVICE_BALANCE", payout.CodeInsufficientFeeBalance},
	{400, "INSUFFICIENT_BALANCE", payout.CodeInsufficientFeeBalance}, // the SDK usage guide
	{404, "CREDENTIAL_NOT_FOUND", payout.CodeNotFound},
	{404, "TRANSACTION_NOT_FOUND", payout.CodeNotFound},
	{404, "WALLET_NOT_FOUND", payout.CodeNotFound},
	{409, "INSUFFICIENT_FUNDS", payout.CodeInsufficientFunds},
	{409, "WALLET_INACTIVE", payout.CodeForbidden},
	{409, "CREDENTIAL_INACTIVE", payout.CodeForbidden},
	{429, "RATE_LIMIT_EXCEEDED", payout.CodeRateLimited},
	{500, "PLATFORM_CREDENTIALS_NOT_CONFIGURED", payout.CodeProviderError},
}

func TestErrorTableIsTheDocumentedList(t *testing.T) {
	require.Len(t, errorCodes, len(documented))
	for _, d := range documented {
		row, ok := errorCodes[d.code]
		if assert.True(t, ok, d.code) {
			assert.Equal(t, d.status, row.status, d.code)
			assert.Equal(t, d.want, row.code, d.code)
		}
	}
}

// errorBody is PalPluss's error envelope for code; the fixture where the
// provider's docs give one.
func errorBody(t *testing.T, status int, code string) []byte {
	fixtures := map[string]string{
		"INVALID_API_KEY":              "error_401_invalid_api_key.json",
		"INSUFFICIENT_SERVICE_BALANCE": "error_402_insufficient_service_balance.json",
		"KYC_NOT_VERIFIED":             "error_403_kyc_not_verified.json",
		"INSUFFICIENT_FUNDS":           "error_409_insufficient_funds.json",
		"RATE_LIMIT_EXCEEDED":          "error_429_rate_limit.json",
	}
	if f, ok := fixtures[code]; ok {
		return fixture(t, f)
	}
	return []byte(fmt.Sprintf(`{"success":false,"error":{"message":"%s happened.","code":"%s","details":{}},"requestId":"req-%d"}`, code, code, status))
}

func requestIDOf(t *testing.T, body []byte) string {
	var w wireError
	require.NoError(t, decodeStrict(body, &w))
	_, _, rid := w.parse()
	return rid
}

func TestEveryDocumentedCodeOnGet(t *testing.T) {
	for _, d := range documented {
		t.Run(d.code, func(t *testing.T) {
			m := newMock(t, payout.WithMaxRetries(0))
			body := errorBody(t, d.status, d.code)
			m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(d.status, body, "Retry-After", "7", "X-Request-Id", "header-id"))
			_, err := m.client.Get(context.Background(), txID)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, d.want, pe.Code)
			assert.ErrorIs(t, err, d.want.Err())
			assert.Equal(t, d.code, pe.ProviderCode)
			assert.Equal(t, d.status, pe.HTTPStatus)
			assert.Equal(t, requestIDOf(t, body), pe.RequestID, "the body's requestId wins over the header")
			assert.Equal(t, "palpluss", pe.Provider)
			assert.NotEmpty(t, pe.Message)
			assert.NotContains(t, pe.Message, "{")
			if d.status == 429 {
				assert.Equal(t, "7s", pe.RetryAfter.String())
			}
		})
	}
}

func TestEveryDocumentedCodeOnSend(t *testing.T) {
	for _, d := range documented {
		t.Run(d.code, func(t *testing.T) {
			m := newMock(t, payout.WithMaxRetries(0))
			body := errorBody(t, d.status, d.code)
			m.on(http.MethodPost, payoutsURL, reply(d.status, body))
			_, err := m.client.Send(context.Background(), fixtureRequest())
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			want := d.want
			if d.status >= 500 {
				want = payout.CodeOutcomeUnknown // a 5xx to a payout may have created it
			}
			assert.Equal(t, want, pe.Code)
			assert.Equal(t, d.code, pe.ProviderCode)
			assert.Equal(t, d.status, pe.HTTPStatus)
			assert.Equal(t, "WD-2024-001", pe.Reference)
			assert.Equal(t, requestIDOf(t, body), pe.RequestID)
			assert.Len(t, m.all(), 1)
		})
	}
}

func TestDocumentedCodesAreNotRetried(t *testing.T) {
	for _, d := range documented {
		if d.status == 429 || d.status >= 500 {
			continue
		}
		m := newMock(t) // default 3 retries
		m.on(http.MethodPost, payoutsURL, reply(d.status, errorBody(t, d.status, d.code)))
		_, err := m.client.Send(context.Background(), fixtureRequest())
		require.Error(t, err)
		assert.Len(t, m.all(), 1, "%s is final", d.code)
	}
}

func TestUnknownCodesFallBackByStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   payout.Code
	}{
		{400, payout.CodeInvalidRequest},
		{401, payout.CodeUnauthorized},
		{402, payout.CodeInsufficientFeeBalance},
		{403, payout.CodeForbidden},
		{404, payout.CodeNotFound},
		{409, payout.CodeConflict},
		{422, payout.CodeInvalidRequest},
		{429, payout.CodeRateLimited},
		{500, payout.CodeProviderError},
		{503, payout.CodeProviderError},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			m := newMock(t, payout.WithMaxRetries(0))
			m.on(http.MethodGet, baseURL+"/transactions/"+txID,
				reply(tc.status, []byte(`{"success":false,"error":{"message":"new thing","code":"SOMETHING_NEW"},"requestId":"r-9"}`)))
			_, err := m.client.Get(context.Background(), txID)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.want, pe.Code)
			assert.Equal(t, "SOMETHING_NEW", pe.ProviderCode, "the raw code is kept")
			assert.Equal(t, tc.status, pe.HTTPStatus)
			assert.Equal(t, "r-9", pe.RequestID)
			assert.Equal(t, "new thing", pe.Message)
		})
	}
}

func TestErrorBodiesThatAreNotTheEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		want              payout.Code
		msg               string
	}{
		{"HTML 502", "text/html", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", 502, payout.CodeProviderError, "Bad Gateway (non-JSON text/html body)"},
		{"HTML 404", "text/html", "<html>nope</html>", 404, payout.CodeNotFound, "Not Found (non-JSON text/html body)"},
		{"empty 401", "", "", 401, payout.CodeUnauthorized, "Unauthorized (empty body)"},
		{"truncated JSON 403", "application/json", `{"success":false,"error":{"message":"KYC must`, 403, payout.CodeForbidden, "Forbidden (malformed JSON error body)"},
		{"error as a string", "application/json", `{"success":false,"error":"Invalid key","code":"INVALID_API_KEY"}`, 401, payout.CodeUnauthorized, "Invalid key"},
		{"top-level message and code", "application/json", `{"message":"slow down","code":"RATE_LIMIT_EXCEEDED"}`, 429, payout.CodeRateLimited, "slow down"},
		{"lower-case code", "application/json", `{"success":false,"error":{"code":"kyc_not_verified","message":"m"}}`, 400, payout.CodeForbidden, "m"},
		{"members of odd types", "application/json", `{"success":false,"error":{"code":42,"message":["x"]},"requestId":{"a":1}}`, 400, payout.CodeInvalidRequest, "Bad Request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t, payout.WithMaxRetries(0))
			m.on(http.MethodGet, baseURL+"/transactions/"+txID, replyRaw(tc.status, tc.ctype, tc.body))
			_, err := m.client.Get(context.Background(), txID)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.want, pe.Code)
			assert.Equal(t, tc.status, pe.HTTPStatus)
			assert.Equal(t, tc.msg, pe.Message)
			assert.False(t, strings.Contains(err.Error(), "<html"), "no body in the error")
		})
	}
}

func TestCodeForIsCaseInsensitive(t *testing.T) {
	assert.Equal(t, payout.CodeInsufficientFunds, codeFor(" insufficient_funds "))
	assert.Equal(t, payout.Code(""), codeFor("NOPE"))
	assert.Equal(t, payout.Code(""), codeFor(""))
}
