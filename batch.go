package payout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/payoutkit/payout/internal/ratelimit"
)

// BatchOptions configures SendAll.
type BatchOptions struct {
	// Concurrency is how many Sends run at once; default 8.
	Concurrency int
	// RateLimit and RatePer pace the batch to at most RateLimit Sends per
	// RatePer, evenly spaced; 0 means unpaced. Use the provider's limit, for
	// example 60 per minute for PalPluss.
	RateLimit int
	// RatePer is the window of RateLimit.
	RatePer time.Duration
	// Limiter, when set, paces the batch instead of RateLimit, so that the
	// batch shares one pace with other work on the same account (another
	// process's, through a shared pgstore.NewLimiter). Each Send waits for
	// one slot first; a Send the Limiter refuses is not started. A client
	// built with WithLimiter(l) already waits on l for every attempt: give
	// its SendAll no Limiter, or each Send takes two slots. Setting both
	// Limiter and RateLimit is an error for every request.
	Limiter Limiter
	// OnProgress, when set, is called after each request finishes or is
	// skipped, one call at a time.
	OnProgress func(BatchProgress)
}

// BatchResult is the outcome of one request of a batch.
type BatchResult struct {
	// Index is the request's position in the input.
	Index int
	// Request is the request itself.
	Request Request
	// Payout is what Send returned; nil on error.
	Payout *Payout
	// Err is what Send returned; for a request that was never sent, an
	// error matching ErrNotStarted (the context ended) or ErrInvalidRequest
	// (its Reference repeats an earlier request's).
	Err error
	// Started reports whether Send was called for this request. A request
	// that was not started was certainly not paid and may be sent again
	// later; one that was started and failed with ErrOutcomeUnknown must be
	// resent with the same Reference.
	Started bool
}

// BatchProgress is a snapshot of a batch, passed to OnProgress.
type BatchProgress struct {
	// Total is the number of requests; Done how many have finished or been
	// skipped.
	Total, Done int
	// Succeeded counts accepted payouts; Failed counts errors of started
	// Sends; NotStarted counts requests skipped because the context ended.
	Succeeded, Failed, NotStarted int
	// Last is the result that triggered this call.
	Last BatchResult
}

// ErrNotStarted marks a batch request that was never sent: the batch's
// context ended first, or its Limiter refused it. Either way it was
// certainly not paid.
var ErrNotStarted = errors.New("payout: not started")

// SendAll sends every request through c, Concurrency at a time and paced by
// RateLimit, and returns one result per request in input order. When ctx
// ends, no new Send starts; requests that never started say so (Started
// false, Err matching ErrNotStarted and the context's error). A Reference
// that appears more than once in reqs is refused for every occurrence after
// the first, since Send would return the first payout for it.
//
// SendAll returns after every Send it started has returned.
func SendAll(ctx context.Context, c Client, reqs []Request, opts BatchOptions) []BatchResult {
	workers := opts.Concurrency
	if workers <= 0 {
		workers = 8
	}
	if workers > len(reqs) {
		workers = len(reqs)
	}
	results := make([]BatchResult, len(reqs))
	limiter := opts.Limiter
	if limiter != nil && opts.RateLimit > 0 {
		err := errors.New("payout: SendAll: BatchOptions.Limiter and RateLimit both set: the Limiter sets the pace")
		for i, r := range reqs {
			results[i] = BatchResult{Index: i, Request: r, Err: err}
		}
		return results
	}
	if limiter == nil && opts.RateLimit > 0 && opts.RatePer > 0 {
		limiter = ratelimit.NewLimiter(opts.RateLimit, opts.RatePer)
	}

	var mu sync.Mutex
	progress := BatchProgress{Total: len(reqs)}
	finish := func(r BatchResult) {
		mu.Lock()
		defer mu.Unlock()
		results[r.Index] = r
		progress.Done++
		switch {
		case !r.Started:
			progress.NotStarted++
		case r.Err != nil:
			progress.Failed++
		default:
			progress.Succeeded++
		}
		progress.Last = r
		if opts.OnProgress != nil {
			opts.OnProgress(progress)
		}
	}

	seen := make(map[string]int, len(reqs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				finish(sendOne(ctx, c, limiter, i, reqs[i]))
			}
		}()
	}
	for i, r := range reqs {
		if first, dup := seen[r.Reference]; dup {
			e := InvalidField("reference", "%q repeats request %d of the batch", r.Reference, first)
			finish(BatchResult{Index: i, Request: r, Err: e, Started: false})
			continue
		}
		seen[r.Reference] = i
		if ctx.Err() != nil {
			finish(notStarted(ctx, i, r))
			continue
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			finish(notStarted(ctx, i, r))
		}
	}
	close(jobs)
	wg.Wait()
	return results
}

func sendOne(ctx context.Context, c Client, limiter Limiter, i int, r Request) BatchResult {
	if limiter != nil {
		if err := limiter.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return notStarted(ctx, i, r)
			}
			return BatchResult{Index: i, Request: r, Started: false,
				Err: fmt.Errorf("%w: the rate limiter refused it: %w", ErrNotStarted, err)}
		}
	}
	if ctx.Err() != nil {
		return notStarted(ctx, i, r)
	}
	p, err := c.Send(ctx, r)
	return BatchResult{Index: i, Request: r, Payout: p, Err: err, Started: true}
}

func notStarted(ctx context.Context, i int, r Request) BatchResult {
	return BatchResult{Index: i, Request: r, Started: false,
		Err: fmt.Errorf("%w: %w", ErrNotStarted, context.Cause(ctx))}
}
