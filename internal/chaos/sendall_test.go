package chaos_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
)

// The batch SendAll is proved on: 1,000 payouts, 32 at a time, each taking
// a simulated 50 ms at the provider.
const (
	batchSize        = 1000
	batchConcurrency = 32
	batchLatency     = 50 * time.Millisecond
	// batchSlack is how far above the ideal time the batch may finish.
	batchSlack = 1.10
)

// flagRatePer is the window of the rate-limit test. PalPluss allows 60
// requests a minute; the test scales the minute down so that it runs in
// seconds. Both the Sandbox's limit and SendAll's pacing are linear in the
// window, so -chaos.rate-per=1m runs the documented limit as is (slowly).
var flagRatePer = flag.Duration("chaos.rate-per", 2*time.Second, "window of the PalPluss rate limit (60 requests per window) in TestSendAllRateLimit")

// idealBatch is the fastest a batch of n Sends of latency d each can finish
// with c at a time: ceil(n/c) rounds of d.
func idealBatch(n, c int, d time.Duration) time.Duration {
	return time.Duration((n+c-1)/c) * d
}

// latencyClient is a payout.Client whose Send takes latency (or until the
// context ends) and accepts every payout. It records how many Sends ran at
// once.
type latencyClient struct {
	latency             time.Duration
	inFlight, maxFlight atomic.Int32
	sends               atomic.Int32
}

// Send waits latency, then accepts req.
func (c *latencyClient) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	c.sends.Add(1)
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		m := c.maxFlight.Load()
		if n <= m || c.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	t := time.NewTimer(c.latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	return &payout.Payout{ID: "sim-" + req.Reference, Reference: req.Reference, Provider: "simulated",
		Status: payout.StatusPending, Amount: req.Amount}, nil
}

// Get knows no payout.
func (c *latencyClient) Get(context.Context, string) (*payout.Payout, error) {
	return nil, &payout.Error{Code: payout.CodeNotFound, Provider: "simulated", Message: "no such payout"}
}

// batchRequests returns n PalPluss-valid requests with unique References.
func batchRequests(prefix string, n int) []payout.Request {
	reqs := make([]payout.Request, n)
	for i := range reqs {
		reqs[i] = payout.Request{
			Reference: fmt.Sprintf("%s-%05d", prefix, i),
			Amount:    money.New(int64(100+i%900)*100, money.KES),
			Recipient: payout.Recipient{Name: "Batch Recipient", Phone: fmt.Sprintf("07%d%07d", 1+i%2, i)},
		}
	}
	return reqs
}

// checkBatch fails t unless every result is an accepted payout for its own
// request, in input order.
func checkBatch(t testing.TB, reqs []payout.Request, results []payout.BatchResult) {
	t.Helper()
	if len(results) != len(reqs) {
		t.Fatalf("%d results for %d requests", len(results), len(reqs))
	}
	for i, r := range results {
		if r.Index != i || r.Request.Reference != reqs[i].Reference || !r.Started || r.Err != nil || r.Payout == nil ||
			r.Payout.Reference != reqs[i].Reference {
			t.Fatalf("result %d: index %d, reference %q, started %v, err %v, payout %+v", i, r.Index, r.Request.Reference, r.Started, r.Err, r.Payout)
		}
	}
}

// BenchmarkSendAll1000At50ms measures payout.SendAll sending 1,000 payouts,
// 32 at a time, to a provider that takes 50 ms per payout, against the
// ideal time ceil(1000/32) × 50 ms = 1.6 s. It reports the ratio as
// x-ideal and fails above 1.10 (speed is asserted in benchmarks, never in
// timed tests). "simulated" is a payout.Client that only waits; "palpluss"
// is the real adapter over loopback HTTP against the Sandbox, every payout
// answered 50 ms late.
func BenchmarkSendAll1000At50ms(b *testing.B) {
	ideal := idealBatch(batchSize, batchConcurrency, batchLatency)
	run := func(b *testing.B, c payout.Client, prefix string) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			reqs := batchRequests(fmt.Sprintf("%s-%d", prefix, i), batchSize)
			start := time.Now()
			results := payout.SendAll(context.Background(), c, reqs, payout.BatchOptions{Concurrency: batchConcurrency})
			total += time.Since(start)
			checkBatch(b, reqs, results)
		}
		ratio := float64(total) / float64(b.N) / float64(ideal)
		b.ReportMetric(ratio, "x-ideal")
		if ratio > batchSlack {
			b.Errorf("%d payouts at %v, %d at a time: %.3f × the ideal %v, over %.2f", batchSize, batchLatency, batchConcurrency, ratio, ideal, batchSlack)
		}
	}
	b.Run("simulated", func(b *testing.B) {
		run(b, &latencyClient{latency: batchLatency}, "SIM")
	})
	b.Run("palpluss", func(b *testing.B) {
		sb := payouttest.NewSandbox(payouttest.WithSandboxFault(func(_ string, r *http.Request) payouttest.Fault {
			if r.Method == http.MethodPost {
				return payouttest.FaultDelay(batchLatency) // processed at once, answered 50 ms later
			}
			return payouttest.FaultNone()
		}))
		defer sb.Close()
		tr := newTransport(b)
		defer tr.CloseIdleConnections()
		c, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()), payout.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			b.Fatal(err)
		}
		run(b, c, "PAL")
	})
}

