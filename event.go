package payout

import "encoding/json"

// Event is one webhook delivery from a provider, parsed.
type Event struct {
	// ID identifies the delivery across redeliveries: the deduplication key.
	// For signed providers it is the message id of the signature headers;
	// otherwise the parser derives it from the event's content.
	ID string
	// Provider names the adapter that parsed the event ("palpluss", "payos").
	Provider string
	// Type is the provider's event type exactly as sent
	// ("transaction.success", "payout.completed", ...). Types this SDK does
	// not know are kept, not rejected.
	Type string
	// Payout is the payout the event reports on; nil for an event that
	// carries none.
	Payout *Payout
	// Raw is the event's body exactly as received.
	Raw json.RawMessage
}
