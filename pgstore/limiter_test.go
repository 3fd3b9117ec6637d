package pgstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
)

func newLimiter(t *testing.T, db *pgstoretest.DB, key string, n int, per time.Duration) *pgstore.Limiter {
	t.Helper()
	l, err := pgstore.NewLimiter(db.Pool(), key, n, per, db.Options()...)
	require.NoError(t, err)
	return l
}

// TestLimiterPaceIsShared: two Limiters on separate pools (two replicas)
// with one key share one pace: 12 Waits at 20 a second, split between
// them and concurrent, take at least 11 intervals, as they would from one
// process; two per-process limiters would take half as long.
func TestLimiterPaceIsShared(t *testing.T) {
	db := pgstoretest.New(t)
	a := newLimiter(t, db, "palpluss:acct-1", 20, time.Second)
	b := newLimiter(t, db, "palpluss:acct-1", 20, time.Second)
	ctx := context.Background()
	require.NoError(t, a.Wait(ctx)) // the first slot is at once

	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, l.Wait(ctx))
		}()
	}
	wg.Wait()
	assert.GreaterOrEqual(t, time.Since(start), 12*50*time.Millisecond, "12 slots after the first, 50ms (plus 2%) apart")
}

// TestLimiterKeysAreIndependent: another key (another account) is not
// held back by this one's queue or pause.
func TestLimiterKeysAreIndependent(t *testing.T) {
	db := pgstoretest.New(t)
	busy := newLimiter(t, db, "palpluss:busy", 1, time.Hour)
	other := newLimiter(t, db, "palpluss:other", 1, time.Hour)
	ctx := context.Background()
	require.NoError(t, busy.Wait(ctx))
	require.NoError(t, busy.PauseUntil(ctx, time.Now().Add(time.Hour)))
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	require.NoError(t, other.Wait(short), "another key's first slot is at once")
	short2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, busy.Wait(short2), context.DeadlineExceeded, "the busy key's next slot is an hour away")
}

// TestLimiterPauseIsShared: a pause asked by one replica holds the other;
// an earlier pause does not shorten it, and it is bounded by the database
// clock.
func TestLimiterPauseIsShared(t *testing.T) {
	db := pgstoretest.New(t)
	pool := db.Pool()
	a := newLimiter(t, db, "payos:m-1", 0, 0)
	b, err := pgstore.NewLimiter(pool, "payos:m-1", 0, 0, db.Options()...)
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, a.PauseUntil(ctx, time.Now().Add(400*time.Millisecond)))
	require.NoError(t, a.PauseUntil(ctx, time.Now().Add(10*time.Millisecond)), "an earlier end changes nothing")
	start := time.Now()
	require.NoError(t, b.Wait(ctx))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "b waits out a's pause")

	require.NoError(t, a.PauseUntil(ctx, time.Now().Add(24*time.Hour)))
	var left time.Duration
	require.NoError(t, pool.QueryRow(ctx, `SELECT paused_until - now() FROM `+tableName(db, "rate_limits")+` WHERE key = 'payos:m-1'`).Scan(&left))
	assert.LessOrEqual(t, left, pgstore.MaxLimiterPause)
	assert.Greater(t, left, pgstore.MaxLimiterPause-time.Minute)
}

// TestLimiterWaitHonoursContext: a Wait whose slot is far away ends with
// its context.
func TestLimiterWaitHonoursContext(t *testing.T) {
	db := pgstoretest.New(t)
	l := newLimiter(t, db, "k", 1, time.Hour)
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, l.Wait(ctx), context.DeadlineExceeded)
}

// unreachablePool is a pool whose database does not exist: every
// statement fails to connect.
func unreachablePool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@/postgres?host="+t.TempDir()+"&connect_timeout=2")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// TestLimiterFailsClosedWhenTheDatabaseIsUnreachable: Wait returns an
// error matching ErrLimiterUnavailable, and a client using the Limiter
// sends nothing: the Sandbox creates no payout and the error says the
// request was never sent, not that its outcome is unknown.
func TestLimiterFailsClosedWhenTheDatabaseIsUnreachable(t *testing.T) {
	l, err := pgstore.NewLimiter(unreachablePool(t), "palpluss:acct", 60, time.Minute)
	require.NoError(t, err)
	err = l.Wait(context.Background())
	require.ErrorIs(t, err, pgstore.ErrLimiterUnavailable)
	assert.ErrorIs(t, l.PauseUntil(context.Background(), time.Now().Add(time.Second)), pgstore.ErrLimiterUnavailable)

	sb := payouttest.NewSandbox()
	t.Cleanup(sb.Close)
	c, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()), payout.WithLimiter(l))
	require.NoError(t, err)
	_, err = c.Send(context.Background(), payout.Request{Reference: "DOWN-1", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, pgstore.ErrLimiterUnavailable)
	assert.ErrorIs(t, err, payout.ErrNetwork, "never sent")
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
	assert.Zero(t, sb.CreatedCount(payouttest.SandboxPalPluss, "DOWN-1"))
	assert.Empty(t, sb.Payouts(payouttest.SandboxPalPluss))
}

// TestLimiterRefusesBadArguments: bad input is an error naming it.
func TestLimiterRefusesBadArguments(t *testing.T) {
	pool := unreachablePool(t)
	for _, tc := range []struct {
		key string
		n   int
		per time.Duration
	}{{"", 1, time.Second}, {"k", -1, time.Second}, {"k", 1, 0}} {
		_, err := pgstore.NewLimiter(pool, tc.key, tc.n, tc.per)
		assert.ErrorContains(t, err, "NewLimiter", "%+v", tc)
	}
	_, err := pgstore.NewLimiter(nil, "k", 1, time.Second)
	assert.Error(t, err)
	_, err = pgstore.NewLimiter(pool, "k", 1, time.Second, pgstore.WithTablePrefix("no spaces"))
	assert.ErrorContains(t, err, "WithTablePrefix")
}

// TestLimiterPauseHoldsCallersAlreadyQueued: a replica that booked its
// slot before another replica was told to pause does not spend the slot
// during the pause.
func TestLimiterPauseHoldsCallersAlreadyQueued(t *testing.T) {
	db := pgstoretest.New(t)
	a := newLimiter(t, db, "palpluss:q", 5, time.Second) // a slot every 204ms
	b := newLimiter(t, db, "palpluss:q", 5, time.Second)
	ctx := context.Background()
	require.NoError(t, a.Wait(ctx))
	done := make(chan time.Time, 1)
	go func() {
		assert.NoError(t, b.Wait(ctx)) // books the next slot, ~204ms away
		done <- time.Now()
	}()
	time.Sleep(50 * time.Millisecond)
	pause := time.Now().Add(600 * time.Millisecond)
	require.NoError(t, a.PauseUntil(ctx, pause))
	got := <-done
	assert.False(t, got.Before(pause.Add(-50*time.Millisecond)), "the queued replica went %v before the pause ended", pause.Sub(got))
}
