package payout

// Validator is implemented by Clients that can check a Request against every
// rule the provider enforces, without sending it: the amount limits, whole
// shillings where M-Pesa needs them, the fields the provider requires (a
// PayOS payout needs Recipient.Name and a Sender), field lengths.
//
// Request.Validate checks only what every provider requires; a Validator
// adds the provider's own rules. Both adapters' Clients implement it, and
// their Send runs the same check before any request leaves the process, so a
// request Validate accepts is one Send would not refuse locally, and a
// request it refuses is one Send would refuse with the same error.
type Validator interface {
	// Validate returns the error Send would return for req before any
	// request leaves the process (an *Error with Code CodeInvalidRequest,
	// or CodeInvalidRecipient for the phone, whose Field names the field
	// at fault), or nil.
	Validate(req Request) error
}

// Check returns the error c's Send would return for req before sending
// anything: c.Validate(req) when c is a Validator, else req.Validate(), the
// rules every provider shares. Use it to check a whole batch before paying
// any of it (a dry run), or to tell a caller about a bad row before SendAll
// starts.
func Check(c Client, req Request) error {
	if v, ok := c.(Validator); ok {
		return v.Validate(req)
	}
	return req.Validate()
}
