package payouttest

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestPalPlussAuth(t *testing.T) {
	s := newTestSandbox(t)
	url := s.PalPlussURL() + "/wallets/service/balance"
	tests := []struct {
		name, header, code string
	}{
		{"missing", "", "AUTH_HEADER_INVALID"},
		{"bearer scheme", "Bearer " + s.PalPlussAPIKey(), "AUTH_HEADER_INVALID"},
		{"basic not base64", "Basic %%%", "AUTH_HEADER_INVALID"},
		{"basic wrong key", basic("pk_test_wrong"), "INVALID_API_KEY"},
		{"raw wrong key", "pk_live_wrong", "INVALID_API_KEY"},
		{"basic", basic(s.PalPlussAPIKey()), ""},
		{"basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(s.PalPlussAPIKey())), ""},
		{"raw key", s.PalPlussAPIKey(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.header != "" {
				h["Authorization"] = tt.header
			}
			r := call(t, "GET", url, h, nil)
			if tt.code == "" {
				assert.Equal(t, 200, r.status, "body: %s", r.body)
				return
			}
			assert.Equal(t, 401, r.status)
			assert.Equal(t, tt.code, palErrorCode(t, r))
			assertShape(t, fixture(t, "palpluss/error_401_invalid_api_key.json"), r.body)
		})
	}
	r := call(t, "GET", url, map[string]string{"Authorization": basic("nope")}, nil)
	assert.Equal(t, "Invalid or revoked API key.", r.json(t)["error"].(map[string]any)["message"])
	assert.NotEmpty(t, r.header.Get("X-Request-Id"))
}

func TestPalPlussCreateMatchesDocumentedResponse(t *testing.T) {
	s := newTestSandbox(t)
	r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s, "Idempotency-Key", "WD-2024-001"),
		fixture(t, "palpluss/b2c_payout_request.json"))
	require.Equal(t, 200, r.status, "body: %s", r.body)
	assertShape(t, fixture(t, "palpluss/b2c_payout_response.json"), r.body)

	d := r.json(t)["data"].(map[string]any)
	assert.Equal(t, "PENDING", d["status"])
	assert.Equal(t, "B2C", d["type"])
	assert.Equal(t, 500.0, d["amount"])
	assert.Equal(t, "254712345678", d["phone"], "the phone is normalised")
	assert.Equal(t, "WD-2024-001", d["reference"])
	assert.Equal(t, "WD-2024-001", d["idempotencyKey"])
	assert.Equal(t, 15.0, d["transactionFee"])
	assert.Equal(t, "B2C payout queued", d["resultDescription"])
	assert.Nil(t, d["resultCode"])

	p, ok := s.Payout(SandboxPalPluss, d["transactionId"].(string))
	require.True(t, ok)
	assert.Equal(t, payout.StatusPending, p.Status)
	assert.Equal(t, "https://yourserver.com/webhooks/b2c", p.CallbackURL)
	assert.Equal(t, money.New(50000, money.KES), p.Amount)
	assert.Equal(t, 1, s.CreatedCount(SandboxPalPluss, "WD-2024-001"))
}

