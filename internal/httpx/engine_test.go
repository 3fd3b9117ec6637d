package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

// recorded is one request as the server saw it.
type recorded struct {
	method, path, idemKey, auth, ua, ctype string
	body                                   []byte
}

type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

// newServer answers each request with the next handler of the script; the
// last one repeats.
func newServer(t *testing.T, script ...http.HandlerFunc) *server {
	s := &server{}
	var n atomic.Int32
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.RequestURI(), r.Header.Get("Idempotency-Key"),
			r.Header.Get("Authorization"), r.Header.Get("User-Agent"), r.Header.Get("Content-Type"), body})
		s.mu.Unlock()
		i := int(n.Add(1)) - 1
		if i >= len(script) {
			i = len(script) - 1
		}
		script[i](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// hangUp reads the request, then closes the connection without an answer:
// the provider may have processed it.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func testEngine(t *testing.T, base string, opts ...payout.Option) *Engine {
	t.Helper()
	opts = append([]payout.Option{payout.WithRetryWait(time.Millisecond, 5*time.Millisecond), payout.WithBaseURL(base)}, opts...)
	cfg, err := payout.NewConfig(opts...)
	require.NoError(t, err)
	red := &Redactor{}
	red.Add("sk_secret_key")
	return New("testprov", "https://unused.example", cfg, red, Hooks{
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer sk_secret_key")
			return nil
		},
		DecodeError: func(status int, h http.Header, body []byte) *payout.Error {
			var b struct{ Code, Message string }
			if json.Unmarshal(body, &b) != nil {
				return nil
			}
			return &payout.Error{ProviderCode: b.Code, Message: b.Message}
		},
	})
}

