package payoutriver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payoutriver"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/pgstore"
)

// tally compares the ledger with the Sandbox's own records.
type tally struct {
	entries, notFinal, paidTwice, mismatches   int
	succeeded, unpaid, refused, reversalUnseen int
	unexpected                                 int
	notes                                      []string
}

func (e *env) verify(batch string, n int) tally {
	e.t.Helper()
	ctx := context.Background()
	l := e.receiver.Ledger()
	var t tally
	note := func(format string, args ...any) {
		if len(t.notes) < 10 {
			t.notes = append(t.notes, fmt.Sprintf(format, args...))
		}
	}
	for i := range n {
		req, provider := request(i, batch)
		ent, err := l.Get(ctx, req.Reference)
		require.NoError(e.t, err)
		t.entries++
		created := e.sb.CreatedCount(provider, req.Reference)
		if created > 1 {
			t.paidTwice++
			note("%s created %d times", req.Reference, created)
		}
		if !ent.Status.Final() {
			t.notFinal++
			note("%s not final: %s", req.Reference, ent.Status)
			continue
		}
		want := expected(req)
		got := ent.Status
		if ent.Status == pgstore.StatusRefused {
			t.refused++
			if created != 0 {
				t.mismatches++
				note("%s refused in the ledger, created at the provider", req.Reference)
			}
		} else {
			sp, ok := e.sb.Payout(provider, ent.ProviderID)
			switch {
			case !ok:
				t.mismatches++
				note("%s: the provider has no payout %q", req.Reference, ent.ProviderID)
			case sp.Reference != req.Reference || sp.Amount != ent.Amount:
				t.mismatches++
				note("%s: the provider's payout %s is %s for %s", req.Reference, sp.ID, sp.Reference, sp.Amount)
			case pgstore.Status(sp.Status) == ent.Status:
			case sp.Status == payout.StatusReversed && ent.Status == pgstore.StatusFailed:
				// The REVERSED webhook was dropped and checks end at FAILED.
				t.reversalUnseen++
				got = pgstore.StatusReversed
			default:
				t.mismatches++
				note("%s: ledger %s, provider %s", req.Reference, ent.Status, sp.Status)
			}
			if ent.Status == pgstore.StatusSucceeded {
				t.succeeded++
			} else {
				t.unpaid++
			}
		}
		if got != want && !(want == pgstore.StatusFailed && got == pgstore.StatusReversed) {
			t.unexpected++
			note("%s: %s, expected %s", req.Reference, got, want)
		}
	}
	return t
}

// expected is how request's payout must end (see request).
func expected(req payout.Request) pgstore.Status {
	switch {
	case req.Amount.Minor == payouttest.SandboxInsufficientFundsKES*100:
		return pgstore.StatusRefused
	case req.Recipient.Phone == payouttest.SandboxPhoneInvalidAccount:
		return pgstore.StatusFailed
	case req.Recipient.Phone == payouttest.SandboxPhoneCancelled:
		return pgstore.StatusCancelled
	case req.Recipient.Phone == payouttest.SandboxPhoneExpired:
		return pgstore.StatusExpired
	}
	return pgstore.StatusSucceeded
}

func (t tally) assertClean(tb testing.TB, n int) {
	tb.Helper()
	assert.Equal(tb, n, t.entries)
	assert.Zero(tb, t.notFinal, "every payout final in the ledger: %v", t.notes)
	assert.Zero(tb, t.paidTwice, "0 paid twice: %v", t.notes)
	assert.Zero(tb, t.mismatches, "0 mismatches with the Sandbox: %v", t.notes)
	assert.Zero(tb, t.unexpected, "every payout ends as its recipient says: %v", t.notes)
}

// jobRow is what a test reads of a job.
type jobRow struct {
	state   string
	attempt int
	errors  string
	args    string
}

func (e *env) jobs(kind, reference string) []jobRow {
	e.t.Helper()
	rows, err := e.admin.Query(context.Background(), `SELECT state::text, attempt,
		coalesce(array_to_string(errors, ' '), ''), args::text FROM `+pgx.Identifier{e.db.Schema, "river_job"}.Sanitize()+
		` WHERE kind = $1 AND args->>'reference' = $2 ORDER BY id`, kind, reference)
	require.NoError(e.t, err)
	defer rows.Close()
	var out []jobRow
	for rows.Next() {
		var j jobRow
		require.NoError(e.t, rows.Scan(&j.state, &j.attempt, &j.errors, &j.args))
		out = append(out, j)
	}
	require.NoError(e.t, rows.Err())
	return out
}

