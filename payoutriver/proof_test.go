package payoutriver_test

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/payoutkit/payout/payouttest"
)

var (
	proofN    = flag.Int("proof.n", 5000, "payouts in TestProofDurableBatch (500 with -short)")
	proofRate = flag.Int("proof.rate", 90, "each provider's shared client-side limit per second in TestProofDurableBatch")
)

// TestProofDurableBatch is the proof: 5,000 payouts enqueued in
// the callers' transactions, worked by 3 replicas (a River client, a pool
// and clients each, sharing one pgstore limiter per provider through the
// database), with the Sandbox faulting about a third of the requests
// (connection resets before and after processing, 5xx before and after,
// 429, slow and truncated answers), half the webhooks lost, and one
// replica stopped hard mid-run and replaced. Every payout must end final
// in the ledger, none paid twice (the Sandbox's own count), the ledger
// must agree with the Sandbox on every payout, and no request may be
// answered 429 by the Sandbox's own limit (set 10% above the shared
// client limit, in windows of 10 s). It reports the drain time against the ideal the rate
// limit sets for the requests made.
func TestProofDurableBatch(t *testing.T) {
	n := *proofN
	if testing.Short() {
		n = 500
	}
	rate := *proofRate
	// The provider's limit: the clients keep to 90% of it. Its windows are
	// 10 s long, as PalPluss's 60 a minute is 60 slots long: a window of one
	// second at this scale would be 90 slots, and a busy machine that wakes
	// a sleeping goroutine 100 ms late bunches more requests than that
	// margin into one window, which says nothing about the code.
	serverRate, serverWindow := rate+rate/9, 10
	faults := payouttest.RandomFaults(13,
		payouttest.FaultChance{Fault: payouttest.FaultResetBeforeRead(), P: 0.06},
		payouttest.FaultChance{Fault: payouttest.FaultResetAfterProcess(), P: 0.06},
		payouttest.FaultChance{Fault: payouttest.FaultStatus(503), P: 0.05},
		payouttest.FaultChance{Fault: payouttest.FaultStatusAfterProcess(502), P: 0.05},
		payouttest.FaultChance{Fault: payouttest.FaultRateLimit(0), P: 0.04},
		payouttest.FaultChance{Fault: payouttest.FaultDelay(300 * time.Millisecond), P: 0.04},
		payouttest.FaultChance{Fault: payouttest.FaultTruncate(), P: 0.03},
	)
	e := newEnv(t, envOptions{rate: rate, serverRate: serverRate, serverWindow: serverWindow, settle: 150 * time.Millisecond,
		faults: faults, dropWebhooks: halfByBody})
	svc, pool := e.insertOnly()
	e.enqueue(svc, pool, "proof", n, 500)

	for _, c := range e.requests {
		c.Store(0)
	}
	start := time.Now()
	replicas := []*replica{e.startReplica(20), e.startReplica(20), e.startReplica(20)}
	stopped := false
	var stopAt time.Duration
	e.waitDone(svc, "proof", 4*time.Minute, func(final int) {
		if !stopped && final >= n*2/5 {
			stopped = true
			stopAt = time.Since(start)
			replicas[1].stop(true) // hard: every running job's context cancelled
			replicas[1] = e.startReplica(20)
		}
	})
	drain := time.Since(start)

	res := e.verify("proof", n)
	res.assertClean(t, n)
	assert.True(t, stopped, "a replica was stopped mid-run")

	var requests, limited int64
	ideal := time.Duration(0)
	for p, c := range e.requests {
		requests += c.Load()
		limited += e.got429[p].Load()
		ideal = max(ideal, time.Duration(float64(c.Load())/float64(rate)*float64(time.Second)))
	}
	assert.Zero(t, limited, "0 answers 429 from the Sandbox's own limit")
	faultsSeen := 0
	for _, p := range []string{payouttest.SandboxPalPluss, payouttest.SandboxPayOS} {
		for _, k := range e.sb.FaultCounts(p) {
			faultsSeen += k
		}
	}
	ratio := float64(drain) / float64(ideal)
	t.Logf("proof: %d payouts, 3 replicas (one stopped hard at %v and replaced), %d succeeded, %d unpaid, %d refused",
		n, stopAt.Round(time.Millisecond), res.succeeded, res.unpaid, res.refused)
	t.Logf("proof: 0-checks: not final %d, paid twice %d, mismatches %d, unexpected outcomes %d, 429 from the limit %d",
		res.notFinal, res.paidTwice, res.mismatches, res.unexpected, limited)
	t.Logf("proof: %d provider requests (%.2f per payout), %d faulted (%.0f%%), webhooks %d applied / %d dropped, %d reversals seen only as FAILED",
		requests, float64(requests)/float64(n), faultsSeen, 100*float64(faultsSeen)/float64(requests),
		e.hooksIn.Load(), e.dropped.Load(), res.reversalUnseen)
	t.Logf("proof: drain %v; ideal at %d/s per provider for the requests made %v; ratio %.3f; ideal for one Send per payout %v",
		drain.Round(time.Millisecond), rate, ideal.Round(time.Millisecond), ratio,
		(time.Duration(n/2) * time.Second / time.Duration(rate)).Round(time.Millisecond))
}
