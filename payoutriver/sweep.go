package payoutriver

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"
)

// sweepWorker gives every ledger entry due for a check a reconcile job:
// the safety net for checks whose job was lost (discarded, deleted, never
// inserted because a process died between two writes).
type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

// Work inserts a reconcile job for each due entry, up to
// Config.SweepLimit; an entry whose reconcile job exists keeps it.
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	s := w.s
	due, err := s.ledger.Due(ctx, s.cfg.SweepLimit)
	if err != nil || len(due) == 0 {
		return err
	}
	rc, err := s.river(ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(due))
	for i, e := range due {
		params[i] = river.InsertManyParams{Args: ReconcileArgs{Reference: e.Reference},
			InsertOpts: &river.InsertOpts{Queue: s.cfg.Queue, MaxAttempts: 1000}}
	}
	res, err := rc.InsertMany(ctx, params)
	if err != nil {
		return err
	}
	inserted := 0
	for i, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			inserted++
			s.log.LogAttrs(ctx, slog.LevelInfo, "payout due for a check; reconcile queued",
				slog.String("reference", due[i].Reference), slog.Int64("job", r.Job.ID))
		}
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "payout sweep", slog.Int("due", len(due)), slog.Int("queued", inserted))
	return nil
}
