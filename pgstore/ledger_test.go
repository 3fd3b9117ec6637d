package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
)

func newLedger(t *testing.T) (*pgstore.Ledger, *pgstoretest.DB, *pgxpool.Pool) {
	t.Helper()
	db := pgstoretest.New(t)
	pool := db.Pool()
	l, err := pgstore.NewLedger(pool, db.Options()...)
	require.NoError(t, err)
	return l, db, pool
}

func intent(ref string) pgstore.Intent {
	return pgstore.Intent{Reference: ref, Provider: "palpluss", Amount: money.New(150000, money.KES),
		Phone: "0712345678", BatchID: "run-1"}
}

func report(ref, id string, st payout.Status) *payout.Payout {
	return &payout.Payout{ID: id, Reference: ref, Provider: "palpluss", Status: st, ProviderStatus: string(st),
		Amount: money.New(150000, money.KES), Phone: "254712345678"}
}

func TestLedgerIntendIsIdempotentAndRefusesAnotherPayout(t *testing.T) {
	l, _, _ := newLedger(t)
	ctx := context.Background()

	e, created, err := l.Intend(ctx, intent("ref-1"))
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, pgstore.StatusIntent, e.Status)
	assert.Equal(t, "254712345678", e.Phone, "the ledger keeps international digits")
	assert.Equal(t, money.New(150000, money.KES), e.Amount)

	again := intent("ref-1")
	again.Phone = "+254 712 345 678" // the same number, spelled otherwise
	e2, created, err := l.Intend(ctx, again)
	require.NoError(t, err, "re-intending the same payout is a no-op")
	assert.False(t, created)
	assert.Equal(t, e.CreatedAt, e2.CreatedAt)

	for name, change := range map[string]func(*pgstore.Intent){
		"amount":   func(in *pgstore.Intent) { in.Amount = money.New(150100, money.KES) },
		"phone":    func(in *pgstore.Intent) { in.Phone = "0712345679" },
		"provider": func(in *pgstore.Intent) { in.Provider = "payos" },
	} {
		other := intent("ref-1")
		change(&other)
		_, created, err := l.Intend(ctx, other)
		assert.ErrorIs(t, err, payout.ErrDuplicateReference, name)
		assert.ErrorContains(t, err, name, "the error says what differs")
		assert.False(t, created, name)
	}
	got, err := l.Get(ctx, "ref-1")
	require.NoError(t, err)
	assert.Equal(t, e.Amount, got.Amount, "a refused re-intent changes nothing")
	assert.Equal(t, "palpluss", got.Provider)

	for field, in := range map[string]pgstore.Intent{
		"reference":       {Provider: "palpluss", Amount: money.New(1000, money.KES), Phone: "0712345678"},
		"provider":        {Reference: "r", Amount: money.New(1000, money.KES), Phone: "0712345678"},
		"amount":          {Reference: "r", Provider: "palpluss", Amount: money.New(0, money.KES), Phone: "0712345678"},
		"recipient.phone": {Reference: "r", Provider: "palpluss", Amount: money.New(1000, money.KES), Phone: "12"},
	} {
		_, _, err := l.Intend(ctx, in)
		var pe *payout.Error
		require.ErrorAs(t, err, &pe, field)
		assert.Equal(t, field, pe.Field)
	}
	_, err = l.Get(ctx, "missing")
	assert.ErrorIs(t, err, payout.ErrNotFound)
}

func TestLedgerIntentInCallerTransaction(t *testing.T) {
	l, _, pool := newLedger(t)
	ctx := context.Background()

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, _, err = l.With(tx).Intend(ctx, intent("rolled-back"))
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	_, err = l.Get(ctx, "rolled-back")
	assert.ErrorIs(t, err, payout.ErrNotFound, "a rolled-back intent never existed")

	tx, err = pool.Begin(ctx)
	require.NoError(t, err)
	_, _, err = l.With(tx).Intend(ctx, intent("committed"))
	require.NoError(t, err)
	_, err = l.Get(ctx, "committed")
	assert.ErrorIs(t, err, payout.ErrNotFound, "invisible outside the transaction until commit")
	require.NoError(t, tx.Commit(ctx))
	_, err = l.Get(ctx, "committed")
	assert.NoError(t, err)
}

