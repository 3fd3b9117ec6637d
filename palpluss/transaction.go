package palpluss

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
)

// envelope is PalPluss's success envelope, {"success":true,"data":{...},
// "requestId":"..."}. A failure may arrive in it too ("success": false with
// an "error" member), even with a 2xx status.
type envelope[T any] struct {
	wireError
	Data *T `json:"data"`
}

// decodeEnvelope decodes body as an envelope whose data is a T. A body that
// is not an envelope at all (no success, data or error member) is decoded
// as the T itself, so that an unwrapped answer still reads.
func decodeEnvelope[T any](body []byte) (*envelope[T], error) {
	var env envelope[T]
	if err := decodeStrict(body, &env); err != nil {
		return nil, err
	}
	if env.Data == nil && len(env.Success) == 0 && len(env.Error) == 0 {
		var t T
		if err := decodeStrict(body, &t); err != nil {
			return nil, err
		}
		env.Data = &t
	}
	return &env, nil
}

// decodeStrict decodes exactly one JSON object (numbers kept as text) and
// rejects trailing data, which is how a truncated or concatenated body shows.
func decodeStrict(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("not a JSON object")
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes one JSON value with numbers kept as text, and rejects
// trailing data.
func decodeJSON(body []byte, v any) error {
	// Every target is a typed struct whose numbers decode themselves
	// exactly (flexNumber), so plain Unmarshal suffices; it also rejects
	// data after the value.
	return json.Unmarshal(body, v)
}

// wireTx is one PalPluss transaction. The provider's OpenAPI contract spells
// its fields in snake_case, its documentation's examples in camelCase; both
// are decoded, field by field. When both spellings arrive, camelCase wins.
type wireTx struct {
	TransactionID      flexString `json:"transactionId"`
	TransactionIDSnake flexString `json:"transaction_id"`
	ID                 flexString `json:"id"`

	Type     flexString `json:"type"`
	Status   flexString `json:"status"`
	Currency flexString `json:"currency"`

	Amount         flexNumber `json:"amount"`
	TransactionFee flexNumber `json:"transactionFee"`
	FeeSnake       flexNumber `json:"transaction_fee"`

	Phone            flexString `json:"phone"`
	PhoneNumber      flexString `json:"phone_number"`
	PhoneNumberCamel flexString `json:"phoneNumber"`

	Reference         flexString `json:"reference"`
	ExternalRef       flexString `json:"external_reference"`
	ExternalRefCamel  flexString `json:"externalReference"`
	AccountRef        flexString `json:"accountReference"`
	AccountRefSnake   flexString `json:"account_reference"`
	IdempotencyKey    flexString `json:"idempotencyKey"`
	IdempotencyKeySn  flexString `json:"idempotency_key"`
	MpesaReceipt      flexString `json:"mpesaReceipt"`
	MpesaReceiptSnake flexString `json:"mpesa_receipt"`

	ResultCode        flexString `json:"resultCode"`
	ResultCodeSnake   flexString `json:"result_code"`
	ResultDesc        flexString `json:"resultDesc"`
	ResultDescSnake   flexString `json:"result_desc"`
	ResultDescription flexString `json:"resultDescription"`
	ResultDescrSnake  flexString `json:"result_description"`

	CreatedAt      flexString `json:"createdAt"`
	CreatedAtSnake flexString `json:"created_at"`
	UpdatedAt      flexString `json:"updatedAt"`
	UpdatedAtSnake flexString `json:"updated_at"`
}

func (w *wireTx) id() string {
	return string(first(w.TransactionID, w.TransactionIDSnake, w.ID))
}

// reference is the payout's Reference: "reference", else the other names
// PalPluss's documents use for it (externalReference, and accountReference,
// the M-Pesa name some transactions carry it under).
func (w *wireTx) reference() string {
	return string(first(w.Reference, w.ExternalRefCamel, w.ExternalRef, w.AccountRef, w.AccountRefSnake))
}

func (w *wireTx) status() string { return string(w.Status) }

// statuses maps PalPluss's statuses to the shared taxonomy. Lookups are
// case-insensitive; a status not listed maps to payout.StatusPending, with
// Payout.ProviderStatus keeping the raw value.
var statuses = map[string]payout.Status{
	"PENDING":    payout.StatusPending,
	"PROCESSING": payout.StatusProcessing,
	"SUCCESS":    payout.StatusSucceeded,
	"FAILED":     payout.StatusFailed,
	"CANCELLED":  payout.StatusCancelled,
	"CANCELED":   payout.StatusCancelled,
	"EXPIRED":    payout.StatusExpired,
	"REVERSED":   payout.StatusReversed,
}

// providerStatuses is the reverse of statuses, for list filters.
var providerStatuses = map[payout.Status]string{
	payout.StatusPending:    "PENDING",
	payout.StatusProcessing: "PROCESSING",
	payout.StatusSucceeded:  "SUCCESS",
	payout.StatusFailed:     "FAILED",
	payout.StatusCancelled:  "CANCELLED",
	payout.StatusExpired:    "EXPIRED",
	payout.StatusReversed:   "REVERSED",
}

// mapStatus maps a provider status; known reports whether it is one.
func mapStatus(s string) (st payout.Status, known bool) {
	st, known = statuses[strings.ToUpper(strings.TrimSpace(s))]
	if !known {
		return payout.StatusPending, false
	}
	return st, true
}

// fieldError is a transaction field PalPluss sent that cannot be read.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// toPayout maps the transaction to a payout.Payout. Absent fields stay
// zero; a present amount or fee that is not an exact decimal, or an unknown
// currency, is an error naming the field.
func (w *wireTx) toPayout() (*payout.Payout, error) {
	p := &payout.Payout{
		ID:             w.id(),
		Reference:      w.reference(),
		Provider:       ProviderName,
		ProviderStatus: w.status(),
		Receipt:        string(first(w.MpesaReceipt, w.MpesaReceiptSnake)),
		CreatedAt:      parseTime(string(first(w.CreatedAt, w.CreatedAtSnake))),
		UpdatedAt:      parseTime(string(first(w.UpdatedAt, w.UpdatedAtSnake))),
	}
	p.Status, _ = mapStatus(w.status())

	cur := money.KES
	if c := strings.ToUpper(strings.TrimSpace(string(w.Currency))); c != "" {
		cur = money.Currency(c)
		if !cur.Valid() {
			return nil, &fieldError{"currency", fmt.Errorf("unknown currency %q", string(w.Currency))}
		}
	}
	var err error
	if p.Amount, err = parseAmount(w.Amount, cur); err != nil {
		return nil, &fieldError{"amount", err}
	}
	if p.Fee, err = parseAmount(first(w.TransactionFee, w.FeeSnake), cur); err != nil {
		return nil, &fieldError{"transactionFee", err}
	}

	raw := string(first(w.Phone, w.PhoneNumber, w.PhoneNumberCamel))
	if n, err := phone.Parse(raw); err == nil {
		p.Phone = n.International()
	} else {
		p.Phone = raw
	}

	switch p.Status {
	case payout.StatusFailed, payout.StatusReversed, payout.StatusCancelled, payout.StatusExpired:
		if code := string(first(w.ResultCode, w.ResultCodeSnake)); code != "0" {
			p.FailureCode = code
		}
		p.FailureMessage = string(first(w.ResultDesc, w.ResultDescSnake, w.ResultDescription, w.ResultDescrSnake))
	}
	return p, nil
}

// parseAmount converts a JSON number of major units ("500", "500.0",
// "20.50") to an exact Amount, never through a float. An absent value is
// the zero Amount.
func parseAmount(n flexNumber, cur money.Currency) (money.Amount, error) {
	if n == "" {
		return money.Amount{}, nil
	}
	return money.Parse(strings.TrimSpace(string(n)), cur)
}

// timeLayouts are the timestamp forms accepted, best first: PalPluss sends
// RFC 3339 with milliseconds; the others are seen from proxies and older
// endpoints and read as UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

// parseTime reads a timestamp; one that cannot be read is the zero time.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
