package payouttest

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FaultKind is what a Fault does to one request.
type FaultKind int

// The kinds of fault. "Before" faults leave the Sandbox unchanged: the
// request is refused or lost before it is processed. "After" faults apply
// once the request was processed (a payout created, a token issued), so the
// client cannot tell from the answer whether it was.
const (
	// FaultKindNone: the request is served normally.
	FaultKindNone FaultKind = iota
	// FaultKindResetBeforeRead: the connection is reset (TCP RST) before
	// the request body is read. Nothing is processed.
	FaultKindResetBeforeRead
	// FaultKindStatus: the request is answered with Fault.Status without
	// being processed, like a proxy or an overloaded server would.
	FaultKindStatus
	// FaultKindRateLimit: the request is answered 429 with a Retry-After of
	// Fault.RetryAfter, in the provider's body, without being processed.
	FaultKindRateLimit
	// FaultKindResetAfterProcess: the request is processed, then the
	// connection is reset (TCP RST) instead of answered.
	FaultKindResetAfterProcess
	// FaultKindStatusAfterProcess: the request is processed, then answered
	// with Fault.Status instead of its real response, as when a gateway
	// times out on a server that went on to commit.
	FaultKindStatusAfterProcess
	// FaultKindDelay: the request is processed, then its real response is
	// sent after Fault.Delay (unless the client gave up first): a server
	// slower than the client's deadline.
	FaultKindDelay
	// FaultKindTruncate: the request is processed, then its real status and
	// headers are sent, with a Content-Length for the whole body but only
	// the first half of the body, and the connection is closed: the client
	// reads JSON cut short and an unexpected EOF.
	FaultKindTruncate
)

var faultKindNames = [...]string{"none", "reset-before-read", "status", "rate-limit", "reset-after-process",
	"status-after-process", "delay", "truncate"}

// String returns the kind's name, as "reset-before-read".
func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultKindNames) {
		return faultKindNames[k]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// AfterProcess reports whether a fault of kind k strikes after the request
// was processed, so that its effects (a created payout) remain.
func (k FaultKind) AfterProcess() bool { return k >= FaultKindResetAfterProcess }

// Fault is what the Sandbox does to one request instead of serving it
// normally. Build one with the FaultXxx functions; the zero Fault is
// FaultNone.
type Fault struct {
	// Kind is what the fault does.
	Kind FaultKind
	// Status is the HTTP status of FaultKindStatus and
	// FaultKindStatusAfterProcess.
	Status int
	// RetryAfter is the wait FaultKindRateLimit asks for.
	RetryAfter time.Duration
	// Delay is how late FaultKindDelay answers.
	Delay time.Duration
}

// String describes f, as "status 503" or "delay 2s".
func (f Fault) String() string {
	switch f.Kind {
	case FaultKindStatus, FaultKindStatusAfterProcess:
		return fmt.Sprintf("%s %d", f.Kind, f.Status)
	case FaultKindRateLimit:
		return fmt.Sprintf("%s %v", f.Kind, f.RetryAfter)
	case FaultKindDelay:
		return fmt.Sprintf("%s %v", f.Kind, f.Delay)
	}
	return f.Kind.String()
}

// FaultNone serves the request normally.
func FaultNone() Fault { return Fault{} }

// FaultResetBeforeRead resets the connection before the request is read:
// nothing is processed.
func FaultResetBeforeRead() Fault { return Fault{Kind: FaultKindResetBeforeRead} }

// FaultResetAfterProcess processes the request, then resets the connection
// instead of answering.
func FaultResetAfterProcess() Fault { return Fault{Kind: FaultKindResetAfterProcess} }

// FaultStatus answers status (400 to 599) without processing the request.
// A 500 carries the provider's JSON error body; 502, 503, 504 and the other
// 5xx a proxy's HTML page; 4xx a JSON error. It panics for other statuses.
func FaultStatus(status int) Fault {
	checkFaultStatus(status)
	return Fault{Kind: FaultKindStatus, Status: status}
}

// FaultStatusAfterProcess processes the request, then answers status (400
// to 599) as FaultStatus does instead of the real response.
func FaultStatusAfterProcess(status int) Fault {
	checkFaultStatus(status)
	return Fault{Kind: FaultKindStatusAfterProcess, Status: status}
}

func checkFaultStatus(status int) {
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("payouttest: fault status %d is not 4xx or 5xx", status))
	}
}

// FaultRateLimit answers 429 with Retry-After set to retryAfter in whole
// seconds, rounded up (0 stays 0), without processing the request.
func FaultRateLimit(retryAfter time.Duration) Fault {
	return Fault{Kind: FaultKindRateLimit, RetryAfter: max(retryAfter, 0)}
}

