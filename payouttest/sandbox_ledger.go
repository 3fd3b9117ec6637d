package payouttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// The magic values that choose a payout's outcome on both sides of a
// Sandbox. Phone numbers are compared after normalisation, so every
// spelling a provider accepts works: "0700000001", "+254700000001",
// "254700000001". The package documentation has the full table.
const (
	// SandboxPhoneInvalidAccount is a recipient whose payout is accepted and
	// then fails at settlement because the number cannot receive M-Pesa:
	// PalPluss FAILED (result code "2001") then REVERSED; PayOS FAILED with
	// errorCode PAYOUT_RECIPIENT_INVALID_ACCOUNT.
	SandboxPhoneInvalidAccount = "0700000001"
	// SandboxPhoneLimitExceeded is a recipient whose payout fails at
	// settlement because the recipient's wallet limit would be exceeded:
	// PalPluss FAILED (result code "8") then REVERSED; PayOS FAILED with
	// errorCode PAYOUT_RECIPIENT_LIMIT_EXCEEDED.
	SandboxPhoneLimitExceeded = "0700000002"
	// SandboxPhoneHeld is a recipient whose payout reaches PROCESSING and
	// stays there until Settle or SettleAs names it; SettleAll and the
	// settle delay leave it processing.
	SandboxPhoneHeld = "0700000003"
	// SandboxPhoneCancelled is a recipient whose payout is accepted and then
	// cancelled before it goes out: PalPluss CANCELLED (the amount is
	// credited back to the B2C wallet, the fee kept, webhook event_type
	// transaction.cancelled); PayOS CANCELLED (webhook payout.cancelled).
	SandboxPhoneCancelled = "0700000004"
	// SandboxPhoneExpired is a recipient whose payout is accepted and then
	// expires before it goes out: PalPluss EXPIRED (the amount is credited
	// back, the fee kept, webhook event_type transaction.expired); PayOS
	// EXPIRED (webhook payout.expired).
	SandboxPhoneExpired = "0700000005"
	// SandboxInsufficientFundsKES is the amount, in whole shillings, that
	// the payout source never has: a payout of exactly KES 99,999 is refused
	// at acceptance, with 409 INSUFFICIENT_FUNDS by PalPluss and 422
	// PAYOUT_INSUFFICIENT_FUNDS by PayOS, and creates nothing.
	SandboxInsufficientFundsKES = 99_999
)

// SandboxOutcome is how a payout ends when it settles.
type SandboxOutcome int

// The outcomes a payout can be settled with (see SettleAs).
const (
	// SandboxOutcomeSuccess: the recipient is paid (PalPluss SUCCESS with
	// an M-Pesa receipt, PayOS COMPLETED with a processor reference).
	SandboxOutcomeSuccess SandboxOutcome = iota
	// SandboxOutcomeInvalidAccount: the number cannot receive M-Pesa.
	SandboxOutcomeInvalidAccount
	// SandboxOutcomeLimitExceeded: the recipient's wallet limit would be
	// exceeded.
	SandboxOutcomeLimitExceeded
	// SandboxOutcomeCancelled: the payout is cancelled before it goes out
	// (PalPluss CANCELLED with the amount credited back, PayOS CANCELLED).
	SandboxOutcomeCancelled
	// SandboxOutcomeExpired: the payout expires before it goes out
	// (PalPluss EXPIRED with the amount credited back, PayOS EXPIRED).
	SandboxOutcomeExpired
)

// String returns "success", "invalid_account", "limit_exceeded",
// "cancelled" or "expired".
func (o SandboxOutcome) String() string {
	switch o {
	case SandboxOutcomeSuccess:
		return "success"
	case SandboxOutcomeInvalidAccount:
		return "invalid_account"
	case SandboxOutcomeLimitExceeded:
		return "limit_exceeded"
	case SandboxOutcomeCancelled:
		return "cancelled"
	case SandboxOutcomeExpired:
		return "expired"
	}
	return fmt.Sprintf("SandboxOutcome(%d)", int(o))
}

// sandboxMagic returns the scripted outcome of a payout to phone (given in
// international digits, 2547XXXXXXXX) and whether it is held.
func sandboxMagic(intl string) (SandboxOutcome, bool) {
	switch intl {
	case "254" + SandboxPhoneInvalidAccount[1:]:
		return SandboxOutcomeInvalidAccount, false
	case "254" + SandboxPhoneLimitExceeded[1:]:
		return SandboxOutcomeLimitExceeded, false
	case "254" + SandboxPhoneHeld[1:]:
		return SandboxOutcomeSuccess, true
	case "254" + SandboxPhoneCancelled[1:]:
		return SandboxOutcomeCancelled, false
	case "254" + SandboxPhoneExpired[1:]:
		return SandboxOutcomeExpired, false
	}
	return SandboxOutcomeSuccess, false
}

