package webhook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

// blockingGetter is a PayoutGetter whose answers wait for release.
type blockingGetter struct {
	fakeGetter
	entered chan string
	release chan struct{}
}

func (b *blockingGetter) Get(ctx context.Context, id string) (*payout.Payout, error) {
	b.entered <- id
	<-b.release
	return b.fakeGetter.Get(ctx, id)
}

// Regression (issue 11, item 3): every delivery that passed the callback
// token cost one Get on the merchant's key, so that a flood of forged
// callbacks took the rate Sends need. Concurrent confirmations of one
// transaction are one Get; an answer is reused briefly.
func TestHandlerCoalescesAndCachesConfirmations(t *testing.T) {
	get := &blockingGetter{
		fakeGetter: fakeGetter{payouts: map[string]*payout.Payout{"tx1": {ID: "tx1", Reference: "R1", Status: payout.StatusSucceeded}}},
		entered:    make(chan string, 100), release: make(chan struct{}),
	}
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithConfirm(ConfirmByGet(get)), WithConfirmLimits(ConfirmLimits{CacheTTL: -1}))

	const n = 20
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := stubBody(fmt.Sprint("evt-", i), "transaction.success", "tx1", "R1", "succeeded")
			codes <- serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code
		}()
	}
	require.Equal(t, "tx1", <-get.entered)
	// Let the others queue behind the one in flight, then answer it.
	require.Eventually(t, func() bool {
		h.gate.mu.Lock()
		defer h.gate.mu.Unlock()
		f := h.gate.flights["stub\x00tx1\x00R1"]
		return f != nil && f.waiters == n-1
	}, 5*time.Second, time.Millisecond)
	close(get.release)
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Equal(t, http.StatusOK, c)
	}
	assert.Equal(t, n, rec.count(), "every delivery (distinct ids) handed on")
	assert.Equal(t, 1, get.calls, "concurrent confirmations of one transaction share a Get")

	// With the cache on, later deliveries reuse the answer for its ttl.
	h = NewHandler(stubParse, rec.handle, WithConfirm(ConfirmByGet(get)))
	clock := &fakeClock{t: time.Unix(1767225600, 0)}
	h.gate.now = clock.now
	assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("evt-first", "transaction.success", "tx1", "R1", "succeeded")))).Code)
	calls := get.calls
	serveBody := func(id string) int {
		return serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody(id, "transaction.success", "tx1", "R1", "succeeded")))).Code
	}
	assert.Equal(t, http.StatusOK, serveBody("evt-late"))
	assert.Equal(t, calls, get.calls, "an answer is reused within the cache ttl")
	clock.advance(DefaultConfirmCacheTTL)
	assert.Equal(t, http.StatusOK, serveBody("evt-later"))
	assert.Equal(t, calls+1, get.calls, "and asked again after it")

	// Each HandleFunc got its own copy of the answer.
	rec.mu.Lock()
	rec.events[len(rec.events)-1].Payout.Status = "mutated" // the one served from the cache
	rec.mu.Unlock()
	assert.Equal(t, http.StatusOK, serveBody("evt-copy"))
	assert.Equal(t, payout.StatusSucceeded, rec.last().Payout.Status)
}

// Regression (issue 11, item 3): confirmations have their own budget; a
// flood past it is answered 503 with Retry-After, without a Get.
func TestHandlerConfirmationBudget(t *testing.T) {
	get := &fakeGetter{payouts: map[string]*payout.Payout{}}
	for i := range 100 {
		id := fmt.Sprint("tx", i)
		get.payouts[id] = &payout.Payout{ID: id, Reference: fmt.Sprint("R", i), Status: payout.StatusPending}
	}
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithConfirm(ConfirmByGet(get)),
		WithConfirmLimits(ConfirmLimits{Rate: 6, Per: time.Minute, Burst: 3, PerPayout: 2}))
	clock := &fakeClock{t: time.Unix(1767225600, 0)}
	h.gate.now = clock.now
	post := func(id, tx, ref string) *httptest.ResponseRecorder {
		return serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody(id, "transaction.updated", tx, ref, "pending"))))
	}

	// One leaked URL (one reference), forged transaction ids: two Gets.
	var refused int
	for i := range 30 {
		w := post(fmt.Sprint("forged-", i), fmt.Sprint("bogus-", i), "R1")
		if w.Code == http.StatusServiceUnavailable {
			refused++
			secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
			require.NoError(t, err, "a refusal says when to come back")
			assert.Positive(t, secs)
		} else {
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code, "unknown transaction")
		}
	}
	assert.Equal(t, 2, get.calls, "one payout's budget")
	assert.Equal(t, 28, refused)

	// Many references: the global burst, then its rate.
	var ok int
	for i := 2; i < 40; i++ {
		if post(fmt.Sprint("evt-", i), fmt.Sprint("tx", i), fmt.Sprint("R", i)).Code == http.StatusOK {
			ok++
		}
	}
	assert.Equal(t, 1, ok, "3 in a burst, 2 of them spent above")
	assert.Equal(t, 3, get.calls)
	clock.advance(10 * time.Second) // one interval of 6 a minute
	assert.Equal(t, http.StatusOK, post("evt-50", "tx50", "R50").Code)
	assert.Equal(t, http.StatusServiceUnavailable, post("evt-51", "tx51", "R51").Code)
	assert.Equal(t, 4, get.calls, "never more than the budget")
	assert.Equal(t, 2, rec.count())
}

