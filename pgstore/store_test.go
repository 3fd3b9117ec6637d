package pgstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
	"github.com/payoutkit/payout/webhook"
	"github.com/payoutkit/payout/webhook/webhooktest"
)

func newStore(t *testing.T, db *pgstoretest.DB) *pgstore.Store {
	t.Helper()
	s, err := pgstore.NewStore(db.Pool(), db.Options()...)
	require.NoError(t, err)
	return s
}

// TestStoreConformance holds the PostgreSQL Store to the webhook.Store
// contract MemoryStore meets: owner leases, takeovers, expiring done
// entries, one acquisition among concurrent Claims.
func TestStoreConformance(t *testing.T) {
	db := pgstoretest.New(t)
	webhooktest.StoreConformance(t, func() webhook.Store { return newStore(t, db) })
}

// TestStoreSharedBetweenPools: two Stores on separate pools (two replicas)
// see each other's claims and completions.
func TestStoreSharedBetweenPools(t *testing.T) {
	db := pgstoretest.New(t)
	a, b := newStore(t, db), newStore(t, db)
	ctx := context.Background()
	l, r, err := a.Claim(ctx, "palpluss:evt-1", time.Minute)
	require.NoError(t, err)
	require.Equal(t, webhook.ClaimAcquired, r)
	_, r, err = b.Claim(ctx, "palpluss:evt-1", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, webhook.ClaimInProgress, r)
	require.NoError(t, a.Complete(ctx, l, time.Hour))
	_, r, err = b.Claim(ctx, "palpluss:evt-1", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, webhook.ClaimDone, r)
}

// TestStoreExpiriesUseTheDatabaseClock: a lease is measured on the
// database's clock: a claim made with a long lease holds although this
// process's clock is irrelevant, and the row's expiry is the
// database's clock at the claim + lease.
func TestStoreExpiriesUseTheDatabaseClock(t *testing.T) {
	db := pgstoretest.New(t)
	pool := db.Pool()
	s, err := pgstore.NewStore(pool, db.Options()...)
	require.NoError(t, err)
	ctx := context.Background()
	_, _, err = s.Claim(ctx, "k", 90*time.Second)
	require.NoError(t, err)
	var ahead time.Duration
	require.NoError(t, pool.QueryRow(ctx, `SELECT expires_at - now() FROM `+tableName(db, "webhook_events")+` WHERE key = 'k'`).Scan(&ahead))
	assert.InDelta(t, float64(90*time.Second), float64(ahead), float64(5*time.Second))
}

// TestStoreLeaseRunsFromAcquisitionAfterALockWait: a Claim that waits for
// the row lock (another replica's statement on the same key, as in a
// storm of duplicates) gets its whole lease from the moment it takes the
// row over, not from the start of its statement: the wait does not
// shorten it.
func TestStoreLeaseRunsFromAcquisitionAfterALockWait(t *testing.T) {
	db := pgstoretest.New(t)
	admin := db.Pool()
	s := newStore(t, db) // a pool of its own: another replica
	ctx := context.Background()
	table := tableName(db, "webhook_events")
	// An expired claim, so that the Claim below takes the row over.
	_, err := admin.Exec(ctx, `INSERT INTO `+table+` (key, token, expires_at) VALUES ('k', 'old', now() - interval '1 second')`)
	require.NoError(t, err)

	tx, err := admin.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `SELECT 1 FROM `+table+` WHERE key = 'k' FOR UPDATE`)
	require.NoError(t, err)

	const lease = 500 * time.Millisecond
	type claimed struct {
		r   webhook.ClaimResult
		err error
	}
	got := make(chan claimed, 1)
	go func() {
		_, r, err := s.Claim(ctx, "k", lease)
		got <- claimed{r, err}
	}()
	// Hold the lock until the Claim is waiting for it, then ~300 ms more.
	require.Eventually(t, func() bool {
		var waiting bool
		require.NoError(t, admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO%webhook_events%')`).Scan(&waiting))
		return waiting
	}, 10*time.Second, 5*time.Millisecond, "the Claim waits for the row lock")
	time.Sleep(300 * time.Millisecond)
	var released time.Time
	require.NoError(t, tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&released))
	require.NoError(t, tx.Commit(ctx))

	c := <-got
	require.NoError(t, c.err)
	require.Equal(t, webhook.ClaimAcquired, c.r)
	var claimedAt, expiresAt time.Time
	require.NoError(t, admin.QueryRow(ctx, `SELECT claimed_at, expires_at FROM `+table+` WHERE key = 'k'`).Scan(&claimedAt, &expiresAt))
	assert.False(t, claimedAt.Before(released), "the claim is stamped when it took the row (%v), not before the lock was released (%v)", claimedAt, released)
	assert.Equal(t, lease, expiresAt.Sub(claimedAt), "the lease runs from the acquisition")
	assert.GreaterOrEqual(t, expiresAt.Sub(released), lease, "the wait for the lock did not shorten the lease")
}