func TestPalPlussValidation(t *testing.T) {
	s := newTestSandbox(t)
	valid := func() map[string]any { return palPayout(100, "0712345678", "V-1") }
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		header map[string]string
		status int
		code   string
	}{
		{"amount missing", func(m map[string]any) { delete(m, "amount") }, nil, 400, "VALIDATION_ERROR"},
		{"amount below 10", func(m map[string]any) { m["amount"] = 9 }, nil, 400, "VALIDATION_ERROR"},
		{"amount with cents", func(m map[string]any) { m["amount"] = 20.5 }, nil, 400, "VALIDATION_ERROR"},
		{"amount as string", func(m map[string]any) { m["amount"] = "100" }, nil, 400, "VALIDATION_ERROR"},
		{"phone missing", func(m map[string]any) { delete(m, "phone") }, nil, 400, "INVALID_PHONE"},
		{"phone landline", func(m map[string]any) { m["phone"] = "0202345678" }, nil, 400, "INVALID_PHONE"},
		{"phone foreign", func(m map[string]any) { m["phone"] = "+255712345678" }, nil, 400, "INVALID_PHONE"},
		{"phone with spaces", func(m map[string]any) { m["phone"] = "0712 345 678" }, nil, 400, "INVALID_PHONE"},
		{"currency", func(m map[string]any) { m["currency"] = "USD" }, nil, 400, "UNSUPPORTED_CURRENCY"},
		{"reference too long", func(m map[string]any) { m["reference"] = strings.Repeat("r", 121) }, nil, 400, "VALIDATION_ERROR"},
		{"description too long", func(m map[string]any) { m["description"] = strings.Repeat("d", 256) }, nil, 400, "VALIDATION_ERROR"},
		{"callback not a URL", func(m map[string]any) { m["callbackUrl"] = "/hooks" }, nil, 400, "VALIDATION_ERROR"},
		{"idempotency key too long", func(map[string]any) {}, map[string]string{"Idempotency-Key": strings.Repeat("k", 121)}, 400, "INVALID_IDEMPOTENCY_KEY"},
		{"phone 07", func(map[string]any) {}, nil, 200, ""},
		{"phone 01", func(m map[string]any) { m["phone"] = "0110123456" }, nil, 200, ""},
		{"phone +254", func(m map[string]any) { m["phone"] = "+254712345678" }, nil, 200, ""},
		{"phone 254", func(m map[string]any) { m["phone"] = "254712345678" }, nil, 200, ""},
		{"no currency", func(m map[string]any) { delete(m, "currency") }, nil, 200, ""},
		{"idempotency key of 120", func(map[string]any) {}, map[string]string{"Idempotency-Key": strings.Repeat("k", 120)}, 200, ""},
		{"amount 10.0", func(m map[string]any) { m["amount"] = 10.0 }, nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Payouts(SandboxPalPluss))
			b2c, service := s.PalPlussBalances()
			body := valid()
			tt.edit(body)
			h := palAuth(s)
			for k, v := range tt.header {
				h[k] = v
			}
			r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", h, body)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			if tt.code == "" {
				assert.Len(t, s.Payouts(SandboxPalPluss), before+1)
				return
			}
			assert.Equal(t, tt.code, palErrorCode(t, r))
			assert.Len(t, s.Payouts(SandboxPalPluss), before, "a refused request creates nothing")
			b2c2, service2 := s.PalPlussBalances()
			assert.Equal(t, b2c, b2c2)
			assert.Equal(t, service, service2)
		})
	}
	r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s), "{not json")
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "VALIDATION_ERROR", palErrorCode(t, r))
}

func TestPalPlussBalancesMove(t *testing.T) {
	s := newTestSandbox(t,
		WithPalPlussBalances(money.New(1_000_00, money.KES), money.New(5_00, money.KES)),                // KES 1,000 and KES 5
		WithPalPlussFee(func(a money.Amount) money.Amount { return money.New(a.Minor/100, money.KES) }), // 1%
	)
	ok := palCreate(t, s, palPayout(300, "0712345678", "B-1"))
	b2c, service := s.PalPlussBalances()
	assert.Equal(t, money.New(70_000, money.KES), b2c, "the amount is debited at acceptance")
	assert.Equal(t, money.New(2_00, money.KES), service, "the fee (KES 3) comes from the service wallet")

	failed := palCreate(t, s, palPayout(200, SandboxPhoneInvalidAccount, "B-2"))
	b2c, service = s.PalPlussBalances()
	assert.Equal(t, money.New(50_000, money.KES), b2c)
	assert.Equal(t, money.New(0, money.KES), service)

	r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s), palPayout(10, "0712345678", "B-3"))
	assert.Equal(t, 402, r.status)
	assert.Equal(t, "INSUFFICIENT_SERVICE_BALANCE", palErrorCode(t, r))
	assertShape(t, fixture(t, "palpluss/error_402_insufficient_service_balance.json"), r.body)
	require.NoError(t, s.SetPalPlussBalances(money.New(50_000, money.KES), money.New(10_000, money.KES)))

	r = call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s), palPayout(501, "0712345678", "B-4"))
	assert.Equal(t, 409, r.status)
	assert.Equal(t, "INSUFFICIENT_FUNDS", palErrorCode(t, r))
	assertShape(t, fixture(t, "palpluss/error_409_insufficient_funds.json"), r.body)
	assert.Zero(t, s.CreatedCount(SandboxPalPluss, "B-3")+s.CreatedCount(SandboxPalPluss, "B-4"))

	require.NoError(t, s.Settle(SandboxPalPluss, ok))
	require.NoError(t, s.Settle(SandboxPalPluss, failed))
	b2c, service = s.PalPlussBalances()
	assert.Equal(t, money.New(70_000, money.KES), b2c, "the reversal credits the failed amount back")
	assert.Equal(t, money.New(10_000, money.KES), service, "the fee is not refunded")

	p, _ := s.Payout(SandboxPalPluss, failed)
	assert.Equal(t, payout.StatusReversed, p.Status)
	assert.Equal(t, []string{"PENDING", "PROCESSING", "FAILED", "REVERSED"}, providerStatuses(p))
	assert.Equal(t, money.New(200, money.KES), p.Fee)
	d := palGet(t, s, failed)
	assert.Equal(t, "REVERSED", d["status"])
	assert.Equal(t, "2001", d["resultCode"])
}