func TestLedgerStatusOnlyMovesForward(t *testing.T) {
	l, _, _ := newLedger(t)
	ctx := context.Background()
	apply := func(ref string, st payout.Status) pgstore.Applied {
		t.Helper()
		a, err := l.Apply(ctx, report(ref, "tx-"+ref, st), time.Minute)
		require.NoError(t, err)
		return a
	}
	_, _, err := l.Intend(ctx, intent("a"))
	require.NoError(t, err)

	a := apply("a", payout.StatusPending)
	assert.Equal(t, pgstore.StatusIntent, a.Previous)
	assert.Equal(t, pgstore.StatusPending, a.Entry.Status)
	assert.Equal(t, "tx-a", a.Entry.ProviderID)
	assert.False(t, a.Entry.AcceptedAt.IsZero())
	assert.False(t, a.Entry.NextCheckAt.IsZero(), "a pending payout is due for a check")

	a = apply("a", payout.StatusSucceeded)
	assert.True(t, a.Changed())
	assert.True(t, a.Entry.NextCheckAt.IsZero(), "a final payout needs no check")
	assert.False(t, a.Entry.FinalAt.IsZero())

	for _, late := range []payout.Status{payout.StatusPending, payout.StatusProcessing} {
		a = apply("a", late)
		assert.Equal(t, pgstore.StatusSucceeded, a.Entry.Status, "a late %s never overwrites SUCCEEDED", late)
		assert.False(t, a.Changed())
		assert.False(t, a.Entry.NeedsAttention, "a late report is normal")
	}
	a = apply("a", payout.StatusFailed)
	assert.Equal(t, pgstore.StatusSucceeded, a.Entry.Status, "one final status never replaces another")
	assert.True(t, a.Entry.NeedsAttention, "a contradiction is flagged")
	assert.Contains(t, a.Entry.AttentionReason, "failed")

	_, _, err = l.Intend(ctx, intent("b"))
	require.NoError(t, err)
	apply("b", payout.StatusFailed)
	a = apply("b", payout.StatusReversed)
	assert.Equal(t, pgstore.StatusReversed, a.Entry.Status, "REVERSED follows FAILED")
	a = apply("b", payout.StatusFailed)
	assert.Equal(t, pgstore.StatusReversed, a.Entry.Status)
	assert.False(t, a.Entry.NeedsAttention, "the late FAILED of a reversal is normal")

	_, _, err = l.Intend(ctx, intent("c"))
	require.NoError(t, err)
	apply("c", payout.StatusCancelled)
	a = apply("c", payout.StatusReversed)
	assert.Equal(t, pgstore.StatusCancelled, a.Entry.Status, "nothing to reverse after CANCELLED")

	_, err = l.Apply(ctx, &payout.Payout{ID: "x", Reference: "a", Provider: "palpluss", Status: "intent"}, -1)
	assert.ErrorIs(t, err, payout.ErrInvalidRequest, "only provider statuses are applied")
}

