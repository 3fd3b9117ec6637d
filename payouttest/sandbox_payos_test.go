package payouttest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestPayOSToken(t *testing.T) {
	s := newTestSandbox(t)
	tokenURL := s.PayOSURL() + "/api/v1/auth/oauth2/token"

	r := call(t, "POST", tokenURL, nil, fixture(t, "payos/token_request.json"))
	require.Equal(t, 200, r.status, "the documented request, with the default credentials: %s", r.body)
	assertShape(t, fixture(t, "payos/token_response.json"), r.body)
	m := r.json(t)
	assert.Equal(t, "Bearer", m["tokenType"])
	assert.Equal(t, 3600.0, m["expiresIn"])

	for _, body := range []map[string]string{
		{"clientId": s.PayOSMerchantID(), "clientSecret": s.PayOSClientSecret()},
		{"client_id": s.PayOSMerchantID(), "client_secret": s.PayOSClientSecret()},
	} {
		assert.Equal(t, 200, call(t, "POST", tokenURL, nil, body).status, "older spelling %v", body)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.PayOSMerchantID()}, "client_secret": {s.PayOSClientSecret()}}
	r = call(t, "POST", tokenURL, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	assert.Equal(t, 200, r.status, "an OAuth2 form: %s", r.body)

	r = call(t, "POST", tokenURL, nil, map[string]string{"merchantId": s.PayOSMerchantID(), "clientSecret": "wrong"})
	assert.Equal(t, 401, r.status)
	assert.JSONEq(t, string(fixture(t, "payos/error_401_oauth.json")), string(r.body))

	r = call(t, "POST", tokenURL, nil, map[string]string{"merchantId": s.PayOSMerchantID()})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "invalid_request", r.json(t)["error"])
}

func TestPayOSBearerRequired(t *testing.T) {
	const ttl = 300 * time.Millisecond
	s := newTestSandbox(t, WithPayOSTokenTTL(ttl))
	get := s.PayOSURL() + "/api/v1/payout/search?merchantIds=" + s.PayOSMerchantID() + "&merchantReference=x"
	issued := time.Now()
	tok := payosToken(t, s)
	assert.Equal(t, 200, call(t, "GET", get, bearer(tok), nil).status)
	for name, h := range map[string]map[string]string{
		"missing": nil, "basic": {"Authorization": basic("x")}, "unknown": bearer("not-a-token"),
	} {
		r := call(t, "GET", get, h, nil)
		assert.Equal(t, 401, r.status, name)
		assert.Equal(t, 401.0, r.json(t)["statusCode"], name)
	}

	time.Sleep(time.Until(issued.Add(ttl + 50*time.Millisecond)))
	r := call(t, "GET", get, bearer(tok), nil)
	assert.Equal(t, 401, r.status, "the token expired")
	assert.Equal(t, "Access token expired", r.json(t)["message"])
	assert.Contains(t, r.header.Get("WWW-Authenticate"), "invalid_token")
	r = call(t, "POST", s.PayOSURL()+"/api/v1/payout/initiate", bearer(tok), payosPayout(t, "E-1", 2000, "254712345678"))
	assert.Equal(t, 401, r.status)
	assert.Zero(t, s.CreatedCount(SandboxPayOS, "E-1"))

	assert.Equal(t, 200, call(t, "GET", get, bearer(payosToken(t, s)), nil).status, "a fresh token works")
}

func TestPayOSInitiateMatchesDocumentedResponse(t *testing.T) {
	s := newTestSandbox(t)
	tok := payosToken(t, s)
	for _, f := range []string{"payos/initiate_request_individual.json", "payos/initiate_request_company.json"} {
		r := call(t, "POST", s.PayOSURL()+"/api/v1/payout/initiate", bearer(tok), fixture(t, f))
		require.Equal(t, 200, r.status, "%s: %s", f, r.body)
		assertShape(t, fixture(t, "payos/initiate_response.json"), r.body)
		m := r.json(t)
		assert.Equal(t, "RECEIVED", m["status"])
		p, ok := s.Payout(SandboxPayOS, m["transactionId"].(string))
		require.True(t, ok)
		assert.Equal(t, m["merchantReference"], p.Reference)
		assert.Equal(t, payout.StatusPending, p.Status)
		assert.Equal(t, "254723993187", p.Phone)
	}
	p := s.Payouts(SandboxPayOS)
	require.Len(t, p, 2)
	assert.Equal(t, money.New(2000, money.KES), p[0].Amount)
	assert.Equal(t, money.New(50000, money.KES), p[1].Amount)
}

