package httpx

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/payoutkit/payout"
)

// transport paces every attempt through the limiter before handing it to
// the next RoundTripper, bounds the attempt (request and response body) by
// timeout, and feeds the pauses responses ask for back to the limiter.
//
// The timeout is applied here rather than as http.Client.Timeout so that
// the time an attempt waits for the limiter does not count against it, and
// because a context deadline costs a third of the allocations.
type transport struct {
	next    http.RoundTripper
	limiter payout.Limiter
	timeout time.Duration
	log     *slog.Logger
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	// Step 1, the limiter: a request it holds until the caller gives up,
	// or refuses (its storage is unreachable), provably never left.
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
		t.pause(r.Context(), resp)
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

// MaxPause bounds a pause read from a response, whatever it says.
const MaxPause = time.Minute

// pauseTimeout bounds the limiter's PauseUntil (a shared limiter writes to
// its storage): the answer is in, and must not wait long for it.
const pauseTimeout = 5 * time.Second

// pause hands the limiter the pause resp asks for, if any: until
// x-ratelimit-reset (unix seconds) when x-ratelimit-remaining is 0, until
// Retry-After on a 429; at most MaxPause from now. It runs even when the
// caller's context has ended, so that the other users of the limiter
// still hold off; a failure is logged, the response is still returned.
func (t *transport) pause(ctx context.Context, resp *http.Response) {
	until, ok := PauseFor(resp.StatusCode, resp.Header, time.Now())
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pauseTimeout)
	defer cancel()
	if err := t.limiter.PauseUntil(ctx, until); err != nil {
		t.log.LogAttrs(ctx, slog.LevelWarn, "payout rate limiter: pause not recorded",
			slog.Time("until", until), slog.String("error", err.Error()))
	}
}

// PauseFor is the pause a response asks of the limiter: until
// x-ratelimit-reset (unix seconds) when x-ratelimit-remaining is 0, or
// until Retry-After on a 429, bounded to MaxPause after now. ok is false
// when the response asks for none.
func PauseFor(status int, h http.Header, now time.Time) (until time.Time, ok bool) {
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			until, ok = time.Unix(reset, 0), true
		}
	}
	if status == http.StatusTooManyRequests {
		if d, found := RetryAfter(h, now); found && now.Add(d).After(until) {
			until, ok = now.Add(d), true
		}
	}
	if !ok || !until.After(now) {
		return time.Time{}, false
	}
	if until.Sub(now) > MaxPause {
		until = now.Add(MaxPause)
	}
	return until, true
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
// (the limiter held it until the caller gave up, or refused it, or the
// context ended before the hand-off).
type notSent struct{ err error }

func (e notSent) Error() string { return e.err.Error() }
func (e notSent) Unwrap() error { return e.err }
