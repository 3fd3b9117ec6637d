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
// have reached the provider. An httptrace on the call's context feeds it.
type attempts struct {
	info        callInfo // fixed for the call
	mu          sync.Mutex
	count       int
	traced      bool // the transport reports to httptrace (net/http's does)
	wrote       bool // the current attempt wrote its request headers
	maybeServed bool // some attempt may have been processed by the provider
	lastReason  string
}

func (a *attempts) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			a.mu.Lock()
			a.traced, a.wrote = true, false
			a.mu.Unlock()
		},
		WroteHeaders: func() {
			a.mu.Lock()
			a.wrote = true
			a.mu.Unlock()
		},
	}
}

// start marks the beginning of an attempt.
func (a *attempts) start() {
	a.mu.Lock()
	a.count++
	a.wrote = false
	a.mu.Unlock()
}

// written reports whether the current attempt, which failed with err, may
// have delivered its request. A connection that was refused or never
// established delivered nothing; when the transport does not report to
// httptrace (a test double, an unusual RoundTripper) only such dial errors
// prove it, and anything else counts as possibly delivered.
func (a *attempts) written(err error) bool {
	if neverSent(err) {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.traced {
		return a.wrote
	}
	return true
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
	ctx = context.WithValue(ctx, attemptsKey{}, a)
	return httptrace.WithClientTrace(ctx, a.trace()), a
}

func attemptsFrom(ctx context.Context) *attempts {
	a, _ := ctx.Value(attemptsKey{}).(*attempts)
	return a
}