func TestLedgerRecordSend(t *testing.T) {
	l, _, _ := newLedger(t)
	ctx := context.Background()
	for _, ref := range []string{"u", "r", "w"} {
		_, _, err := l.Intend(ctx, intent(ref))
		require.NoError(t, err)
	}
	unknown := &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: "palpluss", Message: "connection reset"}
	refused := &payout.Error{Code: payout.CodeInsufficientFunds, Provider: "palpluss", Message: "wallet too low"}

	a, err := l.RecordSend(ctx, "u", nil, unknown, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusUnknown, a.Entry.Status)
	assert.Equal(t, 1, a.Entry.Attempts)
	assert.Equal(t, "outcome_unknown", a.Entry.LastErrorCode)
	assert.False(t, a.Entry.NextCheckAt.IsZero(), "an unknown outcome is due for a look-up")

	a, err = l.RecordSend(ctx, "u", nil, context.DeadlineExceeded, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusUnknown, a.Entry.Status, "an error that is not a payout.Error may have been served")

	a, err = l.RecordSend(ctx, "u", report("u", "tx-u", payout.StatusPending), nil, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusPending, a.Entry.Status, "the resend of an unknown outcome learns it")
	assert.Equal(t, 3, a.Entry.Attempts)
	assert.Empty(t, a.Entry.LastErrorCode, "a success clears the last error")

	a, err = l.RecordSend(ctx, "u", nil, refused, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusPending, a.Entry.Status, "a refusal never undoes an acceptance")

	a, err = l.RecordSend(ctx, "r", nil, unknown, time.Minute)
	require.NoError(t, err)
	a, err = l.RecordSend(ctx, "r", nil, refused, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusRefused, a.Entry.Status)
	assert.True(t, a.Entry.Status.Final())
	assert.False(t, a.Entry.Status.Accepted())
	assert.Equal(t, "insufficient_funds", a.Entry.LastErrorCode)
	assert.True(t, a.Entry.NextCheckAt.IsZero())

	// The webhook wins the race against the Send's own answer.
	_, err = l.Apply(ctx, report("w", "tx-w", payout.StatusSucceeded), -1)
	require.NoError(t, err)
	a, err = l.RecordSend(ctx, "w", report("w", "tx-w", payout.StatusPending), nil, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusSucceeded, a.Entry.Status, "a late PENDING from Send never overwrites SUCCEEDED")
	assert.True(t, a.Entry.NextCheckAt.IsZero(), "and schedules no check")
	assert.Equal(t, 1, a.Entry.Attempts)

	_, err = l.RecordSend(ctx, "w", report("other", "tx-w", payout.StatusPending), nil, time.Minute)
	assert.ErrorIs(t, err, payout.ErrConflict, "an answer about another Reference is refused")
	_, err = l.RecordSend(ctx, "missing", nil, unknown, time.Minute)
	assert.ErrorIs(t, err, payout.ErrNotFound)
}

func TestLedgerApplyRefusesReportsAboutAnotherPayout(t *testing.T) {
	l, _, _ := newLedger(t)
	ctx := context.Background()
	for _, ref := range []string{"a", "b"} {
		_, _, err := l.Intend(ctx, intent(ref))
		require.NoError(t, err)
	}
	_, err := l.Apply(ctx, report("a", "tx-1", payout.StatusPending), -1)
	require.NoError(t, err)

	_, err = l.Apply(ctx, report("b", "tx-1", payout.StatusPending), -1)
	assert.ErrorIs(t, err, payout.ErrConflict, "tx-1 already belongs to a")
	_, err = l.Apply(ctx, report("a", "tx-2", payout.StatusSucceeded), -1)
	assert.ErrorIs(t, err, payout.ErrConflict, "a's id is never replaced")
	assert.ErrorContains(t, err, "tx-2")

	wrongAmount := report("a", "tx-1", payout.StatusSucceeded)
	wrongAmount.Amount = money.New(999900, money.KES)
	_, err = l.Apply(ctx, wrongAmount, -1)
	assert.ErrorIs(t, err, payout.ErrConflict)
	assert.ErrorContains(t, err, "amount")

	wrongPhone := report("a", "tx-1", payout.StatusSucceeded)
	wrongPhone.Phone = "254799999999"
	_, err = l.Apply(ctx, wrongPhone, -1)
	assert.ErrorIs(t, err, payout.ErrConflict)

	otherProvider := report("a", "tx-1", payout.StatusSucceeded)
	otherProvider.Provider = "payos"
	_, err = l.Apply(ctx, otherProvider, -1)
	assert.ErrorIs(t, err, payout.ErrConflict)

	got, err := l.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusPending, got.Status, "no refused report changed the entry")
	assert.Equal(t, "tx-1", got.ProviderID)
	b, err := l.Get(ctx, "b")
	require.NoError(t, err)
	assert.Empty(t, b.ProviderID)

	// A report without a Reference is found by its provider id.
	byID := report("", "tx-1", payout.StatusSucceeded)
	a, err := l.Apply(ctx, byID, -1)
	require.NoError(t, err)
	assert.Equal(t, "a", a.Entry.Reference)
	assert.Equal(t, pgstore.StatusSucceeded, a.Entry.Status)

	_, err = l.Apply(ctx, report("", "tx-unknown", payout.StatusSucceeded), -1)
	assert.ErrorIs(t, err, payout.ErrNotFound)
	_, err = l.Apply(ctx, report("nobody", "tx-9", payout.StatusSucceeded), -1)
	assert.ErrorIs(t, err, payout.ErrNotFound)
	_, err = l.Apply(ctx, report("b", "", payout.StatusSucceeded), -1)
	assert.ErrorIs(t, err, payout.ErrInvalidRequest, "a report without an id cannot be tied to a payout")
}

