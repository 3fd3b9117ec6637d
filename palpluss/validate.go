package palpluss

import "github.com/payoutkit/payout"

var _ payout.Validator = (*Client)(nil)

// Validate returns the error Send would return for req before sending
// anything, or nil: the checks of payout.Request.Validate (Sender aside,
// which PalPluss ignores) and PalPluss's own rules: amount in KES, whole
// shillings, from KES 10 (MinAmountKES) to the client's maximum
// (WithMaxAmount, default KES 150,000), reference at most 120 characters,
// description at most 255. Errors are *payout.Error with Code
// CodeInvalidRequest (CodeInvalidRecipient for the phone), Field naming the
// field and Reference set. Send runs exactly these checks.
func (c *Client) Validate(req payout.Request) error {
	_, err := c.validate(req)
	return err
}
