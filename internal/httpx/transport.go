package httpx

import (
	"net/http"

	"github.com/payoutkit/payout/internal/ratelimit"
)

// transport paces every attempt through the limiter before handing it to
// the next RoundTripper, and feeds responses back to it.
type transport struct {
	next    http.RoundTripper
	limiter *ratelimit.Limiter
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(r.Context()); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, notSent{err}
	}
	// Without GetBody net/http cannot resend the request by itself on a
	// fresh connection (it would for one carrying an Idempotency-Key). The
	// engine must see every attempt: a silent resend after the provider
	// processed the first could end on an answer (a 429) that hides that
	// the payout exists.
	once := *r
	once.GetBody = nil
	resp, err := t.next.RoundTrip(&once)
	if resp != nil {
		t.limiter.Observe(resp.Header)
	}
	return resp, err
}

// notSent marks an error that ended an attempt before any byte of it left
// (the caller gave up while the limiter held it).
type notSent struct{ err error }

func (e notSent) Error() string { return e.err.Error() }
func (e notSent) Unwrap() error { return e.err }
