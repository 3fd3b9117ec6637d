package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

// recordingLimiter is a payout.Limiter that counts Waits, records pauses,
// and refuses from the refuseFrom-th Wait on (0: never).
type recordingLimiter struct {
	mu         sync.Mutex
	waits      int
	pauses     []time.Time
	refuseFrom int
	refuse     error
	pauseErr   error
}

func (l *recordingLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	if l.refuseFrom > 0 && l.waits >= l.refuseFrom {
		return l.refuse
	}
	return ctx.Err()
}

func (l *recordingLimiter) PauseUntil(_ context.Context, t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pauses = append(l.pauses, t)
	return l.pauseErr
}

func (l *recordingLimiter) counts() (int, []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits, append([]time.Time(nil), l.pauses...)
}

func withHeaders(code int, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		status(code, `{}`)(w, r)
	}
}

// TestEngineWaitsOnTheLimiterForEveryAttempt: retries are paced too.
func TestEngineWaitsOnTheLimiterForEveryAttempt(t *testing.T) {
	s := newServer(t, status(503, `{}`), status(503, `{}`), status(200, `{}`))
	l := &recordingLimiter{}
	e := testEngine(t, s.URL, payout.WithLimiter(l))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K"})
	require.NoError(t, err)
	waits, _ := l.counts()
	assert.Equal(t, 3, waits)
	assert.Len(t, s.requests(), 3)
}

// TestEngineSharesAnExhaustedWindowWithTheLimiter: x-ratelimit-remaining 0
// pauses the limiter until x-ratelimit-reset, at most MaxPause ahead.
func TestEngineSharesAnExhaustedWindowWithTheLimiter(t *testing.T) {
	reset := time.Now().Add(20 * time.Second).Truncate(time.Second)
	far := time.Now().Add(time.Hour).Unix()
	s := newServer(t,
		withHeaders(200, "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10)),
		withHeaders(200, "X-Ratelimit-Remaining", "3", "X-Ratelimit-Reset", strconv.FormatInt(far, 10)),
		withHeaders(200, "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", strconv.FormatInt(far, 10)),
	)
	l := &recordingLimiter{}
	e := testEngine(t, s.URL, payout.WithLimiter(l))
	for i := 0; i < 3; i++ {
		_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
		require.NoError(t, err)
	}
	_, pauses := l.counts()
	require.Len(t, pauses, 2, "remaining > 0 asks for no pause")
	assert.True(t, pauses[0].Equal(reset), "pause until the reset: %v, want %v", pauses[0], reset)
	assert.WithinDuration(t, time.Now().Add(MaxPause), pauses[1], 2*time.Second, "bounded to MaxPause")
}

// TestEngineSharesA429RetryAfterWithTheLimiter: a 429's Retry-After pauses
// every user of the limiter, not only this call's retry.
func TestEngineSharesA429RetryAfterWithTheLimiter(t *testing.T) {
	s := newServer(t, withHeaders(429, "Retry-After", "30"))
	l := &recordingLimiter{}
	e := testEngine(t, s.URL, payout.WithLimiter(l), payout.WithMaxRetries(0))
	_, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
	require.ErrorIs(t, err, payout.ErrRateLimited)
	_, pauses := l.counts()
	require.Len(t, pauses, 1)
	assert.WithinDuration(t, time.Now().Add(30*time.Second), pauses[0], 2*time.Second)
}

// TestEngineLimiterRefusalSendsNothing: a Limiter that cannot answer (its
// database is down) fails closed: nothing reaches the provider, the error
// says so and carries the Limiter's error, and it is not retried.
func TestEngineLimiterRefusalSendsNothing(t *testing.T) {
	s := newServer(t, status(200, `{}`))
	boom := errors.New("limiter storage unreachable")
	l := &recordingLimiter{refuseFrom: 1, refuse: boom}
	e := testEngine(t, s.URL, payout.WithLimiter(l))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R1"})
	require.Error(t, err)
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, err, payout.ErrNetwork, "never sent")
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
	var pe *payout.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "R1", pe.Reference)
	assert.Contains(t, pe.Error(), "rate limiter refused")
	waits, _ := l.counts()
	assert.Equal(t, 1, waits, "a refusal is not retried")
	assert.Empty(t, s.requests())
}

