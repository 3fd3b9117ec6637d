package payout

import (
	"context"
	"fmt"
	"time"

	"github.com/payoutkit/payout/internal/ratelimit"
)

// Limiter paces requests to one provider account, possibly across processes.
//
// Every adapter sends every HTTP attempt through its Limiter: first
// attempts and retries, PayOS token requests, and the Gets that confirm
// webhooks. When a provider answers that its window is spent
// (x-ratelimit-remaining: 0 with x-ratelimit-reset, or 429 with
// Retry-After), the adapter calls PauseUntil with the time it named,
// bounded to a minute, so that every user of the Limiter holds off, not
// only the one that was refused.
//
// NewLimiter is the in-process implementation, what WithRateLimit builds.
// Replicas that share one provider account share one Limiter backed by
// storage they all reach (pgstore.NewLimiter). Implementations must be
// safe for concurrent use.
type Limiter interface {
	// Wait blocks until the caller may send one request, or ctx ends. An error means
	// the request must not be sent (the engine then reports it as never sent).
	Wait(ctx context.Context) error
	// PauseUntil asks every user of the limiter to send nothing before t (a provider's
	// x-ratelimit-reset or Retry-After). A t earlier than the current pause changes nothing.
	PauseUntil(ctx context.Context, t time.Time) error
}

// NewLimiter returns a Limiter for one process that paces requests to at
// most n per window, evenly spaced (one every per/n, plus 2% so that
// network jitter cannot put n+1 of them into one of the provider's
// windows), and honours pauses. n == 0 (with any per) does not pace but
// still honours pauses. Its Wait fails only when ctx ends; PauseUntil never
// fails.
//
// Share one NewLimiter between the clients of one process that use the
// same provider account: WithLimiter(l) on each, BatchOptions.Limiter for
// SendAll.
func NewLimiter(n int, per time.Duration) (Limiter, error) {
	if n < 0 || per < 0 || (n > 0 && per == 0) {
		return nil, fmt.Errorf("payout: NewLimiter: need n >= 0 and per > 0, got %d, %v", n, per)
	}
	return ratelimit.NewLimiter(n, per), nil
}

// WithLimiter sends every HTTP attempt of the client through l (see
// Limiter), instead of the limiter WithRateLimit would build. Give the
// same l to every client of one provider account, and a shared one
// (pgstore.NewLimiter) to replicas. It cannot be combined with
// WithRateLimit: the pace is l's.
func WithLimiter(l Limiter) Option {
	return func(c *Config) {
		if l == nil {
			c.Fail(fmt.Errorf("payout: WithLimiter: nil Limiter"))
			return
		}
		c.Limiter = l
	}
}
