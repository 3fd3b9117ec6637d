package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/payoutkit/payout/webhook"
)

// Store is a webhook.Store in PostgreSQL, shared by every replica that
// uses the same table: a webhook redelivered to another replica, or
// delivered to several at once, is handed to the Handler's function once.
//
// Each event key is one row of "<prefix>webhook_events". Every expiry
// (leases and the ttl of done events) is computed by the database clock,
// so replicas whose clocks disagree still agree on who holds a claim.
// Claim is a single INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING
// statement, which takes an expired claim over and reads the state of a
// live one in the same step; it never inserts, then selects, which under
// READ COMMITTED can miss a row another transaction just committed. Every
// Claim of an existing key therefore writes a row version (HOT, thanks to
// the table's fill factor), also when it changes nothing.
//
// Rows whose expiry has passed are dead weight, never wrong answers; call
// Purge from time to time (an hourly job is plenty) to delete them.
//
// A Store is safe for concurrent use. An error (the database is
// unreachable) makes the Handler answer 503, so that the provider delivers
// the event again later: nothing is lost, nothing is processed twice.
type Store struct {
	pool  *pgxpool.Pool
	table string
}

var _ webhook.Store = (*Store)(nil)

// NewStore returns a Store on pool's database, in the tables Migrate
// created with the same opts.
func NewStore(pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: NewStore: nil pool")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, table: cfg.table("webhook_events")}, nil
}

// Claim implements webhook.Store. It acquires key when no row holds it,
// or when the row's claim or done entry has expired (a takeover: a new
// token); otherwise it reports the row's state. The database decides, with
// its own clock, in one statement.
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (webhook.Lease, webhook.ClaimResult, error) {
	if lease <= 0 {
		return webhook.Lease{}, 0, fmt.Errorf("pgstore: Claim: lease %v is not positive", lease)
	}
	token, err := newToken()
	if err != nil {
		return webhook.Lease{}, 0, err
	}
	// The lease runs from clock_timestamp(), the moment the row is
	// written, not now() (the statement's start): in a storm of
	// duplicates a Claim may wait for another's row lock, and that wait
	// must not eat into the lease it then acquires. Each path reads the
	// clock once (OFFSET 0 keeps the planner from copying the call), so
	// the expiry test and the new times agree: an insert reads it as it
	// inserts; an update reads it after the row lock is taken, in the
	// sub-SELECT that sets every column. The sub-SELECT reads the row as
	// it was (e); expired decides between taking the row over and leaving
	// it as it is. RETURNING reads the row as the statement left it, so
	// the answer is the current state even when another replica committed
	// it a moment ago.
	var acquired, done bool
	err = s.pool.QueryRow(ctx, `
		INSERT INTO `+s.table+` AS e (key, token, claimed_at, expires_at)
		SELECT $1, $2, c.t, c.t + $3 * interval '1 microsecond'
		FROM (SELECT clock_timestamp() AS t OFFSET 0) c
		ON CONFLICT (key) DO UPDATE SET (token, done, claimed_at, claims, expires_at) = (
			SELECT CASE WHEN x.expired THEN EXCLUDED.token ELSE e.token      END,
			       CASE WHEN x.expired THEN false          ELSE e.done       END,
			       CASE WHEN x.expired THEN x.t            ELSE e.claimed_at END,
			       CASE WHEN x.expired THEN e.claims + 1   ELSE e.claims     END,
			       CASE WHEN x.expired THEN x.t + $3 * interval '1 microsecond' ELSE e.expires_at END
			FROM (SELECT c.t, e.expires_at <= c.t AS expired
				FROM (SELECT clock_timestamp() AS t OFFSET 0) c) x)
		RETURNING e.token = $2, e.done`,
		key, token, lease.Microseconds()).Scan(&acquired, &done)
	switch {
	case err != nil:
		return webhook.Lease{}, 0, fmt.Errorf("pgstore: Claim: %w", err)
	case acquired:
		return webhook.Lease{Key: key, Token: token}, webhook.ClaimAcquired, nil
	case done:
		return webhook.Lease{}, webhook.ClaimDone, nil
	default:
		return webhook.Lease{}, webhook.ClaimInProgress, nil
	}
}

// Complete implements webhook.Store: it marks l.Key done for ttl, whoever
// holds the row now (l's claim, a successor's after a takeover, or an
// earlier Complete, whose ttl it renews), since l's event was processed.
// Only the zero Lease is refused.
func (s *Store) Complete(ctx context.Context, l webhook.Lease, ttl time.Duration) error {
	if l.Token == "" {
		return errZeroLease
	}
	if ttl <= 0 {
		return fmt.Errorf("pgstore: Complete: ttl %v is not positive", ttl)
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO `+s.table+` AS e (key, token, done, expires_at)
		VALUES ($1, '', true, now() + $2 * interval '1 microsecond')
		ON CONFLICT (key) DO UPDATE SET token = '', done = true, expires_at = EXCLUDED.expires_at`,
		l.Key, ttl.Microseconds())
	if err != nil {
		return fmt.Errorf("pgstore: Complete: %w", err)
	}
	return nil
}

// Release implements webhook.Store: it deletes l's claim only while l
// holds it, unexpired and not done. Otherwise nothing changes and the
// error matches webhook.ErrLeaseLost.
func (s *Store) Release(ctx context.Context, l webhook.Lease) error {
	if l.Token == "" {
		return errZeroLease
	}
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM `+s.table+`
		WHERE key = $1 AND token = $2 AND NOT done AND expires_at > now()`,
		l.Key, l.Token)
	if err != nil {
		return fmt.Errorf("pgstore: Release: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return webhook.ErrLeaseLost
	}
	return nil
}

// purgeBatch bounds the rows one DELETE of Purge removes, so that a large
// backlog is deleted in short transactions that never hold many locks.
const purgeBatch = 5000

// Purge deletes the rows whose expiry has passed (by the database clock),
// in batches, and returns how many it deleted. Expired rows already count
// as free, so Purge changes no answer of Claim; it only keeps the table
// small. It is safe beside live traffic and beside other Purges.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM `+s.table+` WHERE key IN (
				SELECT key FROM `+s.table+` WHERE expires_at <= now()
				LIMIT `+fmt.Sprint(purgeBatch)+` FOR UPDATE SKIP LOCKED)
			AND expires_at <= now()`)
		if err != nil {
			return total, fmt.Errorf("pgstore: Purge: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}

// errZeroLease is the error of Complete and Release given the zero Lease
// (Claim did not answer ClaimAcquired): it holds no claim.
var errZeroLease = fmt.Errorf("pgstore: %w: the zero Lease holds no claim", webhook.ErrLeaseLost)

// newToken returns a random owner token: 128 bits, so that no two
// acquisitions share one, in any number of processes.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("pgstore: no randomness for a lease token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
