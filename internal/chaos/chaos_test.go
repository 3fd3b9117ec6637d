package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// The clients' settings under chaos. The per-attempt timeout is shorter
// than the Sandbox's slow answer, so that a delayed response really is one
// the client gave up on. Each adapter has two clients, as two processes of
// one service would: one retries each Send twice, the other not at all, so
// that Sends often run out of retries and callers are told
// ErrOutcomeUnknown (PayOS's Send resolves most unknown outcomes by itself,
// by searching for the Reference).
const (
	clientTimeout  = 500 * time.Millisecond
	slowAnswer     = 2 * clientTimeout
	clientRetries  = 2
	retryWaitMin   = time.Millisecond
	retryWaitMax   = 20 * time.Millisecond
	rateLimitWait  = time.Second // Retry-After of the injected 429s (the Sandbox speaks whole seconds)
	callerAttempts = 30          // Sends per Reference before a caller gives up
)

// faultTable is the random fault mix: every kind of fault the Sandbox can
// inject, about a third of all requests in total, on every endpoint (PayOS's
// token and search calls included).
func faultTable() []payouttest.FaultChance {
	return []payouttest.FaultChance{
		// Before the request is processed: nothing happens at the provider.
		{Fault: payouttest.FaultResetBeforeRead(), P: 0.04},
		{Fault: payouttest.FaultStatus(http.StatusInternalServerError), P: 0.02},
		{Fault: payouttest.FaultStatus(http.StatusBadGateway), P: 0.02},
		{Fault: payouttest.FaultStatus(http.StatusServiceUnavailable), P: 0.02},
		{Fault: payouttest.FaultRateLimit(rateLimitWait), P: 0.03},
		// After the request is processed: the payout exists, the answer is lost.
		{Fault: payouttest.FaultResetAfterProcess(), P: 0.05},
		{Fault: payouttest.FaultStatusAfterProcess(http.StatusInternalServerError), P: 0.02},
		{Fault: payouttest.FaultStatusAfterProcess(http.StatusBadGateway), P: 0.02},
		{Fault: payouttest.FaultStatusAfterProcess(http.StatusServiceUnavailable), P: 0.02},
		{Fault: payouttest.FaultDelay(slowAnswer), P: 0.03},
		{Fault: payouttest.FaultTruncate(), P: 0.05},
	}
}

// allFaultKinds lists every kind of fault the Sandbox offers, which the
// suite must have injected for its verdict to mean anything.
var allFaultKinds = []payouttest.FaultKind{
	payouttest.FaultKindResetBeforeRead, payouttest.FaultKindStatus, payouttest.FaultKindRateLimit,
	payouttest.FaultKindResetAfterProcess, payouttest.FaultKindStatusAfterProcess,
	payouttest.FaultKindDelay, payouttest.FaultKindTruncate,
}

// adapter is one provider's client under test.
type adapter struct {
	name      string // payouttest.SandboxPalPluss or payouttest.SandboxPayOS
	newClient func(sb *payouttest.Sandbox, opts ...payout.Option) (payout.Client, error)
}

var adapters = []adapter{
	{payouttest.SandboxPalPluss, func(sb *payouttest.Sandbox, opts ...payout.Option) (payout.Client, error) {
		c, err := palpluss.New(sb.PalPlussAPIKey(), append([]payout.Option{payout.WithBaseURL(sb.PalPlussURL())}, opts...)...)
		if err != nil {
			return nil, err
		}
		return c, nil
	}},
	{payouttest.SandboxPayOS, func(sb *payouttest.Sandbox, opts ...payout.Option) (payout.Client, error) {
		c, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), append([]payout.Option{payout.WithBaseURL(sb.PayOSURL())}, opts...)...)
		if err != nil {
			return nil, err
		}
		return c, nil
	}},
}

// intent is what a planned payout is meant to do.
type intent int

const (
	// intentPay is an ordinary payout: it must end accepted.
	intentPay intent = iota
	// intentNoFunds is the Sandbox's insufficient-funds amount: the
	// provider refuses it and creates nothing.
	intentNoFunds
	// intentInvalid is below every provider's minimum: refused before
	// anything is sent.
	intentInvalid
)

