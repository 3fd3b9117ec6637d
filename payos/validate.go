package payos

import (
	"errors"
	"unicode/utf8"

	"github.com/payoutkit/payout"
)

var _ payout.Validator = (*Client)(nil)

// MaxFieldLen is the longest text PayOS accepts in a string field of a
// payout (merchantReference, recipient.name, every sender field), in
// characters. PayOS documents no limit; its API refuses longer values as
// a field-length validation error, and so does the Sandbox.
const MaxFieldLen = 255

// Validate returns the error Send would return for req before sending
// anything, or nil: the checks of payout.Request.Validate and PayOS's own
// rules: amount in KES from 10.00 (MinAmountMinor) to 150,000.00
// (MaxAmountMinor), Recipient.Name present, a complete Sender (see
// payout.Sender.Validate; required for payouts to Kenya), and no text
// field longer than MaxFieldLen. Errors are *payout.Error with Code
// CodeInvalidRequest (CodeInvalidRecipient for the phone), Field naming the
// field and Reference set. Send runs exactly these checks.
func (c *Client) Validate(req payout.Request) error {
	_, _, err := c.build(req)
	return err
}

// build is Send's first step: it validates req (see Validate) and returns
// the wire body and the recipient's number in international digits.
func (c *Client) build(req payout.Request) (*initiateRequest, string, error) {
	body, intl, err := buildInitiate(c.merchantID, req)
	if err == nil {
		err = checkLengths(body)
	}
	if err != nil {
		var pe *payout.Error
		if errors.As(err, &pe) && pe.Reference == "" {
			cp := *pe
			cp.Reference = req.Reference
			return nil, "", &cp
		}
		return nil, "", err
	}
	return body, intl, nil
}

// checkLengths refuses a wire body with a text field longer than
// MaxFieldLen, naming the field as payout.Request spells it.
func checkLengths(b *initiateRequest) error {
	fields := []struct{ name, value string }{
		{"reference", b.MerchantReference},
		{"recipient.name", b.Recipient.Name},
		{"sender.fullName", b.Sender.FullName},
		{"sender.identityNumber", b.Sender.IdentityNumber},
		{"sender.purposeOfFunds", b.Sender.PurposeOfFunds},
		{"sender.sourceOfFunds", b.Sender.SourceOfFunds},
		{"sender.relationship", b.Sender.Relationship},
	}
	for _, f := range fields {
		if n := utf8.RuneCountInString(f.value); n > MaxFieldLen {
			return payout.InvalidField(f.name, "is %d characters long; PayOS accepts at most %d", n, MaxFieldLen)
		}
	}
	return nil
}