func TestEngineSendsHeadersAndBody(t *testing.T) {
	s := newServer(t, status(200, `{"ok":true}`))
	e := testEngine(t, s.URL+"/v1", payout.WithUserAgent("myapp/1.0"))
	resp, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/b2c/payouts",
		Body: map[string]any{"amount": 500}, IdempotencyKey: "WD-1"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"ok":true}`, string(resp.Body))
	assert.Equal(t, 1, resp.Attempts)
	reqs := s.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST", r.method)
	assert.Equal(t, "/v1/b2c/payouts", r.path)
	assert.Equal(t, "WD-1", r.idemKey)
	assert.Equal(t, "Bearer sk_secret_key", r.auth)
	assert.Equal(t, "application/json", r.ctype)
	assert.Regexp(t, `^payout-go/`+payout.Version+` \(go[^)]+\) myapp/1\.0$`, r.ua)
	assert.JSONEq(t, `{"amount":500}`, string(r.body))
}

func TestEngineRetriesIdempotentPostWithSameKeyAndBody(t *testing.T) {
	s := newServer(t, status(503, `{}`), hangUp, status(200, `{"id":"x"}`))
	e := testEngine(t, s.URL)
	resp, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p",
		Body: map[string]any{"a": 1}, IdempotencyKey: "K1", Reference: "R1"})
	require.NoError(t, err)
	// net/http itself may resend a request with an Idempotency-Key on a
	// fresh connection after a hang-up, so the engine counts 2 or 3 attempts.
	assert.GreaterOrEqual(t, resp.Attempts, 2)
	reqs := s.requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.Equal(t, "K1", r.idemKey, "the same key on every attempt")
		assert.JSONEq(t, `{"a":1}`, string(r.body), "the same body on every attempt")
		assert.Equal(t, "Bearer sk_secret_key", r.auth, "credentials on every attempt")
	}
}

func TestEnginePostWithoutKeyIsNotRetriedAfterItMayHaveBeenServed(t *testing.T) {
	s := newServer(t, status(500, `{"code":"BOOM"}`), status(200, `{}`))
	e := testEngine(t, s.URL)
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: map[string]int{"a": 1}, Reference: "R2"})
	require.Error(t, err)
	assert.Len(t, s.requests(), 1)
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown, "a 5xx answer to a POST leaves its outcome unknown")
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 500, pe.HTTPStatus)
	assert.Equal(t, "BOOM", pe.ProviderCode, "the last body survives the retries")
	assert.Equal(t, "R2", pe.Reference)
}

func TestEngineRetriesExhaustedAfterHangUpsIsOutcomeUnknown(t *testing.T) {
	s := newServer(t, hangUp)
	e := testEngine(t, s.URL, payout.WithMaxRetries(2))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: map[string]int{"a": 1}, IdempotencyKey: "K", Reference: "R3"})
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "R3", pe.Reference)
	assert.Len(t, s.requests(), 3)
	assert.True(t, payout.IsRetryable(err))
}

func TestEngineRefusedConnectionIsNetworkNotUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	e := testEngine(t, "http://"+addr, payout.WithMaxRetries(2))
	_, err = e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: map[string]int{"a": 1}, Reference: "R4"})
	assert.ErrorIs(t, err, payout.ErrNetwork, "a refused connection delivered nothing")
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
}

func TestEngineGetRetriesServerErrorsAndKeepsLastBody(t *testing.T) {
	s := newServer(t, status(502, `<html>bad gateway</html>`))
	e := testEngine(t, s.URL, payout.WithMaxRetries(2))
	_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t/1"})
	assert.Len(t, s.requests(), 3)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, payout.CodeProviderError, pe.Code, "a GET cannot create anything")
	assert.Equal(t, 502, pe.HTTPStatus)
	assert.NotContains(t, err.Error(), "<html>", "never the whole body")
}

func TestEngineClientErrorsAreFinalAndDecoded(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-9")
		status(409, `{"code":"INSUFFICIENT_FUNDS","message":"low"}`)(w, r)
	})
	e := testEngine(t, s.URL)
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", IdempotencyKey: "K", Body: struct{}{}})
	assert.Len(t, s.requests(), 1)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, payout.CodeConflict, pe.Code, "the status decides when the decoder leaves Code empty")
	assert.Equal(t, "INSUFFICIENT_FUNDS", pe.ProviderCode)
	assert.Equal(t, "req-9", pe.RequestID)
	assert.Equal(t, "testprov", pe.Provider)
}

func TestEngineHonoursRetryAfterThenSucceeds(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		status(429, `{}`)(w, r)
	}, status(200, `{}`))
	e := testEngine(t, s.URL)
	start := time.Now()
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}})
	require.NoError(t, err, "429 is retried even without a key: nothing was processed")
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "waited as told")
}

func TestEngineCancelDuringBackoff(t *testing.T) {
	t.Run("after a rate limit: nothing was processed", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			status(429, `{}`)(w, r)
		})
		e := testEngine(t, s.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := e.Do(ctx, Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K"})
		assert.Less(t, time.Since(start), 5*time.Second, "the wait ends with the context")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
	})
	t.Run("after a 503: the payout may exist", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			status(503, `{}`)(w, r)
		})
		e := testEngine(t, s.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := e.Do(ctx, Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R5"})
		assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the cause is kept")
	})
}

func TestEngineLastAnswerDoesNotHideAnEarlierPossiblyServedAttempt(t *testing.T) {
	rateLimited := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		status(429, `{"code":"RATE_LIMIT_EXCEEDED"}`)(w, r)
	}
	for name, first := range map[string]http.HandlerFunc{"500": status(500, `{}`), "hang-up": hangUp} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, first, rateLimited)
			e := testEngine(t, s.URL, payout.WithMaxRetries(1))
			_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R6"})
			assert.ErrorIs(t, err, payout.ErrOutcomeUnknown, "the first attempt may have created the payout")
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 429, pe.HTTPStatus)
			assert.Equal(t, "RATE_LIMIT_EXCEEDED", pe.ProviderCode)
		})
	}
	t.Run("a GET stays rate limited", func(t *testing.T) {
		s := newServer(t, status(500, `{}`), rateLimited)
		e := testEngine(t, s.URL, payout.WithMaxRetries(1))
		_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
		assert.ErrorIs(t, err, payout.ErrRateLimited)
	})
}

func TestEngineRedactsWhatTheProviderEchoes(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "id-sk_secret_key")
		status(401, `{"code":"BAD sk_secret_key","message":"key sk_secret_key refused"}`)(w, r)
	})
	e := testEngine(t, s.URL)
	_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "sk_secret_key")
	assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), "sk_secret_key")
}

func TestEngineCallerGivingUpAfterTheRequestWasWritten(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select { // the provider is still working on it
		case <-release:
		case <-time.After(5 * time.Second):
		}
		status(200, `{}`)(w, r)
	})
	defer close(release)
	e := testEngine(t, s.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.Do(ctx, Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R7"})
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown, "the provider had the request when the caller gave up")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = e.Do(ctx, Request{Method: http.MethodGet, Path: "/t"})
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown, "a GET creates nothing")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestEngineGivingUpInTheLimiterSendsNothing(t *testing.T) {
	s := newServer(t, status(200, `{}`))
	e := testEngine(t, s.URL, payout.WithRateLimit(1, time.Hour))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.Do(ctx, Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K2"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown, "held by the limiter, the request never left")
	assert.Len(t, s.requests(), 1)
}

func TestEngineRetriesCredentialCalls(t *testing.T) {
	s := newServer(t, status(503, `{}`), status(200, `{"accessToken":"t"}`))
	e := testEngine(t, s.URL)
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/token", Body: struct{}{}, NoAuth: true})
	require.NoError(t, err, "a token request creates nothing: safe to repeat")
	assert.Len(t, s.requests(), 2)
	assert.Empty(t, s.requests()[0].auth, "NoAuth skips Authorize")
}

func TestEngineKeepsCredentialErrorsOfRetries(t *testing.T) {
	s := newServer(t, status(503, `{}`))
	cfg, err := payout.NewConfig(payout.WithRetryWait(time.Millisecond, time.Millisecond), payout.WithBaseURL(s.URL))
	require.NoError(t, err)
	calls := 0
	e := New("testprov", "", cfg, &Redactor{}, Hooks{Authorize: func(_ context.Context, r *http.Request) error {
		if calls++; calls > 1 {
			return &payout.Error{Code: payout.CodeUnauthorized, ProviderCode: "invalid_client", Message: "token refused"}
		}
		return nil
	}})
	_, err = e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, payout.CodeUnauthorized, pe.Code)
	assert.Equal(t, "invalid_client", pe.ProviderCode)

	calls = 0
	_, err = e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R8"})
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown, "the first attempt's 503 may have created the payout")
}

func TestEngineTruncatedSuccessBodyOnPostIsOutcomeUnknown(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		io.WriteString(w, `{"transactionId":"ab`)
		// the handler returns with the body short: the client sees an unexpected EOF
	})
	e := testEngine(t, s.URL, payout.WithMaxRetries(0))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K"})
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
}