// lockedBuffer is a log sink safe for the workers' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// finishedJobs is jobs once none of them is running: River records a
// job's end shortly after the worker returns, and the ledger (written
// before that) may say the payout is final first.
func (e *env) finishedJobs(kind, reference string) []jobRow {
	e.t.Helper()
	var jobs []jobRow
	require.Eventually(e.t, func() bool {
		jobs = e.jobs(kind, reference)
		for _, j := range jobs {
			if j.state == "running" {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond)
	return jobs
}

func TestBatchEndsEveryPayoutOnceWithHalfTheWebhooksLost(t *testing.T) {
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := newEnv(t, envOptions{settle: 100 * time.Millisecond, dropWebhooks: halfByBody,
		config: func(c *payoutriver.Config) { c.Logger = logger }})
	svc, pool := e.insertOnly()
	const n = 84
	e.enqueue(svc, pool, "small", n, 20)
	e.startReplica(8)
	e.startReplica(8)
	e.waitDone(svc, "small", 90*time.Second, nil)

	res := e.verify("small", n)
	res.assertClean(t, n)
	c, err := svc.Progress(context.Background(), "small")
	require.NoError(t, err)
	assert.Equal(t, n, c.Total)
	assert.Equal(t, res.succeeded, c.Succeeded)
	assert.Equal(t, res.refused, c.Refused)
	assert.Equal(t, 1, c.Refused, "one payout of this batch is refused for insufficient funds")
	assert.Positive(t, e.dropped.Load(), "webhooks were dropped")
	assert.Positive(t, e.hooksIn.Load(), "webhooks were applied")

	// Every line of this package carries the Reference, and no phone.
	lines := 0
	for _, ln := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(ln), &rec), ln)
		msg, _ := rec["msg"].(string)
		if !strings.HasPrefix(msg, "payout ") || msg == "payout sweep" {
			continue // River's own lines
		}
		lines++
		assert.NotEmpty(t, rec["reference"], "line without a Reference: %s", ln)
		assert.NotRegexp(t, `\b(?:07\d{8}|2547\d{8})\b`, ln, "a phone number in the logs")
	}
	assert.Greater(t, lines, 2*n, "at least an enqueue and an outcome line per payout")

	// The refused payout's job was cancelled after one attempt, not retried.
	for i := range n {
		req, _ := request(i, "small")
		if expected(req) != pgstore.StatusRefused {
			continue
		}
		jobs := e.finishedJobs(payoutriver.KindSend, req.Reference)
		require.Len(t, jobs, 1)
		assert.Equal(t, "cancelled", jobs[0].state)
		assert.Equal(t, 1, jobs[0].attempt)
		assert.Contains(t, jobs[0].errors, "insufficient")
	}
}

func TestRolledBackEnqueueNeverSends(t *testing.T) {
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond})
	svc, pool := e.insertOnly()
	ctx := context.Background()

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	gone, provider := request(0, "rollback")
	_, err = svc.EnqueueTx(ctx, tx, gone, payoutriver.EnqueueOptions{Provider: provider, BatchID: "rollback"})
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))

	e.enqueue(svc, pool, "marker", 1, 1) // a committed payout, to know the workers ran
	e.startReplica(4)
	e.waitDone(svc, "marker", 30*time.Second, nil)
	time.Sleep(300 * time.Millisecond) // room for a stray job to run, if there were one

	_, err = svc.Ledger().Get(ctx, gone.Reference)
	assert.ErrorIs(t, err, payout.ErrNotFound, "no ledger intent")
	assert.Empty(t, e.jobs(payoutriver.KindSend, gone.Reference), "no send job")
	assert.Zero(t, e.sb.CreatedCount(provider, gone.Reference), "never sent")
	marker, mp := request(0, "marker")
	assert.Equal(t, 1, e.sb.CreatedCount(mp, marker.Reference))
}