func TestLedgerDueCheckedAndCounts(t *testing.T) {
	l, _, _ := newLedger(t)
	ctx := context.Background()
	for i := range 6 {
		_, _, err := l.Intend(ctx, intent(fmt.Sprintf("d%d", i)))
		require.NoError(t, err)
	}
	other := intent("elsewhere")
	other.BatchID = "run-2"
	_, _, err := l.Intend(ctx, other)
	require.NoError(t, err)

	_, err = l.RecordSend(ctx, "d0", report("d0", "t0", payout.StatusPending), nil, 0) // due now
	require.NoError(t, err)
	_, err = l.RecordSend(ctx, "d1", report("d1", "t1", payout.StatusPending), nil, time.Hour) // not yet
	require.NoError(t, err)
	_, err = l.RecordSend(ctx, "d2", nil, &payout.Error{Code: payout.CodeNetwork}, 0) // unknown, due now
	require.NoError(t, err)
	_, err = l.Apply(ctx, report("d3", "t3", payout.StatusSucceeded), 0)
	require.NoError(t, err)
	_, err = l.RecordSend(ctx, "d4", nil, payout.InvalidField("amount", "too small"), 0)
	require.NoError(t, err)

	due, err := l.Due(ctx, 10)
	require.NoError(t, err)
	var refs []string
	for _, e := range due {
		refs = append(refs, e.Reference)
	}
	assert.ElementsMatch(t, []string{"d0", "d2"}, refs, "due: accepted or unknown, not final, check time passed")

	e, err := l.Checked(ctx, "d0", time.Hour, time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, 1, e.Checks)
	assert.True(t, e.NextCheckAt.After(time.Now().Add(30*time.Minute)))
	assert.True(t, e.NeedsAttention, "older than the allowed age and not final")
	e, err = l.Checked(ctx, "d1", time.Hour, 24*time.Hour)
	require.NoError(t, err)
	assert.False(t, e.NeedsAttention)
	require.NoError(t, l.Flag(ctx, "d5", "operator asked"))
	assert.ErrorIs(t, l.Flag(ctx, "missing", "x"), payout.ErrNotFound)

	due, err = l.Due(ctx, 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, "d2", due[0].Reference)

	c, err := l.Counts(ctx, "run-1")
	require.NoError(t, err)
	assert.Equal(t, 6, c.Total)
	assert.Equal(t, 1, c.Intent)    // d5
	assert.Equal(t, 1, c.Unknown)   // d2
	assert.Equal(t, 2, c.Accepted)  // d0, d1
	assert.Equal(t, 1, c.Succeeded) // d3
	assert.Equal(t, 1, c.Refused)   // d4
	assert.Equal(t, 0, c.Failed)
	assert.Equal(t, 2, c.NeedsAttention) // d0, d5
	assert.False(t, c.Done())
	c2, err := l.Counts(ctx, "run-2")
	require.NoError(t, err)
	assert.Equal(t, 1, c2.Total)
}