func TestEngineLogsAreRedacted(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newServer(t, status(503, `{}`), status(200, `{}`))
	e := testEngine(t, s.URL, payout.WithLogger(logger))
	e.Logger().Info("sending", "phone", "254712345678", "key", "sk_secret_key", "err", errors.New("bad sk_secret_key"))
	_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t/0712345678"})
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, "payout http retry", "retries are explained")
	assert.Contains(t, out, "reason=", "with their reason")
	assert.NotContains(t, out, "sk_secret_key")
	assert.NotContains(t, out, "254712345678")
	assert.NotContains(t, out, "0712345678")
	assert.Contains(t, out, "2547****5678")
}

func TestEngineQuietByDefault(t *testing.T) {
	assert.False(t, NewLogger(nil, &Redactor{}).Enabled(context.Background(), slog.LevelError))
}

func TestRedactor(t *testing.T) {
	r := &Redactor{}
	r.Add("", "pk_live_123456", "pk_live_123456")
	assert.Equal(t, "key [REDACTED] abc", r.String("key pk_live_123456 abc"))
	r.Add("xy")
	assert.Equal(t, "a [REDACTED] b", r.String("a xy b"), "short secrets are secrets too")
	for i := 0; i <= MaxRotating; i++ {
		r.AddRotating(fmt.Sprintf("tok-%02d", i))
	}
	assert.Equal(t, "tok-00 [REDACTED] [REDACTED]", r.String("tok-00 tok-01 tok-08"), "only the latest tokens are kept")
	assert.Len(t, r.rotating, MaxRotating)
	assert.Equal(t, "to 2547****5678 and +2547****5678 and 0712**5678", r.String("to 254712345678 and +254712345678 and 0712345678"))
	assert.Equal(t, "id 12547123456789", r.String("id 12547123456789"), "longer digit runs are not phones")
	assert.Equal(t, "to 0712**5678, +2547****5678 and 2541****3456", r.String("to 0712 345 678, +254 712-345-678 and 254.110.123.456"),
		"numbers as people type them are masked too")
	assert.Equal(t, "at 2026-03-01 09:00:00", r.String("at 2026-03-01 09:00:00"), "dates are not phones")
	assert.True(t, strings.HasPrefix(UserAgent(""), "payout-go/"+payout.Version+" (go"))
}