// SandboxPayout is the Sandbox's own record of one payout it created: the
// server-side truth a test compares with what its client believes.
type SandboxPayout struct {
	// Provider is SandboxPalPluss or SandboxPayOS.
	Provider string
	// ID is the provider's transaction id (payout.Payout.ID).
	ID string
	// Reference is the caller's reference: PalPluss's reference field,
	// PayOS's merchantReference.
	Reference string
	// IdempotencyKey is the Idempotency-Key header of the request that
	// created the payout, if it had one.
	IdempotencyKey string
	// Status is the current status in the SDK's taxonomy.
	Status payout.Status
	// ProviderStatus is the current status as the provider spells it
	// ("PENDING", "SUCCESS", "REVERSED", "RECEIVED", "COMPLETED"...).
	ProviderStatus string
	// Amount is what the recipient receives.
	Amount money.Amount
	// Fee is what the provider charged (PalPluss's service-wallet fee;
	// zero for PayOS).
	Fee money.Amount
	// Phone is the recipient in international digits, 2547XXXXXXXX.
	Phone string
	// Receipt is the M-Pesa receipt once paid.
	Receipt string
	// FailureCode and FailureMessage say why a failed payout failed, as the
	// provider reports it (PalPluss's result code, PayOS's errorCode).
	FailureCode, FailureMessage string
	// CallbackURL is where its webhooks go (PalPluss's per-request
	// callbackUrl; empty for PayOS, which uses one merchant-wide URL).
	CallbackURL string
	// History lists every status the payout has had, oldest first,
	// starting with its status at creation.
	History []SandboxTransition
	// CreatedAt and UpdatedAt are the provider's timestamps.
	CreatedAt, UpdatedAt time.Time
}

// SandboxTransition is one status a payout entered.
type SandboxTransition struct {
	// Status is the status in the SDK's taxonomy.
	Status payout.Status
	// ProviderStatus is the status as the provider spells it.
	ProviderStatus string
	// At is when the payout entered it.
	At time.Time
}

// sandboxStage is where a payout stands, whatever the provider calls it.
type sandboxStage int

const (
	stageAccepted sandboxStage = iota
	stageProcessing
	stageSucceeded
	stageFailed
	stageReversed
	stageCancelled
	stageExpired
)

func (st sandboxStage) status() payout.Status {
	return [...]payout.Status{payout.StatusPending, payout.StatusProcessing, payout.StatusSucceeded,
		payout.StatusFailed, payout.StatusReversed, payout.StatusCancelled, payout.StatusExpired}[st]
}

// final is the stage a payout settled with outcome o ends in (before any
// reversal).
func (o SandboxOutcome) final() sandboxStage {
	switch o {
	case SandboxOutcomeSuccess:
		return stageSucceeded
	case SandboxOutcomeCancelled:
		return stageCancelled
	case SandboxOutcomeExpired:
		return stageExpired
	}
	return stageFailed
}

// neverSent reports whether st is a final stage of a payout that never went
// out to the recipient's network: cancelled or expired.
func (st sandboxStage) neverSent() bool { return st == stageCancelled || st == stageExpired }

// canEnter reports whether a payout at st may move to next: accepted to
// processing, cancelled or expired; processing to succeeded, failed,
// cancelled or expired; failed to reversed.
func (st sandboxStage) canEnter(next sandboxStage) bool {
	switch st {
	case stageAccepted:
		return next == stageProcessing || next.neverSent()
	case stageProcessing:
		return next == stageSucceeded || next == stageFailed || next.neverSent()
	case stageFailed:
		return next == stageReversed
	}
	return false
}

// sandboxRecord is one payout as a provider stores it. Its fields are
// guarded by the owning ledger's mutex.
type sandboxRecord struct {
	seq                         int
	id, reference, idemKey      string
	amount, fee                 money.Amount
	phone                       string
	stage                       sandboxStage
	outcome                     SandboxOutcome
	held                        bool
	history                     []SandboxTransition
	receipt                     string
	failureCode, failureMessage string
	createdAt, updatedAt        time.Time

	// PalPluss
	callbackURL, description, channelID, providerRequestID string
	// PayOS
	sessionID, attemptID, recipientName string
}

// sandboxLedger is one provider's store of payouts, guarded by mu, which
// also guards the provider's other state (wallets, idempotency keys).
type sandboxLedger struct {
	name    string
	mu      sync.Mutex
	seq     int
	list    []*sandboxRecord
	byID    map[string]*sandboxRecord
	created map[string]int
}