func (i intent) String() string {
	return [...]string{"pay", "no-funds", "invalid"}[i]
}

// planned is one payout of the run.
type planned struct {
	req    payout.Request
	intent intent
}

// plan builds n payouts with unique References for provider: mostly
// ordinary ones with varied amounts and phone spellings, every 25th for
// the insufficient-funds amount, every 100th below the minimum.
func plan(provider string, seed uint64, n int) []planned {
	rng := rand.New(rand.NewPCG(seed, uint64(len(provider))))
	sender, err := payout.NewCompanySender("Chaos Payroll Ltd", "254711000000", "PVT-2019/123456", "2019-03-01",
		payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
	if err != nil {
		panic(err) // the sender above is complete
	}
	sender.Nationality = "KEN"
	out := make([]planned, n)
	for i := range out {
		digits := fmt.Sprintf("7%d%07d", 1+rng.IntN(2), rng.IntN(10_000_000)) // 071x / 072x: Safaricom
		var ph string
		switch i % 4 {
		case 0:
			ph = "0" + digits
		case 1:
			ph = "+254" + digits
		case 2:
			ph = "254" + digits
		default:
			ph = "0" + digits[:3] + " " + digits[3:6] + " " + digits[6:]
		}
		p := planned{intent: intentPay, req: payout.Request{
			Reference:   fmt.Sprintf("CHAOS-%s-%d-%05d", provider, seed, i),
			Amount:      money.New((10+rng.Int64N(5_000))*100, money.KES),
			Recipient:   payout.Recipient{Name: fmt.Sprintf("Recipient %d", i), Phone: ph},
			Sender:      sender,
			Description: "chaos suite",
		}}
		switch {
		case i%100 == 42:
			p.intent, p.req.Amount = intentInvalid, money.New(5_00, money.KES)
		case i%25 == 7:
			p.intent, p.req.Amount = intentNoFunds, money.New(payouttest.SandboxInsufficientFundsKES*100, money.KES)
		}
		out[i] = p
	}
	return out
}

// state is how a caller's Sends for one Reference ended.
type state int

const (
	// stateSucceeded: Send returned a payout.
	stateSucceeded state = iota
	// stateRefused: Send returned a *payout.Error that is not retryable.
	stateRefused
	// stateUnknown: every Send returned a retryable error and the caller
	// gave up after callerAttempts.
	stateUnknown
	// stateAbandoned: the caller's deadline for one Send passed and Send
	// returned the bare context error, which the engine returns only when
	// nothing can have reached the provider; the caller moves on.
	stateAbandoned
	// stateUntyped: Send returned another error that is no *payout.Error,
	// which a caller cannot act on.
	stateUntyped
)

// outcome is what the caller was finally told about one Reference.
type outcome struct {
	state    state
	payout   *payout.Payout
	err      error
	attempts int
	// mayExist records that an earlier Send answered ErrOutcomeUnknown, so
	// that the payout may exist whatever a later Send that never reached
	// the provider says.
	mayExist bool
	// lies lists the Sends whose error said they created nothing (every
	// error but ErrOutcomeUnknown and ErrDuplicateReference says so) while
	// the payout existed right after, though no earlier Send was ambiguous.
	lies []lie
	// replays counts the hidden replays (see sendStats) of all Sends.
	replays int
	// lastLied reports that the last Send is in lies already.
	lastLied bool
}

// lie is a Send whose error said it created nothing, while it had.
type lie struct {
	msg string
}

// claimsNothingCreated reports whether err, returned by Send, says that
// this Send created no payout: a bare context error (the engine returns one
// only when nothing reached the provider) or any *payout.Error but an
// unknown outcome or a duplicate reference.
func claimsNothingCreated(err error) bool {
	var pe *payout.Error
	if !errors.As(err, &pe) {
		return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	}
	return pe.Code != payout.CodeOutcomeUnknown && pe.Code != payout.CodeDuplicateReference
}

// codeOf names err for the tally of errors callers saw.
func codeOf(err error) string {
	var pe *payout.Error
	switch {
	case errors.As(err, &pe):
		return string(pe.Code)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "bare context error"
	}
	return fmt.Sprintf("untyped %T", err)
}

// sendUntilAnswered does what the README tells a caller to do: Send, and
// while the error is retryable (ErrOutcomeUnknown included), Send again
// with the same Reference, after the provider's Retry-After if it gave one.
// Attempts alternate between the clients, starting with clients[first%len]:
// a resend may come from another process than the first Send. With a
// deadline (deadline(attempt) > 0), each Send gets a context that ends
// after it. created reports
// how many payouts the server holds for a Reference: each error that says
// its Send created nothing is checked against it on the spot.
func sendUntilAnswered(ctx context.Context, deadline func(attempt int) time.Duration, clients []payout.Client, first int, req payout.Request,
	seen func(code string), created func(ref string) int) (o outcome) {
	for attempt := 1; ; attempt++ {
		c := clients[(first+attempt-1)%len(clients)]
		sendCtx, cancel := ctx, context.CancelFunc(func() {})
		if d := deadline(attempt); d > 0 {
			sendCtx, cancel = context.WithTimeout(ctx, d)
		}
		stats := &sendStats{id: strconv.FormatInt(sendIDs.Add(1), 10)}
		p, err := c.Send(stats.attach(sendCtx), req)
		cancel()
		o.replays += stats.hiddenReplays()
		if err == nil {
			o.state, o.payout, o.err, o.attempts = stateSucceeded, p, nil, attempt
			return o
		}
		seen(codeOf(err))
		o.lastLied = false
		if !o.mayExist && claimsNothingCreated(err) {
			if n := created(req.Reference); n != 0 {
				o.lastLied = true
				o.lies = append(o.lies, lie{
					msg: fmt.Sprintf("Send %d answered %q, which says it created nothing, yet %d payout(s) existed right after", attempt, err, n)})
			}
		}
		if errors.Is(err, payout.ErrOutcomeUnknown) {
			o.mayExist = true
		}
		var pe *payout.Error
		o.err, o.attempts = err, attempt
		switch {
		case ctx.Err() != nil:
			o.state, o.err = stateUntyped, fmt.Errorf("the run's own deadline passed: %w", err)
			return o
		case !errors.As(err, &pe) && sendCtx.Err() != nil && errors.Is(err, sendCtx.Err()):
			o.state = stateAbandoned
			if deadline(attempt+1) > 0 || attempt == callerAttempts {
				return o
			}
			// A caller whose deadline alone ended the Send sends again
			// when its next Send has room (tiny deadlines): the error was
			// checked against the server above.
			continue
		case !errors.As(err, &pe):
			o.state = stateUntyped
			return o
		case !payout.IsRetryable(err):
			o.state = stateRefused
			return o
		case attempt == callerAttempts:
			o.state = stateUnknown
			return o
		}
		wait := min(time.Duration(attempt)*5*time.Millisecond, 50*time.Millisecond)
		if pe.RetryAfter > 0 {
			wait = min(pe.RetryAfter, 2*time.Second)
		}
		select {
		case <-ctx.Done():
			o.state, o.err = stateUntyped, ctx.Err()
			return o
		case <-time.After(wait):
		}
	}
}

// sendStats counts, for one Send, its hidden replays: payout requests
// that net/http's Transport sent again by itself. It does so for a request
// carrying an Idempotency-Key whose reused connection failed, possibly
// after the provider processed it, and the SDK never sees that first try.
type sendStats struct {
	id      string // sent as sendHeader, for faults aimed at one Send
	replays atomic.Int32
}

// sendIDs numbers the Sends of the run.
var sendIDs atomic.Int64

// sendHeader carries the id of the Send a request belongs to, so that the
// Sandbox's fault hook can follow one Send's requests (its retries, PayOS's
// search and token refresh).
const sendHeader = "X-Chaos-Send"

type sendStatsKey struct{}

// attach returns ctx carrying s, for countingTransport.
func (s *sendStats) attach(ctx context.Context) context.Context {
	return context.WithValue(ctx, sendStatsKey{}, s)
}

// hiddenReplays is how many payout requests net/http replayed on its own.
func (s *sendStats) hiddenReplays() int { return int(s.replays.Load()) }

// countingTransport counts the hidden replays of each Send's requests other
// than GETs (see sendStats) on their way to next: every try of a request
// asks the Transport for a connection, so a request that asked for more
// than one was replayed.
type countingTransport struct{ next http.RoundTripper }

// RoundTrip sends r through next, counting its connections.
func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s, ok := r.Context().Value(sendStatsKey{}).(*sendStats)
	if !ok {
		return c.next.RoundTrip(r)
	}
	tagged := *r // a RoundTripper must not change the request it is given
	tagged.Header = r.Header.Clone()
	tagged.Header.Set(sendHeader, s.id)
	r = &tagged
	if r.Method == http.MethodGet {
		return c.next.RoundTrip(r)
	}
	var conns atomic.Int32
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{GetConn: func(string) { conns.Add(1) }}))
	resp, err := c.next.RoundTrip(r)
	if n := conns.Load(); n > 1 {
		s.replays.Add(n - 1)
	}
	return resp, err
}