// FaultDelay processes the request at once and answers d later.
func FaultDelay(d time.Duration) Fault { return Fault{Kind: FaultKindDelay, Delay: max(d, 0)} }

// FaultTruncate processes the request, then sends half its response body
// and closes the connection.
func FaultTruncate() Fault { return Fault{Kind: FaultKindTruncate} }

// FaultFunc chooses the fault for one request to provider (SandboxPalPluss
// or SandboxPayOS). It runs before the request is read, so it must not read
// r.Body; it may look at the method, path and headers. The Sandbox calls it
// from many goroutines at once.
type FaultFunc func(provider string, r *http.Request) Fault

// SetFault installs f as the fault hook for every request from now on; nil
// removes it. Safe to call while requests are in flight.
func (s *Sandbox) SetFault(f FaultFunc) {
	if f == nil {
		s.fault.Store(nil)
		return
	}
	s.fault.Store(&f)
}

// FaultCounts returns how many faults of each kind the Sandbox has
// injected into provider's requests (FaultKindNone is not counted).
func (s *Sandbox) FaultCounts(provider string) map[FaultKind]int {
	s.backend(provider) // panics on an unknown provider
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := map[FaultKind]int{}
	for k, n := range s.faults.m[provider] {
		out[k] = n
	}
	return out
}

type sandboxFaultCounts struct {
	mu sync.Mutex
	m  map[string]map[FaultKind]int
}

func (c *sandboxFaultCounts) add(provider string, k FaultKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]map[FaultKind]int{}
	}
	if c.m[provider] == nil {
		c.m[provider] = map[FaultKind]int{}
	}
	c.m[provider][k]++
}

// FaultChance is one entry of a RandomFaults table: Fault, with probability
// P (0 to 1).
type FaultChance struct {
	// Fault is the fault to inject.
	Fault Fault
	// P is the probability of injecting it into a request, from 0 to 1.
	P float64
}

// RandomFaults returns a FaultFunc that injects each fault of chances with
// its probability, and no fault with the rest (so the Ps must add up to at
// most 1; it panics otherwise). Each provider draws from its own generator
// seeded from seed, so the sequence of faults a provider's requests get is
// the same on every run with the same seed (which request gets which one
// still depends on the order requests arrive in).
//
//	s.SetFault(payouttest.RandomFaults(42,
//		payouttest.FaultChance{Fault: payouttest.FaultResetAfterProcess(), P: 0.05},
//		payouttest.FaultChance{Fault: payouttest.FaultStatus(503), P: 0.05},
//	))
func RandomFaults(seed uint64, chances ...FaultChance) FaultFunc {
	total := 0.0
	for _, c := range chances {
		if c.P < 0 || math.IsNaN(c.P) {
			panic(fmt.Sprintf("payouttest: RandomFaults: probability %v of %v is not in [0, 1]", c.P, c.Fault))
		}
		total += c.P
	}
	if total > 1+1e-9 {
		panic(fmt.Sprintf("payouttest: RandomFaults: probabilities add up to %v > 1", total))
	}
	chances = append([]FaultChance(nil), chances...)
	var mu sync.Mutex
	rngs := map[string]*rand.Rand{}
	return func(provider string, _ *http.Request) Fault {
		mu.Lock()
		rng, ok := rngs[provider]
		if !ok {
			h := fnv.New64a()
			_, _ = io.WriteString(h, provider)
			rng = rand.New(rand.NewPCG(seed, h.Sum64()))
			rngs[provider] = rng
		}
		x := rng.Float64()
		mu.Unlock()
		for _, c := range chances {
			if x < c.P {
				return c.Fault
			}
			x -= c.P
		}
		return Fault{}
	}
}

// sandboxRecorder holds a handler's response until the fault decides what
// becomes of it.
type sandboxRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header returns the recorded response's header map.
func (r *sandboxRecorder) Header() http.Header { return r.header }