func newSandboxLedger(name string) sandboxLedger {
	return sandboxLedger{name: name, byID: map[string]*sandboxRecord{}, created: map[string]int{}}
}

// add stores rec, created now in status, as the newest payout.
func (l *sandboxLedger) add(rec *sandboxRecord, status string) {
	l.seq++
	rec.seq = l.seq
	rec.history = []SandboxTransition{{Status: stageAccepted.status(), ProviderStatus: status, At: rec.createdAt}}
	l.list = append(l.list, rec)
	l.byID[rec.id] = rec
	if rec.reference != "" {
		l.created[rec.reference]++
	}
}

func (l *sandboxLedger) snapshot(rec *sandboxRecord) SandboxPayout {
	last := rec.history[len(rec.history)-1]
	return SandboxPayout{
		Provider: l.name, ID: rec.id, Reference: rec.reference, IdempotencyKey: rec.idemKey,
		Status: last.Status, ProviderStatus: last.ProviderStatus, Amount: rec.amount, Fee: rec.fee,
		Phone: rec.phone, Receipt: rec.receipt, FailureCode: rec.failureCode, FailureMessage: rec.failureMessage,
		CallbackURL: rec.callbackURL, History: append([]SandboxTransition(nil), rec.history...),
		CreatedAt: rec.createdAt, UpdatedAt: rec.updatedAt,
	}
}

// sandboxBackend is what settlement needs of a provider.
type sandboxBackend interface {
	ledger() *sandboxLedger
	// enter moves rec into st with the provider's side effects (wallets,
	// receipts, failure codes) and returns the webhook events to deliver.
	// The ledger's mutex is held.
	enter(rec *sandboxRecord, st sandboxStage, now time.Time) []sandboxEvent
	// reverses reports whether a failed payout is reversed afterwards.
	reverses() bool
	// statusName spells st as the provider does.
	statusName(st sandboxStage) string
}

func (s *Sandbox) backend(provider string) sandboxBackend {
	switch provider {
	case SandboxPalPluss:
		return s.palpluss
	case SandboxPayOS:
		return s.payos
	}
	panic(fmt.Sprintf("payouttest: unknown provider %q (want SandboxPalPluss or SandboxPayOS)", provider))
}

// Payouts returns every payout provider created, oldest first, as the
// provider sees it now. It panics if provider is not SandboxPalPluss or
// SandboxPayOS.
func (s *Sandbox) Payouts(provider string) []SandboxPayout {
	l := s.backend(provider).ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SandboxPayout, 0, len(l.list))
	for _, rec := range l.list {
		out = append(out, l.snapshot(rec))
	}
	return out
}

// Payout returns the payout provider knows by id, and whether there is one.
func (s *Sandbox) Payout(provider, id string) (SandboxPayout, bool) {
	l := s.backend(provider).ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	rec, ok := l.byID[id]
	if !ok {
		return SandboxPayout{}, false
	}
	return l.snapshot(rec), true
}

// CreatedCount returns how many payouts provider created with reference:
// 0 or 1 for a client that keeps the promise never to pay twice. (PalPluss
// itself does not refuse a repeated reference; only the Idempotency-Key
// protects a client there. PayOS refuses a repeated merchantReference.)
func (s *Sandbox) CreatedCount(provider, reference string) int {
	l := s.backend(provider).ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.created[reference]
}

// ErrSandboxPayoutNotFound is returned by Settle and SettleAs for an id the
// provider does not know.
var ErrSandboxPayoutNotFound = errors.New("payouttest: no such payout")

// ErrSandboxPayoutFinal is returned by SettleAs for a payout that already
// has its final status.
var ErrSandboxPayoutFinal = errors.New("payouttest: payout already settled")

// Settle drives the payout id of provider to its scripted final status now
// (see the magic values in the package documentation), through PROCESSING,
// and on PalPluss through FAILED to REVERSED for a failure, sending the
// webhooks on the way. A cancelled or expired payout skips PROCESSING: it
// never went out. A held payout (SandboxPhoneHeld) is paid. Settling
// a payout that is already final does nothing.
func (s *Sandbox) Settle(provider, id string) error {
	return s.settle(provider, id, nil)
}

// SettleAs drives the payout id of provider to the final status of outcome
// now, whatever its magic values say, like Settle. It fails with
// ErrSandboxPayoutFinal if the payout has already settled.
func (s *Sandbox) SettleAs(provider, id string, outcome SandboxOutcome) error {
	if outcome < SandboxOutcomeSuccess || outcome > SandboxOutcomeExpired {
		return fmt.Errorf("payouttest: SettleAs: unknown outcome %v", outcome)
	}
	return s.settle(provider, id, &outcome)
}

