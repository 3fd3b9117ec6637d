package palpluss

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/webhook"
)

// MaxWebhookBody is the largest webhook body ParseWebhook accepts: 1 MiB.
const MaxWebhookBody = 1 << 20

// The event types PalPluss documents (payout.Event.Type). Others are kept as
// sent, not rejected; a REVERSED status may arrive with any of them.
const (
	EventSuccess   = "transaction.success"
	EventFailed    = "transaction.failed"
	EventCancelled = "transaction.cancelled"
	EventExpired   = "transaction.expired"
	EventUpdated   = "transaction.updated"
)

// Bounds on what a callback may claim: PalPluss's transaction ids are
// UUIDs (36 bytes) and its statuses single words.
const (
	maxWebhookIDLen     = 128
	maxWebhookStatusLen = 32
)

// eventStatus is the status each documented event type reports; a REVERSED
// status may come with any of them.
var eventStatus = map[string]payout.Status{
	EventSuccess:   payout.StatusSucceeded,
	EventFailed:    payout.StatusFailed,
	EventCancelled: payout.StatusCancelled,
	EventExpired:   payout.StatusExpired,
}

// wireEvent is PalPluss's callback body:
// {"event":"transaction.updated","event_type":"transaction.success",
// "transaction":{"id":...,"status":...,...}}.
type wireEvent struct {
	Event          flexString      `json:"event"`
	EventType      flexString      `json:"event_type"`
	EventTypeCamel flexString      `json:"eventType"`
	Transaction    json.RawMessage `json:"transaction"`
	Data           json.RawMessage `json:"data"`
}

// ParseWebhook parses the body of a PalPluss callback into a payout.Event.
//
// It is lenient where it can be: unknown members are ignored, an unknown
// event type is kept as sent in Event.Type (answer such an event 2xx: a 4xx
// makes PalPluss redeliver it five times and it is lost anyway), an unknown
// status maps to payout.StatusPending with Payout.ProviderStatus kept, and
// REVERSED is accepted although no event type names it. It is strict about
// what it needs: a body of at most MaxWebhookBody bytes holding a JSON
// object whose "transaction" has an id and a status. Its errors are
// *payout.Error with Code payout.CodeInvalidRequest and, when a member is
// missing or unreadable, Field naming it ("transaction.id",
// "transaction.status", "transaction.amount", ...).
//
// Event.Type is event_type, or event when event_type is absent; a
// documented type in another case or with white space around it is given
// in its documented spelling (EventSuccess, ...). A documented type that contradicts the status (transaction.success with a
// FAILED or unknown status) is an error naming "event_type": the status is
// what is confirmed with Get, and the type must not say otherwise. A
// transaction id over 128 bytes or a status over 32 is an error too.
//
// PalPluss sends no event id, so Event.ID, the deduplication key, is derived
// from the content: "<transaction id>:<STATUS>", where STATUS is the
// canonical PalPluss name of the mapped status (PENDING, PROCESSING,
// SUCCESS, FAILED, CANCELLED, EXPIRED, REVERSED; an unknown status is
// PENDING's). Redeliveries of one event share it, and so do two events
// reporting one status of one transaction (which change nothing), while
// FAILED then REVERSED are two events; a transaction has at most seven ids,
// however its status is spelt. It carries no provider prefix: webhook.Handler prefixes
// Event.Provider itself, and so should any store shared between providers.
//
// PalPluss does not sign its callbacks: ParseWebhook proves nothing about
// where the body came from. Confirm the status with Client.Get before
// acting on it, and authenticate the callback URL (package webhook's
// CallbackSigner).
func ParseWebhook(body []byte) (*payout.Event, error) {
	if len(body) > MaxWebhookBody {
		return nil, webhookError("", "webhook body exceeds 1 MiB", nil)
	}
	w, tx, field, err := readEvent(body)
	if err != nil {
		return nil, webhookError("", "webhook body is not a JSON object", err)
	}
	if field == "" {
		return nil, webhookError("transaction", "is missing from the webhook", nil)
	}
	if tx == nil {
		return nil, webhookError(field, "is not a JSON object", errors.New("not a JSON object"))
	}
	id := strings.TrimSpace(tx.id())
	if id == "" {
		return nil, webhookError(field+".id", "is missing from the webhook", nil)
	}
	if len(id) > maxWebhookIDLen {
		return nil, webhookError(field+".id", "is longer than "+strconv.Itoa(maxWebhookIDLen)+" bytes", nil)
	}
	status := strings.TrimSpace(tx.status())
	if status == "" {
		return nil, webhookError(field+".status", "is missing from the webhook", nil)
	}
	if len(status) > maxWebhookStatusLen {
		return nil, webhookError(field+".status", "is longer than "+strconv.Itoa(maxWebhookStatusLen)+" bytes", nil)
	}
	p, err := tx.toPayout()
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return nil, webhookError(field+"."+fe.field, "cannot be read", fe.err)
		}
		return nil, webhookError(field, "cannot be read", err)
	}
	typ := canonicalType(string(first(w.EventType, w.EventTypeCamel, w.Event)))
	if want, ok := eventStatus[typ]; ok && p.Status != want && p.Status != payout.StatusReversed {
		return nil, webhookError("event_type", "says "+typ+" but "+field+".status is "+string(p.Status), nil)
	}
	return &payout.Event{
		// The status part is the canonical name of the mapped status, so
		// that a transaction has at most one id per known status, however
		// its status is spelt ("success", "SUCCESS0" is PENDING's).
		ID:       id + ":" + providerStatuses[p.Status],
		Provider: ProviderName,
		Type:     typ,
		Payout:   p,
		Raw:      append(json.RawMessage(nil), body...),
	}, nil
}

