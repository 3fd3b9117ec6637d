package payoutriver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/pgstore"
)

// reconcileWorker checks one payout's status until it is final, snoozing
// its job between checks.
type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	s *Service
}

// Timeout is Config.JobTimeout.
func (w *reconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return w.s.cfg.JobTimeout }

// NextRetry spaces the retries of a check that failed on the database.
func (w *reconcileWorker) NextRetry(job *river.Job[ReconcileArgs]) time.Time {
	return time.Now().Add(backoff(w.s.cfg.RetryMin, w.s.cfg.MaxCheckInterval, job.Attempt-1))
}

// Work checks the payout once:
//
//   - final in the ledger (a webhook settled it): done, no provider call;
//   - accepted: Get by provider id, applied to the ledger;
//   - unknown: FindByReference when the client has it (found: applied;
//     not found: a send job resends it with the same Reference, within
//     Config.ResendWithin of the intent; past it, flagged, not resent);
//   - intent: its send job is (re)queued; nothing to ask the provider.
//
// A payout still not final snoozes the job until its next check, with a
// capped, jittered backoff; past Config.AttentionAfter it is flagged as
// needing attention (and logged), and checks go on.
func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	s := w.s
	ref := job.Args.Reference
	log := s.log.With(slog.String("reference", ref))
	e, err := s.ledger.Get(ctx, ref)
	if errors.Is(err, payout.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if e.Status.Final() {
		log.Debug("payout final; checks end", slog.String("status", string(e.Status)))
		return nil
	}
	if wait := time.Until(e.NextCheckAt); wait > 0 {
		// Early: inserted to run at once (see scheduleReconcile), or
		// re-queued by a sweep that raced a check. Wait for the check time.
		return river.JobSnooze(wait)
	}
	client := s.cfg.Clients[e.Provider]
	if client == nil {
		return fmt.Errorf("payoutriver: no client for provider %q", e.Provider)
	}
	var (
		p       *payout.Payout
		callErr error
	)
	switch {
	case e.ProviderID != "":
		p, callErr = client.Get(ctx, e.ProviderID)
	case e.Status == pgstore.StatusUnknown:
		if f, ok := client.(Finder); ok {
			p, callErr = f.FindByReference(ctx, ref)
		} else {
			callErr = &payout.Error{Code: payout.CodeNotFound, Reference: ref}
		}
	default: // an intent due for a check: its send job was lost or is late
		callErr = &payout.Error{Code: payout.CodeNotFound, Reference: ref}
	}
	notFound := e.ProviderID == "" && errors.Is(callErr, payout.ErrNotFound)
	if notFound && e.Status == pgstore.StatusUnknown {
		if stale, reason := s.tooOldToResend(e); stale {
			// The provider may have created the payout and forgotten the
			// Idempotency-Key, or let it drop out of its look-up: a resend
			// could pay twice. Leave it to a person; go on checking, since
			// a later look-up that finds it still settles it.
			if err := s.ledger.Flag(ctx, ref, reason); err != nil {
				return err
			}
			if !e.NeedsAttention {
				log.Error("payout unknown and not found past ResendWithin; not resent, flagged", slog.String("reason", reason))
			} else {
				log.Warn("payout unknown and still not found past ResendWithin; not resent")
			}
			return s.checkLater(ctx, log, e)
		}
	}
	if notFound {
		// No payout to look at: resend with the same Reference. A send job
		// still queued or waiting for its retry is kept (unique), and the
		// ledger stops a send of a payout that was answered meanwhile.
		rc, err := s.river(ctx)
		if err != nil {
			return err
		}
		res, err := rc.Insert(ctx, SendArgs{Reference: ref, Provider: e.Provider, BatchID: e.BatchID}, s.sendOpts())
		if err != nil {
			return err
		}
		if !res.UniqueSkippedAsDuplicate && s.cfg.LoadRequest == nil {
			// Without LoadRequest the job needs its request, which only the
			// original job carried: the new job cannot send. Cancel it and
			// flag the payout for a person.
			if _, cerr := rc.JobCancel(ctx, res.Job.ID); cerr != nil {
				return cerr
			}
			log.Error("payout unresolved and its send job is gone; flagged")
			return s.ledger.Flag(ctx, ref, "the Send outcome is unknown and its send job is gone; resend with the same Reference")
		}
		_, err = s.ledger.Checked(ctx, ref, s.checkAfter(e.Checks), s.cfg.AttentionAfter)
		log.Info("payout not found at the provider; send job queued", slog.Bool("already_queued", res.UniqueSkippedAsDuplicate))
		return err
	}
	if callErr == nil {
		a, err := s.ledger.Apply(ctx, ownedBy(p, e.Provider), -1)
		if err != nil {
			if errors.Is(err, payout.ErrConflict) {
				log.Error("payout check answer conflicts with the ledger; flagged", slog.Any("error", err))
				if ferr := s.ledger.Flag(ctx, ref, err.Error()); ferr != nil {
					return ferr
				}
			} else {
				return err
			}
		} else {
			e = a.Entry
			if a.Changed() {
				log.Info("payout status checked", slog.String("status", string(e.Status)), slog.String("previous", string(a.Previous)))
			}
			if e.Status.Final() {
				return nil
			}
		}
	} else {
		log.Warn("payout check failed; retrying later", slog.Any("error", callErr))
	}
	return s.checkLater(ctx, log, e)
}

// checkLater records a check of e that left it not final and snoozes the
// job until the next one.
func (s *Service) checkLater(ctx context.Context, log *slog.Logger, e pgstore.Entry) error {
	next, err := s.ledger.Checked(ctx, e.Reference, s.checkAfter(e.Checks), s.cfg.AttentionAfter)
	if err != nil {
		return err
	}
	if next.Status.Final() {
		return nil
	}
	if next.NeedsAttention && !e.NeedsAttention {
		log.Error("payout needs attention", slog.String("reason", next.AttentionReason), slog.String("status", string(next.Status)))
	}
	return river.JobSnooze(max(time.Until(next.NextCheckAt), 0))
}

// tooOldToResend reports whether an unknown outcome that a look-up did not
// find is past Config.ResendWithin, and the reason to flag it with. The
// age is measured from the intent (Entry.CreatedAt): the ledger's earliest
// time for the first Send, which can only be later, so the window closes
// early rather than late.
func (s *Service) tooOldToResend(e pgstore.Entry) (bool, string) {
	age := time.Since(e.CreatedAt)
	if age <= s.cfg.ResendWithin {
		return false, ""
	}
	return true, fmt.Sprintf("the Send outcome is unknown and the provider does not find the payout %s after the intent "+
		"(past ResendWithin %s): not resent, since the provider may have created it and forgotten its Idempotency-Key; "+
		"check with the provider, then resend or cancel", age.Round(time.Second), s.cfg.ResendWithin)
}

// checkAfter is the wait before the check after checks checks.
func (s *Service) checkAfter(checks int) time.Duration {
	return backoff(s.cfg.FirstCheck, s.cfg.MaxCheckInterval, checks+1)
}
