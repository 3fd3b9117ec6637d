package webhook

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for MemoryStore.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestStore(max int) (*MemoryStore, *fakeClock) {
	c := &fakeClock{t: time.Unix(1767225600, 0)}
	m := NewMemoryStore(max)
	m.now = c.now
	return m, c
}

func claim(t *testing.T, m *MemoryStore, key string, lease time.Duration) ClaimResult {
	t.Helper()
	_, r := claimLease(t, m, key, lease)
	return r
}

func claimLease(t *testing.T, m *MemoryStore, key string, lease time.Duration) (Lease, ClaimResult) {
	t.Helper()
	l, r, err := m.Claim(context.Background(), key, lease)
	require.NoError(t, err)
	if r == ClaimAcquired {
		require.Equal(t, key, l.Key)
		require.NotEmpty(t, l.Token)
	} else {
		require.True(t, l.IsZero(), "a lease only with ClaimAcquired")
	}
	return l, r
}

func TestMemoryStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	m, clock := newTestStore(0)
	la, r := claimLease(t, m, "a", time.Minute)
	assert.Equal(t, ClaimAcquired, r)
	assert.Equal(t, ClaimInProgress, claim(t, m, "a", time.Minute))
	lb, r := claimLease(t, m, "b", time.Minute)
	assert.Equal(t, ClaimAcquired, r, "keys are independent")

	// A failed attempt releases its claim: the redelivery acquires it.
	require.NoError(t, m.Release(ctx, la))
	assert.ErrorIs(t, m.Release(ctx, la), ErrLeaseLost, "a lease releases once")
	la2, r := claimLease(t, m, "a", time.Minute)
	assert.Equal(t, ClaimAcquired, r)
	assert.NotEqual(t, la.Token, la2.Token, "every acquisition has its own token")
	require.NoError(t, m.Complete(ctx, la2, time.Hour))
	assert.Equal(t, ClaimDone, claim(t, m, "a", time.Minute))
	assert.ErrorIs(t, m.Release(ctx, la2), ErrLeaseLost, "a processed key cannot be released")
	assert.Equal(t, ClaimDone, claim(t, m, "a", time.Minute))

	// Processed keys are forgotten after their ttl, claims after their lease.
	clock.advance(time.Hour)
	assert.Equal(t, ClaimAcquired, claim(t, m, "a", time.Minute))
	lb2, r := claimLease(t, m, "b", time.Minute)
	assert.Equal(t, ClaimAcquired, r, "b's lease ran out")
	assert.ErrorIs(t, m.Release(ctx, lb), ErrLeaseLost, "the expired holder cannot free its successor's claim")
	assert.Equal(t, ClaimInProgress, claim(t, m, "b", time.Minute))
	clock.advance(59 * time.Second)
	assert.Equal(t, ClaimInProgress, claim(t, m, "b", time.Minute))

	// Completing after the lease expired still records the key.
	clock.advance(time.Hour)
	require.NoError(t, m.Complete(ctx, lb2, time.Hour))
	assert.Equal(t, ClaimDone, claim(t, m, "b", time.Minute))
	require.NoError(t, m.Complete(ctx, lb2, 2*time.Hour))
	clock.advance(90 * time.Minute)
	assert.Equal(t, ClaimDone, claim(t, m, "b", time.Minute), "completing again extends the ttl")
	assert.Equal(t, 1, m.Len(), "expired entries are dropped lazily")
	assert.ErrorIs(t, m.Release(ctx, Lease{Key: "never-seen", Token: "x"}), ErrLeaseLost)
	assert.ErrorIs(t, m.Release(ctx, Lease{}), ErrLeaseLost)
	assert.ErrorIs(t, m.Complete(ctx, Lease{Key: "b"}, time.Hour), ErrLeaseLost, "the zero lease holds nothing")
}

// Regression (issue 11, item 7): a delivery whose lease ran out released
// the claim of the delivery that took over, and a third ran beside the
// second.
func TestMemoryStoreExpiredHolderCannotReleaseSuccessor(t *testing.T) {
	ctx := context.Background()
	m, clock := newTestStore(0)
	first, r := claimLease(t, m, "k", time.Second)
	require.Equal(t, ClaimAcquired, r)
	clock.advance(2 * time.Second)
	second, r := claimLease(t, m, "k", time.Minute)
	require.Equal(t, ClaimAcquired, r, "an expired claim is taken over")
	require.NotEqual(t, first.Token, second.Token)

	// The first delivery fails late and releases: the second keeps its claim.
	assert.ErrorIs(t, m.Release(ctx, first), ErrLeaseLost)
	assert.Equal(t, ClaimInProgress, claim(t, m, "k", time.Minute), "no third delivery beside the second")

	// The first completing instead marks the event done (it was processed);
	// the successor's own end then finds it done.
	require.NoError(t, m.Complete(ctx, first, time.Hour))
	assert.Equal(t, ClaimDone, claim(t, m, "k", time.Minute))
	assert.ErrorIs(t, m.Release(ctx, second), ErrLeaseLost, "a done key is not freed by the successor's failure")
	assert.Equal(t, ClaimDone, claim(t, m, "k", time.Minute))
	require.NoError(t, m.Complete(ctx, second, time.Hour))
	assert.Equal(t, ClaimDone, claim(t, m, "k", time.Minute))
}

