package payoutriver_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payoutriver"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/pgstore"
)

// enqueueOne enqueues req through svc in a transaction of its own.
func enqueueOne(t *testing.T, svc *payoutriver.Service, e *env, req payout.Request, provider, batch string) {
	t.Helper()
	ctx := context.Background()
	tx, err := e.admin.Begin(ctx)
	require.NoError(t, err)
	_, err = svc.EnqueueTx(ctx, tx, req, payoutriver.EnqueueOptions{Provider: provider, BatchID: batch})
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
}

// TestUnknownOutcomeAfterTheLastAttemptIsFoundByReference: every Send
// attempt is processed by PalPluss and its answer lost, until River gives
// the send job up. The ledger keeps the outcome unknown, the sweep finds it
// due, and the reconcile worker finds the payout by its Reference: it ends
// paid, once, without another Send.
func TestUnknownOutcomeAfterTheLastAttemptIsFoundByReference(t *testing.T) {
	lostAnswers := func(provider string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/b2c/payouts") {
			return payouttest.FaultResetAfterProcess()
		}
		return payouttest.FaultNone()
	}
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond, faults: lostAnswers,
		config: func(c *payoutriver.Config) { c.SendMaxAttempts = 1; c.UnknownCheck = 500 * time.Millisecond }})
	svc, _ := e.insertOnly()
	req := payout.Request{Reference: "lost-1", Amount: money.New(50000, money.KES),
		Recipient: payout.Recipient{Phone: "0712000111"}} // no callback: no webhook will tell
	enqueueOne(t, svc, e, req, "palpluss", "lost")
	e.startReplica(2)
	e.waitDone(svc, "lost", 60*time.Second, nil)

	ent, err := svc.Ledger().Get(context.Background(), "lost-1")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status)
	assert.Equal(t, 1, e.sb.CreatedCount(payouttest.SandboxPalPluss, "lost-1"), "paid once")
	jobs := e.finishedJobs(payoutriver.KindSend, "lost-1")
	require.Len(t, jobs, 1, "the payout was found, not sent again")
	assert.Equal(t, "discarded", jobs[0].state, "River gave the send up after its last attempt")
	assert.Equal(t, "outcome_unknown", ent.LastErrorCode, "the ledger remembers why it had to look")
}

// TestHeldPayoutIsFlaggedAndStillChecked: a payout that stays PROCESSING
// past AttentionAfter is flagged as needing attention, counted as such,
// and checked on until it ends.
func TestHeldPayoutIsFlaggedAndStillChecked(t *testing.T) {
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond,
		config: func(c *payoutriver.Config) { c.AttentionAfter = time.Second }})
	svc, _ := e.insertOnly()
	req := payout.Request{Reference: "held-1", Amount: money.New(50000, money.KES),
		Recipient: payout.Recipient{Phone: payouttest.SandboxPhoneHeld}}
	enqueueOne(t, svc, e, req, "palpluss", "held")
	e.startReplica(2)
	ctx := context.Background()

	var ent pgstore.Entry
	require.Eventually(t, func() bool {
		var err error
		ent, err = svc.Ledger().Get(ctx, "held-1")
		require.NoError(t, err)
		return ent.NeedsAttention
	}, 30*time.Second, 50*time.Millisecond)
	assert.Equal(t, pgstore.StatusProcessing, ent.Status)
	assert.Contains(t, ent.AttentionReason, "not final")
	c, err := svc.Progress(ctx, "held")
	require.NoError(t, err)
	assert.Equal(t, 1, c.NeedsAttention)
	assert.Positive(t, ent.Checks)

	require.NoError(t, e.sb.Settle(payouttest.SandboxPalPluss, ent.ProviderID))
	e.waitDone(svc, "held", 30*time.Second, nil)
	ent, err = svc.Ledger().Get(ctx, "held-1")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status, "the checks went on after the flag (no webhook: no callback URL)")
	assert.Equal(t, "SUCCESS", ent.ProviderStatus, "PalPluss's own status, read by Get")
}