func TestEnqueueIsIdempotentAndRefusesReuse(t *testing.T) {
	e := newEnv(t, envOptions{})
	svc, pool := e.insertOnly()
	ctx := context.Background()
	req, provider := request(2, "idem")
	opts := payoutriver.EnqueueOptions{Provider: provider, BatchID: "idem"}
	enqueue := func(r payout.Request, o payoutriver.EnqueueOptions) (payoutriver.Enqueued, error) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		out, err := svc.EnqueueTx(ctx, tx, r, o)
		if err == nil {
			require.NoError(t, tx.Commit(ctx))
		}
		return out, err
	}
	first, err := enqueue(req, opts)
	require.NoError(t, err)
	assert.True(t, first.Created)
	assert.NotZero(t, first.JobID)
	again, err := enqueue(req, opts)
	require.NoError(t, err, "a replayed enqueue is a no-op")
	assert.False(t, again.Created)
	assert.True(t, again.Duplicate, "the queued send job is kept, not doubled")
	assert.Len(t, e.jobs(payoutriver.KindSend, req.Reference), 1)

	other := req
	other.Amount = money.New(req.Amount.Minor+100, money.KES)
	_, err = enqueue(other, opts)
	assert.ErrorIs(t, err, payout.ErrDuplicateReference)

	bad := req
	bad.Reference = "idem-bad"
	bad.Recipient.Phone = "12345"
	_, err = enqueue(bad, opts)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "recipient.phone", pe.Field)
	_, err = enqueue(req, payoutriver.EnqueueOptions{Provider: "mpesa-direct"})
	assert.ErrorIs(t, err, payout.ErrInvalidRequest, "an unknown provider is refused at enqueue")
	_, err = svc.Ledger().Get(ctx, "idem-bad")
	assert.ErrorIs(t, err, payout.ErrNotFound)
}

func TestSendJobNeverResendsAnAnsweredPayout(t *testing.T) {
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond})
	svc, _ := e.insertOnly()
	ctx := context.Background()
	req, provider := request(4, "guard")
	_, _, err := svc.Ledger().Intend(ctx, pgstore.IntentFor(req, provider, "guard"))
	require.NoError(t, err)
	// The ledger shows the payout accepted (its first send job completed and
	// was cleaned away); a second send job arrives for it.
	_, err = svc.Ledger().RecordSend(ctx, req.Reference, &payout.Payout{ID: "tx-earlier", Reference: req.Reference,
		Provider: provider, Status: payout.StatusPending}, nil, time.Hour)
	require.NoError(t, err)
	r := e.startReplica(2)
	r2 := req
	_, err = r.rc.Insert(ctx, payoutriver.SendArgs{Reference: req.Reference, Provider: provider, Request: &r2},
		&river.InsertOpts{Queue: "payouts"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		jobs := e.jobs(payoutriver.KindSend, req.Reference)
		return len(jobs) == 1 && jobs[0].state == "completed"
	}, 20*time.Second, 50*time.Millisecond)
	assert.Zero(t, e.sb.CreatedCount(provider, req.Reference), "an accepted payout is never sent again")
	assert.Len(t, e.jobs(payoutriver.KindReconcile, req.Reference), 1, "its checks are scheduled instead")
}

func TestInvalidRequestIsCancelledWithTheReason(t *testing.T) {
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond})
	svc, pool := e.insertOnly()
	ctx := context.Background()
	req := payout.Request{Reference: "cents-1", Amount: money.New(2050, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}} // PalPluss pays whole shillings only
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = svc.EnqueueTx(ctx, tx, req, payoutriver.EnqueueOptions{Provider: "palpluss", BatchID: "cents"})
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	e.startReplica(2)
	e.waitDone(svc, "cents", 20*time.Second, nil)

	ent, err := svc.Ledger().Get(ctx, "cents-1")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusRefused, ent.Status)
	assert.Equal(t, string(payout.CodeInvalidRequest), ent.LastErrorCode)
	assert.Contains(t, ent.LastErrorMessage, "amount")
	jobs := e.finishedJobs(payoutriver.KindSend, "cents-1")
	require.Len(t, jobs, 1)
	assert.Equal(t, "cancelled", jobs[0].state)
	assert.Contains(t, jobs[0].errors, "amount", "the job says why")
	assert.Zero(t, e.requests["palpluss"].Load(), "nothing was sent")
}