func TestMemoryStoreIsBounded(t *testing.T) {
	ctx := context.Background()
	m, clock := newTestStore(3)
	for i := range 3 {
		key := fmt.Sprint("done-", i)
		l, r := claimLease(t, m, key, time.Minute)
		require.Equal(t, ClaimAcquired, r)
		require.NoError(t, m.Complete(ctx, l, time.Duration(i+1)*time.Hour))
	}
	// Full: the processed key that would expire first is forgotten.
	assert.Equal(t, ClaimAcquired, claim(t, m, "new", time.Minute))
	assert.Equal(t, 3, m.Len())
	assert.Equal(t, ClaimAcquired, claim(t, m, "done-0", time.Minute), "done-0 was evicted")
	assert.Equal(t, ClaimDone, claim(t, m, "done-2", time.Minute))

	// Claims in progress are never evicted: a store full of them refuses.
	m2, _ := newTestStore(2)
	p1, _ := claimLease(t, m2, "p1", time.Minute)
	assert.Equal(t, ClaimAcquired, claim(t, m2, "p2", time.Minute))
	_, _, err := m2.Claim(ctx, "p3", time.Minute)
	assert.ErrorIs(t, err, ErrStoreFull)
	assert.ErrorIs(t, m2.Complete(ctx, Lease{Key: "p3", Token: "t"}, time.Hour), ErrStoreFull)
	assert.Equal(t, ClaimInProgress, claim(t, m2, "p1", time.Minute))
	require.NoError(t, m2.Complete(ctx, p1, time.Hour))
	assert.Equal(t, ClaimAcquired, claim(t, m2, "p3", time.Minute), "p1 is processed and may be forgotten")

	// Expired entries make room before anything is evicted.
	clock.advance(24 * time.Hour)
	for i := range 3 {
		assert.Equal(t, ClaimAcquired, claim(t, m, fmt.Sprint("later-", i), time.Minute))
	}
	assert.Equal(t, 3, m.Len())
}

func TestMemoryStoreConcurrentClaims(t *testing.T) {
	m := NewMemoryStore(0)
	ctx := context.Background()
	const workers = 32
	var acquired atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range 50 {
				key := fmt.Sprint("k", k)
				l, r, err := m.Claim(ctx, key, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if r == ClaimAcquired {
					acquired.Add(1)
					if k%2 == 0 {
						_ = m.Complete(ctx, l, time.Hour)
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(50), acquired.Load(), "each key acquired exactly once")
	assert.Equal(t, 50, m.Len())
}

func TestClaimResultString(t *testing.T) {
	assert.Equal(t, "acquired", ClaimAcquired.String())
	assert.Equal(t, "in progress", ClaimInProgress.String())
	assert.Equal(t, "done", ClaimDone.String())
	assert.Equal(t, "ClaimResult(0)", ClaimResult(0).String())
}

// Regression (issue 11, item 2): the store was bounded by entries only, so
// that large keys made it hold megabytes.
func TestMemoryStoreIsBoundedByBytes(t *testing.T) {
	ctx := context.Background()
	m, _ := newTestStore(0)
	m.maxBytes = 10_000
	for i := range 200 {
		key := fmt.Sprintf("%04d-%s", i, strings.Repeat("k", 100))
		l, r := claimLease(t, m, key, time.Minute)
		require.Equal(t, ClaimAcquired, r)
		require.NoError(t, m.Complete(ctx, l, time.Hour))
		require.LessOrEqual(t, m.Bytes(), int64(10_000))
	}
	assert.Less(t, m.Len(), 200, "processed keys were forgotten to stay within the bytes")
	assert.Positive(t, m.Len())
	_, _, err := m.Claim(ctx, strings.Repeat("x", 10_001), time.Minute)
	assert.ErrorIs(t, err, ErrStoreFull, "a key larger than the whole store")

	// Claims in progress are never forgotten for bytes either.
	m2, _ := newTestStore(0)
	m2.maxBytes = 3 * cost("p0", strings.Repeat("t", 22))
	for i := range 3 {
		assert.Equal(t, ClaimAcquired, claim(t, m2, fmt.Sprint("p", i), time.Minute))
	}
	_, _, err = m2.Claim(ctx, "p3", time.Minute)
	assert.ErrorIs(t, err, ErrStoreFull)

	// The count follows every way out: release, completion, expiry.
	m3, clock := newTestStore(0)
	l, _ := claimLease(t, m3, "a", time.Minute)
	require.NoError(t, m3.Release(ctx, l))
	assert.Zero(t, m3.Bytes())
	l, _ = claimLease(t, m3, "a", time.Minute)
	require.NoError(t, m3.Complete(ctx, l, time.Hour))
	assert.Equal(t, cost("a", ""), m3.Bytes())
	clock.advance(2 * time.Hour)
	assert.Equal(t, ClaimAcquired, claim(t, m3, "b", time.Minute))
	assert.Equal(t, cost("b", strings.Repeat("t", 22)), m3.Bytes())
	assert.Equal(t, int64(DefaultMaxBytes), NewMemoryStore(0).maxBytes)
}
