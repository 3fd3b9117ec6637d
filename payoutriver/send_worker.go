package payoutriver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/phone"
)

// recordTimeout bounds the ledger write after a Send. It runs on a
// context detached from the job's, so that a job cancelled while its Send
// returned (a client stopping) still records the answer it got.
const recordTimeout = 30 * time.Second

// schedulerLag is how late River's scheduler may make a job scheduled for
// the future available (its interval is 5 seconds).
const schedulerLag = 5 * time.Second

// sendWorker sends one payout per job.
type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// Timeout is Config.JobTimeout.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return w.s.cfg.JobTimeout }

// NextRetry waits RetryMin doubled per attempt, capped at RetryMax,
// jittered: River's default (attempt⁴ seconds) would leave an unknown
// outcome unresolved for hours after a few attempts.
func (w *sendWorker) NextRetry(job *river.Job[SendArgs]) time.Time {
	return time.Now().Add(backoff(w.s.cfg.RetryMin, w.s.cfg.RetryMax, job.Attempt-1))
}

// Work sends the job's payout, unless the ledger shows it was already
// accepted or has ended, and records the answer:
//
//   - accepted: the ledger entry moves to pending (or further, if a
//     webhook came first), a reconcile job is scheduled for FirstCheck
//     later, and the send job completes, all in one transaction;
//   - unknown outcome, network error, 5xx, 429, timeout: the entry is
//     unknown and the error goes back to River, which retries the job
//     with the same Reference (the adapters make that resend idempotent);
//   - definite refusal (insufficient funds, a refused recipient...): the
//     entry is refused and the job cancelled, never retried;
//   - an invalid request: the same, with the validation error as the
//     reason; nothing is sent. After an earlier Send that may have created
//     the payout (its request since edited or gone), the entry keeps its
//     unknown status instead, flagged, and its checks go on.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	s, a := w.s, job.Args
	log := s.log.With(slog.String("reference", a.Reference), slog.String("provider", a.Provider),
		slog.Int("attempt", job.Attempt))
	e, err := s.ledger.Get(ctx, a.Reference)
	if errors.Is(err, payout.ErrNotFound) {
		log.Error("payout send job has no ledger entry; cancelled")
		return river.JobCancel(fmt.Errorf("payoutriver: no ledger entry for %q", a.Reference))
	}
	if err != nil {
		return err
	}
	if !sendable(e.Status) {
		return s.alreadySent(ctx, log, e)
	}
	client := s.cfg.Clients[e.Provider]
	if client == nil {
		// A replica without this provider's client: leave the job to River's
		// retries (a deploy may add it) rather than losing the payout.
		log.Error("payout provider has no client in this process")
		return fmt.Errorf("payoutriver: no client for provider %q", e.Provider)
	}
	req, err := s.request(ctx, a, e)
	if err != nil {
		var pe *payout.Error
		if errors.As(err, &pe) && !pe.Retryable() {
			if e.Sends > 0 || e.Status != pgstore.StatusIntent {
				// An earlier Send may have created the payout: this
				// request, not sent, proves nothing about it.
				return s.unbuildable(ctx, log, a.Reference, err)
			}
			return s.refuse(ctx, log, a.Reference, err)
		}
		return err
	}

	// Count the Send before it starts, so that a process dying during it
	// leaves a trace (a later refusal then proves nothing), and re-check
	// that nothing answered for the payout meanwhile.
	if e, err = s.ledger.StartSend(ctx, a.Reference); err != nil {
		return err
	}
	if !sendable(e.Status) {
		return s.alreadySent(ctx, log, e)
	}
	p, sendErr := client.Send(ctx, req)
	p = ownedBy(p, e.Provider)

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	tx, err := s.cfg.Pool.Begin(rctx)
	if err != nil {
		return errors.Join(sendErr, err)
	}
	defer tx.Rollback(rctx) //nolint:errcheck // a no-op after Commit
	// After an acceptance the first check is FirstCheck away; after an
	// unknown outcome River's retries come first, and the sweep looks it
	// up only if they have not settled it within UnknownCheck.
	check := s.cfg.FirstCheck
	if sendErr != nil {
		check = s.cfg.UnknownCheck
	}
	applied, err := s.ledger.With(tx).RecordSend(rctx, a.Reference, p, sendErr, check)
	if err != nil {
		if errors.Is(err, payout.ErrConflict) {
			// The answer describes a payout other than this one's ledger entry:
			// never a success. Flag it for a person and stop.
			_ = tx.Rollback(rctx)
			log.Error("payout send answer conflicts with the ledger; flagged", slog.Any("error", err))
			if ferr := s.ledger.Flag(rctx, a.Reference, err.Error()); ferr != nil {
				return errors.Join(err, ferr)
			}
			return river.JobCancel(err)
		}
		return errors.Join(sendErr, err)
	}
	st := applied.Entry.Status
	switch {
	case st == pgstore.StatusUnknown || st == pgstore.StatusIntent:
		if err := tx.Commit(rctx); err != nil {
			return errors.Join(sendErr, err)
		}
		if applied.Entry.NeedsAttention && applied.Entry.LastErrorCode != string(payout.CodeOutcomeUnknown) && !payout.IsRetryable(sendErr) {
			log.Error("payout send refused after an attempt that may have created it; outcome unknown, flagged; River retries",
				slog.Any("error", sendErr))
			return sendErr
		}
		log.Warn("payout outcome unknown; River retries with the same Reference", slog.Any("error", sendErr))
		return sendErr
	case st == pgstore.StatusRefused:
		if err := tx.Commit(rctx); err != nil {
			return err
		}
		log.Warn("payout refused", slog.Any("error", sendErr))
		return river.JobCancel(sendErr)
	}
	if !st.Final() {
		if err := s.scheduleReconcile(rctx, tx, a.Reference, applied.Entry.NextCheckAt); err != nil {
			return err
		}
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](rctx, tx, job); err != nil {
		return err
	}
	if err := tx.Commit(rctx); err != nil {
		return err
	}
	if sendErr != nil {
		// A refusal after an earlier answer showed the payout exists: the
		// ledger kept the acceptance. Say so.
		log.Warn("payout send refused, but the ledger shows it accepted", slog.Any("error", sendErr))
	}
	log.Info("payout accepted", slog.String("id", applied.Entry.ProviderID), slog.String("status", string(st)))
	return nil
}