func TestLoadRequestKeepsPersonalDataOutOfJobs(t *testing.T) {
	var lines string
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond, config: func(c *payoutriver.Config) {
		c.LoadRequest = func(ctx context.Context, q pgstore.Querier, reference string) (payout.Request, error) {
			var r payout.Request
			var minor int64
			err := q.QueryRow(ctx, `SELECT reference, amount_minor, phone FROM `+lines+` WHERE reference = $1`,
				reference).Scan(&r.Reference, &minor, &r.Recipient.Phone)
			r.Amount = money.New(minor, money.KES)
			return r, err
		}
	}})
	lines = pgx.Identifier{e.db.Schema, "payroll_lines"}.Sanitize()
	ctx := context.Background()
	svc, pool := e.insertOnly()
	_, err := pool.Exec(ctx, `CREATE TABLE `+lines+` (reference text PRIMARY KEY, amount_minor bigint, phone text)`)
	require.NoError(t, err)

	const n = 6
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	for i := range n {
		req := payout.Request{Reference: fmt.Sprintf("pii-%d", i), Amount: money.New(int64(1000+i)*100, money.KES),
			Recipient: payout.Recipient{Name: "Private Person", Phone: fmt.Sprintf("07229%05d", i)}}
		// The business row and the payout commit together.
		_, err = tx.Exec(ctx, `INSERT INTO `+lines+` VALUES ($1, $2, $3)`, req.Reference, req.Amount.Minor, req.Recipient.Phone)
		require.NoError(t, err)
		_, err = svc.EnqueueTx(ctx, tx, req, payoutriver.EnqueueOptions{Provider: "palpluss", BatchID: "pii"})
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
	for i := range n {
		jobs := e.jobs(payoutriver.KindSend, fmt.Sprintf("pii-%d", i))
		require.Len(t, jobs, 1)
		assert.NotContains(t, jobs[0].args, "07229", "no phone in river_job.args")
		assert.NotContains(t, jobs[0].args, "Private", "no name in river_job.args")
		assert.NotContains(t, jobs[0].args, "request")
	}
	e.startReplica(4)
	e.waitDone(svc, "pii", 30*time.Second, nil)
	c, err := svc.Progress(ctx, "pii")
	require.NoError(t, err)
	assert.Equal(t, n, c.Succeeded, "the workers loaded every request from the caller's rows")
	for i := range n {
		assert.Equal(t, 1, e.sb.CreatedCount("palpluss", fmt.Sprintf("pii-%d", i)))
	}
	assert.False(t, strings.Contains(fmt.Sprint(c), "07229"))
}

// Review 2 of issue 13: EnqueueTx without a transaction panicked (a nil
// pointer in the ledger's write) instead of naming the argument; a typed
// nil pool given to pgstore.NewLedger did the same at its first write.
func TestEnqueueWithoutATransactionNamesIt(t *testing.T) {
	e := newEnv(t, envOptions{})
	svc, _ := e.insertOnly()
	req, provider := request(0, "notx")
	var tx pgx.Tx
	require.NotPanics(t, func() {
		_, err := svc.EnqueueTx(context.Background(), tx, req, payoutriver.EnqueueOptions{Provider: provider})
		require.ErrorIs(t, err, payout.ErrInvalidRequest)
		assert.Contains(t, err.Error(), "tx")
	})
	var pool *pgxpool.Pool
	_, err := pgstore.NewLedger(pool)
	require.Error(t, err, "a typed nil pool is no database")
	assert.Contains(t, err.Error(), "nil")
}

// Review 2 of issue 13: a typed nil client (a *palpluss.Client that was
// never built, in a payout.Client) passed New's check and panicked in the
// first send job; New names the provider instead.
func TestNewRefusesATypedNilClient(t *testing.T) {
	e := newEnv(t, envOptions{})
	var pal *palpluss.Client
	_, err := payoutriver.New(payoutriver.Config{Pool: e.admin, Clients: map[string]payout.Client{"palpluss": pal}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"palpluss"`)
}