// WebhookHandler returns a webhook.Handler for PalPluss callbacks: it parses
// them with ParseWebhook, deduplicates them, confirms each with Get
// (webhook.ConfirmByGet: handle receives PalPluss's own record of the
// payout, not the body's claims, and an event whose transaction PalPluss
// does not know is refused) and hands it to handle.
//
// PalPluss does not sign callbacks: give each payout a callback URL made by
// a webhook.CallbackSigner and pass webhook.WithVerifier(signer.Verifier())
// here, so that only requests to those URLs are accepted. opts are applied
// after the confirmation, so a webhook.WithConfirm among them replaces it.
//
// Each confirmation is a request on the client's API key, which PalPluss
// limits to RequestsPerMinute for everything, Sends included. The Handler
// shares one Get between deliveries about one transaction, reuses answers
// briefly, and budgets the rest (webhook.ConfirmLimits: by default 20 a
// minute in all and 6 a minute, 2 at once, for any one payout, so that a
// flood of forged callbacks, on one leaked URL or many, leaves two thirds
// of the limit to Sends); raise it with webhook.WithConfirmLimits if more than 20
// callbacks a minute are genuine. A forged status never reaches handle:
// an event whose status PalPluss does not confirm is answered 422.
func (c *Client) WebhookHandler(handle webhook.HandleFunc, opts ...webhook.Option) *webhook.Handler {
	opts = append([]webhook.Option{webhook.WithConfirm(webhook.ConfirmByGet(c))}, opts...)
	return webhook.NewHandler(ParseWebhook, handle, opts...)
}

// canonicalType is typ, or the documented type it spells in another case
// or with white space around it: "TRANSACTION.SUCCESS" is EventSuccess,
// and is checked against the status as EventSuccess is (an application
// comparing types without regard to case must not see a success type on a
// pending payout).
func canonicalType(typ string) string {
	norm := strings.ToLower(strings.TrimSpace(typ))
	if _, ok := eventStatus[norm]; ok || norm == EventUpdated {
		return norm
	}
	return typ
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func webhookError(field, msg string, cause error) *payout.Error {
	return &payout.Error{Code: payout.CodeInvalidRequest, Provider: ProviderName, Field: field,
		Message: msg, Err: cause}
}