// tally counts strings under a lock.
type tally struct {
	mu sync.Mutex
	m  map[string]int
}

func (t *tally) add(k string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]int{}
	}
	t.m[k]++
}

// String lists the counts by key, sorted: "a 3, b 1".
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.m))
	for k := range t.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, t.m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (t *tally) get(k string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[k]
}

// scenario is one run of the suite: an adapter, and how its callers and
// the provider behave besides the random faults.
type scenario struct {
	name    string
	adapter adapter
	// callerDeadline, when set, bounds each Send by its context instead of
	// the clients' per-attempt timeout: a slow answer then outlasts the
	// caller, not the client.
	callerDeadline time.Duration
	// dropIdempotencyKey makes the provider ignore Idempotency-Key (as if
	// the key had expired, or the provider did not keep it), so that only
	// PayOS's duplicate-merchantReference check stands between a retry and
	// a second payout.
	dropIdempotencyKey bool
	// tinyDeadlines gives each Reference's first Send a deadline of tens of
	// microseconds to a few milliseconds, so that it ends anywhere: in the
	// limiter, dialling, writing, or as the answer arrives (issue 10, item
	// 1). Later Sends have none, and a caller whose first Send ended on its
	// deadline alone sends again.
	tinyDeadlines bool
	// revokeMidRetry refuses the credentials (401, 403) for the next two
	// requests of a Send whose payout POST was processed and its answer
	// lost, then restores them, as a key rotation or an account switched
	// off and on would (issue 10, item 2). Other Sends are unaffected.
	revokeMidRetry bool
	// reuseOtherPhone sends, after the run, every tenth accepted payout's
	// Reference again with the same amount to another phone: each must be
	// refused with ErrDuplicateReference and create nothing (issue 10,
	// item 5).
	reuseOtherPhone bool
}

