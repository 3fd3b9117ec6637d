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
		return nil, err
	}
	resp, err := t.next.RoundTrip(r)
	if resp != nil {
		t.limiter.Observe(resp.Header)
	}
	return resp, err
}
