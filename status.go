package payout

// Status is where a payout stands, in provider-neutral terms.
type Status string

// The statuses a payout moves through. A payout starts StatusPending (the
// provider accepted it), may pass StatusProcessing, and ends in one of the
// terminal statuses. StatusFailed can still be followed by StatusReversed
// when a provider that debited the merchant's wallet at acceptance credits
// it back.
const (
	// StatusPending: accepted by the provider, not yet paid. Also the status
	// of a provider status this SDK does not know (Payout.ProviderStatus
	// keeps the raw value).
	StatusPending Status = "pending"
	// StatusProcessing: handed to the mobile-money operator.
	StatusProcessing Status = "processing"
	// StatusSucceeded: the recipient has been paid.
	StatusSucceeded Status = "succeeded"
	// StatusFailed: the payout was declined; the recipient was not paid.
	StatusFailed Status = "failed"
	// StatusReversed: the payout failed and the debited amount was returned
	// to the merchant's wallet.
	StatusReversed Status = "reversed"
	// StatusCancelled: the payout was cancelled before it was paid.
	StatusCancelled Status = "cancelled"
	// StatusExpired: the payout timed out before it was paid.
	StatusExpired Status = "expired"
)

// Terminal reports whether s is a final outcome: the recipient was paid
// (StatusSucceeded) or will not be paid by this payout (failed, reversed,
// cancelled, expired).
func (s Status) Terminal() bool {
	switch s {
	case StatusSucceeded, StatusFailed, StatusReversed, StatusCancelled, StatusExpired:
		return true
	}
	return false
}

// Paid reports whether the recipient received the money.
func (s Status) Paid() bool { return s == StatusSucceeded }

// String returns the status's name.
func (s Status) String() string { return string(s) }