// TestHandleEventRefusesWebhooksAboutAnotherPayout: forged or confused
// webhooks never move a ledger entry: an event claiming another payout's
// id is acknowledged and flags the entry; one about a Reference the ledger
// does not hold is acknowledged; one naming an id the ledger does not
// know yet asks for a redelivery.
func TestHandleEventRefusesWebhooksAboutAnotherPayout(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	l := e.receiver.Ledger()
	for _, ref := range []string{"ev-a", "ev-b"} {
		_, _, err := l.Intend(ctx, pgstore.Intent{Reference: ref, Provider: "payos", Amount: money.New(100000, money.KES), Phone: "0712345678"})
		require.NoError(t, err)
		_, err = l.RecordSend(ctx, ref, &payout.Payout{ID: "id-" + ref, Reference: ref, Provider: "payos",
			Status: payout.StatusPending}, nil, time.Hour)
		require.NoError(t, err)
	}
	event := func(ref, id string, st payout.Status) payout.Event {
		return payout.Event{ID: "evt-" + ref + id, Provider: "payos",
			Payout: &payout.Payout{ID: id, Reference: ref, Provider: "payos", Status: st, Amount: money.New(100000, money.KES)}}
	}

	require.NoError(t, e.receiver.HandleEvent(ctx, event("ev-a", "id-ev-b", payout.StatusSucceeded)),
		"acknowledged: a redelivery would not make it right")
	a, err := l.Get(ctx, "ev-a")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusPending, a.Status, "not applied")
	assert.Equal(t, "id-ev-a", a.ProviderID)
	assert.True(t, a.NeedsAttention, "flagged for a person")

	require.NoError(t, e.receiver.HandleEvent(ctx, event("not-ours", "id-x", payout.StatusSucceeded)))
	assert.Error(t, e.receiver.HandleEvent(ctx, event("", "id-not-yet", payout.StatusSucceeded)),
		"an id the ledger does not know yet is asked for again")
	require.NoError(t, e.receiver.HandleEvent(ctx, payout.Event{ID: "no-payout", Provider: "payos"}))

	require.NoError(t, e.receiver.HandleEvent(ctx, event("ev-b", "id-ev-b", payout.StatusSucceeded)))
	b, err := l.Get(ctx, "ev-b")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusSucceeded, b.Status, "the genuine event is applied")
	require.NoError(t, e.receiver.HandleEvent(ctx, event("ev-b", "id-ev-b", payout.StatusPending)))
	b, err = l.Get(ctx, "ev-b")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusSucceeded, b.Status, "a late PENDING webhook changes nothing")
}

// TestUnknownOutcomeWaitsForRetriesBeforeALookUp: after an unknown Send
// outcome the entry is due for the sweep's look-up only after
// UnknownCheck, not FirstCheck: River's retried Send comes first, and a
// look-up (a PalPluss transaction scan) costs rate-limit slots.
func TestUnknownOutcomeWaitsForRetriesBeforeALookUp(t *testing.T) {
	lostAnswers := func(provider string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost {
			return payouttest.FaultResetAfterProcess()
		}
		return payouttest.FaultNone()
	}
	e := newEnv(t, envOptions{faults: lostAnswers, config: func(c *payoutriver.Config) {
		c.UnknownCheck = time.Hour
		c.RetryMin, c.RetryMax = time.Hour, time.Hour // the retry waits: the entry stays unknown
	}})
	svc, _ := e.insertOnly()
	req := payout.Request{Reference: "wait-1", Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Phone: "0712000222"}}
	enqueueOne(t, svc, e, req, "palpluss", "wait")
	e.startReplica(1)
	var ent pgstore.Entry
	require.Eventually(t, func() bool {
		var err error
		ent, err = svc.Ledger().Get(context.Background(), "wait-1")
		require.NoError(t, err)
		return ent.Status == pgstore.StatusUnknown
	}, 30*time.Second, 20*time.Millisecond)
	assert.True(t, ent.NextCheckAt.After(ent.UpdatedAt.Add(50*time.Minute)),
		"due %v after the unknown outcome, want about UnknownCheck (1h)", ent.NextCheckAt.Sub(ent.UpdatedAt))
}