// WriteHeader records the first status written.
func (r *sandboxRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// Write records body bytes, and status 200 if none was written.
func (r *sandboxRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// send writes the recorded response to w, with at most n bytes of its body
// but a Content-Length for all of it.
func (r *sandboxRecorder) send(w http.ResponseWriter, n int) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	body := r.body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(body[:min(n, len(body))])
}

// middleware wraps a provider's handler with fault injection and rate
// limiting.
func (s *Sandbox) middleware(provider string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if p := s.fault.Load(); p != nil {
			f = (*p)(provider, r)
		}
		if f.Kind != FaultKindNone {
			s.faults.add(provider, f.Kind)
			s.log.Info("payouttest: fault", "provider", provider, "method", r.Method, "path", r.URL.Path, "fault", f.String())
		}
		switch f.Kind {
		case FaultKindResetBeforeRead:
			sandboxReset(w, true)
			return
		case FaultKindStatus:
			sandboxDrain(r)
			s.faultResponse(w, provider, f.Status)
			return
		case FaultKindRateLimit:
			sandboxDrain(r)
			w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(f.RetryAfter.Seconds())), 10))
			s.faultResponse(w, provider, http.StatusTooManyRequests)
			return
		}

		rec := &sandboxRecorder{header: http.Header{}}
		if s.admit(provider, rec) {
			h.ServeHTTP(rec, r)
		} else {
			sandboxDrain(r)
		}
		s.log.Debug("payouttest: request", "provider", provider, "method", r.Method, "path", r.URL.Path,
			"status", max(rec.status, http.StatusOK))

		switch f.Kind {
		case FaultKindResetAfterProcess:
			sandboxReset(w, true)
			return
		case FaultKindStatusAfterProcess:
			s.faultResponse(w, provider, f.Status)
			return
		case FaultKindTruncate:
			rec.send(w, rec.body.Len()/2)
			sandboxReset(w, false)
			return
		case FaultKindDelay:
			if !sandboxWait(r.Context(), s.bg.ctx, f.Delay) {
				return // the client gave up or the Sandbox is closing
			}
		}
		rec.send(w, rec.body.Len())
	})
}

// admit applies the rate limit, if one is set: it puts the x-ratelimit
// headers on PalPluss's responses and, over the limit, writes the 429 and
// reports false.
func (s *Sandbox) admit(provider string, w http.ResponseWriter) bool {
	l := s.limits[provider]
	if l == nil {
		return true
	}
	now := time.Now()
	ok, remaining, reset := l.take(now)
	if provider == SandboxPalPluss {
		w.Header().Set("x-ratelimit-limit", strconv.Itoa(l.n))
		w.Header().Set("x-ratelimit-remaining", strconv.Itoa(remaining))
		w.Header().Set("x-ratelimit-reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixMilli())/1000)), 10))
	}
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.FormatInt(max(int64(math.Ceil(reset.Sub(now).Seconds())), 1), 10))
	s.faultResponse(w, provider, http.StatusTooManyRequests)
	return false
}

// faultResponse writes the body a provider (or the proxy in front of it)
// answers status with.
func (s *Sandbox) faultResponse(w http.ResponseWriter, provider string, status int) {
	switch {
	case status == http.StatusTooManyRequests && provider == SandboxPalPluss:
		palplussError(w, status, "RATE_LIMIT_EXCEEDED", "Too many requests.", nil)
	case status == http.StatusTooManyRequests:
		sandboxJSON(w, status, map[string]any{"statusCode": status, "message": "ThrottlerException: Too Many Requests"})
	case status > 500:
		text := strconv.Itoa(status) + " " + http.StatusText(status)
		sandboxRaw(w, status, "text/html", []byte("<html>\r\n<head><title>"+text+"</title></head>\r\n<body>\r\n<center><h1>"+
			text+"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))
	case provider == SandboxPalPluss && status == http.StatusInternalServerError:
		palplussError(w, status, "INTERNAL_SERVER_ERROR", "An unexpected error occurred.", nil)
	case provider == SandboxPalPluss:
		palplussError(w, status, "SANDBOX_FAULT", http.StatusText(status)+".", nil)
	case status == http.StatusInternalServerError:
		sandboxJSON(w, status, map[string]any{"statusCode": status, "message": "Internal server error"})
	default:
		payosNest(w, status, http.StatusText(status))
	}
}

// sandboxReset drops the connection under w: with rst, by a TCP reset
// (SO_LINGER 0), else by an orderly close after flushing what was written.
func sandboxReset(w http.ResponseWriter, rst bool) {
	if f, ok := w.(http.Flusher); ok && !rst {
		f.Flush()
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && rst {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// sandboxDrain reads what is left of a request body the Sandbox does not
// process, so the connection stays usable.
func sandboxDrain(r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, sandboxMaxBody))
}

// sandboxWait waits d, and reports false if a or b ended first.
func sandboxWait(a, b context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.Done():
		return false
	case <-b.Done():
		return false
	}
}

// sandboxLimiter is a fixed-window rate limit: n requests per window, the
// window opening at the first request after the last one closed.
type sandboxLimiter struct {
	n   int
	per time.Duration

	mu    sync.Mutex
	start time.Time
	used  int
}

// take counts one request at now and reports whether it is allowed, how
// many remain in the window and when the window ends.
func (l *sandboxLimiter) take(now time.Time) (ok bool, remaining int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.start.IsZero() || now.Sub(l.start) >= l.per {
		l.start, l.used = now, 0
	}
	reset = l.start.Add(l.per)
	if l.used >= l.n {
		return false, 0, reset
	}
	l.used++
	return true, l.n - l.used, reset
}