func TestConfirmLimitsDefaults(t *testing.T) {
	l := ConfirmLimits{}.withDefaults()
	assert.Equal(t, ConfirmLimits{Rate: DefaultConfirmRate, Per: time.Minute, Burst: DefaultConfirmBurst,
		PerPayout: DefaultConfirmPerPayout, PayoutBurst: DefaultConfirmPayoutBurst, CacheTTL: DefaultConfirmCacheTTL,
		Timeout: DefaultConfirmTimeout}, l)
	assert.Equal(t, 1, ConfirmLimits{PerPayout: 1}.withDefaults().PayoutBurst, "a burst never above the rate")
	assert.Equal(t, "1", retryAfterSeconds(time.Millisecond))
	assert.Equal(t, "3", retryAfterSeconds(2001*time.Millisecond))
}

// A cached answer behind the status a delivery claims is not trusted: the
// payout may have moved on (FAILED, then REVERSED a moment later), and the
// genuine delivery of its next status must not wait for a redelivery.
// Forgeries claiming ahead cost a Get each, within the payout's budget.
func TestHandlerCacheBehindTheClaimIsAskedAgain(t *testing.T) {
	get := &fakeGetter{payouts: map[string]*payout.Payout{"tx1": {ID: "tx1", Reference: "R1", Status: payout.StatusFailed}}}
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithConfirm(ConfirmByGet(get)))
	clock := &fakeClock{t: time.Unix(1767225600, 0)}
	h.gate.now = clock.now
	post := func(id, status string) int {
		return serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody(id, "t", "tx1", "R1", status)))).Code
	}
	assert.Equal(t, http.StatusOK, post("tx1:failed", "failed"))
	get.mu.Lock()
	get.payouts["tx1"] = &payout.Payout{ID: "tx1", Reference: "R1", Status: payout.StatusReversed}
	get.mu.Unlock()
	assert.Equal(t, http.StatusOK, post("tx1:reversed", "reversed"), "asked again: the cache was behind")
	assert.Equal(t, 2, get.calls)
	require.Equal(t, 2, rec.count())
	assert.Equal(t, payout.StatusReversed, rec.last().Payout.Status)
	assert.Equal(t, http.StatusOK, post("tx1:failed-again", "failed"), "a stale claim is answered from the cache")
	assert.Equal(t, 2, get.calls)

	// Claims ahead of a pending payout: each asks, until the budget says no.
	get.mu.Lock()
	get.payouts["tx1"] = &payout.Payout{ID: "tx1", Reference: "R1", Status: payout.StatusPending}
	get.mu.Unlock()
	clock.advance(time.Hour)
	codes := []int{post("f1", "succeeded"), post("f2", "succeeded"), post("f3", "succeeded")}
	assert.Equal(t, []int{http.StatusUnprocessableEntity, http.StatusUnprocessableEntity, http.StatusServiceUnavailable}, codes)
	assert.Equal(t, 2+DefaultConfirmPayoutBurst, get.calls)

	// The payout really settles. The payout's budget refills within
	// seconds, and the next delivery claiming success, whoever sent it,
	// finds the new record: the event is processed, once.
	get.mu.Lock()
	get.payouts["tx1"] = &payout.Payout{ID: "tx1", Reference: "R1", Status: payout.StatusSucceeded}
	get.mu.Unlock()
	assert.Equal(t, http.StatusServiceUnavailable, post("genuine", "succeeded"), "still over the payout's budget")
	clock.advance(time.Minute / DefaultConfirmPerPayout)
	assert.Equal(t, http.StatusOK, post("genuine", "succeeded"))
	assert.Equal(t, http.StatusOK, post("genuine", "succeeded"), "its redelivery is a duplicate")
	require.Equal(t, 3, rec.count())
	assert.Equal(t, payout.StatusSucceeded, rec.last().Payout.Status)
}
