package payout

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/payoutkit/payout/internal/safeurl"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
)

// Request describes one payout to send.
type Request struct {
	// Reference is the caller's unique id for this payout: the idempotency
	// anchor. Reuse it on every retry of the same payout, and never for
	// another payout. Required.
	Reference string
	// Amount is what the recipient receives. Required and positive.
	Amount money.Amount
	// Recipient is who receives the money. Recipient.Phone is required.
	Recipient Recipient
	// Sender is the know-your-customer record of who sends the money.
	// Required by PayOS for Kenya; ignored by PalPluss.
	Sender *Sender
	// Description is a free-text note for the provider's records.
	Description string
	// CallbackURL is where the provider delivers the payout's webhook. It
	// must be https; plain http is allowed only for loopback hosts (tests,
	// the Sandbox).
	CallbackURL string
}

// Recipient is who receives a payout.
type Recipient struct {
	// Name is the recipient's name, where the provider records one.
	Name string
	// Phone is the recipient's mobile-money number in any form phone.Parse
	// accepts ("0712345678", "+254 712 345 678", ...).
	Phone string
}

// Validate checks what every provider requires of a request: a usable
// Reference, a positive amount in a known currency, a valid Kenyan mobile
// number, an https callback URL and, when present, a complete Sender. It
// returns an *Error with Code CodeInvalidRequest whose Field names the first
// field at fault. Adapters add their own limits on top.
func (r Request) Validate() error {
	if err := validateText("reference", r.Reference, true); err != nil {
		return err
	}
	if !r.Amount.Currency.Valid() {
		return InvalidField("amount", "unknown currency %q", string(r.Amount.Currency))
	}
	if r.Amount.Minor <= 0 {
		return InvalidField("amount", "must be positive, got %s", r.Amount)
	}
	if strings.TrimSpace(r.Recipient.Phone) == "" {
		return InvalidField("recipient.phone", "is required")
	}
	if _, err := phone.Parse(r.Recipient.Phone); err != nil {
		e := InvalidField("recipient.phone", "%s", err.Error())
		e.Code = CodeInvalidRecipient
		e.Err = err
		return e
	}
	if err := validateText("recipient.name", r.Recipient.Name, false); err != nil {
		return err
	}
	if err := validateText("description", r.Description, false); err != nil {
		return err
	}
	if r.CallbackURL != "" {
		if err := ValidateCallbackURL(r.CallbackURL); err != nil {
			return err
		}
	}
	if r.Sender != nil {
		if err := r.Sender.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// ValidateCallbackURL checks that u is an absolute https URL (http only for
// loopback hosts) with no user information, and returns an *Error naming the
// field "callbackURL" when it is not.
func ValidateCallbackURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return InvalidField("callbackURL", "is not an absolute URL")
	}
	if p.User != nil {
		return InvalidField("callbackURL", "must not carry user information")
	}
	switch safeurl.Check(p) {
	case safeurl.Allowed:
		return nil
	case safeurl.Cleartext:
		return InvalidField("callbackURL", "must use https (http is allowed only for loopback hosts)")
	default:
		return InvalidField("callbackURL", "must use https, got scheme %q", p.Scheme)
	}
}

// validateText rejects invalid UTF-8 and control characters, which no
// provider accepts and which would corrupt logs, and an empty value where the
// field is required.
func validateText(field, s string, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return InvalidField(field, "is required")
	}
	if !utf8.ValidString(s) {
		return InvalidField(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return InvalidField(field, "contains a control character")
		}
	}
	return nil
}
