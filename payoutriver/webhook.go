package payoutriver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/payoutkit/payout"
)

// HandleEvent applies a webhook event to the ledger; it is a
// webhook.HandleFunc, to pass to a provider's webhook handler (which
// verifies, deduplicates and, for PalPluss, confirms the event by Get
// before calling it). A final status ends the payout's checks: its
// reconcile job sees it and completes without calling the provider.
//
// It returns an error, so that the provider redelivers the event, only
// when the ledger could not be written, or when the event names only a
// provider id the ledger does not know yet (its Send's answer is still
// being recorded). An event about a Reference the ledger does not hold is
// acknowledged and logged; one that contradicts the ledger (another id,
// amount or phone) is acknowledged, logged and flags the entry.
func (s *Service) HandleEvent(ctx context.Context, ev payout.Event) error {
	if ev.Payout == nil {
		return nil
	}
	p := *ev.Payout
	if p.Provider == "" {
		p.Provider = ev.Provider
	}
	log := s.log.With(slog.String("reference", p.Reference), slog.String("provider", p.Provider),
		slog.String("event", ev.ID))
	a, err := s.ledger.Apply(ctx, &p, -1)
	switch {
	case err == nil:
		log.Info("payout webhook applied", slog.String("status", string(a.Entry.Status)),
			slog.String("previous", string(a.Previous)))
		return nil
	case errors.Is(err, payout.ErrNotFound) && p.Reference == "":
		log.Warn("payout webhook for an id the ledger does not know yet; asking for a redelivery", slog.String("id", p.ID))
		return err
	case errors.Is(err, payout.ErrNotFound):
		log.Warn("payout webhook for a Reference the ledger does not hold; ignored")
		return nil
	case errors.Is(err, payout.ErrConflict), errors.Is(err, payout.ErrInvalidRequest):
		log.Error("payout webhook conflicts with the ledger; flagged", slog.Any("error", err))
		if p.Reference != "" {
			if ferr := s.ledger.Flag(ctx, p.Reference, err.Error()); ferr != nil && !errors.Is(ferr, payout.ErrNotFound) {
				return ferr
			}
		}
		return nil
	}
	return err
}
