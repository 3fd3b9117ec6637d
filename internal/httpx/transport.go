package httpx

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/payoutkit/payout/internal/ratelimit"
)

// transport paces every attempt through the limiter before handing it to
// the next RoundTripper, bounds the attempt (request and response body) by
// timeout, and feeds responses back to the limiter.
//
// The timeout is applied here rather than as http.Client.Timeout so that
// the time an attempt waits for the limiter does not count against it, and
// because a context deadline costs a third of the allocations.
type transport struct {
	next    http.RoundTripper
	limiter *ratelimit.Limiter
	timeout time.Duration
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	// Step 1, the limiter: a request it holds until the caller gives up
	// provably never left.
	if err := t.limiter.Wait(r.Context()); err != nil {
		return nil, refuse(r, err)
	}
	// Step 2, hand-off: from here on the next RoundTripper has the request
	// and may send it; a context that is already done stops it before.
	if err := r.Context().Err(); err != nil {
		return nil, refuse(r, err)
	}
	att := attemptsFrom(r.Context())
	if att != nil {
		att.hand()
	}
	// Without GetBody net/http cannot resend the request by itself on a
	// fresh connection (it would for one carrying an Idempotency-Key). The
	// engine must see every attempt: a silent resend after the provider
	// processed the first could end on an answer (a 429) that hides that
	// the payout exists.
	ctx, cancel := r.Context(), context.CancelFunc(nil)
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
	}
	once := r.WithContext(ctx)
	once.GetBody = nil
	resp, err := t.next.RoundTrip(once)
	if resp != nil {
		t.limiter.Observe(resp.Header)
	}
	if cancel != nil {
		if err != nil || resp == nil {
			cancel()
		} else {
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		}
	}
	return resp, err
}

// cancelOnClose ends an attempt's deadline when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// refuse ends an attempt that was never handed on, closing its body as a
// RoundTripper must.
func refuse(r *http.Request, err error) error {
	if r.Body != nil {
		r.Body.Close()
	}
	return notSent{err}
}

// notSent marks an error that ended an attempt before any byte of it left
// (the caller gave up while the limiter held it, or before the hand-off).
type notSent struct{ err error }

func (e notSent) Error() string { return e.err.Error() }
func (e notSent) Unwrap() error { return e.err }
