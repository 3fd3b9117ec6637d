package palpluss

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestSendWire(t *testing.T) {
	m := newMock(t, payout.WithUserAgent("shop/2.0"))
	m.on(http.MethodPost, payoutsURL, reply(200, fixture(t, "b2c_payout_response.json")))

	p, err := m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err)

	reqs := m.all()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/v1/b2c/payouts", r.Path)
	assert.Empty(t, r.RawQuery)
	assert.Equal(t, wantAuth, r.Header.Get("Authorization"))
	assert.Equal(t, "Basic cGtfdGVzdF85ZjhlN2Q2YzViNGEzMjEwU0VDUkVUOg==", r.Header.Get("Authorization"), "base64(key + \":\")")
	assert.Equal(t, "WD-2024-001", r.Header.Get("Idempotency-Key"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Regexp(t, `^payout-go/\S+ \(go[^)]*\) shop/2\.0$`, r.Header.Get("User-Agent"))
	assert.JSONEq(t, string(fixture(t, "b2c_payout_request.json")), string(r.Body))
	assert.Contains(t, string(r.Body), `"amount":500,`, "whole shillings as a JSON integer")

	assert.Equal(t, &payout.Payout{
		ID:             txID,
		Reference:      "WD-2024-001",
		Provider:       "palpluss",
		Status:         payout.StatusPending,
		ProviderStatus: "PENDING",
		Amount:         money.New(500_00, money.KES),
		Fee:            money.New(15_00, money.KES),
		Phone:          "254712345678",
		CreatedAt:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt:      time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
	}, p)
}

func TestSendOmitsEmptyOptionalFields(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, accept(t))
	req := payout.Request{Reference: "R-1", Amount: money.New(10_00, money.KES), Recipient: payout.Recipient{Phone: "254110123456"}}
	_, err := m.client.Send(context.Background(), req)
	require.NoError(t, err)
	reqs := m.all()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"amount":10,"phone":"0110123456","reference":"R-1","currency":"KES"}`, string(reqs[0].Body))
	assert.Equal(t, "R-1", reqs[0].Header.Get("Idempotency-Key"))
}

func TestSendValidatesBeforeSending(t *testing.T) {
	ok := fixtureRequest()
	long := func(n int) string { return strings.Repeat("é", n) }
	cases := []struct {
		name  string
		edit  func(r *payout.Request)
		field string
		code  payout.Code
		max   *money.Amount
	}{
		{"no reference", func(r *payout.Request) { r.Reference = " " }, "reference", payout.CodeInvalidRequest, nil},
		{"reference of 121 characters", func(r *payout.Request) { r.Reference = long(121) }, "reference", payout.CodeInvalidRequest, nil},
		{"description of 256 characters", func(r *payout.Request) { r.Description = long(256) }, "description", payout.CodeInvalidRequest, nil},
		{"fractional shillings", func(r *payout.Request) { r.Amount = money.New(20_50, money.KES) }, "amount", payout.CodeInvalidRequest, nil},
		{"below KES 10", func(r *payout.Request) { r.Amount = money.New(9_00, money.KES) }, "amount", payout.CodeInvalidRequest, nil},
		{"zero", func(r *payout.Request) { r.Amount = money.New(0, money.KES) }, "amount", payout.CodeInvalidRequest, nil},
		{"negative", func(r *payout.Request) { r.Amount = money.New(-500_00, money.KES) }, "amount", payout.CodeInvalidRequest, nil},
		{"above the default maximum", func(r *payout.Request) { r.Amount = money.New(150_001_00, money.KES) }, "amount", payout.CodeInvalidRequest, nil},
		{"above a configured maximum", func(r *payout.Request) { r.Amount = money.New(1_001_00, money.KES) }, "amount", payout.CodeInvalidRequest, ptr(money.New(1_000_00, money.KES))},
		{"not KES", func(r *payout.Request) { r.Amount = money.New(500_00, money.UGX) }, "amount", payout.CodeInvalidRequest, nil},
		{"unknown currency", func(r *payout.Request) { r.Amount = money.Amount{Minor: 500_00} }, "amount", payout.CodeInvalidRequest, nil},
		{"no phone", func(r *payout.Request) { r.Recipient.Phone = "" }, "recipient.phone", payout.CodeInvalidRequest, nil},
		{"landline", func(r *payout.Request) { r.Recipient.Phone = "0202345678" }, "recipient.phone", payout.CodeInvalidRecipient, nil},
		{"foreign number", func(r *payout.Request) { r.Recipient.Phone = "+255712345678" }, "recipient.phone", payout.CodeInvalidRecipient, nil},
		{"http callback", func(r *payout.Request) { r.CallbackURL = "http://example.com/hook" }, "callbackURL", payout.CodeInvalidRequest, nil},
		{"relative callback", func(r *payout.Request) { r.CallbackURL = "/hook" }, "callbackURL", payout.CodeInvalidRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []payout.Option
			if tc.max != nil {
				opts = append(opts, WithMaxAmount(*tc.max))
			}
			m := newMock(t, opts...)
			req := ok
			tc.edit(&req)
			p, err := m.client.Send(context.Background(), req)
			require.Error(t, err)
			assert.Nil(t, p)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.code, pe.Code, err.Error())
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, err, m.client.Validate(req), "Validate reports what Send refuses, alike")
			assert.Empty(t, m.all(), "nothing is sent")
		})
	}
}

func TestSendAcceptsLimits(t *testing.T) {
	for _, a := range []money.Amount{money.New(MinAmountKES*100, money.KES), money.New(DefaultMaxAmountKES*100, money.KES), money.New(1234_00, money.KES)} {
		m := newMock(t)
		m.on(http.MethodPost, payoutsURL, accept(t))
		req := fixtureRequest()
		req.Amount = a
		req.Reference = strings.Repeat("r", MaxReferenceLen)
		req.Description = strings.Repeat("d", MaxDescriptionLen)
		require.NoError(t, m.client.Validate(req), a.String())
		_, err := m.client.Send(context.Background(), req)
		require.NoError(t, err, a.String())
		whole, _ := a.WholeMajor()
		assert.Contains(t, string(m.all()[0].Body), `"amount":`+strconv.FormatInt(whole, 10)+`,`)
	}
}

func TestSendIgnoresSender(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(200, fixture(t, "b2c_payout_response.json")))
	req := fixtureRequest()
	req.Sender = &payout.Sender{FullName: "Incomplete KYC"} // would fail payout.Sender.Validate
	_, err := m.client.Send(context.Background(), req)
	require.NoError(t, err)
	assert.JSONEq(t, string(fixture(t, "b2c_payout_request.json")), string(m.all()[0].Body), "nothing of the sender is sent")
}

func TestSendFractionalErrorNamesAmount(t *testing.T) {
	m := newMock(t)
	req := fixtureRequest()
	req.Amount = money.New(20_50, money.KES)
	_, err := m.client.Send(context.Background(), req)
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "amount")
	assert.Contains(t, err.Error(), "whole shillings")
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "WD-2024-001", pe.Reference)
}

func TestIdempotencyKey(t *testing.T) {
	assert.Equal(t, "WD-2024-001", IdempotencyKey("WD-2024-001"))
	fits := strings.Repeat("a", 120)
	assert.Equal(t, fits, IdempotencyKey(fits))
	for _, ref := range []string{strings.Repeat("a", 121), "with space", "ünïcode", "tab\there", ""} {
		k := IdempotencyKey(ref)
		assert.Regexp(t, `^ref-[0-9a-f]{64}$`, k, ref)
		assert.Equal(t, k, IdempotencyKey(ref), "stable")
		assert.LessOrEqual(t, len(k), 120)
	}
	assert.NotEqual(t, IdempotencyKey("with space"), IdempotencyKey("with  space"))
	// The known answer pins the derivation: changing it would let an
	// upgraded client pay twice for a payout sent before the upgrade.
	assert.Equal(t, "ref-b8b8f25a5fc711caea1cfebfe02359e3ce2b9a8f9ce02d18fdcb1ba47ff095f1", IdempotencyKey("with space"))
}

func TestSendSameKeyAcrossCallsAndClients(t *testing.T) {
	req := fixtureRequest()
	req.Reference = "Payout für Zoë #7" // not a plain key: hashed
	var keys []string
	for i := 0; i < 2; i++ {
		m := newMock(t)
		m.on(http.MethodPost, payoutsURL, accept(t))
		for j := 0; j < 2; j++ {
			_, err := m.client.Send(context.Background(), req)
			require.NoError(t, err)
		}
		for _, r := range m.all() {
			keys = append(keys, r.Header.Get("Idempotency-Key"))
		}
	}
	require.Len(t, keys, 4)
	for _, k := range keys {
		assert.Equal(t, IdempotencyKey(req.Reference), k)
	}
}

func TestSendRetriesWithSameKeyThenSucceeds(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL,
		replyRaw(503, "text/plain", "busy"),
		fail(syscall.ECONNRESET),
		reply(500, []byte(`{"success":false,"error":{"code":"INTERNAL","message":"boom"}}`)),
		reply(200, fixture(t, "b2c_payout_response.json")))
	p, err := m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)
	reqs := m.all()
	require.Len(t, reqs, 4)
	for _, r := range reqs {
		assert.Equal(t, "WD-2024-001", r.Header.Get("Idempotency-Key"), "the same key on every attempt")
		assert.Equal(t, wantAuth, r.Header.Get("Authorization"))
		assert.JSONEq(t, string(fixture(t, "b2c_payout_request.json")), string(r.Body), "the same body on every attempt")
	}
}

func TestSendRetriesRunOutIntoUnknownOutcome(t *testing.T) {
	for name, script := range map[string]func() *mock{
		"5xx": func() *mock {
			m := newMock(t, payout.WithMaxRetries(2))
			m.on(http.MethodPost, payoutsURL, replyRaw(502, "text/html", "<html><body>Bad Gateway</body></html>"))
			return m
		},
		"connection reset": func() *mock {
			m := newMock(t, payout.WithMaxRetries(2))
			m.on(http.MethodPost, payoutsURL, fail(syscall.ECONNRESET))
			return m
		},
		"5xx then 429": func() *mock {
			m := newMock(t, payout.WithMaxRetries(2))
			m.on(http.MethodPost, payoutsURL, reply(503, []byte(`{}`)), reply(429, fixture(t, "error_429_rate_limit.json"), "Retry-After", "0"))
			return m
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := script()
			_, err := m.client.Send(context.Background(), fixtureRequest())
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "WD-2024-001", pe.Reference)
			assert.Equal(t, "palpluss", pe.Provider)
			assert.Contains(t, err.Error(), `reference "WD-2024-001"`)
			assert.Len(t, m.all(), 3, "1 attempt + 2 retries")
			for _, r := range m.all() {
				assert.Equal(t, "WD-2024-001", r.Header.Get("Idempotency-Key"))
			}
		})
	}
}

func TestSendHTML502IsTyped(t *testing.T) {
	m := newMock(t, payout.WithMaxRetries(0))
	m.on(http.MethodPost, payoutsURL, replyRaw(502, "text/html; charset=utf-8", "<html><h1>502 Bad Gateway</h1></html>"))
	_, err := m.client.Send(context.Background(), fixtureRequest())
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, payout.CodeOutcomeUnknown, pe.Code, "a 5xx to a payout may have created it")
	assert.Equal(t, 502, pe.HTTPStatus)
	assert.Equal(t, "WD-2024-001", pe.Reference)
	assert.Contains(t, pe.Message, "non-JSON text/html body")
	assert.NotContains(t, err.Error(), "<html>")
}

func TestSendHangUpAfterReadingIsUnknownOutcome(t *testing.T) {
	var calls atomic.Int32
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		buf := make([]byte, 1024)
		r.Body.Read(buf)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c, err := New(testKey, payout.WithBaseURL(srv.URL+"/v1"), payout.WithMaxRetries(1), payout.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	_, err = c.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "WD-2024-001", pe.Reference)
	assert.GreaterOrEqual(t, calls.Load(), int32(2), "retried")
	srv.Close()
	for _, k := range keys {
		assert.Equal(t, "WD-2024-001", k)
	}
}

func TestSendConnectionRefusedIsNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(testKey, payout.WithBaseURL(url), payout.WithMaxRetries(1), payout.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	_, err = c.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrNetwork, "nothing reached PalPluss: a clean failure")
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
}

func TestSendCancelledMidBackoff(t *testing.T) {
	t.Run("429 not processed", func(t *testing.T) {
		m := newMock(t)
		m.on(http.MethodPost, payoutsURL, reply(429, fixture(t, "error_429_rate_limit.json"), "Retry-After", "60"))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := m.client.Send(ctx, fixtureRequest())
		assert.Less(t, time.Since(start), 10*time.Second, "the 60 s wait ends with the context")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown, "a 429 is refused unprocessed")
		assert.Len(t, m.all(), 1)
	})
	t.Run("503 may have been processed", func(t *testing.T) {
		m := newMock(t)
		m.on(http.MethodPost, payoutsURL, reply(503, []byte(`{}`), "Retry-After", "60"))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := m.client.Send(ctx, fixtureRequest())
		assert.Less(t, time.Since(start), 10*time.Second)
		require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
		var pe *payout.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "WD-2024-001", pe.Reference)
	})
}

func TestSendRateLimited(t *testing.T) {
	m := newMock(t, payout.WithMaxRetries(0))
	m.on(http.MethodPost, payoutsURL, reply(429, fixture(t, "error_429_rate_limit.json"), "Retry-After", "30"))
	_, err := m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrRateLimited)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 30*time.Second, pe.RetryAfter)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", pe.ProviderCode)
	assert.Equal(t, 429, pe.HTTPStatus)
	assert.Equal(t, "c1b2a3d4-e5f6-7890-abcd-ef1234567894", pe.RequestID)
	assert.Equal(t, "WD-2024-001", pe.Reference)
}

func TestSend429IsRetriedAfterRetryAfter(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL,
		reply(429, fixture(t, "error_429_rate_limit.json"), "Retry-After", "1"),
		reply(200, fixture(t, "b2c_payout_response.json")))
	start := time.Now()
	p, err := m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "waited out Retry-After, not the 1-5 ms backoff")
	assert.Len(t, m.all(), 2)
}

func TestSendUnreadableSuccessIsUnknownOutcome(t *testing.T) {
	full := string(fixture(t, "b2c_payout_response.json"))
	for name, body := range map[string]string{
		"truncated JSON":    full[:len(full)/2],
		"HTML":              "<html>OK</html>",
		"empty":             "",
		"no transaction id": `{"success":true,"data":{"status":"PENDING","amount":500},"requestId":"r"}`,
		"null data":         `{"success":true,"data":null}`,
		"trailing garbage":  full + `{"x":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.on(http.MethodPost, payoutsURL, replyRaw(200, "application/json", body))
			_, err := m.client.Send(context.Background(), fixtureRequest())
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "WD-2024-001", pe.Reference)
			assert.Equal(t, 200, pe.HTTPStatus)
			reqs := m.all()
			require.Len(t, reqs, 2, "an unreadable answer is asked for once more, not more")
			assert.Equal(t, reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key"), "under the same key, so PalPluss replays it")
			assert.Equal(t, reqs[0].Body, reqs[1].Body)
		})
	}
}

