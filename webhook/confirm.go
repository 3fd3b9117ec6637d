package webhook

import (
	"context"
	"errors"
	"fmt"

	"github.com/payoutkit/payout"
)

// PayoutGetter is what ConfirmByGet needs of a client: payout.Client's Get.
type PayoutGetter interface {
	// Get returns the payout the provider knows by id (its transaction
	// id), as payout.Client's Get does.
	Get(ctx context.Context, id string) (*payout.Payout, error)
}

// ConfirmByGet returns a ConfirmFunc (for WithConfirm) that asks c for the
// payout an event reports on, by its provider transaction id
// (Event.Payout.ID), and returns a copy of the event whose Payout is c's
// answer. Everything else of the event (ID, Provider, Type, Raw) is kept.
//
// An event that carries no payout is returned unchanged: it claims nothing
// to confirm. An event whose payout has no id, or whose reference differs
// from the provider's, fails with an error matching ErrUnconfirmed, and so
// does one whose id c's Get refuses before asking (a *payout.Error with
// Field "id" and no HTTP status: "..", an id holding '/'); any other error
// of c's Get is returned as is (payout.ErrNotFound makes the Handler answer
// 422, anything else 503).
func ConfirmByGet(c PayoutGetter) ConfirmFunc {
	if c == nil {
		panic("webhook: ConfirmByGet: nil client")
	}
	return func(ctx context.Context, ev *payout.Event) (*payout.Event, error) {
		if ev == nil {
			return nil, fmt.Errorf("%w: no event", ErrUnconfirmed)
		}
		if ev.Payout == nil {
			return ev, nil
		}
		if ev.Payout.ID == "" {
			return nil, fmt.Errorf("%w: the event names no transaction id", ErrUnconfirmed)
		}
		p, err := c.Get(ctx, ev.Payout.ID)
		var pe *payout.Error
		if errors.As(err, &pe) && pe.Field == "id" && pe.HTTPStatus == 0 {
			// Get refused the id before asking (it cannot be one path
			// segment, or names another endpoint): no transaction of the
			// provider has it, now or later. Answering 503 would have the
			// delivery repeated for nothing.
			return nil, fmt.Errorf("%w: the event's transaction id cannot be looked up: %w", ErrUnconfirmed, err)
		}
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, errors.New("webhook: ConfirmByGet: Get returned no payout")
		}
		if ev.Payout.Reference != "" && p.Reference != "" && p.Reference != ev.Payout.Reference {
			return nil, fmt.Errorf("%w: the provider's payout has another reference", ErrUnconfirmed)
		}
		out := *ev
		out.Payout = p
		return &out, nil
	}
}
