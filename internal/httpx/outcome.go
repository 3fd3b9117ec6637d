package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"syscall"
)

// attempts records, across the attempts of one call, whether any of them may
// have reached the provider. The transport marks an attempt as sent when
// the request's body starts being read: net/http reads it only after the
// connection is up and the headers are written, and without its body no
// provider can act on a payout POST.
type attempts struct {
	info        callInfo // fixed for the call
	mu          sync.Mutex
	count       int  // attempts started
	wrote       bool // the current attempt's body started being read
	maybeServed bool // some attempt may have been processed by the provider
	lastReason  string
}

// start marks the beginning of an attempt.
func (a *attempts) start() {
	a.mu.Lock()
	a.count++
	a.wrote = false
	a.mu.Unlock()
}

// current returns the number of the attempt under way.
func (a *attempts) current() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count
}

// sent records that attempt n's body is being read; a late read of an
// earlier attempt's body does not count for the current one.
func (a *attempts) sent(n int) {
	a.mu.Lock()
	if n == a.count {
		a.wrote = true
	}
	a.mu.Unlock()
}

// written reports whether the current attempt, which failed with err, may
// have delivered its request. A connection that was refused or never
// established delivered nothing, nor did an attempt whose body was never
// read; a request without a body gives no such sign and counts as possibly
// delivered.
func (a *attempts) written(err error) bool {
	if neverSent(err) {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.wrote || !a.info.hasBody
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

// neverSent reports errors that happen before any byte of the request can
// leave: DNS failures, refused or unreachable connections, TLS handshakes.
func neverSent(err error) bool {
	var held notSent
	if errors.As(err, &held) {
		return true
	}
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
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

type attemptsKey struct{}

func withAttempts(ctx context.Context, info callInfo) (context.Context, *attempts) {
	a := &attempts{info: info}
	return context.WithValue(ctx, attemptsKey{}, a), a
}

func attemptsFrom(ctx context.Context) *attempts {
	a, _ := ctx.Value(attemptsKey{}).(*attempts)
	return a
}