// TestAccountSuspendedAfterALostAnswerIsNoRefusal: the first Send is
// processed by PalPluss and its answers lost; before River's retry the
// account is suspended (403 on every call). The 403 proves nothing about
// the payout the lost attempt created: the ledger must keep it unknown
// (flagged), never "refused" (which would invite a second payout under a
// new Reference). Once the account is back, the retried Send gets the
// original payout back, and it ends paid once.
func TestAccountSuspendedAfterALostAnswerIsNoRefusal(t *testing.T) {
	var posts atomic.Int64
	lostAnswers := func(provider string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost && posts.Add(1) <= 3 { // the first Send and its 2 engine retries
			return payouttest.FaultResetAfterProcess()
		}
		return payouttest.FaultNone()
	}
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond, faults: lostAnswers, config: func(c *payoutriver.Config) {
		c.RetryMin, c.RetryMax = 300*time.Millisecond, 300*time.Millisecond
	}})
	svc, _ := e.insertOnly()
	ctx := context.Background()
	req := payout.Request{Reference: "suspended-1", Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Phone: "0712000333"}}
	enqueueOne(t, svc, e, req, "palpluss", "suspended")
	get := func() pgstore.Entry {
		ent, err := svc.Ledger().Get(ctx, "suspended-1")
		require.NoError(t, err)
		return ent
	}
	e.startReplica(1)
	require.Eventually(t, func() bool { return get().Status == pgstore.StatusUnknown }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, e.sb.SetPalPlussAccountState(payouttest.PalPlussAccountInactive))
	require.Eventually(t, func() bool { return get().NeedsAttention }, 30*time.Second, 10*time.Millisecond)
	ent := get()
	assert.Equal(t, pgstore.StatusUnknown, ent.Status, "a 403 after a lost answer is no refusal")
	assert.Equal(t, string(payout.CodeForbidden), ent.LastErrorCode)
	assert.Equal(t, 1, e.sb.CreatedCount(payouttest.SandboxPalPluss, "suspended-1"), "the lost attempt did create it")

	require.NoError(t, e.sb.SetPalPlussAccountState(payouttest.PalPlussAccountActive))
	e.waitDone(svc, "suspended", 30*time.Second, nil)
	ent = get()
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status)
	assert.Equal(t, 1, e.sb.CreatedCount(payouttest.SandboxPalPluss, "suspended-1"), "paid once")
}

// TestRequestChangedAfterALostAnswerIsNoRefusal: review 2 of issue 13.
// The first Send is processed by PalPluss and its answers lost; before
// River's retry the caller's row is edited (LoadRequest now returns
// another amount). The retry cannot be built, but the lost attempt may
// have created the payout: the ledger must keep the outcome unknown
// (flagged), never "refused", and the checks find the payout.
func TestRequestChangedAfterALostAnswerIsNoRefusal(t *testing.T) {
	var posts, loads atomic.Int64
	lostAnswers := func(provider string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost && posts.Add(1) <= 3 { // the first Send and its 2 engine retries
			return payouttest.FaultResetAfterProcess()
		}
		return payouttest.FaultNone()
	}
	req := payout.Request{Reference: "edited-1", Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Phone: "0712000444"}}
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond, faults: lostAnswers, config: func(c *payoutriver.Config) {
		c.RetryMin, c.RetryMax = 100*time.Millisecond, 100*time.Millisecond
		c.UnknownCheck = 500 * time.Millisecond
		c.LoadRequest = func(context.Context, pgstore.Querier, string) (payout.Request, error) {
			r := req
			if loads.Add(1) > 1 {
				r.Amount = money.New(60000, money.KES) // the row was edited after the first Send
			}
			return r, nil
		}
	}})
	svc, _ := e.insertOnly()
	ctx := context.Background()
	enqueueOne(t, svc, e, req, "palpluss", "edited")
	get := func() pgstore.Entry {
		ent, err := svc.Ledger().Get(ctx, "edited-1")
		require.NoError(t, err)
		return ent
	}
	e.startReplica(1)
	require.Eventually(t, func() bool { return loads.Load() >= 2 && get().NeedsAttention || get().Status.Final() }, 30*time.Second, 10*time.Millisecond)
	assert.NotEqual(t, pgstore.StatusRefused, get().Status, "a request that cannot be rebuilt proves nothing about the lost attempt")
	e.waitDone(svc, "edited", 30*time.Second, nil)
	ent := get()
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status, "the checks found the payout the lost attempt created")
	assert.True(t, ent.NeedsAttention)
	assert.Equal(t, 1, e.sb.CreatedCount(payouttest.SandboxPalPluss, "edited-1"), "paid once")
}