// TestEngineLimiterRefusalAfterAPossiblyServedAttemptIsUnknown: the first
// attempt got a 503 (the provider may have created the payout), then the
// limiter refused the retry: the outcome is unknown, not "never sent".
func TestEngineLimiterRefusalAfterAPossiblyServedAttemptIsUnknown(t *testing.T) {
	s := newServer(t, status(503, `{}`))
	l := &recordingLimiter{refuseFrom: 2, refuse: errors.New("limiter storage unreachable")}
	e := testEngine(t, s.URL, payout.WithLimiter(l))
	_, err := e.Do(context.Background(), Request{Method: http.MethodPost, Path: "/p", Body: struct{}{}, IdempotencyKey: "K", Reference: "R1"})
	assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	assert.Len(t, s.requests(), 1)
}

// TestEnginePauseFailureKeepsTheAnswer: a limiter that cannot record a
// pause does not cost the caller the provider's answer; it is logged.
func TestEnginePauseFailureKeepsTheAnswer(t *testing.T) {
	reset := strconv.FormatInt(time.Now().Add(10*time.Second).Unix(), 10)
	s := newServer(t, withHeaders(200, "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset))
	l := &recordingLimiter{pauseErr: errors.New("pause storage unreachable")}
	var logs bytes.Buffer
	e := testEngine(t, s.URL, payout.WithLimiter(l), payout.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	resp, err := e.Do(context.Background(), Request{Method: http.MethodGet, Path: "/t"})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, logs.String(), "pause not recorded")
}

// TestEnginePausesEvenWhenTheCallerGaveUp: the pause a response asks for
// reaches the limiter although the caller's context ended meanwhile, so
// that the limiter's other users still hold off.
func TestEnginePausesEvenWhenTheCallerGaveUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := &pauseCtxLimiter{}
	tr := &transport{limiter: l, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tr.pause(ctx, &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"5"}}})
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.Equal(t, 1, l.calls)
	assert.NoError(t, l.ctxErr, "PauseUntil gets a context that has not ended")
}

type pauseCtxLimiter struct {
	mu     sync.Mutex
	calls  int
	ctxErr error
}

func (l *pauseCtxLimiter) Wait(ctx context.Context) error { return ctx.Err() }
func (l *pauseCtxLimiter) PauseUntil(ctx context.Context, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	l.ctxErr = ctx.Err()
	return nil
}

func TestPauseFor(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	reset := strconv.FormatInt(now.Unix()+20, 10)
	for _, tc := range []struct {
		name   string
		status int
		h      http.Header
		want   time.Duration // 0: no pause
	}{
		{"exhausted window", 200, h("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset), 20 * time.Second},
		{"window left", 200, h("X-Ratelimit-Remaining", "1", "X-Ratelimit-Reset", reset), 0},
		{"reset in the past", 200, h("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", strconv.FormatInt(now.Unix()-5, 10)), 0},
		{"reset unreadable", 200, h("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "soon"), 0},
		{"429 retry-after seconds", 429, h("Retry-After", "7"), 7 * time.Second},
		{"429 retry-after date", 429, h("Retry-After", now.Add(9*time.Second).UTC().Format(http.TimeFormat)), 9 * time.Second},
		{"429 bounded", 429, h("Retry-After", "3600"), MaxPause},
		{"429 longer of both", 429, h("Retry-After", "3", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset), 20 * time.Second},
		{"503 retry-after is not a rate limit", 503, h("Retry-After", "7"), 0},
		{"429 without retry-after", 429, h(), 0},
	} {
		until, ok := PauseFor(tc.status, tc.h, now)
		if tc.want == 0 {
			assert.False(t, ok, tc.name)
			continue
		}
		require.True(t, ok, tc.name)
		assert.Equal(t, tc.want, until.Sub(now), tc.name)
	}
}
