package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptrace"
	"sync"
	"syscall"
)

// attempts records, across the attempts of one call, whether any of them may
// have reached the provider.
//
// "Never sent" is something the engine must be able to prove, because a
// payout reported as never sent is one the caller may pay again under a new
// Reference. An attempt provably sent nothing when:
//
//   - the limiter held it, or the call's context ended, before the
//     transport was handed the request (notSent);
//   - the transport was never handed the request at all (the attempt ended
//     before RoundTrip: credentials could not be obtained, say);
//   - net/http asked for a connection (httptrace GetConn) and never got one
//     (no GotConn): without a connection no byte can leave;
//   - for a transport that reports no connection events (a test double, a
//     wrapper that drops the trace), its error is one only dialling can
//     produce (DNS failure, refused connection, "dial" operation).
//
// Everything else, including a context that ended at any point after a
// connection was obtained, counts as possibly sent: the write may have
// finished before the error was seen, and a provider acts on a request
// without ever answering it.
type attempts struct {
	info callInfo // fixed for the call

	mu          sync.Mutex
	count       int  // attempts started
	handed      bool // the current attempt was handed to the next RoundTripper
	askedConn   bool // ... which asked net/http for a connection
	gotConn     bool // ... and obtained one
	maybeServed bool // some attempt may have been processed by the provider
	lastReason  string
}

// start marks the beginning of an attempt.
func (a *attempts) start() {
	a.mu.Lock()
	a.count++
	a.handed, a.askedConn, a.gotConn = false, false, false
	a.mu.Unlock()
}

// hand records that the current attempt is being handed to the transport.
func (a *attempts) hand() {
	a.mu.Lock()
	a.handed = true
	a.mu.Unlock()
}

// onGetConn and onGotConn are the call's httptrace hooks. net/http calls
// them on the goroutine of RoundTrip, before it returns, so what they record
// is complete when the attempt's error is classified.
func (a *attempts) onGetConn(string) {
	a.mu.Lock()
	a.askedConn = true
	a.mu.Unlock()
}

func (a *attempts) onGotConn(httptrace.GotConnInfo) {
	a.mu.Lock()
	a.gotConn = true
	a.mu.Unlock()
}

// written reports whether the current attempt, which failed with err, may
// have delivered its request (see attempts for what counts as proof that
// it did not).
func (a *attempts) written(err error) bool {
	var held notSent
	if errors.As(err, &held) {
		return false
	}
	a.mu.Lock()
	handed, asked, got := a.handed, a.askedConn, a.gotConn
	a.mu.Unlock()
	switch {
	case !handed:
		return false
	case got:
		return true
	case asked:
		return false
	}
	return !dialFailed(err)
}

// served records that the current attempt may have been processed.
func (a *attempts) served(reason string) {
	a.mu.Lock()
	a.maybeServed = true
	a.lastReason = reason
	a.mu.Unlock()
}

func (a *attempts) snapshot() (count int, maybeServed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count, a.maybeServed
}

// dialFailed reports errors only establishing a connection produces, before
// any byte of a request can leave: DNS failures, a refused connection, a
// failed "dial" operation, a server certificate that failed verification.
// It is consulted only for transports that report no connection events: an
// error such as a TLS record error or an unreachable host can also end a
// connection that already carried the request.
func dialFailed(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

type attemptsKey struct{}

// withAttempts returns ctx carrying a new attempts record for a call, and
// its connection trace when traced is set.
func withAttempts(ctx context.Context, info callInfo, traced bool) (context.Context, *attempts) {
	a := &attempts{info: info}
	ctx = context.WithValue(ctx, attemptsKey{}, a)
	if traced {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GetConn: a.onGetConn, GotConn: a.onGotConn})
	}
	return ctx, a
}

func attemptsFrom(ctx context.Context) *attempts {
	a, _ := ctx.Value(attemptsKey{}).(*attempts)
	return a
}