func TestPalPlussMagicInsufficientFunds(t *testing.T) {
	s := newTestSandbox(t)
	b2c, service := s.PalPlussBalances()
	r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s), palPayout(SandboxInsufficientFundsKES, "0712345678", "M-1"))
	assert.Equal(t, 409, r.status)
	assert.Equal(t, "INSUFFICIENT_FUNDS", palErrorCode(t, r))
	assert.Zero(t, s.CreatedCount(SandboxPalPluss, "M-1"))
	b2c2, service2 := s.PalPlussBalances()
	assert.Equal(t, b2c, b2c2)
	assert.Equal(t, service, service2)
}

func TestPalPlussIdempotencyReplayCreatesNothing(t *testing.T) {
	s := newTestSandbox(t)
	url := s.PalPlussURL() + "/b2c/payouts"
	first := call(t, "POST", url, palAuth(s, "Idempotency-Key", "key-1"), palPayout(100, "0712345678", "I-1"))
	require.Equal(t, 200, first.status)
	b2c, _ := s.PalPlussBalances()

	again := call(t, "POST", url, palAuth(s, "Idempotency-Key", "key-1"), palPayout(100, "0712345678", "I-1"))
	require.Equal(t, 200, again.status)
	assert.Equal(t, string(first.body), string(again.body), "the original response, byte for byte")
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, 1, s.CreatedCount(SandboxPalPluss, "I-1"))
	b2cAfter, _ := s.PalPlussBalances()
	assert.Equal(t, b2c, b2cAfter, "a replay debits nothing")

	// Without a key PalPluss does not refuse a repeated reference: a second
	// payout is created, which is why clients must send a key.
	palCreate(t, s, palPayout(100, "0712345678", "I-2"))
	palCreate(t, s, palPayout(100, "0712345678", "I-2"))
	assert.Equal(t, 2, s.CreatedCount(SandboxPalPluss, "I-2"))
}

func TestPalPlussTransactions(t *testing.T) {
	s := newTestSandbox(t)
	id := palCreate(t, s, palPayout(500, "0712345678", "WD-2024-001"))
	require.NoError(t, s.Settle(SandboxPalPluss, id))
	r := call(t, "GET", s.PalPlussURL()+"/transactions/"+id, palAuth(s), nil)
	require.Equal(t, 200, r.status)
	assertShape(t, fixture(t, "palpluss/transaction_get_camel.json"), r.body)
	d := r.json(t)["data"].(map[string]any)
	assert.Equal(t, "SUCCESS", d["status"])
	assert.Equal(t, "0", d["resultCode"])
	assert.Regexp(t, `^[A-Z][A-Z0-9]{9}$`, d["mpesaReceipt"])

	r = call(t, "GET", s.PalPlussURL()+"/transactions/not-a-uuid", palAuth(s), nil)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "INVALID_UUID", palErrorCode(t, r))
	r = call(t, "GET", s.PalPlussURL()+"/transactions/2f9c1e77-0000-0000-0000-000000000009", palAuth(s), nil)
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "TRANSACTION_NOT_FOUND", palErrorCode(t, r))

	r = call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s), nil)
	require.Equal(t, 200, r.status)
	assertShape(t, fixture(t, "palpluss/service_balance.json"), r.body)
	assert.Equal(t, 999_985.0, r.json(t)["data"].(map[string]any)["availableBalance"], "KES 1,000,000 less one KES 15 fee")
}

