package palpluss

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit is PalPluss's rate-limit window as its latest response reported
// it in the x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset
// headers.
//
// The client acts on these headers by itself: when a response says no
// request is left in the window, it holds every further request until the
// window resets (at most a minute). With WithDocumentedRateLimit (or
// payout.WithRateLimit) it also paces itself so as never to reach the limit.
type RateLimit struct {
	// Limit is the number of requests allowed per window (60).
	Limit int
	// Remaining is how many of them are left in the current window.
	Remaining int
	// Reset is when the window resets.
	Reset time.Time
	// Observed is when the response that reported these values arrived.
	Observed time.Time
}

// RateLimit returns the rate-limit window as the latest response that
// carried x-ratelimit headers reported it; ok is false before any did.
func (c *Client) RateLimit() (rl RateLimit, ok bool) {
	return c.rate.get()
}

type rateState struct {
	mu   sync.Mutex
	last RateLimit
	ok   bool
}

func (s *rateState) get() (RateLimit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.ok
}

// observe records the x-ratelimit-* headers of h, when it has them.
func (s *rateState) observe(h http.Header) {
	v := h.Get("X-Ratelimit-Remaining")
	if v == "" { // the usual case; Atoi would allocate its error
		return
	}
	rem, err := strconv.Atoi(v)
	if err != nil {
		return
	}
	rl := RateLimit{Remaining: rem, Observed: time.Now()}
	rl.Limit, _ = strconv.Atoi(h.Get("X-Ratelimit-Limit"))
	if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil && reset > 0 {
		rl.Reset = time.Unix(reset, 0)
	}
	s.mu.Lock()
	s.last, s.ok = rl, true
	s.mu.Unlock()
}
