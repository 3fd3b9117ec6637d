package httpx

import (
	"context"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

// hookTransport runs a test's hook around each attempt, on the way to the
// real transport (or instead of it, when next is nil).
type hookTransport struct {
	next  http.RoundTripper
	hook  func(r *http.Request) (*http.Response, error, bool) // before: done reports it answered
	after func(r *http.Request, resp *http.Response, err error)
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.hook != nil {
		if resp, err, done := h.hook(r); done {
			return resp, err
		}
	}
	resp, err := h.next.RoundTrip(r)
	if h.after != nil {
		h.after(r, resp, err)
	}
	return resp, err
}

// Issue 10, item 1: the provider answered 200 (the payout exists) and the
// caller's deadline passed before the engine looked at the answer. The old
// engine dropped the answer and returned the bare context error, which says
// nothing was sent.
func TestEngineAnswerArrivingAsTheCallerGivesUpIsRead(t *testing.T) {
	s := newServer(t, status(200, `{"id":"tx-1"}`))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := hookTransport{next: http.DefaultTransport, after: func(*http.Request, *http.Response, error) { cancel() }}
	e := testEngine(t, s.URL, payout.WithHTTPClient(&http.Client{Transport: tr}))
	resp, err := e.Do(ctx, Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-late"})
	require.Len(t, s.requests(), 1)
	if err != nil {
		// The body may be cut by the cancellation: then the payout was
		// accepted and its answer lost.
		assert.ErrorIs(t, err, payout.ErrOutcomeUnknown, "never the bare context error: %v", err)
		var pe *payout.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "R-late", pe.Reference)
		assert.True(t, payout.IsRetryable(err))
		return
	}
	assert.JSONEq(t, `{"id":"tx-1"}`, string(resp.Body))
}

// Issue 10, item 1: once net/http has a connection, a context error proves
// nothing: the request may be on the wire before the error is seen. The
// old engine took "the body was not read yet" for "never sent".
func TestEngineConnectedAttemptIsNeverProvablyUnsent(t *testing.T) {
	connectedThenCancelled := hookTransport{hook: func(r *http.Request) (*http.Response, error, bool) {
		if trace := httptrace.ContextClientTrace(r.Context()); trace != nil {
			trace.GetConn("provider:443")
			trace.GotConn(httptrace.GotConnInfo{})
		}
		return nil, context.DeadlineExceeded, true // the body is left unread
	}}
	e := testEngine(t, "https://provider.invalid", payout.WithHTTPClient(&http.Client{Transport: connectedThenCancelled}), payout.WithMaxRetries(0))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-wire"})
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "R-wire", pe.Reference)
	assert.True(t, payout.IsRetryable(err))
}

// The provable "never sent" cases: net/http asked for a connection and got
// none; the transport was never handed the request (the context ended
// before); a transport without connection events failed to dial.
func TestEngineNeverSentOnlyWhenProvable(t *testing.T) {
	post := Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-n"}
	t.Run("no connection obtained", func(t *testing.T) {
		noConn := hookTransport{hook: func(r *http.Request) (*http.Response, error, bool) {
			if trace := httptrace.ContextClientTrace(r.Context()); trace != nil {
				trace.GetConn("provider:443")
			}
			return nil, context.DeadlineExceeded, true
		}}
		e := testEngine(t, "https://provider.invalid", payout.WithHTTPClient(&http.Client{Transport: noConn}), payout.WithMaxRetries(0))
		_, err := e.Do(context.Background(), post)
		assert.ErrorIs(t, err, payout.ErrNetwork, "nothing can have left without a connection")
	})
	t.Run("context done before the hand-off", func(t *testing.T) {
		handed := false
		tr := hookTransport{hook: func(*http.Request) (*http.Response, error, bool) { handed = true; return nil, nil, false }, next: http.DefaultTransport}
		e := testEngine(t, "https://provider.invalid", payout.WithHTTPClient(&http.Client{Transport: tr}))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.Do(ctx, post)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
		assert.False(t, handed, "the transport never saw it")
	})
	t.Run("an untraced transport's reset is not proof", func(t *testing.T) {
		reset := hookTransport{hook: func(*http.Request) (*http.Response, error, bool) {
			return nil, &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true
		}}
		e := testEngine(t, "https://provider.invalid", payout.WithHTTPClient(&http.Client{Transport: reset}), payout.WithMaxRetries(0))
		_, err := e.Do(context.Background(), post)
		assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	})
}

