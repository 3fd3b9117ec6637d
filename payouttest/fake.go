package payouttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
	"github.com/payoutkit/payout/webhook"
)

// FakeProvider is the Provider name on everything the Fake returns.
const FakeProvider = "fake"

// Outcome scripts what the Fake does with a Send.
type Outcome struct {
	// Err, when set, is what Send returns (build one with Failure).
	Err error
	// Create makes Send create the payout even though it returns Err: the
	// provider processed the request but its answer was lost. Use it with
	// a payout.CodeOutcomeUnknown error to test that your code sends again
	// with the same Reference and gets the payout back.
	Create bool
	// Times limits the outcome to the next Times matching Sends; 0 means
	// every one.
	Times int
	// Settle, when set, moves a created payout straight to this status.
	Settle payout.Status
}

// Failure returns the error an adapter would return for code, for scripting
// Outcomes: Failure(payout.CodeInsufficientFunds) matches
// payout.ErrInsufficientFunds.
func Failure(code payout.Code) error {
	return &payout.Error{Code: code, Provider: FakeProvider, Message: "scripted failure"}
}

// Fake is an in-memory payout.Client for unit tests of code that sends
// payouts. It validates requests with the rules every provider shares
// (payout.Request.Validate) or, made with NewPalPlussFake, NewPayOSFake or
// WithRules, with one provider's full rules; it records every Send, keeps Send idempotent per Reference, returns scripted
// outcomes per Reference or per phone number, and moves payouts to terminal
// statuses on demand. Create one with NewFake. It is safe for concurrent
// use.
type Fake struct {
	mu       sync.Mutex
	requests []payout.Request
	created  []*payout.Payout
	byRef    map[string]*payout.Payout
	asked    map[string]payout.Request // the request that created byRef's payout
	byID     map[string]*payout.Payout
	refRules map[string]*Outcome
	phRules  map[string]*Outcome
	now      func() time.Time
	rules    payout.Validator // nil: Request.Validate
}

// NewFake returns an empty Fake with the rules every provider shares, or
// those of WithRules.
func NewFake(opts ...FakeOption) *Fake {
	f := &Fake{
		byRef:    make(map[string]*payout.Payout),
		asked:    make(map[string]payout.Request),
		byID:     make(map[string]*payout.Payout),
		refRules: make(map[string]*Outcome),
		phRules:  make(map[string]*Outcome),
		now:      func() time.Time { return time.Now().UTC() },
	}
	for _, o := range opts {
		o(f)
	}
	return f
}

var _ payout.Client = (*Fake)(nil)

// OnReference scripts the outcome of Sends with this Reference.
func (f *Fake) OnReference(reference string, o Outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refRules[reference] = &o
}

// OnPhone scripts the outcome of Sends to this number, given in any form
// phone.Parse accepts; it returns phone.Parse's error for any other.
func (f *Fake) OnPhone(number string, o Outcome) error {
	n, err := phone.Parse(number)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phRules[n.International()] = &o
	return nil
}

// Send records req, validates it (see Validate), and then, in this order:
// returns the payout an earlier Send created for the same Reference (or,
// when that payout's amount, phone, recipient name or Sender differs, an
// error matching payout.ErrDuplicateReference that names what differs, as
// the adapters do: the Reference was reused for another payout; a Fake
// with PalPluss's rules compares only amount and phone, as PalPluss is sent
// neither name nor Sender); applies a scripted
// Outcome (by Reference first, then by phone); or accepts the payout as
// StatusPending.
func (f *Fake) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	if err := f.Validate(req); err != nil {
		return nil, err
	}
	n, _ := phone.Parse(req.Recipient.Phone) // Validate checked it
	if p, ok := f.byRef[req.Reference]; ok {
		diffs := httpx.Differences(req, p)
		if !f.ignoresNames() {
			diffs = append(diffs, otherParties(f.asked[req.Reference], req)...)
		}
		if len(diffs) > 0 {
			return nil, httpx.DuplicateReference(FakeProvider, req, p, diffs)
		}
		cp := *p
		return &cp, nil
	}
	o, ok := take(f.refRules, req.Reference)
	if !ok {
		o, _ = take(f.phRules, n.International())
	}
	if o.Err != nil && !o.Create {
		return nil, withReference(o.Err, req.Reference)
	}
	now := f.now()
	p := &payout.Payout{
		ID:             fmt.Sprintf("fake-%06d", len(f.created)+1),
		Reference:      req.Reference,
		Provider:       FakeProvider,
		Status:         payout.StatusPending,
		ProviderStatus: "PENDING",
		Amount:         req.Amount,
		Fee:            money.New(0, req.Amount.Currency),
		Phone:          n.International(),
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	f.created = append(f.created, p)
	f.byRef[p.Reference], f.byID[p.ID] = p, p
	f.asked[p.Reference] = req
	if o.Settle != "" {
		f.settle(p, o.Settle)
	}
	if o.Err != nil {
		return nil, withReference(o.Err, req.Reference)
	}
	cp := *p
	return &cp, nil
}

// take returns the rule under key, counting down its Times.
func take(rules map[string]*Outcome, key string) (Outcome, bool) {
	o, ok := rules[key]
	if !ok {
		return Outcome{}, false
	}
	if o.Times > 0 {
		o.Times--
		if o.Times == 0 {
			delete(rules, key)
		}
	}
	return *o, true
}

func withReference(err error, ref string) error {
	if pe, ok := err.(*payout.Error); ok && pe.Reference == "" {
		cp := *pe
		cp.Reference = ref
		return &cp
	}
	return err
}

// Get returns the payout with the given id, or an error matching
// payout.ErrNotFound.
func (f *Fake) Get(ctx context.Context, id string) (*payout.Payout, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(id)
}