// scenarios lists the runs of TestChaosExactlyOnce. The first two are the
// suite proper, one per adapter; the others vary what a caller or provider
// may do.
func scenarios() []scenario {
	pal, pos := adapters[0], adapters[1]
	return []scenario{
		{name: "palpluss", adapter: pal},
		{name: "payos", adapter: pos},
		{name: "palpluss-caller-deadline", adapter: pal, callerDeadline: clientTimeout},
		{name: "payos-caller-deadline", adapter: pos, callerDeadline: clientTimeout},
		{name: "payos-no-idempotency-key", adapter: pos, dropIdempotencyKey: true},
		{name: "palpluss-tiny-deadlines", adapter: pal, tinyDeadlines: true},
		{name: "payos-tiny-deadlines", adapter: pos, tinyDeadlines: true},
		{name: "palpluss-revoked-mid-retry", adapter: pal, revokeMidRetry: true},
		{name: "payos-revoked-mid-retry", adapter: pos, revokeMidRetry: true},
		{name: "palpluss-reuse-other-phone", adapter: pal, reuseOtherPhone: true},
		{name: "payos-reuse-other-phone", adapter: pos, reuseOtherPhone: true},
	}
}

// report is one scenario's result, a row of the printed table.
type report struct {
	scenario                                  string
	sent, succeeded, refused, unknown         int
	abandoned                                 int
	unknownCreated                            int
	created, duplicates, mismatches, unexpect int
	callerSends                               int
	replays                                   int
	faults, errs                              string
	elapsed                                   time.Duration
}

