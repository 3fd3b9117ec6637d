// Package ratelimit paces requests: the in-process payout.Limiter
// (payout.NewLimiter), the default of both the HTTP engine and
// payout.SendAll.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Limiter paces requests: at most one per interval (none when interval is
// 0), and none at all while a pause the provider asked for (rate-limit
// window exhausted) runs. It is a token bucket of depth one, so that any
// window of length n*interval holds at most n requests.
type Limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time // earliest start of the next request
	paused   time.Time // no request before this
	now      func() time.Time
}

// Slack is the share of the window the limiter leaves unused: it spaces
// requests by per/n plus 2%, so that network jitter (a request overtaking
// the one before it on the way to the provider) cannot put n+1 of them into
// one of the provider's windows.
const Slack = 50 // 1/50 = 2%

// NewLimiter paces to n requests per window; n == 0 disables pacing but keeps
// pauses.
func NewLimiter(n int, per time.Duration) *Limiter {
	l := &Limiter{now: time.Now}
	if n > 0 && per > 0 {
		per += per / Slack
		l.interval = per / time.Duration(n)
	}
	return l
}

// Wait blocks until the caller may send, or ctx ends. A pause that begins
// while the caller sleeps towards its slot sends it back to the queue
// behind the pause: slots booked before a provider said "stop" are not
// spent during the stop.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		d := l.reserve()
		if d <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if !l.pausedNow() {
			return nil
		}
	}
}

// pausedNow reports whether a pause holds at this instant.
func (l *Limiter) pausedNow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paused.After(l.now())
}

// reserve books the next slot and returns how long to wait for it.
func (l *Limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	start := now
	if l.paused.After(start) {
		start = l.paused
	}
	if l.interval > 0 {
		if l.next.After(start) {
			start = l.next
		}
		l.next = start.Add(l.interval)
	}
	return start.Sub(now)
}

// PauseUntil holds every request until t; a t before the current pause
// changes nothing. It never fails.
func (l *Limiter) PauseUntil(_ context.Context, t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.paused) {
		l.paused = t
	}
	return nil
}