func (f *Fake) get(id string) (*payout.Payout, error) {
	p, ok := f.byID[id]
	if !ok {
		return nil, &payout.Error{Code: payout.CodeNotFound, Provider: FakeProvider, Message: "no payout " + id}
	}
	cp := *p
	return &cp, nil
}

// Requests returns every request Send received, in order, including
// invalid and repeated ones.
func (f *Fake) Requests() []payout.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]payout.Request(nil), f.requests...)
}

// Payouts returns every payout the Fake created, in creation order.
func (f *Fake) Payouts() []payout.Payout {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]payout.Payout, len(f.created))
	for i, p := range f.created {
		out[i] = *p
	}
	return out
}

// Settle moves the payout with the given id to status (usually a terminal
// one) and returns it. A successful payout gets a receipt; a failed,
// reversed, cancelled or expired one a failure code "FAKE_<STATUS>".
func (f *Fake) Settle(id string, status payout.Status) (*payout.Payout, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.byID[id]
	if !ok {
		return nil, &payout.Error{Code: payout.CodeNotFound, Provider: FakeProvider, Message: "no payout " + id}
	}
	f.settle(p, status)
	cp := *p
	return &cp, nil
}

func (f *Fake) settle(p *payout.Payout, s payout.Status) {
	p.Status = s
	p.ProviderStatus = strings.ToUpper(string(s))
	p.UpdatedAt = f.now()
	switch s {
	case payout.StatusSucceeded:
		p.Receipt = "FK" + strings.TrimPrefix(p.ID, "fake-")
	case payout.StatusFailed, payout.StatusReversed, payout.StatusCancelled, payout.StatusExpired:
		if p.FailureCode == "" {
			p.FailureCode, p.FailureMessage = "FAKE_"+strings.ToUpper(string(s)), "scripted "+string(s)
		}
	}
}

// fakeEvent is the body of the Fake's webhooks.
type fakeEvent struct {
	Type   string     `json:"type"`
	Payout fakePayout `json:"payout"`
}

type fakePayout struct {
	ID             string `json:"id"`
	Reference      string `json:"reference"`
	Status         string `json:"status"`
	AmountMinor    int64  `json:"amountMinor"`
	Currency       string `json:"currency"`
	Phone          string `json:"phone"`
	Receipt        string `json:"receipt,omitempty"`
	FailureCode    string `json:"failureCode,omitempty"`
	FailureMessage string `json:"failureMessage,omitempty"`
}

// Event returns the webhook event a provider would deliver for the payout's
// current status, as webhook.Handler hands it to your code. Its ID is
// stable for one payout and status, as a redelivery's would be.
func (f *Fake) Event(id string) (payout.Event, error) {
	f.mu.Lock()
	p, err := f.get(id)
	f.mu.Unlock()
	if err != nil {
		return payout.Event{}, err
	}
	typ := "payout." + string(p.Status)
	body, err := json.Marshal(fakeEvent{Type: typ, Payout: fakePayout{
		ID: p.ID, Reference: p.Reference, Status: string(p.Status), AmountMinor: p.Amount.Minor,
		Currency: string(p.Amount.Currency), Phone: p.Phone, Receipt: p.Receipt,
		FailureCode: p.FailureCode, FailureMessage: p.FailureMessage}})
	if err != nil {
		return payout.Event{}, err
	}
	return payout.Event{ID: fakeEventID(p), Provider: FakeProvider, Type: typ, Payout: p, Raw: body}, nil
}

func fakeEventID(p *payout.Payout) string { return "fake:" + p.ID + ":" + string(p.Status) }

// WebhookRequest returns a POST to url carrying the payout's event in the
// Fake's own shape, signed with Standard Webhooks headers under secret
// ("whsec_..."): feed it to a webhook.Handler built with this package's
// ParseWebhook and a webhook.StandardVerifier on the same secret. A PalPluss
// or PayOS route does not read this shape: test those with
// PalPlussWebhookRequest and PayOSWebhookRequest, which build what the
// provider sends.
func (f *Fake) WebhookRequest(id, url, secret string) (*http.Request, error) {
	ev, err := f.Event(id)
	if err != nil {
		return nil, err
	}
	h, err := webhook.Sign(secret, ev.ID, f.now(), ev.Raw)
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(ev.Raw))
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", "application/json")
	return r, nil
}

// ParseWebhook parses the body of a Fake webhook (Fake.WebhookRequest):
// the parser to give webhook.NewHandler in tests that drive a handler with
// the Fake.
func ParseWebhook(body []byte) (*payout.Event, error) {
	var ev fakeEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, &payout.Error{Code: payout.CodeInvalidRequest, Provider: FakeProvider, Message: "malformed fake webhook", Err: err}
	}
	if ev.Payout.ID == "" {
		return nil, payout.InvalidField("payout.id", "is missing")
	}
	if ev.Payout.Status == "" {
		return nil, payout.InvalidField("payout.status", "is missing")
	}
	p := &payout.Payout{ID: ev.Payout.ID, Reference: ev.Payout.Reference, Provider: FakeProvider,
		Status: payout.Status(ev.Payout.Status), ProviderStatus: strings.ToUpper(ev.Payout.Status),
		Amount: money.New(ev.Payout.AmountMinor, money.Currency(ev.Payout.Currency)),
		Phone:  ev.Payout.Phone, Receipt: ev.Payout.Receipt,
		FailureCode: ev.Payout.FailureCode, FailureMessage: ev.Payout.FailureMessage}
	return &payout.Event{ID: fakeEventID(p), Provider: FakeProvider, Type: ev.Type, Payout: p, Raw: append(json.RawMessage(nil), body...)}, nil
}