func TestPayOSValidation(t *testing.T) {
	s := newTestSandbox(t)
	tok := payosToken(t, s)
	tests := []struct {
		name string
		edit func(m map[string]any)
		want []string
	}{
		{"documented example", func(m map[string]any) {
			delete(m["sender"].(map[string]any), "identityNumber")
		}, []string{"sender.identityNumber should not be empty"}},
		{"other merchant", func(m map[string]any) { m["merchantId"] = "someone-else" },
			[]string{"merchantId must match the authenticated merchant"}},
		{"no reference", func(m map[string]any) { delete(m, "merchantReference") },
			[]string{"merchantReference should not be empty"}},
		{"amount too small", func(m map[string]any) { m["destinationValue"].(map[string]any)["minorAmount"] = 999 },
			[]string{"destinationValue.minorAmount must not be less than 1000"}},
		{"amount too large", func(m map[string]any) { m["destinationValue"].(map[string]any)["minorAmount"] = 15_000_001 },
			[]string{"destinationValue.minorAmount must not be greater than 15000000"}},
		{"amount not integer", func(m map[string]any) { m["destinationValue"].(map[string]any)["minorAmount"] = 1000.5 },
			[]string{"destinationValue.minorAmount must be an integer number"}},
		{"currency", func(m map[string]any) { m["destinationValue"].(map[string]any)["currency"] = "USD" },
			[]string{"destinationValue.currency must be one of the following values: KES"}},
		{"method and location", func(m map[string]any) { m["paymentMethodId"], m["paymentLocation"] = "card", "KE" },
			[]string{"paymentMethodId must be one of the following values: mobilemoney",
				"paymentLocation must be one of the following values: KEN"}},
		{"recipient", func(m map[string]any) {
			m["recipient"] = map[string]any{"type": "bank", "operator": "mtn", "country": "UGA", "phoneNumber": "0712345678"}
		}, []string{"recipient.type must be one of the following values: mobile_money",
			"recipient.operator must be one of the following values: mpesa, airtel",
			"recipient.country must be one of the following values: KEN",
			"recipient.phoneNumber must match /^254(7|1)\\d{8}$/ regular expression"}},
		{"no sender", func(m map[string]any) { delete(m, "sender") }, []string{"sender should not be empty"}},
		{"sender identity and date", func(m map[string]any) {
			sd := m["sender"].(map[string]any)
			sd["identity"], sd["dateOfBirth"], sd["nationality"] = "drivers licence", "15/01/1990", "ZA"
		}, []string{"sender.nationality must be a valid ISO 3166-1 alpha-3 country code",
			"sender.identity must be one of the following values: passport, government issued id, company registration number",
			"sender.dateOfBirth must be a valid date in the format YYYY-MM-DD"}},
		{"impossible date", func(m map[string]any) { m["sender"].(map[string]any)["dateOfBirth"] = "1990-02-30" },
			[]string{"sender.dateOfBirth must be a valid date in the format YYYY-MM-DD"}},
		{"empty sender fields", func(m map[string]any) {
			m["sender"] = map[string]any{"nationality": "KEN"}
		}, []string{"sender.fullName should not be empty", "sender.phoneNumber should not be empty",
			"sender.identity should not be empty", "sender.identityNumber should not be empty",
			"sender.dateOfBirth should not be empty", "sender.purposeOfFunds should not be empty",
			"sender.sourceOfFunds should not be empty", "sender.relationship should not be empty"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := payosPayout(t, "V-"+string(rune('a'+i)), 2000, "254712345678")
			tt.edit(body)
			r := call(t, "POST", s.PayOSURL()+"/api/v1/payout/initiate", bearer(tok), body)
			require.Equal(t, 400, r.status, "body: %s", r.body)
			assertShape(t, fixture(t, "payos/error_400_nest.json"), r.body)
			m := r.json(t)
			assert.Equal(t, "Bad Request", m["error"])
			var got []string
			for _, msg := range m["message"].([]any) {
				got = append(got, msg.(string))
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Empty(t, s.Payouts(SandboxPayOS), "no invalid request created anything")
	for _, ok := range []func(m map[string]any){
		func(m map[string]any) { delete(m["sender"].(map[string]any), "nationality") },
		func(m map[string]any) { m["recipient"].(map[string]any)["phoneNumber"] = "254110123456" },
		func(m map[string]any) { m["destinationValue"].(map[string]any)["minorAmount"] = 15_000_000 },
	} {
		body := payosPayout(t, "OK-"+time.Now().Format(time.RFC3339Nano), 1000, "254712345678")
		ok(body)
		assert.Equal(t, 200, call(t, "POST", s.PayOSURL()+"/api/v1/payout/initiate", bearer(tok), body).status)
	}
}

func TestPayOSDuplicateReferenceAndIdempotency(t *testing.T) {
	s := newTestSandbox(t)
	tok := payosToken(t, s)
	initiate := s.PayOSURL() + "/api/v1/payout/initiate"
	body := payosPayout(t, "D-1", 2000, "254712345678")

	first := call(t, "POST", initiate, bearer(tok, "Idempotency-Key", "k-1"), body)
	require.Equal(t, 200, first.status)

	replay := call(t, "POST", initiate, bearer(tok, "Idempotency-Key", "k-1"), body)
	assert.Equal(t, 200, replay.status)
	assert.Equal(t, string(first.body), string(replay.body))
	assert.Equal(t, 1, s.CreatedCount(SandboxPayOS, "D-1"))

	indented, err := json.MarshalIndent(body, "", "    ")
	require.NoError(t, err)
	assert.Equal(t, 200, call(t, "POST", initiate, bearer(tok, "Idempotency-Key", "k-1"), indented).status,
		"the same JSON, spelled differently, is the same body")

	body["destinationValue"].(map[string]any)["minorAmount"] = 3000
	r := call(t, "POST", initiate, bearer(tok, "Idempotency-Key", "k-1"), body)
	assert.Equal(t, 422, r.status)
	assert.Equal(t, "IDEMPOTENCY_CONFLICT", r.json(t)["error"].(map[string]any)["code"])

	r = call(t, "POST", initiate, bearer(tok), body)
	assert.Equal(t, 422, r.status)
	assertShape(t, fixture(t, "payos/error_422_coded.json"), r.body)
	assert.Equal(t, map[string]any{"code": "DUPLICATE_MERCHANT_REFERENCE", "message": "merchantReference already exists",
		"details": map[string]any{}}, r.json(t)["error"])
	assert.Equal(t, 1, s.CreatedCount(SandboxPayOS, "D-1"), "nothing more was created")

	r = call(t, "POST", initiate, bearer(tok), payosPayout(t, "D-2", SandboxInsufficientFundsKES*100, "254712345678"))
	assert.Equal(t, 422, r.status)
	assert.JSONEq(t, string(fixture(t, "payos/error_422_coded.json")), string(r.body))
	assert.Zero(t, s.CreatedCount(SandboxPayOS, "D-2"))
}

func TestPayOSGetAndSearch(t *testing.T) {
	s := newTestSandbox(t)
	tok := payosToken(t, s)
	ref := "PAYOUT_550e8400-e29b-41d4-a716-446655440000"
	id := payosCreate(t, s, tok, payosPayout(t, ref, 2000, "254723993187"))
	assert.Equal(t, "RECEIVED", payosGet(t, s, tok, id)["status"])

	require.NoError(t, s.Settle(SandboxPayOS, id))
	r := call(t, "GET", s.PayOSURL()+"/api/v1/payout/"+id, bearer(tok), nil)
	require.Equal(t, 200, r.status)
	assertShape(t, fixture(t, "payos/get_payout_completed.json"), r.body)
	m := r.json(t)
	assert.Equal(t, "COMPLETED", m["status"])
	assert.Equal(t, map[string]any{"amount": "20.00", "currency": "KES"}, m["collection"])
	assert.Regexp(t, `^[A-Z][A-Z0-9]{9}$`, m["processorReference"])

	failed := payosCreate(t, s, tok, payosPayout(t, "F-1", 2000, "254"+SandboxPhoneInvalidAccount[1:]))
	require.NoError(t, s.Settle(SandboxPayOS, failed))
	r = call(t, "GET", s.PayOSURL()+"/api/v1/payout/"+failed, bearer(tok), nil)
	assertShape(t, fixture(t, "payos/get_payout_failed.json"), r.body, "sessionId", "currentAttemptId", "batchPayoutId", "collection")
	assert.Equal(t, "PAYOUT_RECIPIENT_INVALID_ACCOUNT", r.json(t)["errorCode"])
	assert.Equal(t, "FAILED", r.json(t)["status"])

	assert.Equal(t, 404, call(t, "GET", s.PayOSURL()+"/api/v1/payout/019b0250-0000-7000-8000-000000000000", bearer(tok), nil).status)

	search := s.PayOSURL() + "/api/v1/payout/search?merchantIds=other," + s.PayOSMerchantID() + "&merchantReference=" + url.QueryEscape(ref)
	r = call(t, "GET", search, bearer(tok), nil)
	require.Equal(t, 200, r.status)
	assertShape(t, fixture(t, "payos/search_by_reference.json"), r.body, "transactionStates")
	assert.Contains(t, string(r.body), id)
	assert.Contains(t, string(r.body), `"transactionStates":[{"state":"RECEIVED"`)

	r = call(t, "GET", s.PayOSURL()+"/api/v1/payout/search?merchantIds="+s.PayOSMerchantID()+"&merchantReference=none", bearer(tok), nil)
	assert.Equal(t, 200, r.status)
	assert.Equal(t, "[]", string(r.body))
	r = call(t, "GET", s.PayOSURL()+"/api/v1/payout/search?merchantIds=other&merchantReference="+url.QueryEscape(ref), bearer(tok), nil)
	assert.Equal(t, "[]", string(r.body), "another merchant's search finds nothing")
	r = call(t, "GET", s.PayOSURL()+"/api/v1/payout/search?merchantReference=x", bearer(tok), nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
}

func TestPayOSRateLimit(t *testing.T) {
	s := newTestSandbox(t, WithSandboxRateLimit(2, time.Minute))
	tok := payosToken(t, s) // the first request of the window
	id := payosCreate(t, s, tok, payosPayout(t, "RL-1", 2000, "254712345678"))
	r := call(t, "GET", s.PayOSURL()+"/api/v1/payout/"+id, bearer(tok), nil)
	assert.Equal(t, 429, r.status)
	assert.Regexp(t, `^[1-9][0-9]*$`, r.header.Get("Retry-After"))
	assert.Equal(t, 429.0, r.json(t)["statusCode"])
	assert.Empty(t, r.header.Get("x-ratelimit-limit"), "PayOS documents no x-ratelimit headers")
}