// anonymous is a payout.Client whose answers do not name their provider,
// as a caller's own wrapper or a minimal client may leave them.
type anonymous struct{ payout.Client }

func (a anonymous) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	p, err := a.Client.Send(ctx, req)
	if p != nil {
		p.Provider = ""
	}
	return p, err
}

func (a anonymous) Get(ctx context.Context, id string) (*payout.Payout, error) {
	p, err := a.Client.Get(ctx, id)
	if p != nil {
		p.Provider = ""
	}
	return p, err
}

// TestAnswerWithoutAProviderIsTheClientsProvider: review 2 of issue 13.
// An accepted Send whose Payout left Provider empty was taken for an
// answer from another provider: the entry was flagged, the job cancelled,
// and the acceptance never recorded (the entry stayed an intent). The
// answer comes from the client registered for the entry's provider, so
// it is that provider's.
func TestAnswerWithoutAProviderIsTheClientsProvider(t *testing.T) {
	e := newEnv(t, envOptions{settle: 50 * time.Millisecond, config: func(c *payoutriver.Config) {
		c.Clients["palpluss"] = anonymous{c.Clients["palpluss"]}
	}})
	svc, _ := e.insertOnly()
	req := payout.Request{Reference: "anon-1", Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Phone: "0712000555"}}
	enqueueOne(t, svc, e, req, "palpluss", "anon")
	e.startReplica(1)
	e.waitDone(svc, "anon", 20*time.Second, nil)
	ent, err := svc.Ledger().Get(context.Background(), "anon-1")
	require.NoError(t, err)
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status)
	assert.False(t, ent.NeedsAttention, ent.AttentionReason)
	assert.NotEmpty(t, ent.ProviderID)
	assert.Equal(t, 1, e.sb.CreatedCount(payouttest.SandboxPalPluss, "anon-1"))
}

// unfoundUnknown is a payout whose one Send attempt never reached
// PalPluss (the connection reset before the request was read), so its
// outcome is unknown and a look-up by Reference finds nothing.
type unfoundUnknown struct {
	e     *env
	svc   *payoutriver.Service
	req   payout.Request
	late  atomic.Int64 // POSTs of a payout that reached the Sandbox after the lost attempt
	ready atomic.Bool  // the lost attempt is over
}

// newUnfoundUnknown runs the lost attempt, then makes the entry age old
// (created_at moved back) and due for a check at once, and starts the
// workers that check it.
func newUnfoundUnknown(t *testing.T, ref string, age time.Duration) *unfoundUnknown {
	t.Helper()
	u := &unfoundUnknown{req: payout.Request{Reference: ref, Amount: money.New(50000, money.KES),
		Recipient: payout.Recipient{Phone: "0712000555"}}} // no callback: no webhook will tell
	faults := func(provider string, r *http.Request) payouttest.Fault {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/b2c/payouts") {
			return payouttest.FaultNone()
		}
		if !u.ready.Load() {
			return payouttest.FaultResetBeforeRead()
		}
		u.late.Add(1)
		return payouttest.FaultNone()
	}
	u.e = newEnv(t, envOptions{settle: 50 * time.Millisecond, faults: faults, config: func(c *payoutriver.Config) {
		c.SendMaxAttempts = 1
		c.UnknownCheck = time.Hour // only the test makes it due
		c.LoadRequest = func(context.Context, pgstore.Querier, string) (payout.Request, error) { return u.req, nil }
	}})
	var err error
	u.svc, _ = u.e.insertOnly()
	enqueueOne(t, u.svc, u.e, u.req, "palpluss", ref)
	r := u.e.startReplica(2)
	require.Eventually(t, func() bool {
		jobs := u.e.jobs(payoutriver.KindSend, ref)
		return len(jobs) == 1 && jobs[0].state == "discarded"
	}, 30*time.Second, 20*time.Millisecond, "River gives the one send attempt up")
	ent := u.get(t)
	require.Equal(t, pgstore.StatusUnknown, ent.Status)
	require.Zero(t, u.e.sb.CreatedCount(payouttest.SandboxPalPluss, ref), "the lost attempt created nothing")
	r.stop(false)
	u.ready.Store(true)

	_, err = u.e.admin.Exec(context.Background(), `UPDATE `+pgx.Identifier{u.e.db.Schema, "payout_ledger"}.Sanitize()+
		` SET created_at = created_at - $2::bigint * interval '1 microsecond', next_check_at = now() WHERE reference = $1`,
		ref, age.Microseconds())
	require.NoError(t, err)
	u.e.startReplica(2)
	return u
}

