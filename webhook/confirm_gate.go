package webhook

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/payoutkit/payout"
)

// ConfirmLimits bounds what confirming events costs (WithConfirm). Every
// confirmation is a call on the merchant's API key, which the provider
// rate-limits (PalPluss: 60 requests a minute for everything, Sends
// included), and anyone who learns one callback URL can make the Handler
// confirm as often as they POST. So the Handler:
//
//   - shares one confirmation between deliveries that name the same
//     transaction at the same time (they wait for the one in flight);
//   - reuses an answer for CacheTTL, for every delivery naming the same
//     transaction and reference, unless the delivery claims a status the
//     answer is behind (the payout may have moved on: it asks again);
//   - starts at most Rate confirmations per Per, Burst of them at once,
//     and for any one payout (by reference, else by transaction id) at most
//     PerPayout per Per, PayoutBurst at once; a delivery over budget is
//     answered 503 with a Retry-After, and the provider delivers it again
//     later.
//
// The payout's own bound is what keeps one leaked callback URL from taking
// the whole budget; it refills quickly enough (every 10 s by default) that
// once the payout has really settled, the next delivery about it, genuine
// or not, finds the provider's new record, and the event is processed.
//
// The zero value of a field means its default; a negative Rate or
// PerPayout turns that bound off.
type ConfirmLimits struct {
	Rate        int           // confirmations per Per, all events together (default DefaultConfirmRate)
	Per         time.Duration // the window of Rate and PerPayout (default time.Minute)
	Burst       int           // how many may start at once (default DefaultConfirmBurst)
	PerPayout   int           // confirmations per Per for one payout (default DefaultConfirmPerPayout)
	PayoutBurst int           // how many of them may start at once (default DefaultConfirmPayoutBurst)
	CacheTTL    time.Duration // how long an answer is reused (default DefaultConfirmCacheTTL)
	Timeout     time.Duration // how long one confirmation may take (default DefaultConfirmTimeout)
}

// Defaults of ConfirmLimits. DefaultConfirmRate is a third of PalPluss's
// 60 requests a minute: however many callbacks arrive, forged or not, two
// thirds of the key's rate stay for Sends. A client paced to the limit
// (palpluss.WithDocumentedRateLimit) makes a Send wait behind at most
// DefaultConfirmBurst confirmations, one second each.
const (
	DefaultConfirmRate        = 20
	DefaultConfirmBurst       = 4
	DefaultConfirmPerPayout   = 6
	DefaultConfirmPayoutBurst = 2
	DefaultConfirmCacheTTL    = 2 * time.Second
	DefaultConfirmTimeout     = 30 * time.Second
)

// maxTracked bounds the gate's maps (answers cached, payouts' budgets).
const maxTracked = 10_000

func (l ConfirmLimits) withDefaults() ConfirmLimits {
	if l.Rate == 0 {
		l.Rate = DefaultConfirmRate
	}
	if l.Per <= 0 {
		l.Per = time.Minute
	}
	if l.Burst <= 0 {
		l.Burst = DefaultConfirmBurst
	}
	if l.PerPayout == 0 {
		l.PerPayout = DefaultConfirmPerPayout
	}
	if l.PayoutBurst <= 0 {
		l.PayoutBurst = min(DefaultConfirmPayoutBurst, max(l.PerPayout, 1))
	}
	if l.CacheTTL == 0 {
		l.CacheTTL = DefaultConfirmCacheTTL
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultConfirmTimeout
	}
	return l
}

// errOverBudget is the confirmation gate's refusal: answer 503 with
// Retry-After.
type errOverBudget struct{ retryAfter time.Duration }

func (e *errOverBudget) Error() string {
	return "confirmation budget exhausted; retry after " + e.retryAfter.String()
}

// gcra is a rate limiter as a theoretical arrival time: a start is allowed
// when now >= tat - tolerance, and moves tat one interval on.
type gcra struct {
	tat time.Time
}

func (g *gcra) take(now time.Time, interval time.Duration, burst int) (wait time.Duration) {
	tol := time.Duration(burst-1) * interval
	tat := g.tat
	if tat.Before(now) {
		tat = now
	}
	if allow := tat.Add(-tol); now.Before(allow) {
		return allow.Sub(now)
	}
	g.tat = tat.Add(interval)
	return 0
}

// idle reports whether the limiter is back to a full burst at now.
func (g *gcra) idle(now time.Time) bool { return !g.tat.After(now) }

type flight struct {
	done    chan struct{}
	waiters int // deliveries waiting for it besides the one making it
	p       *payout.Payout
	err     error
}

type cached struct {
	p       *payout.Payout
	err     error
	expires time.Time
}

// confirmGate coalesces, caches and budgets the calls of a ConfirmFunc.
type confirmGate struct {
	confirm ConfirmFunc
	lim     ConfirmLimits
	now     func() time.Time

	mu        sync.Mutex
	global    gcra
	perPayout map[string]*gcra
	cache     map[string]cached
	flights   map[string]*flight
}

func newConfirmGate(confirm ConfirmFunc, lim ConfirmLimits) *confirmGate {
	return &confirmGate{confirm: confirm, lim: lim.withDefaults(), now: time.Now,
		perPayout: make(map[string]*gcra), cache: make(map[string]cached), flights: make(map[string]*flight)}
}

