package payos

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
)

// The fixed parts of a Kenyan M-Pesa payout.
const (
	paymentMethodID = "mobilemoney"
	paymentLocation = "KEN"
	recipientType   = "mobile_money"
	operatorMpesa   = "mpesa"
)

// PayOS's M-Pesa limits per transaction, in KES minor units.
const (
	MinAmountMinor = 10_00
	MaxAmountMinor = 150_000_00
)

// initiateRequest is the body of POST /api/v1/payout/initiate.
type initiateRequest struct {
	MerchantID        string           `json:"merchantId"`
	MerchantReference string           `json:"merchantReference"`
	DestinationValue  destinationValue `json:"destinationValue"`
	PaymentMethodID   string           `json:"paymentMethodId"`
	PaymentLocation   string           `json:"paymentLocation"`
	Attributes        struct{}         `json:"attributes"`
	Recipient         wireRecipient    `json:"recipient"`
	Sender            wireSender       `json:"sender"`
}

type destinationValue struct {
	MinorAmount int64  `json:"minorAmount"`
	Currency    string `json:"currency"`
}

type wireRecipient struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Operator    string `json:"operator"`
	Country     string `json:"country"`
	PhoneNumber string `json:"phoneNumber"`
}

type wireSender struct {
	FullName       string `json:"fullName"`
	PhoneNumber    string `json:"phoneNumber"`
	Nationality    string `json:"nationality,omitempty"`
	Identity       string `json:"identity"`
	IdentityNumber string `json:"identityNumber"`
	DateOfBirth    string `json:"dateOfBirth"`
	PurposeOfFunds string `json:"purposeOfFunds"`
	SourceOfFunds  string `json:"sourceOfFunds"`
	Relationship   string `json:"relationship"`
}

// buildInitiate validates req against PayOS's rules and returns the wire
// body and the recipient's number in international digits. Errors are
// *payout.Error with Code CodeInvalidRequest (or CodeInvalidRecipient) and
// Field naming the field.
func buildInitiate(merchantID string, req payout.Request) (*initiateRequest, string, error) {
	if err := req.Validate(); err != nil {
		return nil, "", err
	}
	if req.Amount.Currency != money.KES {
		return nil, "", payout.InvalidField("amount", "PayOS pays M-Pesa in KES only, got %s", string(req.Amount.Currency))
	}
	if req.Amount.Minor < MinAmountMinor || req.Amount.Minor > MaxAmountMinor {
		return nil, "", payout.InvalidField("amount", "must be between KES 10.00 and KES 150,000.00 for M-Pesa, got %s", req.Amount)
	}
	num, err := phone.Parse(req.Recipient.Phone)
	if err != nil { // Validate checked it already
		return nil, "", payout.InvalidField("recipient.phone", "%s", err.Error())
	}
	name := strings.TrimSpace(req.Recipient.Name)
	if name == "" {
		return nil, "", payout.InvalidField("recipient.name", "is required by PayOS")
	}
	s := req.Sender
	if s == nil {
		return nil, "", payout.InvalidField("sender", "is required by PayOS for payouts to Kenya (KYC): an individual (passport or government issued id) or a company")
	}
	return &initiateRequest{
		MerchantID:        merchantID,
		MerchantReference: req.Reference,
		DestinationValue:  destinationValue{MinorAmount: req.Amount.Minor, Currency: string(money.KES)},
		PaymentMethodID:   paymentMethodID,
		PaymentLocation:   paymentLocation,
		Recipient: wireRecipient{Type: recipientType, Name: name, Operator: operatorMpesa,
			Country: paymentLocation, PhoneNumber: num.International()},
		Sender: wireSender{
			FullName:       strings.TrimSpace(s.FullName),
			PhoneNumber:    strings.TrimPrefix(strings.TrimSpace(s.PhoneNumber), "+"),
			Nationality:    strings.TrimSpace(s.Nationality),
			Identity:       string(s.Identity),
			IdentityNumber: strings.TrimSpace(s.IdentityNumber),
			DateOfBirth:    s.DateOfBirth,
			PurposeOfFunds: strings.TrimSpace(s.PurposeOfFunds),
			SourceOfFunds:  strings.TrimSpace(s.SourceOfFunds),
			Relationship:   strings.TrimSpace(s.Relationship),
		},
	}, num.International(), nil
}

// maxKeyLen is the longest Reference used verbatim as Idempotency-Key.
const maxKeyLen = 255

// IdempotencyKey is the Idempotency-Key header Send puts on every attempt
// of the payout with the given Reference, and on every later Send of it:
// the Reference itself when it is at most 255 printable ASCII characters
// without spaces or '"', ',', ';', '\' and is not shaped like a derived key
// ("ref-" and 64 hex digits), else "ref-" and the hex SHA-256 of the
// Reference. Two References never share a key.
func IdempotencyKey(reference string) string {
	return httpx.IdempotencyKey(reference, maxKeyLen)
}