func (u *unfoundUnknown) get(t *testing.T) pgstore.Entry {
	t.Helper()
	ent, err := u.svc.Ledger().Get(context.Background(), u.req.Reference)
	require.NoError(t, err)
	return ent
}

// TestUnfoundUnknownIsResentWithinResendWithin: an unknown outcome that
// PalPluss does not find, an hour after its intent (ResendWithin is 24
// hours by default), is resent with the same Reference and paid once.
func TestUnfoundUnknownIsResentWithinResendWithin(t *testing.T) {
	u := newUnfoundUnknown(t, "unfound-fresh", time.Hour)
	u.e.waitDone(u.svc, "unfound-fresh", 60*time.Second, nil)
	ent := u.get(t)
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status)
	assert.Equal(t, int64(1), u.late.Load(), "one resend")
	assert.Equal(t, 1, u.e.sb.CreatedCount(payouttest.SandboxPalPluss, "unfound-fresh"), "paid once")
	assert.False(t, ent.NeedsAttention)
}

// TestUnfoundUnknownPastResendWithinIsFlaggedNotResent: the same payout a
// day and an hour after its intent is never resent (the provider may have
// created it and forgotten its Idempotency-Key): it is flagged, and the
// checks go on, so that when the look-up does find it, it is settled.
func TestUnfoundUnknownPastResendWithinIsFlaggedNotResent(t *testing.T) {
	const ref = "unfound-stale"
	u := newUnfoundUnknown(t, ref, 25*time.Hour)
	var ent pgstore.Entry
	require.Eventually(t, func() bool { ent = u.get(t); return ent.NeedsAttention }, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, pgstore.StatusUnknown, ent.Status)
	assert.Contains(t, ent.AttentionReason, "past ResendWithin 24h0m0s")
	assert.Contains(t, ent.AttentionReason, "not resent")
	checks := ent.Checks
	require.Eventually(t, func() bool { return u.get(t).Checks > checks }, 30*time.Second, 20*time.Millisecond, "the checks go on")
	assert.Zero(t, u.late.Load(), "no Send reached PalPluss")
	assert.Zero(t, u.e.sb.CreatedCount(payouttest.SandboxPalPluss, ref))
	assert.Len(t, u.e.jobs(payoutriver.KindSend, ref), 1, "no send job was queued")

	// The provider did have it after all (here: created now, behind the
	// workers' back): the next look-up finds it and settles the entry.
	_, err := u.e.clients(u.e.admin)["palpluss"].Send(context.Background(), u.req)
	require.NoError(t, err)
	u.e.waitDone(u.svc, ref, 60*time.Second, nil)
	ent = u.get(t)
	assert.Equal(t, pgstore.StatusSucceeded, ent.Status, "a later look-up that finds it still applies")
	assert.True(t, ent.NeedsAttention)
	assert.Equal(t, 1, u.e.sb.CreatedCount(payouttest.SandboxPalPluss, ref), "paid once")
}
