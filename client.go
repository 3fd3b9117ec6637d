package payout

import (
	"context"
	"time"

	"github.com/payoutkit/payout/money"
)

// Client sends payouts through one provider. Every implementation is safe for
// concurrent use.
type Client interface {
	// Send asks the provider to pay req. A nil error means the provider
	// accepted the payout, not that it was paid: the returned Payout is
	// usually StatusPending, and its final status arrives by webhook or Get.
	//
	// Send is idempotent per req.Reference: a second Send with the same
	// Reference returns the payout the first created instead of paying again.
	// An error matching ErrOutcomeUnknown means the provider may or may not
	// have created the payout; call Send again with the same Reference.
	Send(ctx context.Context, req Request) (*Payout, error)

	// Get returns the provider's current view of the payout with the given
	// provider transaction id (Payout.ID).
	Get(ctx context.Context, id string) (*Payout, error)
}

// Payout is a provider's record of one payout, in provider-neutral terms.
type Payout struct {
	// ID is the provider's transaction id: the argument of Client.Get.
	ID string
	// Reference is the caller's Request.Reference, as the provider echoes it.
	Reference string
	// Provider names the adapter that produced this value ("palpluss", "payos").
	Provider string
	// Status is the provider's status mapped to the shared taxonomy.
	Status Status
	// ProviderStatus is the status exactly as the provider spelled it; it is
	// the only record of a status this SDK does not know (mapped to
	// StatusPending).
	ProviderStatus string
	// Amount is the amount paid to the recipient.
	Amount money.Amount
	// Fee is what the provider charged for the payout, where it says so.
	Fee money.Amount
	// Phone is the recipient's number in international digits, 2547XXXXXXXX.
	Phone string
	// Receipt is the mobile-money receipt (M-Pesa transaction code) where the
	// provider gives one.
	Receipt string
	// FailureCode is the provider's reason code for a failed payout, and
	// FailureMessage its human-readable text.
	FailureCode, FailureMessage string
	// CreatedAt and UpdatedAt are the provider's timestamps (zero if absent).
	CreatedAt, UpdatedAt time.Time
}
