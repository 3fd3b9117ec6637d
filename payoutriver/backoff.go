package payoutriver

import (
	"math/rand/v2"
	"time"
)

// backoff is first doubled n times, capped at max, with ±20% jitter so
// that payouts accepted together are not all checked together.
func backoff(first, max time.Duration, n int) time.Duration {
	d := first
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return jitter(d)
}

// jitter spreads d over [0.8d, 1.2d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())) //nolint:gosec // jitter needs no secrecy
}