// TestSendAllBatchShape runs the benchmark's batch once through the
// simulated provider and checks what does not depend on the clock: every
// payout accepted, results in input order, never more than 32 Sends at
// once. It logs how close to the ideal time the batch came; the benchmark
// asserts that.
func TestSendAllBatchShape(t *testing.T) {
	c := &latencyClient{latency: batchLatency}
	reqs := batchRequests("SHAPE", batchSize)
	var progress atomic.Int32
	start := time.Now()
	results := payout.SendAll(context.Background(), c, reqs, payout.BatchOptions{
		Concurrency: batchConcurrency,
		OnProgress:  func(payout.BatchProgress) { progress.Add(1) },
	})
	elapsed := time.Since(start)
	checkBatch(t, reqs, results)
	if got := c.sends.Load(); got != batchSize {
		t.Errorf("%d Sends for %d requests", got, batchSize)
	}
	if got := progress.Load(); got != batchSize {
		t.Errorf("%d progress calls for %d requests", got, batchSize)
	}
	if m := c.maxFlight.Load(); m > batchConcurrency || m < 2 {
		t.Errorf("at most %d Sends ran at once; want 2 to %d", m, batchConcurrency)
	}
	ideal := idealBatch(batchSize, batchConcurrency, batchLatency)
	t.Logf("%d payouts at %v, %d at a time: %v, %.3f × the ideal %v; at most %d Sends at once",
		batchSize, batchLatency, batchConcurrency, elapsed.Round(time.Millisecond), float64(elapsed)/float64(ideal), ideal, c.maxFlight.Load())
}

// statusCounter counts the responses of each status that come back
// through it.
type statusCounter struct {
	next     http.RoundTripper
	tooMany  atomic.Int32
	requests atomic.Int32
}

// RoundTrip sends r through next and counts its answer.
func (s *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	s.requests.Add(1)
	resp, err := s.next.RoundTrip(r)
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		s.tooMany.Add(1)
	}
	return resp, err
}

// TestSendAllRateLimit shows that a batch paced by SendAll to PalPluss's
// rate limit (60 requests per window) is never answered 429 by a server
// enforcing that limit, through the real adapter with no retries (a 429
// would surface as ErrRateLimited); and, so that the proof is not vacuous,
// that the same batch unpaced is. The window is -chaos.rate-per (2 s by
// default instead of PalPluss's minute, so that the test takes seconds).
func TestSendAllRateLimit(t *testing.T) {
	per := *flagRatePer
	n := palpluss.RequestsPerMinute
	const payouts = 2*palpluss.RequestsPerMinute + 10 // past two windows
	for _, tc := range []struct {
		name  string
		paced bool
	}{{"paced", true}, {"unpaced", false}} {
		t.Run(tc.name, func(t *testing.T) {
			sb := payouttest.NewSandbox(payouttest.WithSandboxRateLimit(n, per))
			defer sb.Close()
			tr := newTransport(t)
			wire := &statusCounter{next: tr}
			c, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()),
				payout.WithHTTPClient(&http.Client{Transport: wire}), payout.WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			opts := payout.BatchOptions{Concurrency: batchConcurrency}
			if tc.paced {
				opts.RateLimit, opts.RatePer = n, per
			}
			reqs := batchRequests("RATE-"+tc.name, payouts)
			start := time.Now()
			results := payout.SendAll(context.Background(), c, reqs, opts)
			elapsed := time.Since(start)
			tr.CloseIdleConnections()

			limited, failed := 0, 0
			for _, r := range results {
				switch {
				case errors.Is(r.Err, payout.ErrRateLimited):
					limited++
				case r.Err != nil:
					failed++
					t.Errorf("%s: %v", r.Request.Reference, r.Err)
				}
			}
			t.Logf("%s: %d payouts at %d per %v: %v; %d requests, %d answered 429, %d Sends rate limited",
				tc.name, payouts, n, per, elapsed.Round(time.Millisecond), wire.requests.Load(), wire.tooMany.Load(), limited)
			if tc.paced {
				if wire.tooMany.Load() != 0 || limited != 0 {
					t.Errorf("paced to the limit, %d requests were answered 429 (%d Sends failed on it)", wire.tooMany.Load(), limited)
				}
				checkBatch(t, reqs, results)
				for _, r := range reqs {
					if got := sb.CreatedCount(payouttest.SandboxPalPluss, r.Reference); got != 1 {
						t.Errorf("%s created %d times", r.Reference, got)
					}
				}
			} else if wire.tooMany.Load() == 0 || limited == 0 {
				t.Errorf("unpaced, no request was answered 429: the limit was never reached, so the paced run proves nothing")
			}
		})
	}
}