// payoutOf returns the provider's record of the payout ev names: shared
// with concurrent deliveries naming the same transaction and reference,
// reused for CacheTTL, and within budget. The Payout returned is the
// caller's own copy.
func (g *confirmGate) payoutOf(ctx context.Context, ev *payout.Event) (*payout.Payout, error) {
	key := ev.Provider + "\x00" + ev.Payout.ID + "\x00" + ev.Payout.Reference
	g.mu.Lock()
	now := g.now()
	if c, ok := g.cache[key]; ok {
		// An answer behind the status the delivery claims may just be
		// old (the payout moved on since): ask again, within budget,
		// rather than refuse the delivery of its next status.
		if now.Before(c.expires) && !behind(c.p, ev.Payout.Status) {
			g.mu.Unlock()
			return copyPayout(c.p), c.err
		}
		delete(g.cache, key)
	}
	if f, ok := g.flights[key]; ok {
		f.waiters++
		g.mu.Unlock()
		select {
		case <-f.done:
			return copyPayout(f.p), f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if wait := g.spend(now, ev); wait > 0 {
		g.mu.Unlock()
		return nil, &errOverBudget{retryAfter: wait}
	}
	f := &flight{done: make(chan struct{})}
	g.flights[key] = f
	g.mu.Unlock()

	f.p, f.err = g.call(ctx, ev)

	g.mu.Lock()
	delete(g.flights, key)
	if f.err == nil || unconfirmed(f.err) {
		g.remember(key, cached{p: f.p, err: f.err, expires: g.now().Add(g.lim.CacheTTL)})
	}
	close(f.done)
	g.mu.Unlock()
	return copyPayout(f.p), f.err
}

// spend takes one confirmation from the payout's budget and the global
// one, or returns how long to wait for it. Called with g.mu held.
func (g *confirmGate) spend(now time.Time, ev *payout.Event) time.Duration {
	var pp *gcra
	if g.lim.PerPayout > 0 {
		id := ev.Payout.Reference
		if id == "" {
			id = ev.Payout.ID
		}
		id = ev.Provider + "\x00" + id
		pp = g.perPayout[id]
		if pp == nil {
			if len(g.perPayout) >= maxTracked {
				for k, b := range g.perPayout {
					if b.idle(now) {
						delete(g.perPayout, k)
					}
				}
			}
			if len(g.perPayout) >= maxTracked {
				return g.lim.Per / time.Duration(g.lim.PerPayout)
			}
			pp = &gcra{}
			g.perPayout[id] = pp
		}
		// Check both before taking from either, so that a refusal by one
		// costs nothing of the other.
		probe := *pp
		if wait := probe.take(now, g.lim.Per/time.Duration(g.lim.PerPayout), g.lim.PayoutBurst); wait > 0 {
			return wait
		}
	}
	if g.lim.Rate > 0 {
		if wait := g.global.take(now, g.lim.Per/time.Duration(g.lim.Rate), g.lim.Burst); wait > 0 {
			return wait
		}
	}
	if pp != nil {
		pp.take(now, g.lim.Per/time.Duration(g.lim.PerPayout), g.lim.PayoutBurst)
	}
	return 0
}

// remember caches c under key, making room by dropping expired answers;
// when every slot holds a live answer it caches nothing. Called with g.mu
// held.
func (g *confirmGate) remember(key string, c cached) {
	if g.lim.CacheTTL < 0 {
		return
	}
	if len(g.cache) >= maxTracked {
		now := g.now()
		for k, old := range g.cache {
			if !now.Before(old.expires) {
				delete(g.cache, k)
			}
		}
		if len(g.cache) >= maxTracked {
			return
		}
	}
	g.cache[key] = c
}

// call runs the ConfirmFunc on a probe of ev that names the transaction
// and the reference but claims no status, so that its answer serves every
// delivery naming them. It is detached from the delivery's cancellation
// (other deliveries may be waiting for it) and bounded by lim.Timeout; a
// panic is an error.
func (g *confirmGate) call(ctx context.Context, ev *payout.Event) (p *payout.Payout, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("webhook: confirm panicked: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.lim.Timeout)
	defer cancel()
	probe := *ev
	probe.Payout = &payout.Payout{ID: ev.Payout.ID, Reference: ev.Payout.Reference, Provider: ev.Payout.Provider}
	confirmed, err := g.confirm(ctx, &probe)
	switch {
	case err != nil:
		return nil, err
	case confirmed == nil || confirmed.Payout == nil:
		return nil, errors.New("webhook: confirm returned no payout")
	}
	return copyPayout(confirmed.Payout), nil
}

// behind reports whether the cached record p is of a status before the one
// claimed, so that the payout may have moved on since it was cached.
func behind(p *payout.Payout, claimed payout.Status) bool {
	return p != nil && statusRank[p.Status] < statusRank[claimed]
}

func copyPayout(p *payout.Payout) *payout.Payout {
	if p == nil {
		return nil
	}
	cp := *p
	return &cp
}

// unconfirmed reports whether err says the provider's records do not back
// the event (answer 422), rather than that it could not be asked.
func unconfirmed(err error) bool {
	return errors.Is(err, ErrUnconfirmed) || errors.Is(err, payout.ErrNotFound)
}

// retryAfterSeconds is d rounded up to whole seconds, at least 1, for a
// Retry-After header.
func retryAfterSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}