// TestLedgerConcurrentWritersConverge races, for the same References, 8
// writers with a pool each (as 8 replicas would have): Send results (some
// of them unknown outcomes), webhooks and polls, every one of them
// reporting every stage of each payout's life in a random order. Every
// Reference ends with one row at its last stage, no reader ever sees a
// row move back, and every Send result is counted.
func TestLedgerConcurrentWritersConverge(t *testing.T) {
	l, db, _ := newLedger(t)
	ctx := context.Background()
	const refs, writers = 150, 8
	type life struct {
		ref, id string
		stages  []payout.Status
	}
	lives := make([]life, refs)
	for i := range lives {
		stages := []payout.Status{payout.StatusPending, payout.StatusProcessing, payout.StatusSucceeded}
		switch i % 3 {
		case 1:
			stages = []payout.Status{payout.StatusPending, payout.StatusProcessing, payout.StatusFailed, payout.StatusReversed}
		case 2:
			stages = []payout.Status{payout.StatusPending, payout.StatusCancelled}
		}
		lives[i] = life{ref: fmt.Sprintf("race-%03d", i), id: fmt.Sprintf("tx-%03d", i), stages: stages}
		_, _, err := l.Intend(ctx, intent(lives[i].ref))
		require.NoError(t, err)
	}

	var sends atomic.Int64
	stop := make(chan struct{})
	var watch sync.WaitGroup
	var regressions atomic.Int64
	watch.Add(1)
	go func() { // a reader that must never see a row go back
		defer watch.Done()
		pool := db.Pool()
		rl, err := pgstore.NewLedger(pool, db.Options()...)
		if err != nil {
			t.Error(err)
			return
		}
		seen := map[string]int{}
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, lf := range lives[:20] {
				e, err := rl.Get(ctx, lf.ref)
				if err != nil {
					t.Error(err)
					return
				}
				r := rankOf(e.Status)
				if r < seen[lf.ref] {
					regressions.Add(1)
				}
				seen[lf.ref] = max(seen[lf.ref], r)
			}
		}
	}()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool := db.PoolConfig(func(c *pgxpool.Config) { c.MaxConns = 2 })
			wl, err := pgstore.NewLedger(pool, db.Options()...)
			if err != nil {
				t.Error(err)
				return
			}
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			order := rng.Perm(refs)
			// A report naming only the provider id cannot be tied to an
			// entry before some write recorded that id: it is refused as
			// not found, and redelivered (here: at the end).
			var redeliver []*payout.Payout
			for _, i := range order {
				lf := lives[i]
				ops := rng.Perm(len(lf.stages) + 2)
				for _, op := range ops {
					var err error
					switch {
					case op == len(lf.stages): // the Send's answer
						sends.Add(1)
						_, err = wl.RecordSend(ctx, lf.ref, report(lf.ref, lf.id, payout.StatusPending), nil, time.Minute)
					case op == len(lf.stages)+1: // a Send whose outcome was lost
						sends.Add(1)
						_, err = wl.RecordSend(ctx, lf.ref, nil, &payout.Error{Code: payout.CodeOutcomeUnknown}, time.Minute)
					default: // a webhook or a poll reporting one stage
						p := report(lf.ref, lf.id, lf.stages[op])
						if rng.IntN(2) == 0 {
							p.Reference = "" // webhooks of some providers name only the id
						}
						_, err = wl.Apply(ctx, p, time.Minute)
						if p.Reference == "" && errors.Is(err, payout.ErrNotFound) {
							redeliver, err = append(redeliver, p), nil
						}
					}
					if err != nil {
						t.Errorf("%s: %v", lf.ref, err)
						return
					}
				}
			}
			for _, p := range redeliver {
				if _, err := wl.Apply(ctx, p, time.Minute); err != nil {
					t.Errorf("redelivery for %s: %v", p.ID, err)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	watch.Wait()

	assert.Zero(t, regressions.Load(), "a reader saw a status go back")
	var rows, attempts int
	require.NoError(t, db.Pool().QueryRow(ctx, `SELECT count(*), coalesce(sum(attempts), 0) FROM `+
		db.Schema+`.payout_ledger`).Scan(&rows, &attempts))
	assert.Equal(t, refs, rows, "one row per Reference")
	assert.Equal(t, int(sends.Load()), attempts, "every Send result was counted")
	for _, lf := range lives {
		e, err := l.Get(ctx, lf.ref)
		require.NoError(t, err)
		want := pgstore.Status(lf.stages[len(lf.stages)-1])
		assert.Equal(t, want, e.Status, lf.ref)
		assert.Equal(t, lf.id, e.ProviderID, lf.ref)
		assert.False(t, e.NeedsAttention, "%s: %s", lf.ref, e.AttentionReason)
		assert.True(t, e.NextCheckAt.IsZero(), lf.ref)
	}
}

func rankOf(s pgstore.Status) int {
	order := []pgstore.Status{pgstore.StatusIntent, pgstore.StatusUnknown, pgstore.StatusPending, pgstore.StatusProcessing}
	for i, o := range order {
		if s == o {
			return i
		}
	}
	if s == pgstore.StatusReversed {
		return 5
	}
	if s.Final() {
		return 4
	}
	panic(errors.New("unknown status " + string(s)))
}

// TestLedgerRefusalAfterAPossiblyServedAttemptIsNoRefusal: credentials
// revoked (401), an account suspended (403) or a conflict after an
// attempt that may have created the payout prove nothing about it: the
// entry stays unknown and is flagged, never "refused" (which would invite
// a resend under a new Reference: a second payment). On the first Send
// ever started they are refusals; business refusals always are.
func TestLedgerRefusalAfterAPossiblyServedAttemptIsNoRefusal(t *testing.T) {
	l, _, _ := newLedger(t)
	ctx := context.Background()
	unknown := &payout.Error{Code: payout.CodeOutcomeUnknown}
	revoked := &payout.Error{Code: payout.CodeUnauthorized, Provider: "palpluss", Message: "invalid API key"}
	for _, ref := range []string{"after-unknown", "after-crash", "first", "business", "dup"} {
		_, _, err := l.Intend(ctx, intent(ref))
		require.NoError(t, err)
	}

	_, err := l.StartSend(ctx, "after-unknown")
	require.NoError(t, err)
	_, err = l.RecordSend(ctx, "after-unknown", nil, unknown, time.Minute)
	require.NoError(t, err)
	_, err = l.StartSend(ctx, "after-unknown")
	require.NoError(t, err)
	a, err := l.RecordSend(ctx, "after-unknown", nil, revoked, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusUnknown, a.Entry.Status, "a 401 after an unknown outcome settles nothing")
	assert.True(t, a.Entry.NeedsAttention)
	assert.Contains(t, a.Entry.AttentionReason, "unauthorized")
	assert.False(t, a.Entry.NextCheckAt.IsZero(), "still due for a look-up")

	// A process died during the first Send: no result was recorded.
	_, err = l.StartSend(ctx, "after-crash")
	require.NoError(t, err)
	e, err := l.StartSend(ctx, "after-crash")
	require.NoError(t, err)
	assert.Equal(t, 2, e.Sends)
	assert.Equal(t, 0, e.Attempts)
	a, err = l.RecordSend(ctx, "after-crash", nil, &payout.Error{Code: payout.CodeForbidden}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusUnknown, a.Entry.Status, "the Send that died may have created it")
	assert.True(t, a.Entry.NeedsAttention)

	_, err = l.StartSend(ctx, "first")
	require.NoError(t, err)
	a, err = l.RecordSend(ctx, "first", nil, revoked, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusRefused, a.Entry.Status, "on the first Send a 401 is a refusal")
	assert.False(t, a.Entry.NeedsAttention)

	_, err = l.RecordSend(ctx, "business", nil, unknown, time.Minute)
	require.NoError(t, err)
	a, err = l.RecordSend(ctx, "business", nil, payout.InvalidField("amount", "whole shillings only"), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusRefused, a.Entry.Status, "a validation refusal settles it: the resend would have replayed a success")

	a, err = l.RecordSend(ctx, "dup", nil, &payout.Error{Code: payout.CodeDuplicateReference}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusUnknown, a.Entry.Status, "the provider holds a payout under this Reference")
	assert.True(t, a.Entry.NeedsAttention)

	// StartSend never counts a Send of an answered payout.
	_, err = l.Apply(ctx, report("first-ok", "tx", payout.StatusPending), -1)
	assert.ErrorIs(t, err, payout.ErrNotFound)
	_, _, err = l.Intend(ctx, intent("answered"))
	require.NoError(t, err)
	_, err = l.RecordSend(ctx, "answered", report("answered", "tx-answered", payout.StatusPending), nil, time.Minute)
	require.NoError(t, err)
	e, err = l.StartSend(ctx, "answered")
	require.NoError(t, err)
	assert.Equal(t, 0, e.Sends)
	assert.Equal(t, pgstore.StatusPending, e.Status)
}