// wirePayout is a payout as PayOS describes it: the initiate response, GET
// /api/v1/payout/{id}, an element of a search result, or a webhook payload.
type wirePayout struct {
	TransactionID                 string            `json:"transactionId"`
	ID                            string            `json:"id"`       // read where transactionId is absent
	PayoutID                      string            `json:"payoutId"` // likewise
	Status                        string            `json:"status"`
	CurrentState                  string            `json:"currentState"`
	Message                       string            `json:"message"`
	MerchantReference             string            `json:"merchantReference"`
	ProcessorReference            string            `json:"processorReference"`
	FinancialTransactionReference string            `json:"financialTransactionReference"`
	ErrorCode                     string            `json:"errorCode"`
	FailureCode                   string            `json:"failureCode"`
	Collection                    *wireMoney        `json:"collection"`
	DestinationValue              *destinationWire  `json:"destinationValue"`
	Amount                        json.RawMessage   `json:"amount"`
	Currency                      string            `json:"currency"`
	Recipient                     *wireRecipientOut `json:"recipient"`
	CreatedAt                     json.RawMessage   `json:"createdAt"`
	UpdatedAt                     json.RawMessage   `json:"updatedAt"`
	AuthState                     *struct {
		TransitionedAt json.RawMessage `json:"transitionedAt"`
	} `json:"authState"`
}

// id is the payout's transaction id: transactionId, else id, else
// payoutId, the names other PayOS documents give it.
func (w *wirePayout) id() string { return firstNonEmpty(w.TransactionID, w.ID, w.PayoutID) }

// decodePayout reads a payout object, also when it comes wrapped as
// {"data": {...}}.
func decodePayout(body []byte) (*wirePayout, error) {
	var w struct {
		wirePayout
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.id() == "" && firstNonEmpty(w.Status, w.CurrentState) == "" {
		if inner := bytes.TrimSpace(w.Data); len(inner) > 0 && inner[0] == '{' {
			var d wirePayout
			if err := json.Unmarshal(inner, &d); err != nil {
				return nil, err
			}
			return &d, nil
		}
	}
	return &w.wirePayout, nil
}

type wireMoney struct {
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
}

type destinationWire struct {
	MinorAmount json.RawMessage `json:"minorAmount"`
	Currency    string          `json:"currency"`
}

type wireRecipientOut struct {
	PhoneNumber string `json:"phoneNumber"`
}

// MapStatus maps a PayOS status (compared case-insensitively) to the shared
// taxonomy. Unknown values are payout.StatusPending; Payout.ProviderStatus
// keeps the raw value.
func MapStatus(s string) payout.Status {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "PROCESSING", "IN_PROGRESS", "SUBMITTED":
		return payout.StatusProcessing
	case "SUCCESS", "SUCCEEDED", "SUCCESSFUL", "COMPLETED", "COMPLETE", "SETTLED", "PAID":
		return payout.StatusSucceeded
	case "FAILED", "FAILURE", "ERRORED", "ERROR", "DECLINED", "REJECTED":
		return payout.StatusFailed
	case "CANCELLED", "CANCELED":
		return payout.StatusCancelled
	case "EXPIRED":
		return payout.StatusExpired
	case "REVERSED", "REFUNDED":
		return payout.StatusReversed
	default: // RECEIVED, PENDING, INITIATED and anything unknown
		return payout.StatusPending
	}
}

// toPayout maps w to the shared Payout. The amount is read exactly (decimal
// text, never a float); one that cannot be read is left zero.
func (w *wirePayout) toPayout() *payout.Payout {
	raw := firstNonEmpty(w.Status, w.CurrentState)
	p := &payout.Payout{
		ID:             w.id(),
		Reference:      w.MerchantReference,
		Provider:       ProviderName,
		Status:         MapStatus(raw),
		ProviderStatus: raw,
		Receipt:        firstNonEmpty(w.FinancialTransactionReference, w.ProcessorReference),
		FailureCode:    firstNonEmpty(w.ErrorCode, w.FailureCode),
		CreatedAt:      parseTime(w.CreatedAt),
		UpdatedAt:      parseTime(w.UpdatedAt),
	}
	if p.UpdatedAt.IsZero() && w.AuthState != nil {
		p.UpdatedAt = parseTime(w.AuthState.TransitionedAt)
	}
	if p.Status == payout.StatusFailed || p.FailureCode != "" {
		p.FailureMessage = w.Message
	}
	p.Amount = w.amount()
	if w.Recipient != nil {
		if n, err := phone.Parse(w.Recipient.PhoneNumber); err == nil {
			p.Phone = n.International()
		}
	}
	return p
}

func (w *wirePayout) amount() money.Amount {
	if d := w.DestinationValue; d != nil {
		if cur := currency(d.Currency); cur.Valid() {
			if minor, err := strconv.ParseInt(unquote(d.MinorAmount), 10, 64); err == nil {
				return money.New(minor, cur)
			}
		}
	}
	if c := w.Collection; c != nil {
		if a, ok := decimalAmount(c.Amount, c.Currency); ok {
			return a
		}
	}
	if a, ok := decimalAmount(w.Amount, w.Currency); ok {
		return a
	}
	return money.Amount{}
}

func currency(c string) money.Currency {
	if c = strings.ToUpper(strings.TrimSpace(c)); c == "" {
		return money.KES
	}
	return money.Currency(c)
}

// decimalAmount reads a major-unit amount given as a JSON string ("20.00")
// or number (20.0) through money.Parse, so that it is never a float.
func decimalAmount(raw json.RawMessage, cur string) (money.Amount, bool) {
	s := unquote(raw)
	if s == "" {
		return money.Amount{}, false
	}
	a, err := money.Parse(s, currency(cur))
	return a, err == nil
}

// unquote returns a JSON scalar's text: a string's content or a number's
// digits as sent; "" for null, objects and arrays.
func unquote(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw)
	}
	return ""
}

// parseTime reads an RFC 3339 string or a number of unix seconds (or
// milliseconds); anything else is the zero time.
func parseTime(raw json.RawMessage) time.Time {
	s := unquote(raw)
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e11 {
			return time.UnixMilli(n).UTC()
		}
		return time.Unix(n, 0).UTC()
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