// TestChaosExactlyOnce is the exactly-once proof. For each scenario it
// sends -chaos.n payouts with unique References, -chaos.c at a time,
// against a Sandbox that injects every kind of fault at random, retrying
// each as the README says; then it compares what every caller was told
// with what the Sandbox created:
//
//   - no Reference was created more than once (duplicates);
//   - a Reference the caller saw succeed was created exactly once, with the
//     ID, amount and phone the caller got; one the caller saw refused, or
//     whose Send ended on a bare context error (nothing reached the
//     provider, says the engine), was not created at all (mismatches);
//   - ordinary payouts ended accepted, the insufficient-funds ones and the
//     invalid ones refused (unexpected outcomes);
//
// and, so that it cannot pass vacuously, that every kind of fault was
// injected and that callers were told ErrOutcomeUnknown along the way.
func TestChaosExactlyOnce(t *testing.T) {
	n, workers, seed := *flagN, *flagC, *flagSeed
	if n <= 0 || workers <= 0 {
		t.Fatalf("need -chaos.n > 0 and -chaos.c > 0, got %d and %d", n, workers)
	}
	header := fmt.Sprintf("chaos: seed %d, %d payouts per scenario, %d concurrent callers; faults on %.0f%% of requests; "+
		"client timeout %v (slow answers %v), %d or 0 retries per Send, up to %d Sends per Reference",
		seed, n, workers, 100*faultTotal(), clientTimeout, slowAnswer, clientRetries, callerAttempts)
	t.Log(header)

	var rows []report
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			rows = append(rows, runChaos(t, sc, seed, n, workers))
		})
	}

	var b strings.Builder
	b.WriteString(header + "\n")
	fmt.Fprintf(&b, "%-26s %5s %9s %7s %7s %9s %7s %10s %10s %10s %5s %7s %7s\n",
		"scenario", "sent", "succeeded", "refused", "unknown", "abandoned", "created", "duplicates", "mismatches", "unexpected",
		"sends", "replays", "elapsed")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-26s %5d %9d %7d %7d %9d %7d %10d %10d %10d %5d %7d %7s\n",
			r.scenario, r.sent, r.succeeded, r.refused, r.unknown, r.abandoned, r.created, r.duplicates, r.mismatches, r.unexpect,
			r.callerSends, r.replays, r.elapsed.Round(10*time.Millisecond))
	}
	b.WriteString("sends: Send calls in all; replays: payout requests net/http re-sent on its own, unseen by the SDK (must be 0)\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s faults injected: %s\n", r.scenario, r.faults)
		fmt.Fprintf(&b, "%s errors callers saw: %s\n", r.scenario, r.errs)
	}
	fmt.Print(b.String())
}

func faultTotal() float64 {
	p := 0.0
	for _, c := range faultTable() {
		p += c.P
	}
	return p
}