func TestSendReferenceReusedForAnotherAmountIsRefused(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(200, fixture(t, "b2c_payout_response.json"))) // the replay of KES 500
	req := fixtureRequest()
	req.Amount = money.New(70000, money.KES)
	p, err := m.client.Send(context.Background(), req)
	assert.Nil(t, p, "the replayed payout is not this one")
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
	assert.Contains(t, err.Error(), "KES 500.00")
	assert.Contains(t, err.Error(), "KES 700.00")
}

func TestSendUnreadableSuccessThenReplayIsResolved(t *testing.T) {
	full := string(fixture(t, "b2c_payout_response.json"))
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, replyRaw(200, "application/json", full[:len(full)/3]), reply(200, []byte(full)))
	p, err := m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)
	assert.Len(t, m.all(), 2)
}

func TestSendSuccessFalseIsAnError(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(200, fixture(t, "error_409_insufficient_funds.json")))
	_, err := m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrInsufficientFunds)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "INSUFFICIENT_FUNDS", pe.ProviderCode)
	assert.Equal(t, 200, pe.HTTPStatus)
	assert.Equal(t, "c1b2a3d4-e5f6-7890-abcd-ef1234567891", pe.RequestID)
	assert.Equal(t, "WD-2024-001", pe.Reference)
	assert.Equal(t, "Insufficient B2C wallet balance.", pe.Message)

	m = newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(200, []byte(`{"success":false,"error":"something odd"}`)))
	_, err = m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrProviderError)
	assert.Contains(t, err.Error(), "something odd")

	m = newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(200, []byte(`{"success":"false","error":{"code":"KYC_NOT_VERIFIED","message":"KYC"}}`)))
	_, err = m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrForbidden, "a quoted false is false")

	// After an attempt that may have created the payout, an unexplained
	// failure does not settle it.
	m = newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(502, []byte(`{}`)), reply(200, []byte(`{"success":false,"error":{"code":"BUSY"}}`)))
	_, err = m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
}

func TestSendFillsWhatTheAnswerLacks(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(201, []byte(`{"success":true,"data":{"transactionId":"`+txID+`","status":"PENDING","amount":"not a number"}}`)))
	p, err := m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err, "the payout exists: an unreadable amount must not hide it")
	assert.Equal(t, txID, p.ID)
	assert.Equal(t, "WD-2024-001", p.Reference)
	assert.Equal(t, money.New(500_00, money.KES), p.Amount)
	assert.Equal(t, "254712345678", p.Phone)
	assert.Equal(t, payout.StatusPending, p.Status)
}

func ptr[T any](v T) *T { return &v }

func TestSendTimeoutAfterWritingIsUnknownOutcome(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.ReadAll(r.Body) // then the server notices the client hanging up
		select {           // a provider that takes too long to answer
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	c, err := New(testKey, payout.WithBaseURL(srv.URL+"/v1"), payout.WithTimeout(50*time.Millisecond),
		payout.WithMaxRetries(1), payout.WithRetryWait(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	_, err = c.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "WD-2024-001", pe.Reference)
	assert.Equal(t, int32(2), calls.Load(), "retried once with the same key")
}