func TestPalPlussSnakeCase(t *testing.T) {
	s := newTestSandbox(t, WithPalPlussSnakeCase())
	id := palCreate(t, s, map[string]any{"amount": 500, "phone": SandboxPhoneInvalidAccount, "reference": "WD-2024-001",
		"callback_url": "https://yourserver.com/webhooks/b2c"})
	require.NoError(t, s.Settle(SandboxPalPluss, id))
	r := call(t, "GET", s.PalPlussURL()+"/transactions/"+id, palAuth(s), nil)
	require.Equal(t, 200, r.status)
	assertShape(t, fixture(t, "palpluss/transaction_get_snake.json"), r.body, "mpesa_receipt")
	d := r.json(t)["data"].(map[string]any)
	assert.Equal(t, "REVERSED", d["status"])
	assert.Equal(t, "https://yourserver.com/webhooks/b2c", d["callback_url"], "callback_url is read too")

	r = call(t, "GET", s.PalPlussURL()+"/transactions", palAuth(s), nil)
	require.Equal(t, 200, r.status)
	assertShape(t, fixture(t, "palpluss/transactions_list_snake.json"), r.body, "*")
}

func TestPalPlussListPagesNewestFirst(t *testing.T) {
	s := newTestSandbox(t)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, palCreate(t, s, palPayout(100+i, "0712345678", "L-"+string(rune('a'+i)))))
	}
	require.NoError(t, s.Settle(SandboxPalPluss, ids[1]))

	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		url := s.PalPlussURL() + "/transactions?limit=2&type=B2C"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		r := call(t, "GET", url, palAuth(s), nil)
		require.Equal(t, 200, r.status, "body: %s", r.body)
		d := r.json(t)["data"].(map[string]any)
		for _, it := range d["items"].([]any) {
			got = append(got, it.(map[string]any)["transactionId"].(string))
		}
		next, _ := d["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	assert.Equal(t, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, got)

	r := call(t, "GET", s.PalPlussURL()+"/transactions?status=SUCCESS", palAuth(s), nil)
	items := r.json(t)["data"].(map[string]any)["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, ids[1], items[0].(map[string]any)["transactionId"])

	for _, bad := range []string{"garbage!", base64.StdEncoding.EncodeToString([]byte(`{"id":"x","seq":1}`))} {
		r = call(t, "GET", s.PalPlussURL()+"/transactions?cursor="+bad, palAuth(s), nil)
		assert.Equal(t, 400, r.status)
		assert.Equal(t, "INVALID_CURSOR", palErrorCode(t, r))
	}
	r = call(t, "GET", s.PalPlussURL()+"/transactions?limit=0", palAuth(s), nil)
	assert.Equal(t, 400, r.status)
}

func TestPalPlussRateLimit(t *testing.T) {
	s := newTestSandbox(t, WithSandboxRateLimit(3, time.Minute))
	url := s.PalPlussURL() + "/b2c/payouts"
	for i := 0; i < 3; i++ {
		r := call(t, "POST", url, palAuth(s), palPayout(100, "0712345678", "R"))
		require.Equal(t, 200, r.status)
		assert.Equal(t, "3", r.header.Get("x-ratelimit-limit"))
		assert.Equal(t, []string{"2", "1", "0"}[i], r.header.Get("x-ratelimit-remaining"))
		assert.NotEmpty(t, r.header.Get("x-ratelimit-reset"))
	}
	r := call(t, "POST", url, palAuth(s), palPayout(100, "0712345678", "R"))
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", palErrorCode(t, r))
	assertShape(t, fixture(t, "palpluss/error_429_rate_limit.json"), r.body)
	assert.Regexp(t, `^[1-9][0-9]*$`, r.header.Get("Retry-After"))
	assert.Equal(t, "0", r.header.Get("x-ratelimit-remaining"))
	assert.Equal(t, 3, s.CreatedCount(SandboxPalPluss, "R"), "the limited request created nothing")

	r = call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", map[string]string{"Authorization": "x"}, nil)
	assert.Equal(t, http.StatusTooManyRequests, r.status, "every request counts")

	other := newTestSandbox(t)
	r = call(t, "GET", other.PalPlussURL()+"/wallets/service/balance", palAuth(other), nil)
	assert.Empty(t, r.header.Get("x-ratelimit-limit"), "no headers without a limit")
}

func providerStatuses(p SandboxPayout) []string {
	var out []string
	for _, h := range p.History {
		out = append(out, h.ProviderStatus)
	}
	return out
}