// runChaos runs one scenario and checks its result.
func runChaos(t *testing.T, sc scenario, seed uint64, n, workers int) report {
	provider := sc.adapter.name
	faults := &tally{}
	random := payouttest.RandomFaults(seed, faultTable()...)
	// The first requests of a run take every fault of the table once, in
	// order, so that each kind is injected in every scenario however few
	// requests it makes (a caller-deadline run can make too few for chance
	// alone: one in twenty runs saw no delay fault); chance takes over after.
	table := faultTable()
	var served atomic.Int64
	revoked := &revocations{pending: map[string]int{}}
	sb := payouttest.NewSandbox(payouttest.WithSandboxFault(func(p string, r *http.Request) payouttest.Fault {
		if sc.dropIdempotencyKey {
			r.Header.Del("Idempotency-Key")
		}
		send := r.Header.Get(sendHeader)
		if sc.revokeMidRetry && send != "" {
			if status, ok := revoked.take(send); ok {
				f := payouttest.FaultStatus(status)
				faults.add("revoked " + strconv.Itoa(status))
				return f
			}
		}
		var f payouttest.Fault
		if i := served.Add(1) - 1; i < int64(len(table)) {
			f = table[i].Fault
		} else {
			f = random(p, r)
		}
		if f.Kind != payouttest.FaultKindNone {
			faults.add(f.String())
		}
		if sc.revokeMidRetry && send != "" && f.Kind.AfterProcess() && isPayoutPost(r) {
			revoked.arm(send)
		}
		return f
	}))
	closed := false
	closeSandbox := func() {
		if !closed {
			closed = true
			sb.Close()
		}
	}
	defer closeSandbox()

	timeout := clientTimeout
	if sc.callerDeadline > 0 {
		timeout = payout.DefaultTimeout
	}
	var transports []*http.Transport
	var clients []payout.Client
	for _, retries := range []int{clientRetries, 0} {
		tr := newTransport(t)
		c, err := sc.adapter.newClient(sb,
			payout.WithHTTPClient(&http.Client{Transport: countingTransport{tr}}),
			payout.WithTimeout(timeout),
			payout.WithMaxRetries(retries),
			payout.WithRetryWait(retryWaitMin, retryWaitMax),
		)
		if err != nil {
			t.Fatal(err)
		}
		transports, clients = append(transports, tr), append(clients, c)
	}

	plans := plan(provider, seed, n)
	outcomes := make([]outcome, n)
	errs := &tally{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	start := time.Now()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				outcomes[i] = sendUntilAnswered(ctx, sc.deadline(i), clients, i, plans[i].req, errs.add,
					func(ref string) int { return sb.CreatedCount(provider, ref) })
			}
		}()
	}
	for i := range plans {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var reuses []reuse
	if sc.reuseOtherPhone {
		reuses = reuseOtherPhone(ctx, clients, plans, outcomes, errs.add, func(ref string) int { return sb.CreatedCount(provider, ref) })
	}
	elapsed := time.Since(start)

	// Close the Sandbox before counting: Close waits for every request
	// still being served (a slow answer, a request whose client gave up),
	// so nothing can be created after the count.
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	closeSandbox()

	r := check(t, sb, provider, plans, outcomes)
	if sc.reuseOtherPhone {
		checkReuses(t, sb, provider, reuses, &r)
	}
	r.scenario, r.faults, r.errs, r.elapsed = sc.name, faults.String(), errs.String(), elapsed

	t.Logf("%s: sent %d, succeeded %d, refused %d, unknown after %d Sends %d (%d of them created), abandoned on a context error %d, "+
		"created %d, duplicates %d, mismatches %d, unexpected %d, Sends %d, hidden replays %d, %v",
		sc.name, r.sent, r.succeeded, r.refused, callerAttempts, r.unknown, r.unknownCreated, r.abandoned,
		r.created, r.duplicates, r.mismatches, r.unexpect, r.callerSends, r.replays, elapsed.Round(time.Millisecond))
	t.Logf("%s faults injected: %s", sc.name, r.faults)
	t.Logf("%s errors callers saw: %s", sc.name, r.errs)

	if r.duplicates != 0 {
		t.Errorf("%s: %d duplicate payouts", sc.name, r.duplicates)
	}
	if r.mismatches != 0 {
		t.Errorf("%s: %d outcomes the callers were told differ from the server's truth", sc.name, r.mismatches)
	}
	if r.unexpect != 0 {
		t.Errorf("%s: %d payouts ended otherwise than planned", sc.name, r.unexpect)
	}
	if r.replays != 0 {
		t.Errorf("%s: net/http re-sent %d payout requests on its own: the SDK must see every attempt", sc.name, r.replays)
	}
	counts := sb.FaultCounts(provider)
	for _, k := range allFaultKinds {
		if counts[k] == 0 {
			t.Errorf("%s: no %s fault was injected: the run proves nothing about it (raise -chaos.n)", sc.name, k)
		}
	}
	if errs.get(string(payout.CodeOutcomeUnknown)) == 0 {
		t.Errorf("%s: no caller was ever told ErrOutcomeUnknown: the faults did not reach the ambiguous case", sc.name)
	}
	return r
}

