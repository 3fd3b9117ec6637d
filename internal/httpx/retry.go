package httpx

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Decision is a retry verdict with the reason for it, for logs.
type Decision struct {
	Retry  bool
	Reason string
}

// MaxRetryAfter is the longest Retry-After the engine waits out by itself,
// whatever the status; beyond it the error goes back to the caller with
// RetryAfter set.
const MaxRetryAfter = 2 * time.Minute

// Decide is the retry policy. It retries:
//   - requests that never reached the server (nothing written);
//   - 429, whatever the method (the server refused the request unprocessed);
//   - network errors and 5xx (but 501) only for requests that are safe to
//     repeat: GET/HEAD/OPTIONS, or any request carrying an idempotency key.
//
// It never retries other 4xx, nor a request without idempotency key that may
// have been processed, nor any response whose Retry-After asks for more than
// MaxRetryAfter (the error then carries RetryAfter for the caller).
func Decide(method string, idempotent bool, resp *http.Response, err error, written bool) Decision {
	safe := idempotent || method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
	if err != nil {
		switch {
		case !written:
			return Decision{true, "connection failed before the request was written"}
		case safe:
			return Decision{true, "network error on a request that is safe to repeat: " + err.Error()}
		default:
			return Decision{false, "network error after the request was written, and it carries no idempotency key"}
		}
	}
	if resp == nil {
		return Decision{false, "no response"}
	}
	if d, ok := RetryAfter(resp.Header, time.Now()); ok && d > MaxRetryAfter {
		// Whatever the status: sleeping that long inside a call is worse
		// than handing the wait to the caller (Error.RetryAfter).
		return Decision{false, strconv.Itoa(resp.StatusCode) + " with Retry-After " + d.String() + " beyond " + MaxRetryAfter.String()}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		return Decision{true, "429 too many requests"}
	case s == http.StatusNotImplemented:
		return Decision{false, "501 is permanent"}
	case s >= 500 && safe:
		return Decision{true, strconv.Itoa(s) + " on a request that is safe to repeat"}
	case s >= 500:
		return Decision{false, strconv.Itoa(s) + " on a request without idempotency key"}
	default:
		return Decision{false, "status " + strconv.Itoa(s) + " is final"}
	}
}

// RetryAfter reads a Retry-After header as delay-seconds or an HTTP date
// relative to now. A date in the past is a zero delay.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// Backoff returns the wait before retry number attempt+1: the server's
// Retry-After on 429 and 503 when it gives one, else min doubled per attempt
// up to max with "equal jitter" (half fixed, half random), so that clients
// that failed together do not retry together.
func Backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			if d > MaxRetryAfter { // Decide refuses to retry beyond it
				d = MaxRetryAfter
			}
			return d
		}
	}
	if max <= 0 {
		return 0
	}
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max || d <= 0 {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}
