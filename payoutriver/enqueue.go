package payoutriver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/pgstore"
)

// EnqueueOptions say how to send one payout.
type EnqueueOptions struct {
	// Provider names the client in Config.Clients to send it through.
	// Required.
	Provider string
	// BatchID groups payouts for Progress (a payroll run, say).
	BatchID string
}

// Enqueued is what EnqueueTx did.
type Enqueued struct {
	// Entry is the ledger entry, as written or as found.
	Entry pgstore.Entry
	// JobID is the send job's id; 0 when none was inserted (Duplicate).
	JobID int64
	// Created reports whether this call wrote the ledger intent; false for
	// a repeated enqueue of the same payout.
	Created bool
	// Duplicate reports that a send job for the Reference already exists,
	// or that the ledger shows the payout was already sent: nothing new
	// was queued.
	Duplicate bool
}

// EnqueueTx queues req for sending, inside the caller's transaction tx:
// it writes the payout's ledger intent and inserts its send job in tx, so
// that committing tx (with the business row that decided the payout)
// commits both, and rolling it back leaves no trace: no intent, no job,
// no Send.
//
// req is validated first (the error names the field). Enqueuing the same
// payout again (same Reference, provider, amount and phone) is a no-op
// reported as Created false; the same Reference with another amount,
// phone or provider is an error matching payout.ErrDuplicateReference, and
// tx should be rolled back. A Reference whose ledger entry already shows
// an outcome is not queued again.
func (s *Service) EnqueueTx(ctx context.Context, tx pgx.Tx, req payout.Request, opts EnqueueOptions) (Enqueued, error) {
	if tx == nil {
		return Enqueued{}, payout.InvalidField("tx", "is required: the caller's transaction the intent and the send job are written in")
	}
	if strings.TrimSpace(opts.Provider) == "" {
		return Enqueued{}, payout.InvalidField("provider", "is required")
	}
	if len(s.cfg.Clients) > 0 && s.cfg.Clients[opts.Provider] == nil {
		return Enqueued{}, payout.InvalidField("provider", "%q is not among the configured clients", opts.Provider)
	}
	if err := req.Validate(); err != nil {
		return Enqueued{}, err
	}
	rc, err := s.river(ctx)
	if err != nil {
		return Enqueued{}, err
	}
	in := pgstore.IntentFor(req, opts.Provider, opts.BatchID)
	in.CheckAfter = s.cfg.UnknownCheck
	e, created, err := s.ledger.With(tx).Intend(ctx, in)
	if err != nil {
		return Enqueued{Entry: e}, err
	}
	out := Enqueued{Entry: e, Created: created}
	if !created && e.Status != pgstore.StatusIntent && e.Status != pgstore.StatusUnknown {
		out.Duplicate = true
		return out, nil
	}
	args := SendArgs{Reference: req.Reference, Provider: opts.Provider, BatchID: opts.BatchID}
	if s.cfg.LoadRequest == nil {
		r := req
		args.Request = &r
	}
	res, err := rc.InsertTx(ctx, tx, args, s.sendOpts())
	if err != nil {
		return out, fmt.Errorf("payoutriver: insert send job for %q: %w", req.Reference, err)
	}
	out.Duplicate = res.UniqueSkippedAsDuplicate
	if !out.Duplicate {
		out.JobID = res.Job.ID
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "payout enqueued", slog.String("reference", req.Reference),
		slog.String("provider", opts.Provider), slog.String("batch", opts.BatchID),
		slog.Bool("duplicate", out.Duplicate), slog.Int64("job", out.JobID))
	return out, nil
}

// sendOpts are the insert options of every send job.
func (s *Service) sendOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: s.cfg.Queue, MaxAttempts: s.cfg.SendMaxAttempts}
}