// TestStorePurge deletes expired rows only, and a purged key is free.
func TestStorePurge(t *testing.T) {
	db := pgstoretest.New(t)
	s := newStore(t, db)
	ctx := context.Background()
	short, _, err := s.Claim(ctx, "short", 50*time.Millisecond)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, short, 50*time.Millisecond))
	_, _, err = s.Claim(ctx, "expired-claim", 50*time.Millisecond)
	require.NoError(t, err)
	keep, _, err := s.Claim(ctx, "keep", time.Hour)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)

	n, err := s.Purge(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	n, err = s.Purge(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	_, r, err := s.Claim(ctx, "keep", time.Hour)
	require.NoError(t, err)
	assert.Equal(t, webhook.ClaimInProgress, r, "a live claim survives Purge")
	require.NoError(t, s.Release(ctx, keep))
	_, r, err = s.Claim(ctx, "short", time.Hour)
	require.NoError(t, err)
	assert.Equal(t, webhook.ClaimAcquired, r)
}

// TestStoreRefusesBadArguments: bad input is an error naming it.
func TestStoreRefusesBadArguments(t *testing.T) {
	db := pgstoretest.New(t)
	s := newStore(t, db)
	ctx := context.Background()
	_, _, err := s.Claim(ctx, "k", 0)
	assert.ErrorContains(t, err, "lease")
	assert.ErrorIs(t, s.Complete(ctx, webhook.Lease{}, time.Hour), webhook.ErrLeaseLost)
	assert.ErrorIs(t, s.Release(ctx, webhook.Lease{}), webhook.ErrLeaseLost)
	assert.ErrorContains(t, s.Complete(ctx, webhook.Lease{Key: "k", Token: "t"}, 0), "ttl")
	_, err = pgstore.NewStore(nil)
	assert.Error(t, err)
}

func tableName(db *pgstoretest.DB, name string) string {
	return `"` + db.Schema + `"."` + pgstore.DefaultTablePrefix + name + `"`
}

// TestStoreClaimIsExclusiveUnderChurn: eight replicas on separate pools
// hammer one key, each releasing it right after acquiring it, so that
// Claims race with Releases that delete the row and Claims that insert it
// again. No Claim fails, and no two replicas ever hold the key at once.
func TestStoreClaimIsExclusiveUnderChurn(t *testing.T) {
	db := pgstoretest.New(t)
	const replicas, rounds = 8, 60
	var holder atomic.Int32
	var acquired atomic.Int32
	var wg sync.WaitGroup
	for i := 1; i <= replicas; i++ {
		s := newStore(t, db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for range rounds {
				l, r, err := s.Claim(ctx, "churn", time.Minute)
				if !assert.NoError(t, err) {
					return
				}
				if r != webhook.ClaimAcquired {
					assert.Equal(t, webhook.ClaimInProgress, r, "nobody completes the key")
					continue
				}
				acquired.Add(1)
				if !holder.CompareAndSwap(0, int32(i)) {
					t.Errorf("replica %d acquired the key while replica %d held it", i, holder.Load())
					return
				}
				time.Sleep(time.Millisecond)
				holder.Store(0)
				if !assert.NoError(t, s.Release(ctx, l)) {
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.Greater(t, acquired.Load(), int32(replicas), "the key changed hands many times")
	t.Logf("acquisitions: %d of %d Claims", acquired.Load(), replicas*rounds)
}
