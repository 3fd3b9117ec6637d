// Package chaos holds the module's exactly-once proofs: tests only, no
// code anyone imports.
//
// TestChaosExactlyOnce sends payouts with unique References through each
// adapter (palpluss, payos), many at a time, against payouttest.Sandbox with
// every network fault the Sandbox can inject chosen at random. The callers
// retry Send with the same Reference whenever payout.IsRetryable says so, as
// the README tells users to. Every error a Send returns other than
// ErrOutcomeUnknown says that Send created nothing, and is checked against
// the server on the spot. Afterwards the test counts, on the server side,
// the payouts created per Reference and compares them with what every
// caller was told: a Reference the caller saw succeed exists exactly once,
// with the ID, amount and phone the caller got; a refused one does not
// exist; none exists twice. It prints the counts as a table. Besides one
// scenario per adapter, it runs each with the callers' own deadlines in
// place of the clients' timeout, and PayOS with the Idempotency-Key
// ignored (only merchantReference then protects a resend). Three more
// pairs attack what issue 10 found: tiny deadlines (each Reference's first
// Send ends after 20µs to 2ms, anywhere between the limiter and the
// answer, and a bare context error must mean nothing was created);
// credentials revoked mid-retry (after a payout POST was processed and its
// answer lost, that Send's next two requests are refused 401 or 403, which
// must leave the outcome unknown, never a refusal); and a Reference reused
// for another phone (every tenth accepted Reference sent again, same
// amount, to another number: ErrDuplicateReference, nothing created).
//
// The SendAll proofs drive payout.SendAll as an external user would:
// BenchmarkSendAll1000At50ms measures a 1,000-payout batch, 32 at a time, at
// a simulated 50 ms provider latency, against the ideal time (and fails
// above 1.10 × ideal); TestSendAllBatchShape checks the same batch's results
// and concurrency without a clock; TestSendAllRateLimit shows that a batch
// paced to PalPluss's rate limit is never answered 429, and that unpaced it
// is.
//
// regressions_test.go pins down, one deterministic test each, the bugs
// outside this package the suite found (all fixed): net/http resending a
// payout POST behind the engine's back, PayOS duplicate answers whose
// search fails or whose body is cut short, and pacing with no room for
// network jitter.
//
// The default sizes keep `go test -race ./internal/chaos` short; the full
// run is
//
//	go test -race -count=1 -run TestChaos -v ./internal/chaos -args -chaos.n=1000
//
// with -chaos.c (concurrent callers), -chaos.seed and -chaos.rate-per to
// vary it.
package chaos