// ownedBy is p, an answer of the client registered for provider, with
// its Provider filled in when the client left it empty: the ledger takes
// an answer naming no provider for another provider's, and would refuse
// the acceptance.
func ownedBy(p *payout.Payout, provider string) *payout.Payout {
	if p == nil || p.Provider != "" {
		return p
	}
	cp := *p
	cp.Provider = provider
	return &cp
}

// sendable reports whether a payout in status s may be sent: nothing has
// answered for it yet, or its outcome is unknown (the idempotent resend).
func sendable(s pgstore.Status) bool { return s == pgstore.StatusIntent || s == pgstore.StatusUnknown }

// alreadySent is the long-term guard: the payout was sent and answered (a
// job re-enqueued after the first completed, a rescued job whose first run
// got through, a webhook faster than the Send). It is never sent again;
// its checks are scheduled if it is not final.
func (s *Service) alreadySent(ctx context.Context, log *slog.Logger, e pgstore.Entry) error {
	log.Info("payout already sent; not sending again", slog.String("status", string(e.Status)))
	if !e.Status.Final() {
		return s.scheduleReconcile(ctx, nil, e.Reference, e.NextCheckAt)
	}
	return nil
}

// request returns the request to send for a: from the job's arguments, or
// from Config.LoadRequest, checked against the ledger's intent so that a
// loader returning another payout's row never sends it.
func (s *Service) request(ctx context.Context, a SendArgs, e pgstore.Entry) (payout.Request, error) {
	var req payout.Request
	switch {
	case a.Request != nil:
		req = *a.Request
	case s.cfg.LoadRequest != nil:
		r, err := s.cfg.LoadRequest(ctx, s.cfg.Pool, a.Reference)
		if err != nil {
			return payout.Request{}, fmt.Errorf("payoutriver: load request %q: %w", a.Reference, err)
		}
		req = r
	default:
		return payout.Request{}, &payout.Error{Code: payout.CodeInvalidRequest, Reference: a.Reference,
			Message: "the send job carries no request and Config.LoadRequest is not set"}
	}
	if err := req.Validate(); err != nil {
		return payout.Request{}, err
	}
	mismatch := ""
	switch n, err := phone.Parse(req.Recipient.Phone); {
	case req.Reference != a.Reference:
		mismatch = "its Reference is " + req.Reference
	case req.Amount != e.Amount:
		mismatch = "its amount is " + req.Amount.String() + ", the ledger's " + e.Amount.String()
	case err != nil || n.International() != e.Phone:
		mismatch = "its recipient phone is not the ledger's"
	}
	if mismatch != "" {
		return payout.Request{}, &payout.Error{Code: payout.CodeInvalidRequest, Reference: a.Reference,
			Message: "the request to send does not match the ledger's intent: " + mismatch}
	}
	return req, nil
}

// refuse records a request that cannot be sent as refused and cancels
// the job with the reason.
func (s *Service) refuse(ctx context.Context, log *slog.Logger, reference string, reason error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if _, err := s.ledger.RecordSend(rctx, reference, nil, reason, 0); err != nil {
		return errors.Join(reason, err)
	}
	log.Warn("payout not sent: invalid request; cancelled", slog.Any("error", reason))
	return river.JobCancel(reason)
}

// unbuildable handles a request that can no longer be built (the
// caller's row was edited or removed, LoadRequest refuses) for a payout
// an earlier Send may have created: the entry keeps its status, is flagged
// for a person, and its checks (the sweep, by Reference) go on finding out
// whether the payout exists; the job is cancelled with the reason.
func (s *Service) unbuildable(ctx context.Context, log *slog.Logger, reference string, reason error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.ledger.Flag(rctx, reference, "the request cannot be sent again after a Send that may have created the payout: "+reason.Error()); err != nil {
		return errors.Join(reason, err)
	}
	log.Error("payout request cannot be sent again after a Send that may have created it; flagged, not refused; cancelled", slog.Any("error", reason))
	return river.JobCancel(reason)
}

// scheduleReconcile inserts the reconcile job of reference for at (now
// when zero), in tx when it is not nil. A reconcile job that exists
// already is kept.
//
// A job inserted for a time in the future waits for River's scheduler,
// which runs every few seconds on the leader; a check due sooner than
// that is inserted to run at once and snoozes itself until its time (a
// short snooze is exact), so a FirstCheck of a second is kept.
func (s *Service) scheduleReconcile(ctx context.Context, tx pgx.Tx, reference string, at time.Time) error {
	rc, err := s.river(ctx)
	if err != nil {
		return err
	}
	if time.Until(at) < schedulerLag {
		at = time.Time{}
	}
	opts := &river.InsertOpts{Queue: s.cfg.Queue, ScheduledAt: at, MaxAttempts: 1000}
	if tx != nil {
		_, err = rc.InsertTx(ctx, tx, ReconcileArgs{Reference: reference}, opts)
	} else {
		_, err = rc.Insert(ctx, ReconcileArgs{Reference: reference}, opts)
	}
	if err != nil {
		return fmt.Errorf("payoutriver: schedule reconcile of %q: %w", reference, err)
	}
	return nil
}