// Issue 10, item 2: after an attempt that may have been processed (a 502),
// no answer that does not settle it may become a definite failure: the
// account deactivated meanwhile (401, 403), the funds the first attempt
// spent (insufficient funds), an unexplained conflict, a 404 from a proxy.
func TestEngineUnsettlingAnswerAfterPossiblyServedAttemptIsUnknown(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
	}{
		{401, `{"code":"TENANT_INACTIVE","message":"Tenant is inactive."}`},
		{403, `{"code":"ACCOUNT_INACTIVE","message":"Account is inactive."}`},
		{409, `{"code":"INSUFFICIENT_FUNDS","message":"low"}`},
		{409, ``},
		{402, `{}`},
		{404, `{}`},
	} {
		t.Run(http.StatusText(tc.status)+" "+tc.body, func(t *testing.T) {
			s := newServer(t, status(502, `{}`), status(tc.status, tc.body))
			e := testEngine(t, s.URL, payout.WithMaxRetries(1))
			_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-2"})
			require.Len(t, s.requests(), 2)
			assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.status, pe.HTTPStatus, "the last answer is kept")
			assert.Equal(t, "R-2", pe.Reference)
		})
	}
	t.Run("a proxy's bare 400 does not", func(t *testing.T) {
		s := newServer(t, status(502, `{}`), status(400, `<html>400 Request Header Or Cookie Too Large</html>`))
		e := testEngine(t, s.URL, payout.WithMaxRetries(1))
		_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-2"})
		assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	})
	t.Run("a validation error still settles it", func(t *testing.T) {
		s := newServer(t, status(502, `{}`), status(400, `{"code":"INVALID_PHONE"}`))
		e := testEngine(t, s.URL, payout.WithMaxRetries(1))
		_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-2"})
		assert.ErrorIs(t, err, payout.ErrInvalidRequest)
	})
	t.Run("the first answer alone is definite", func(t *testing.T) {
		s := newServer(t, status(401, `{"code":"TENANT_INACTIVE"}`))
		e := testEngine(t, s.URL, payout.WithMaxRetries(1))
		_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-2"})
		assert.ErrorIs(t, err, payout.ErrUnauthorized)
	})
}

// Issue 10, item 6: a Retry-After beyond MaxRetryAfter is handed back to
// the caller for every status, not slept through (the old engine capped
// 429 only and waited out a 503's day).
func TestEngineRetryAfterBeyondTheCapIsReturnedForEveryStatus(t *testing.T) {
	for _, st := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusInternalServerError} {
		t.Run(http.StatusText(st), func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "86400")
				status(st, `{}`)(w, r)
			}, status(200, `{}`))
			e := testEngine(t, s.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := e.Do(ctx, Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R-6"})
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "the engine did not sleep")
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 24*time.Hour, pe.RetryAfter)
			assert.Equal(t, st, pe.HTTPStatus)
			assert.Len(t, s.requests(), 1)
		})
	}
	assert.Equal(t, MaxRetryAfter, Backoff(time.Millisecond, time.Second, 0,
		&http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"86400"}}}), "Backoff never returns more than the cap")
}

// Issue 10, item 8: the provider's text is redacted before it is cut, so
// that a secret straddling the cut leaves no prefix behind.
func TestEngineRedactsBeforeTruncating(t *testing.T) {
	msg := strings.Repeat("m", MaxMessage-5) + "sk_secret_key" + strings.Repeat("n", 50)
	code := strings.Repeat("C", MaxCode-4) + "sk_secret_key"
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", strings.Repeat("r", MaxCode-3)+"sk_secret_key")
		status(400, `{"code":"`+code+`","message":"`+msg+`"}`)(w, r)
	})
	e := testEngine(t, s.URL)
	_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	for field, v := range map[string]string{"message": pe.Message, "code": pe.ProviderCode, "request id": pe.RequestID} {
		assert.NotContains(t, v, "sk_se", field)
	}
	assert.LessOrEqual(t, len(pe.Message), MaxMessage)
	assert.LessOrEqual(t, len(pe.ProviderCode), MaxCode)
}
