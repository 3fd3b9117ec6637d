package payos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/payoutkit/payout"
)

// MaxWebhookBody is the largest webhook body ParseWebhook accepts (1 MiB).
const MaxWebhookBody = 1 << 20

// ErrInvalidWebhook is matched (errors.Is) by every error of ParseWebhook,
// which are *payout.Error values with Code CodeInvalidRequest and Field
// naming what is wrong.
var ErrInvalidWebhook = errors.New("payos: invalid webhook body")

// Event types PayOS documents. ParseWebhook keeps types not listed here.
const (
	EventPayoutCompleted      = "payout.completed"
	EventPayoutFailed         = "payout.failed"
	EventPayoutErrored        = "payout.errored"
	EventPayoutCancelled      = "payout.cancelled"
	EventPayoutExpired        = "payout.expired"
	EventTransactionCompleted = "transaction.completed"
	EventTransactionFailed    = "transaction.failed"
	EventTransactionErrored   = "transaction.errored"
	EventTransactionCancelled = "transaction.cancelled"
	EventTransactionExpired   = "transaction.expired"
	EventTransactionSettled   = "transaction.settled"
)

// payoutEventStatus is the status each documented payout event reports: a
// body of one of these types is a payout event, and must carry a payout
// with that status (or REVERSED, which may follow any of them).
var payoutEventStatus = map[string]payout.Status{
	EventPayoutCompleted:      payout.StatusSucceeded,
	EventPayoutFailed:         payout.StatusFailed,
	EventPayoutErrored:        payout.StatusFailed,
	EventPayoutCancelled:      payout.StatusCancelled,
	EventPayoutExpired:        payout.StatusExpired,
	EventTransactionCompleted: payout.StatusSucceeded,
	EventTransactionFailed:    payout.StatusFailed,
	EventTransactionErrored:   payout.StatusFailed,
	EventTransactionCancelled: payout.StatusCancelled,
	EventTransactionExpired:   payout.StatusExpired,
	EventTransactionSettled:   payout.StatusSucceeded,
}

type webhookEnvelope struct {
	Type    json.RawMessage `json:"type"`
	Payload json.RawMessage `json:"payload"`
	Data    json.RawMessage `json:"data"`
}

// typedEnvelope decodes the common delivery in one pass; webhookEnvelope
// is the slower path for every other shape.
type typedEnvelope struct {
	Type    string      `json:"type"`
	Payload *wirePayout `json:"payload"`
	Data    *wirePayout `json:"data"`
}

// ParseWebhook parses a PayOS webhook body: {"type": "...", "payload": {...}}
// or Svix's {"type": "...", "data": {...}}, where the object is a payout
// (or transaction) as GET /api/v1/payout/{id} returns it. It does not check
// signatures: verify the request (package webhook's StandardVerifier)
// before parsing.
//
// It is strict only about the payout events PayOS documents (the Event*
// types): their payout must be there, with a transactionId (or, where it
// is absent, an id or payoutId, the names other PayOS documents give it,
// read as Send and Get read them) and a status that agrees with the type
// (payout.completed with a FAILED status is an error naming "type").
// Every other JSON object is an event: of a type
// nobody here knows ({"type":"endpoint.ping"}, "balance.low",
// "merchant.kyc.approved"), or with no type at all, it is returned with
// Event.Type as sent and Event.Payout set when its object reads as a
// payout with an id and a status, nil otherwise (payout.created without a
// status). The Handler answers such an event 2xx, as it must: a signed
// delivery refused 4xx is retried by PayOS for a day and may get the
// endpoint disabled. Unknown fields are ignored.
//
// The body has no event id: the svix-id (webhook-id) header is the
// deduplication key, which the webhook Handler supplies. ParseWebhook sets
// Event.ID to the fallback "payos:<transaction id>:<status>", stable across
// redeliveries of the same status change, or "" when there is no payout.
//
// Errors match ErrInvalidWebhook and name the field at fault ("payload",
// "payload.transactionId", "payload.status", "type"); a body that is not a
// JSON object, or over 1 MiB, is an error too.
func ParseWebhook(body []byte) (*payout.Event, error) {
	if len(body) > MaxWebhookBody {
		return nil, webhookError("", "body exceeds %d bytes", MaxWebhookBody)
	}
	trimmed := bytes.Trim(body, jsonSpace) // JSON's white space only: "{}\v" is no JSON
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, webhookError("", "body is not a JSON object")
	}
	var typed typedEnvelope
	var w *wirePayout
	typ, known := "", false
	if json.Unmarshal(trimmed, &typed) == nil {
		typ = typed.Type
		_, known = payoutEventStatus[typ]
		w = typed.Payload
		if w == nil {
			w = typed.Data
		}
	}
	if w == nil || (known && (w.id() == "" || firstNonEmpty(w.Status, w.CurrentState) == "")) {
		var err error
		if typ, w, err = parseEnvelopeSlowly(trimmed); err != nil {
			return nil, err
		}
		_, known = payoutEventStatus[typ]
	}
	ev := &payout.Event{Provider: ProviderName, Type: typ, Raw: append(json.RawMessage(nil), body...)}
	hasPayout := w != nil && w.id() != "" && firstNonEmpty(w.Status, w.CurrentState) != ""
	if !known {
		if hasPayout {
			ev.Payout = w.toPayout()
			ev.ID = "payos:" + ev.Payout.ID + ":" + ev.Payout.ProviderStatus
		}
		return ev, nil
	}
	switch {
	case w == nil:
		return nil, webhookError("payload", "is required: an object under \"payload\" or \"data\"")
	case w.id() == "":
		return nil, webhookError("payload.transactionId", "is required (or id, or payoutId)")
	case firstNonEmpty(w.Status, w.CurrentState) == "":
		return nil, webhookError("payload.status", "is required")
	}
	p := w.toPayout()
	if want := payoutEventStatus[typ]; p.Status != want && p.Status != payout.StatusReversed {
		return nil, webhookError("type", "%s contradicts payload.status %q", typ, p.ProviderStatus)
	}
	ev.Payout = p
	ev.ID = "payos:" + p.ID + ":" + p.ProviderStatus
	return ev, nil
}

// parseEnvelopeSlowly decodes an envelope the one-pass decoding refused or
// left incomplete: a type that is not a string is no known type, a
// payload that is not a payout object is no payout (nil), and only a body
// that is not JSON at all, or a documented payout event's unreadable
// payload, is an error.
func parseEnvelopeSlowly(body []byte) (string, *wirePayout, error) {
	var env webhookEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return "", nil, webhookError("", "body is not valid JSON: %v", err)
	}
	var typ string
	_ = json.Unmarshal(env.Type, &typ) // not a string: no type
	_, known := payoutEventStatus[typ]
	obj := object(env.Payload)
	if obj == nil {
		obj = object(env.Data)
	}
	if obj == nil {
		return typ, nil, nil
	}
	var w wirePayout
	if err := json.Unmarshal(obj, &w); err != nil {
		if known {
			return "", nil, webhookError("payload", "is not a payout object: %v", err)
		}
		return typ, nil, nil
	}
	return typ, &w, nil
}

// jsonSpace is the white space JSON allows around a value.
const jsonSpace = " \t\r\n"

// object returns raw when it is a JSON object, else nil.
func object(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	return raw
}

func webhookError(field, format string, args ...any) error {
	return &payout.Error{Code: payout.CodeInvalidRequest, Provider: ProviderName, Field: field,
		Message: fmt.Sprintf(format, args...), Err: ErrInvalidWebhook}
}