func (s *Sandbox) settle(provider, id string, outcome *SandboxOutcome) error {
	b := s.backend(provider)
	l := b.ledger()
	l.mu.Lock()
	rec, ok := l.byID[id]
	if !ok {
		l.mu.Unlock()
		return fmt.Errorf("%w: %s %s", ErrSandboxPayoutNotFound, provider, id)
	}
	if outcome != nil && rec.stage > stageProcessing {
		l.mu.Unlock()
		return fmt.Errorf("%w: %s %s is %s", ErrSandboxPayoutFinal, provider, id, rec.stage.status())
	}
	o := rec.outcome
	if outcome != nil {
		o = *outcome
	}
	events := s.finish(b, rec, o, time.Now())
	l.mu.Unlock()
	s.hooks.deliver(events)
	return nil
}

// SettleAll settles every payout of both providers that has not settled yet,
// as Settle does, except held ones (SandboxPhoneHeld), which only move to
// PROCESSING. It returns how many payouts reached a final status.
func (s *Sandbox) SettleAll() int {
	n := 0
	for _, b := range []sandboxBackend{s.palpluss, s.payos} {
		l := b.ledger()
		var events []sandboxEvent
		l.mu.Lock()
		now := time.Now()
		for _, rec := range l.list {
			if rec.stage > stageProcessing {
				continue
			}
			if rec.held {
				events = append(events, s.advance(b, rec, stageProcessing, now)...)
				continue
			}
			events = append(events, s.finish(b, rec, rec.outcome, now)...)
			n++
		}
		l.mu.Unlock()
		s.hooks.deliver(events)
	}
	return n
}

// advance moves rec into st if it is the next stage, and returns the
// webhook events. The ledger's mutex is held.
func (s *Sandbox) advance(b sandboxBackend, rec *sandboxRecord, st sandboxStage, now time.Time) []sandboxEvent {
	if !rec.stage.canEnter(st) || (st == stageReversed && !b.reverses()) {
		return nil
	}
	rec.stage = st
	rec.updatedAt = now
	rec.history = append(rec.history, SandboxTransition{Status: st.status(), ProviderStatus: b.statusName(st), At: now})
	events := b.enter(rec, st, now)
	s.log.Info("payouttest: payout status", "provider", b.ledger().name, "id", rec.id, "status", st.status())
	return events
}

// finish moves rec through to the final status of o, reversal included.
// A cancelled or expired payout skips PROCESSING unless it is already
// there. The ledger's mutex is held.
func (s *Sandbox) finish(b sandboxBackend, rec *sandboxRecord, o SandboxOutcome, now time.Time) []sandboxEvent {
	final := o.final()
	var events []sandboxEvent
	if !final.neverSent() {
		events = s.advance(b, rec, stageProcessing, now)
	}
	rec.outcome = o
	events = append(events, s.advance(b, rec, final, now)...)
	if b.reverses() {
		events = append(events, s.advance(b, rec, stageReversed, now)...)
	}
	return events
}

// scheduleSettlement settles rec on its own after the settle delay, if one
// is set: PROCESSING after d/2 (not for a payout that will be cancelled or
// expire), final after d, REVERSED d/2 later.
func (s *Sandbox) scheduleSettlement(b sandboxBackend, id string) {
	d := s.cfg.settleDelay
	if d <= 0 {
		return
	}
	l := b.ledger()
	step := func(f func(rec *sandboxRecord, now time.Time) []sandboxEvent) {
		l.mu.Lock()
		events := f(l.byID[id], time.Now())
		l.mu.Unlock()
		s.hooks.deliver(events)
	}
	s.bg.spawn(func(ctx context.Context) {
		if !sandboxSleep(ctx, d/2) {
			return
		}
		step(func(rec *sandboxRecord, now time.Time) []sandboxEvent {
			if rec.outcome.final().neverSent() {
				return nil
			}
			return s.advance(b, rec, stageProcessing, now)
		})
		if !sandboxSleep(ctx, d-d/2) {
			return
		}
		failed := false
		step(func(rec *sandboxRecord, now time.Time) []sandboxEvent {
			if rec.held {
				return nil
			}
			ev := s.advance(b, rec, rec.outcome.final(), now)
			failed = rec.stage == stageFailed
			return ev
		})
		if !failed || !b.reverses() || !sandboxSleep(ctx, d/2) {
			return
		}
		step(func(rec *sandboxRecord, now time.Time) []sandboxEvent {
			return s.advance(b, rec, stageReversed, now)
		})
	})
}
