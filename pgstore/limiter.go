package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/payoutkit/payout"
)

// Limiter is a payout.Limiter shared by every process that uses the same
// key on the same database: replicas that send to one provider account
// give it the account's limit once, and together stay under it.
//
// Each key is one row of "<prefix>rate_limits" holding the start of the
// next free slot and the end of the current pause. Wait books the next
// slot in one statement, by the database clock: slots are evenly spaced,
// one every per/n plus 2% (as payout.NewLimiter spaces them), across all
// processes, and none starts before a pause ends; the caller then sleeps
// until its slot. PauseUntil pushes the shared pause forward, so a 429 or
// an exhausted window seen by one replica holds back all of them.
//
// When the database cannot be reached (or does not answer within
// QueryTimeout) Wait fails closed: it returns an error matching
// ErrLimiterUnavailable, and the engine sends nothing and reports the
// request as never sent (payout.ErrNetwork, not ErrOutcomeUnknown). Going
// on without the shared pace would let every replica spend the whole
// limit; a payout that was not sent can be sent again later with the same
// Reference.
//
// Processes that give one key different paces each space their own
// bookings by their own interval; give every process the same n and per.
type Limiter struct {
	pool     *pgxpool.Pool
	table    string
	key      string
	interval time.Duration
}

var _ payout.Limiter = (*Limiter)(nil)

// ErrLimiterUnavailable is matched (errors.Is) by the errors of Limiter's
// Wait and PauseUntil when the database did not answer: the request must
// not be sent.
var ErrLimiterUnavailable = errors.New("pgstore: rate limiter unavailable")

// QueryTimeout bounds each of the Limiter's statements, so that a database
// that hangs fails a Wait instead of holding it for as long as the
// caller's context allows.
const QueryTimeout = 5 * time.Second

// MaxLimiterPause bounds a pause by the database clock, whatever
// PauseUntil is given, so that one replica with a wrong clock cannot stop
// every replica for long.
const MaxLimiterPause = 10 * time.Minute

// slack matches payout.NewLimiter's: it spaces requests by per/n plus 2%.
const slack = 50

// NewLimiter returns a Limiter that paces key (one provider account:
// "palpluss:" plus the account's id, say) to at most n requests per window
// per across every process using key, in the tables Migrate created with
// the same opts. n == 0 paces nothing but keeps shared pauses.
func NewLimiter(pool *pgxpool.Pool, key string, n int, per time.Duration, opts ...Option) (*Limiter, error) {
	switch {
	case pool == nil:
		return nil, errors.New("pgstore: NewLimiter: nil pool")
	case key == "":
		return nil, errors.New("pgstore: NewLimiter: empty key")
	case n < 0 || per < 0 || (n > 0 && per == 0):
		return nil, fmt.Errorf("pgstore: NewLimiter: need n >= 0 and per > 0, got %d, %v", n, per)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	l := &Limiter{pool: pool, table: cfg.table("rate_limits"), key: key}
	if n > 0 {
		// Slots are booked in microseconds: a pace finer than that is one
		// slot a microsecond, never unpaced.
		l.interval = max((per+per/slack)/time.Duration(n), time.Microsecond)
	}
	return l, nil
}

// Wait implements payout.Limiter: it books the key's next slot (no earlier
// than now and than the end of the pause, by the database clock), then
// sleeps until it starts, or until ctx ends. A caller that slept checks
// once more that no pause began meanwhile (another replica got a 429);
// if one did, it books again, behind the pause.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		wait, err := l.book(ctx)
		if err != nil {
			return err
		}
		if wait <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		paused, err := l.pausedNow(ctx)
		if err != nil || !paused {
			return err
		}
	}
}

// book reserves the key's next slot and returns how long until it starts.
func (l *Limiter) book(ctx context.Context) (time.Duration, error) {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	// The slot is the latest of the next free slot, the end of the pause
	// and the database's clock; the row then points one interval past it.
	// The clock is clock_timestamp(), read once the row is locked, not
	// now(), the statement's start, which waiting for the row's lock
	// behind other replicas would have pushed into the past.
	var waitMicros int64
	err := l.pool.QueryRow(qctx, `
		INSERT INTO `+l.table+` AS r (key, next_at) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
		ON CONFLICT (key) DO UPDATE SET
			next_at    = greatest(r.next_at, r.paused_until, clock_timestamp()) + $2 * interval '1 microsecond',
			updated_at = now()
		RETURNING floor(extract(epoch FROM (r.next_at - $2 * interval '1 microsecond' - clock_timestamp())) * 1000000)::bigint`,
		l.key, l.interval.Microseconds()).Scan(&waitMicros)
	if err != nil {
		return 0, l.unavailable(ctx, err)
	}
	return time.Duration(waitMicros) * time.Microsecond, nil
}

// pausedNow reports whether the key's pause holds at this instant, by the
// database clock.
func (l *Limiter) pausedNow(ctx context.Context) (bool, error) {
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	var paused bool
	err := l.pool.QueryRow(qctx, `SELECT paused_until > clock_timestamp() FROM `+l.table+` WHERE key = $1`, l.key).Scan(&paused)
	if err != nil {
		return false, l.unavailable(ctx, err)
	}
	return paused, nil
}

// unavailable is the error of a statement that failed: the context's own
// error when it ended, ErrLimiterUnavailable otherwise.
func (l *Limiter) unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: %q: %w", ErrLimiterUnavailable, l.key, err)
}

// PauseUntil implements payout.Limiter: no process using the key starts a
// request before t. t is read against this process's clock and stored as
// the database's now() plus the time left until t, at most
// MaxLimiterPause, so replicas whose clocks disagree pause for the same
// span. A pause that ends earlier than the current one changes nothing.
func (l *Limiter) PauseUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	d = min(d, MaxLimiterPause)
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	_, err := l.pool.Exec(qctx, `
		INSERT INTO `+l.table+` AS r (key, paused_until) VALUES ($1, now() + $2 * interval '1 microsecond')
		ON CONFLICT (key) DO UPDATE SET
			paused_until = greatest(r.paused_until, EXCLUDED.paused_until),
			updated_at   = now()`,
		l.key, d.Microseconds())
	if err != nil {
		return l.unavailable(ctx, err)
	}
	return nil
}