// check compares the callers' outcomes with the payouts the Sandbox
// created, and reports every difference.
func check(t *testing.T, sb *payouttest.Sandbox, provider string, plans []planned, outcomes []outcome) report {
	r := report{sent: len(plans)}
	byRef := map[string][]payouttest.SandboxPayout{}
	for _, p := range sb.Payouts(provider) {
		byRef[p.Reference] = append(byRef[p.Reference], p)
	}
	const maxShown = 20
	shown := 0
	fail := func(counter *int, format string, args ...any) {
		*counter++
		if shown < maxShown {
			shown++
			t.Errorf(format, args...)
		}
	}

	planned := make(map[string]bool, len(plans))
	for i, pl := range plans {
		ref := pl.req.Reference
		planned[ref] = true
		o := outcomes[i]
		got := byRef[ref]
		r.created += len(got)
		r.callerSends += o.attempts
		if len(got) > 1 {
			r.duplicates += len(got) - 1
			if shown < maxShown {
				shown++
				t.Errorf("%s: %s created %d times", provider, ref, len(got))
			}
		}
		r.replays += o.replays
		for _, l := range o.lies {
			fail(&r.mismatches, "%s: %s: %s", provider, ref, l.msg)
			break
		}
		if cc := sb.CreatedCount(provider, ref); cc != len(got) {
			fail(&r.mismatches, "%s: %s: CreatedCount says %d, Payouts lists %d", provider, ref, cc, len(got))
		}
		switch o.state {
		case stateSucceeded:
			r.succeeded++
			p := o.payout
			switch {
			case len(got) != 1:
				fail(&r.mismatches, "%s: %s: the caller was told it succeeded (ID %s) but the server created it %d times", provider, ref, p.ID, len(got))
			case p.ID != got[0].ID:
				fail(&r.mismatches, "%s: %s: the caller got ID %q, the server's payout is %q", provider, ref, p.ID, got[0].ID)
			case p.Amount != pl.req.Amount || got[0].Amount != pl.req.Amount:
				fail(&r.mismatches, "%s: %s: asked %s, the caller was told %s, the server has %s", provider, ref, pl.req.Amount, p.Amount, got[0].Amount)
			case p.Reference != ref || p.Provider != provider:
				fail(&r.mismatches, "%s: %s: the caller's payout says reference %q, provider %q", provider, ref, p.Reference, p.Provider)
			case p.Phone != got[0].Phone:
				fail(&r.mismatches, "%s: %s: the caller was told phone %s, the server pays %s", provider, ref, p.Phone, got[0].Phone)
			}
			if pl.intent != intentPay {
				fail(&r.unexpect, "%s: %s (%s) was accepted", provider, ref, pl.intent)
			}
		case stateRefused:
			r.refused++
			switch {
			case len(got) == 0 || o.lastLied: // consistent, or reported among the lies
			default:
				fail(&r.mismatches, "%s: %s: the caller was told it was refused (%v) but the server created it", provider, ref, o.err)
			}
			switch {
			case pl.intent == intentPay:
				fail(&r.unexpect, "%s: %s: an ordinary payout was refused after %d Sends: %v", provider, ref, o.attempts, o.err)
			case pl.intent == intentInvalid && !errors.Is(o.err, payout.ErrInvalidRequest):
				fail(&r.unexpect, "%s: %s: an invalid payout was refused with %v, not ErrInvalidRequest", provider, ref, o.err)
			}
		case stateUnknown:
			// Gave up: the payout may or may not exist, but at most once.
			r.unknown++
			r.unknownCreated += len(got)
		case stateAbandoned:
			// The engine returns a bare context error only when no attempt
			// can have reached the provider.
			r.abandoned++
			switch {
			case len(got) == 0 || o.mayExist || o.lastLied: // consistent, or reported among the lies
			default:
				fail(&r.mismatches, "%s: %s: Send ended on a bare context error (%v), which says nothing reached the provider, but the server created it", provider, ref, o.err)
			}
		case stateUntyped:
			fail(&r.mismatches, "%s: %s: Send returned an error that is no *payout.Error: %v", provider, ref, o.err)
		}
	}
	for ref, ps := range byRef {
		if !planned[ref] {
			fail(&r.mismatches, "%s: the server created %d payouts with reference %q that nobody sent", provider, len(ps), ref)
		}
	}
	return r
}

