package payouttest

import (
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
)

// FakeOption configures a Fake made by NewFake.
type FakeOption func(*Fake)

// WithRules makes the Fake check every request with v, as a Client that is
// a payout.Validator checks it in Send, instead of only with the rules every
// provider shares (payout.Request.Validate). Give it the adapter your code
// runs against in production, configured the same way, so that a request
// production would refuse is refused in your tests too:
//
//	pal, _ := palpluss.New(key, palpluss.WithMaxAmount(money.New(70_000_00, money.KES)))
//	f := payouttest.NewFake(payouttest.WithRules(pal))
//
// Validate never sends anything, so the client's credentials and base URL
// do not matter. NewPalPlussFake and NewPayOSFake do this with the
// adapters' defaults.
func WithRules(v payout.Validator) FakeOption {
	return func(f *Fake) { f.rules = v }
}

// fakeAPIKey and the PayOS credentials below build the adapters whose
// Validate the provider-true Fakes borrow; nothing is ever sent with them.
const (
	fakeAPIKey       = "pk_test_payouttest_fake"
	fakeMerchantID   = "payouttest-fake-merchant"
	fakeClientSecret = "payouttest-fake-secret"
)

// NewPalPlussFake returns a Fake with PalPluss's rules (a palpluss.Client's
// Validate with the default limits): it refuses what palpluss.Client.Send
// refuses before sending, with the same error: an amount that is not whole
// shillings, below KES 10 or above KES 150,000, a currency other than KES, a
// reference over 120 characters, a description over 255. Like PalPluss, it
// ignores Recipient.Name and Sender. For another maximum, use
// NewFake(WithRules(c)) with a palpluss.Client c built with
// palpluss.WithMaxAmount.
func NewPalPlussFake() *Fake {
	c, err := palpluss.New(fakeAPIKey)
	if err != nil { // a constant, valid key and no options: cannot happen
		panic("payouttest: " + err.Error())
	}
	return NewFake(WithRules(c))
}

// NewPayOSFake returns a Fake with PayOS's rules (a payos.Client's
// Validate): it refuses what payos.Client.Send refuses before sending, with
// the same error: an amount below KES 10.00 or above KES 150,000.00, a
// currency other than KES, a missing Recipient.Name, a missing or incomplete
// Sender (see payout.Sender.Validate), a text field over
// payos.MaxFieldLen characters.
func NewPayOSFake() *Fake {
	c, err := payos.New(fakeMerchantID, fakeClientSecret)
	if err != nil { // constant, valid credentials and no options: cannot happen
		panic("payouttest: " + err.Error())
	}
	return NewFake(WithRules(c))
}

var _ payout.Validator = (*Fake)(nil)

// Validate returns the error Send would return for req before recording a
// payout: that of the rules given with WithRules, or else of
// payout.Request.Validate. It makes payout.Check(f, req) a faithful dry run
// of f.Send.
func (f *Fake) Validate(req payout.Request) error {
	if f.rules != nil {
		return f.rules.Validate(req)
	}
	return req.Validate()
}

// ignoresNames reports whether the Fake has PalPluss's rules, which send
// neither Recipient.Name nor Sender: PalPluss answers a Reference reused
// for another name with the payout it made, and so does the Fake.
func (f *Fake) ignoresNames() bool {
	_, pal := f.rules.(*palpluss.Client)
	return pal
}

// otherParties names what makes req, under the Reference of prev, a payout
// to another recipient or from another sender than prev, beyond amount and
// phone (httpx.Differences): the recipient's name, and the Sender (KYC).
// PayOS sends both, and refuses a Reference reused with either changed
// (IDEMPOTENCY_CONFLICT, ErrDuplicateReference); so does the Fake.
func otherParties(prev, req payout.Request) []string {
	var diffs []string
	if strings.TrimSpace(prev.Recipient.Name) != strings.TrimSpace(req.Recipient.Name) {
		diffs = append(diffs, "another recipient name")
	}
	if !sameSender(prev.Sender, req.Sender) {
		diffs = append(diffs, "another sender")
	}
	return diffs
}

// sameSender compares two Senders field by field, as PayOS receives them
// (white space around each field trimmed).
func sameSender(a, b *payout.Sender) bool {
	if a == nil || b == nil {
		return a == b
	}
	t := strings.TrimSpace
	return t(a.FullName) == t(b.FullName) && t(a.PhoneNumber) == t(b.PhoneNumber) && t(a.Nationality) == t(b.Nationality) &&
		a.Identity == b.Identity && t(a.IdentityNumber) == t(b.IdentityNumber) && a.DateOfBirth == b.DateOfBirth &&
		t(a.PurposeOfFunds) == t(b.PurposeOfFunds) && t(a.SourceOfFunds) == t(b.SourceOfFunds) && t(a.Relationship) == t(b.Relationship)
}
