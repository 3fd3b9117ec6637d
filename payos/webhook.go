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

type webhookEnvelope struct {
	Type    *string         `json:"type"`
	Payload json.RawMessage `json:"payload"`
	Data    json.RawMessage `json:"data"`
}

// typedEnvelope decodes the common delivery in one pass; webhookEnvelope
// is the slower path that explains what is wrong with an unusual one.
type typedEnvelope struct {
	Type    *string     `json:"type"`
	Payload *wirePayout `json:"payload"`
	Data    *wirePayout `json:"data"`
}

// ParseWebhook parses a PayOS webhook body: {"type": "...", "payload": {...}}
// or Svix's {"type": "...", "data": {...}}, where the object is a payout
// (or transaction) as GET /api/v1/payout/{id} returns it. Unknown event
// types and fields are kept, not rejected. It does not check signatures:
// verify the request (package webhook's StandardVerifier) before parsing.
//
// The body has no event id: the svix-id (webhook-id) header is the
// deduplication key, which the webhook Handler supplies. ParseWebhook sets
// Event.ID to the fallback "payos:<transactionId>:<status>", stable across
// redeliveries of the same status change.
//
// Errors match ErrInvalidWebhook and name the field at fault ("payload",
// "payload.transactionId", "payload.status"); bodies over 1 MiB are
// rejected.
func ParseWebhook(body []byte) (*payout.Event, error) {
	if len(body) > MaxWebhookBody {
		return nil, webhookError("", "body exceeds %d bytes", MaxWebhookBody)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, webhookError("", "body is not a JSON object")
	}
	var typed typedEnvelope
	var w *wirePayout
	if json.Unmarshal(trimmed, &typed) == nil && typed.Type != nil && *typed.Type != "" {
		w = typed.Payload
		if w == nil {
			w = typed.Data
		}
	}
	typ := typed.Type
	if w == nil {
		var err error
		if typ, w, err = parseEnvelopeSlowly(trimmed); err != nil {
			return nil, err
		}
	}
	if w.TransactionID == "" {
		return nil, webhookError("payload.transactionId", "is required")
	}
	if firstNonEmpty(w.Status, w.CurrentState) == "" {
		return nil, webhookError("payload.status", "is required")
	}
	p := w.toPayout()
	return &payout.Event{
		ID:       "payos:" + p.ID + ":" + p.ProviderStatus,
		Provider: ProviderName,
		Type:     *typ,
		Payout:   p,
		Raw:      append(json.RawMessage(nil), body...),
	}, nil
}

// parseEnvelopeSlowly decodes an envelope the one-pass decoding refused,
// to say precisely what is wrong with it.
func parseEnvelopeSlowly(body []byte) (*string, *wirePayout, error) {
	var env webhookEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, webhookError("", "body is not valid JSON: %v", err)
	}
	if env.Type == nil || *env.Type == "" {
		return nil, nil, webhookError("type", "is required")
	}
	obj := object(env.Payload)
	if obj == nil {
		obj = object(env.Data)
	}
	if obj == nil {
		return nil, nil, webhookError("payload", "is required: an object under \"payload\" or \"data\"")
	}
	var w wirePayout
	if err := json.Unmarshal(obj, &w); err != nil {
		return nil, nil, webhookError("payload", "is not a payout object: %v", err)
	}
	return env.Type, &w, nil
}

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