// deadline is the per-Send deadline of the caller of plan i: the
// scenario's callerDeadline for every Send, or with tinyDeadlines one of
// 20µs to 2ms for the first Send and none after it.
func (sc scenario) deadline(i int) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		switch {
		case sc.tinyDeadlines && attempt == 1:
			return time.Duration(20+(i*7919)%1980) * time.Microsecond
		case sc.tinyDeadlines:
			return 0
		}
		return sc.callerDeadline
	}
}

// revocations are the credential refusals armed for Sends whose payout
// POST was processed and its answer lost: each such Send's next two
// requests are refused, alternately 401 and 403 from one Send to the next.
type revocations struct {
	mu      sync.Mutex
	pending map[string]int
	armed   int
}

func (v *revocations) arm(send string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.pending[send]; !ok {
		v.pending[send] = 2
		v.armed++
	}
}

// take reports the status refusing send's request, if one is armed.
func (v *revocations) take(send string) (int, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := v.pending[send]
	if n <= 0 {
		return 0, false
	}
	v.pending[send] = n - 1
	status := http.StatusUnauthorized
	if id, _ := strconv.Atoi(send); id%2 == 1 {
		status = http.StatusForbidden
	}
	return status, true
}

// reuse is one Reference sent again for another phone, and how it ended.
type reuse struct {
	req      payout.Request // the second request
	original payout.Payout  // what the first Send returned
	outcome  outcome
}

// reuseOtherPhone sends every tenth accepted payout's Reference again, same
// amount, to another Safaricom number (0711... and 0712... swapped), as a
// caller reusing a Reference by mistake would.
func reuseOtherPhone(ctx context.Context, clients []payout.Client, plans []planned, outcomes []outcome,
	seen func(code string), created func(ref string) int) []reuse {
	var out []reuse
	for i, o := range outcomes {
		if i%10 != 3 || o.state != stateSucceeded || plans[i].intent != intentPay {
			continue
		}
		req := plans[i].req
		digits := []byte(o.payout.Phone) // 2547 then 1 or 2
		if digits[4] == '1' {
			digits[4] = '2'
		} else {
			digits[4] = '1'
		}
		req.Recipient.Phone = string(digits)
		out = append(out, reuse{req: req, original: *o.payout})
	}
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].outcome = sendUntilAnswered(ctx, func(int) time.Duration { return 0 }, clients, i, out[i].req, seen, created)
		}()
	}
	wg.Wait()
	return out
}

// checkReuses checks that every reused Reference was refused with
// ErrDuplicateReference (or left unknown after every Send) and that the
// server still holds the one payout, to the first phone.
func checkReuses(t *testing.T, sb *payouttest.Sandbox, provider string, reuses []reuse, r *report) {
	if len(reuses) == 0 {
		t.Errorf("%s: no Reference was reused: the scenario proves nothing", provider)
	}
	refused := 0
	for _, ru := range reuses {
		ref := ru.req.Reference
		switch o := ru.outcome; {
		case o.state == stateSucceeded:
			r.mismatches++
			t.Errorf("%s: %s reused for another phone was accepted as %s: the caller believes %s was paid", provider, ref, o.payout.ID, ru.req.Recipient.Phone)
		case o.state == stateRefused && errors.Is(o.err, payout.ErrDuplicateReference):
			refused++
		case o.state == stateUnknown:
		default:
			r.unexpect++
			t.Errorf("%s: %s reused for another phone ended %v, not ErrDuplicateReference", provider, ref, o.err)
		}
		var got []payouttest.SandboxPayout
		for _, p := range sb.Payouts(provider) {
			if p.Reference == ref {
				got = append(got, p)
			}
		}
		if len(got) != 1 || got[0].ID != ru.original.ID || got[0].Phone != ru.original.Phone {
			r.mismatches++
			t.Errorf("%s: %s: after the reuse the server holds %+v, want only %s to %s", provider, ref, got, ru.original.ID, ru.original.Phone)
		}
	}
	t.Logf("%s: %d References reused for another phone, %d refused with ErrDuplicateReference", provider, len(reuses), refused)
}
