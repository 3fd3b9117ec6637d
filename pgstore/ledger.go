package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// Querier runs SQL statements. *pgxpool.Pool, *pgx.Conn and pgx.Tx all
// satisfy it, so a Ledger can write inside the caller's own transaction
// (Ledger.With) as well as on its own.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Status is where a ledger entry stands. It extends payout.Status with
// the states a payout has before the provider has answered for it
// (StatusIntent, StatusUnknown) and the state of a payout the provider
// refused to create (StatusRefused).
//
// Statuses are ordered, and a ledger entry only moves forward in that
// order: intent < unknown < pending < processing < final (succeeded,
// failed, cancelled, expired, refused) < reversed. A late PENDING never
// overwrites SUCCEEDED; REVERSED may follow SUCCEEDED or FAILED, never
// CANCELLED, EXPIRED or REFUSED; one final status never replaces another
// (the entry is flagged as needing attention instead).
type Status string

// The statuses of a ledger entry.
const (
	// StatusIntent: the payout was decided and recorded; no Send has
	// answered for it yet. It may or may not have been sent.
	StatusIntent Status = "intent"
	// StatusUnknown: a Send was attempted and its outcome is unknown
	// (payout.ErrOutcomeUnknown, a timeout, a crash). Send again with the
	// same Reference, or look the payout up, to learn it.
	StatusUnknown Status = "unknown"
	// StatusPending and StatusProcessing: the provider accepted the
	// payout; it is not final yet.
	StatusPending    = Status(payout.StatusPending)
	StatusProcessing = Status(payout.StatusProcessing)
	// StatusSucceeded: the recipient was paid.
	StatusSucceeded = Status(payout.StatusSucceeded)
	// StatusFailed, StatusCancelled, StatusExpired: the provider created
	// the payout and it ended without paying the recipient.
	StatusFailed    = Status(payout.StatusFailed)
	StatusCancelled = Status(payout.StatusCancelled)
	StatusExpired   = Status(payout.StatusExpired)
	// StatusReversed: a failed (or paid) payout's amount was returned to
	// the merchant.
	StatusReversed = Status(payout.StatusReversed)
	// StatusRefused: the provider (or the SDK's validation) definitely
	// refused the request; no payout exists at the provider. LastErrorCode
	// and LastErrorMessage say why.
	StatusRefused Status = "refused"
)

// rank is s's place in the forward-only order; -1 for a status the ledger
// does not know.
func (s Status) rank() int {
	switch s {
	case StatusIntent:
		return 0
	case StatusUnknown:
		return 1
	case StatusPending:
		return 2
	case StatusProcessing:
		return 3
	case StatusSucceeded, StatusFailed, StatusCancelled, StatusExpired, StatusRefused:
		return 4
	case StatusReversed:
		return 5
	}
	return -1
}

// Final reports whether s is an outcome: the recipient was paid, or will
// not be by this payout. A final entry needs no more checks (a REVERSED
// may still arrive by webhook).
func (s Status) Final() bool { return s.rank() >= 4 }

// Accepted reports whether the provider created the payout (whatever
// became of it since).
func (s Status) Accepted() bool { r := s.rank(); return r >= 2 && s != StatusRefused }

// String returns the status's name.
func (s Status) String() string { return string(s) }

// Intent is a payout about to be sent: what the ledger records before the
// first Send.
type Intent struct {
	// Reference is the payout's Request.Reference: the ledger's key.
	Reference string
	// Provider names the client that will send it ("palpluss", "payos").
	Provider string
	// Amount is the amount to pay.
	Amount money.Amount
	// Phone is the recipient's number, in any form phone.Parse accepts;
	// the ledger keeps international digits (2547XXXXXXXX).
	Phone string
	// BatchID groups payouts for Ledger.Counts (a payroll run, say); may be
	// empty.
	BatchID string
	// CheckAfter, when positive, makes a new intent due (Ledger.Due) after
	// that long if no Send result has been recorded by then: the safety
	// net for an intent whose send was lost. 0: not due until a Send
	// result.
	CheckAfter time.Duration
}

// IntentFor returns the Intent of req sent through provider in batch.
func IntentFor(req payout.Request, provider, batchID string) Intent {
	return Intent{Reference: req.Reference, Provider: provider, Amount: req.Amount,
		Phone: req.Recipient.Phone, BatchID: batchID}
}

// Entry is the ledger's record of one payout.
type Entry struct {
	// Reference is the payout's Request.Reference.
	Reference string
	// Provider names the client it is sent through, and ProviderID is the
	// provider's transaction id (empty until an answer carried it).
	Provider, ProviderID string
	// Amount is the amount to pay.
	Amount money.Amount
	// Phone is the recipient's number in international digits.
	Phone string
	// BatchID is the Intent's BatchID.
	BatchID string
	// Status is where the payout stands, and ProviderStatus the provider's
	// own spelling of its last status.
	Status         Status
	ProviderStatus string
	// Receipt, FailureCode and FailureMessage are the provider's, as the
	// last answer that moved the entry gave them.
	Receipt, FailureCode, FailureMessage string
	// Sends counts the Send calls started (Ledger.StartSend), Attempts the
	// Send results recorded, Checks the status checks (Ledger.Checked). A
	// Sends greater than Attempts means a Send whose result was never
	// recorded (a process died during it): it may have created the payout.
	Sends, Attempts, Checks int
	// LastErrorCode and LastErrorMessage are the last Send error (a
	// payout.Code and its message); empty after a Send that succeeded.
	LastErrorCode, LastErrorMessage string
	// NeedsAttention is set when the payout is not final after the age a
	// caller allows, or when the provider reported something the ledger
	// will not accept (another final status); AttentionReason says which.
	NeedsAttention  bool
	AttentionReason string
	// NextCheckAt is when the payout's status is due to be checked; zero
	// for a final entry.
	NextCheckAt time.Time
	// CreatedAt is when the intent was written, UpdatedAt the last write,
	// AcceptedAt when an answer first showed the provider had the payout,
	// FinalAt when the entry became final. Zero when not (yet) so.
	CreatedAt, UpdatedAt, AcceptedAt, FinalAt time.Time
}

// Applied is the result of Ledger.Apply and Ledger.RecordSend.
type Applied struct {
	// Entry is the entry after the write.
	Entry Entry
	// Previous is the status before it.
	Previous Status
}

// Changed reports whether the write moved the entry to another status.
func (a Applied) Changed() bool { return a.Previous != a.Entry.Status }

// BatchCounts counts a batch's entries by where they stand.
type BatchCounts struct {
	// BatchID is the batch counted.
	BatchID string
	// Total is the number of entries.
	Total int
	// Intent counts entries not yet answered for (queued or in flight);
	// Unknown those whose Send outcome is unknown; Accepted those the
	// provider accepted that are not final (pending or processing).
	Intent, Unknown, Accepted int
	// Succeeded counts paid entries; Failed those that ended unpaid
	// (failed, reversed, cancelled, expired); Refused those the provider
	// never created.
	Succeeded, Failed, Refused int
	// NeedsAttention counts entries flagged, whatever their status.
	NeedsAttention int
	// ByStatus is the count of every status present.
	ByStatus map[Status]int
}

// Done reports whether every entry of the batch is final.
func (c BatchCounts) Done() bool { return c.Succeeded+c.Failed+c.Refused == c.Total }
