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
	typ, w, err := readWebhook(trimmed)
	if err != nil {
		return nil, err
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

func webhookError(field, format string, args ...any) error {
	return &payout.Error{Code: payout.CodeInvalidRequest, Provider: ProviderName, Field: field,
		Message: fmt.Sprintf(format, args...), Err: ErrInvalidWebhook}
}
