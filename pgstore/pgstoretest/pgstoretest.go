// Package pgstoretest gives tests a PostgreSQL schema of their own, created
// and migrated for the test and dropped when it ends, so that tests and
// packages can run in parallel against one database.
//
// The database is the one named by the environment variable
// PAYOUT_TEST_DATABASE_URL, a libpq connection string such as
// postgres://postgres@/postgres?host=/tmp/pgsock (scripts/testdb in the
// payout repository starts a throwaway cluster and sets it). When the
// variable is unset, New skips the test, except under CI=true, where it
// fails it: CI never passes by skipping the database tests.
package pgstoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/payoutkit/payout/pgstore"
)

// EnvURL is the environment variable that names the test database.
const EnvURL = "PAYOUT_TEST_DATABASE_URL"

// DB is one test's schema in the test database.
type DB struct {
	// URL is the connection string of the test database.
	URL string
	// Schema is the test's own schema, already migrated.
	Schema string

	t testing.TB
}

// New creates a schema for t, applies pgstore's migrations to it, and drops
// it (with everything in it) when t ends. It skips t when
// PAYOUT_TEST_DATABASE_URL is unset, or fails it under CI=true.
func New(t testing.TB) *DB {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgstoretest: %s is not set, and CI=true: the database tests must run (use scripts/testdb)", EnvURL)
		}
		t.Skipf("pgstoretest: %s is not set; run under scripts/testdb (make test) to run the database tests", EnvURL)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	db := &DB{URL: url, Schema: "pgstoretest_" + hex.EncodeToString(b[:]), t: t}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := db.Pool()
	if err := pgstore.Migrate(ctx, admin, db.Options()...); err != nil {
		t.Fatalf("pgstoretest: migrate %s: %v", db.Schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{db.Schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("pgstoretest: drop schema %s: %v", db.Schema, err)
		}
	})
	return db
}

// Options returns the pgstore Options that point at the test's schema;
// pass them to Migrate, NewStore, NewLimiter and the Ledger.
func (db *DB) Options() []pgstore.Option {
	return []pgstore.Option{pgstore.WithSchema(db.Schema)}
}

// Pool opens a new pool on the test database, closed when the test ends.
// Each call gives a separate pool, as separate processes would have.
func (db *DB) Pool() *pgxpool.Pool {
	return db.PoolConfig(nil)
}

// PoolConfig is Pool with a chance to change the pool's configuration
// (MaxConns, say) before it opens.
func (db *DB) PoolConfig(configure func(*pgxpool.Config)) *pgxpool.Pool {
	db.t.Helper()
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		db.t.Fatalf("pgstoretest: %s: %v", EnvURL, err)
	}
	if configure != nil {
		configure(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		db.t.Fatalf("pgstoretest: open pool: %v", err)
	}
	// Cleanups run last-registered first: the pools a test opens close
	// before New's schema drop, and New's own pool after it.
	db.t.Cleanup(pool.Close)
	return pool
}
