package payouttest

import (
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
