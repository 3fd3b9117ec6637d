package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
	"github.com/payoutkit/payout/webhook"
)

// The benchmarks run against the loopback database of scripts/testdb:
//
//	scripts/testdb go test -run '^$' -bench . -benchmem ./pgstore/
//
// Each has a serial form (one round trip at a time: ns/op is the latency)
// and a form with 16 concurrent callers (ops/s is the throughput one pool
// of 16 connections reaches). RoundTrip, a bare SELECT 1, is the baseline
// the others are a ratio of.

const concurrentCallers = 16

// benchPool opens a pool of 16 connections, all established before the
// timing starts.
func benchPool(b *testing.B, db *pgstoretest.DB) *pgxpool.Pool {
	pool := db.PoolConfig(func(c *pgxpool.Config) {
		c.MaxConns, c.MinConns = concurrentCallers, concurrentCallers
	})
	ctx := context.Background()
	conns := make([]*pgxpool.Conn, concurrentCallers)
	for i := range conns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		c.Release()
	}
	return pool
}

// runBoth runs op serially and from 16 goroutines, reporting ops/s.
func runBoth(b *testing.B, op func(ctx context.Context, i int64) error) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if err := op(ctx, int64(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	})
	b.Run(fmt.Sprintf("concurrent=%d", concurrentCallers), func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		b.SetParallelism((concurrentCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx, n.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	})
}

// BenchmarkRoundTrip is the baseline: SELECT 1 through the same pool.
func BenchmarkRoundTrip(b *testing.B) {
	pool := benchPool(b, pgstoretest.New(b))
	runBoth(b, func(ctx context.Context, _ int64) error {
		var one int
		return pool.QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
}

// BenchmarkStoreClaimComplete: one webhook event's dedupe work, a Claim
// of a new key and its Complete (two statements).
func BenchmarkStoreClaimComplete(b *testing.B) {
	db := pgstoretest.New(b)
	s, err := pgstore.NewStore(benchPool(b, db), db.Options()...)
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64 // keys unique across the runs of the benchmark
	runBoth(b, func(ctx context.Context, _ int64) error {
		key := fmt.Sprintf("bench:%d", seq.Add(1))
		l, res, err := s.Claim(ctx, key, time.Minute)
		if err != nil {
			return err
		}
		if res != webhook.ClaimAcquired {
			return fmt.Errorf("Claim(%s) = %v", key, res)
		}
		return s.Complete(ctx, l, time.Hour)
	})
}

// BenchmarkStoreClaimDuplicate: a redelivery of a processed event, the
// Claim that answers ClaimDone.
func BenchmarkStoreClaimDuplicate(b *testing.B) {
	db := pgstoretest.New(b)
	s, err := pgstore.NewStore(benchPool(b, db), db.Options()...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	const keys = 64
	for i := range keys {
		l, _, err := s.Claim(ctx, fmt.Sprintf("dup:%d", i), time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Complete(ctx, l, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	runBoth(b, func(ctx context.Context, i int64) error {
		_, res, err := s.Claim(ctx, fmt.Sprintf("dup:%d", i%keys), time.Minute)
		if err == nil && res != webhook.ClaimDone {
			err = fmt.Errorf("Claim = %v", res)
		}
		return err
	})
}

// BenchmarkLimiterWait: one Limiter.Wait that need not sleep (n == 0:
// shared pauses only), so ns/op is the booking's round trip. All callers
// contend for the key's one row, as every replica of one account does.
func BenchmarkLimiterWait(b *testing.B) {
	db := pgstoretest.New(b)
	l, err := pgstore.NewLimiter(benchPool(b, db), "bench:acct", 0, 0, db.Options()...)
	if err != nil {
		b.Fatal(err)
	}
	runBoth(b, func(ctx context.Context, _ int64) error { return l.Wait(ctx) })
}
