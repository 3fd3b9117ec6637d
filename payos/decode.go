package payos

import (
	"errors"

	"github.com/payoutkit/payout/internal/wirejson"
)

// The one-pass decoders of the answers on the hot path (initiate, Get and
// the webhook). They read the body once with a wirejson.Reader into the
// wire types encoding/json fills from their tags (wirePayout and its
// parts), keeping every string as a piece of one string copy of the body,
// and refuse what json.Unmarshal into those types refuses: a body that is
// not JSON, and a member of the wrong type (a number where a string is
// expected, say), which json.Unmarshal reports as an UnmarshalTypeError.
// Names match case-insensitively, null leaves a string as it was and
// empties a pointer, and a repeated object member adds to the first, all
// as encoding/json does. FuzzDecodersAgreeWithEncodingJSON compares them
// with encoding/json on the same input.

// errMemberType is a member json.Unmarshal could not store in its field.
var errMemberType = errors.New("a member has the wrong JSON type")

// decoder is a Reader with the record of a type mismatch, which, as in
// encoding/json, does not stop the reading but fails it at the end.
type decoder struct {
	wirejson.Reader
	typeErr bool
}

// str reads the next value into a string field.
func (d *decoder) str(f *string) {
	switch d.Kind() {
	case '"':
		*f = wirejson.Unquote(d.Value())
	case 'n':
		d.Value()
	default:
		d.Value()
		d.typeErr = true
	}
}

// raw reads the next value into a json.RawMessage-like field.
func (d *decoder) raw(f *rawText) { *f = rawText(d.Value()) }

// object enters the next value when it is an object and reports true; it
// reports false when it is null, clearing the pointer (*isNil is set), and
// false with a type mismatch for anything else.
func (d *decoder) object(isNil *bool) bool {
	switch d.Kind() {
	case '{':
		d.Object()
		return true
	case 'n':
		d.Value()
		*isNil = true
	default:
		d.Value()
		d.typeErr = true
	}
	return false
}

// payoutNames are wirePayout's members, in the order of the p* constants.
var payoutNames = wirejson.NewFields(
	"transactionId", "id", "payoutId", "status", "currentState", "message", "merchantReference", "processorReference",
	"financialTransactionReference", "errorCode", "failureCode", "collection", "destinationValue",
	"amount", "currency", "recipient", "createdAt", "updatedAt", "authState",
)

const (
	pTransactionID = iota
	pID
	pPayoutID
	pStatus
	pCurrentState
	pMessage
	pMerchantReference
	pProcessorReference
	pFinancialTransactionReference
	pErrorCode
	pFailureCode
	pCollection
	pDestinationValue
	pAmount
	pCurrency
	pRecipient
	pCreatedAt
	pUpdatedAt
	pAuthState
)

// Members of wirePayout's parts.
var (
	moneyNames     = wirejson.NewFields("amount", "currency")
	minorNames     = wirejson.NewFields("minorAmount", "currency")
	recipientNames = wirejson.NewFields("phoneNumber")
	authStateNames = wirejson.NewFields("transitionedAt")
)

// payoutMember reads the current member, numbered i (a p* constant, or -1
// to skip it), into w.
func (d *decoder) payoutMember(w *wirePayout, i int) {
	switch i {
	case pTransactionID:
		d.str(&w.TransactionID)
	case pID:
		d.str(&w.ID)
	case pPayoutID:
		d.str(&w.PayoutID)
	case pStatus:
		d.str(&w.Status)
	case pCurrentState:
		d.str(&w.CurrentState)
	case pMessage:
		d.str(&w.Message)
	case pMerchantReference:
		d.str(&w.MerchantReference)
	case pProcessorReference:
		d.str(&w.ProcessorReference)
	case pFinancialTransactionReference:
		d.str(&w.FinancialTransactionReference)
	case pErrorCode:
		d.str(&w.ErrorCode)
	case pFailureCode:
		d.str(&w.FailureCode)
	case pAmount:
		d.raw(&w.Amount)
	case pCurrency:
		d.str(&w.Currency)
	case pCreatedAt:
		d.raw(&w.CreatedAt)
	case pUpdatedAt:
		d.raw(&w.UpdatedAt)
	case pCollection:
		isNil := false
		if d.object(&isNil) {
			if w.Collection == nil {
				w.Collection = new(wireMoney)
			}
			for d.More() {
				switch moneyNames.Index(d.Key()) {
				case 0:
					d.raw(&w.Collection.Amount)
				case 1:
					d.str(&w.Collection.Currency)
				default:
					d.Value()
				}
			}
		} else if isNil {
			w.Collection = nil
		}
	case pDestinationValue:
		isNil := false
		if d.object(&isNil) {
			if w.DestinationValue == nil {
				w.DestinationValue = new(destinationWire)
			}
			for d.More() {
				switch minorNames.Index(d.Key()) {
				case 0:
					d.raw(&w.DestinationValue.MinorAmount)
				case 1:
					d.str(&w.DestinationValue.Currency)
				default:
					d.Value()
				}
			}
		} else if isNil {
			w.DestinationValue = nil
		}
	case pRecipient:
		isNil := false
		if d.object(&isNil) {
			if w.Recipient == nil {
				w.Recipient = new(wireRecipientOut)
			}
			for d.More() {
				if recipientNames.Index(d.Key()) == 0 {
					d.str(&w.Recipient.PhoneNumber)
				} else {
					d.Value()
				}
			}
		} else if isNil {
			w.Recipient = nil
		}
	case pAuthState:
		isNil := false
		if d.object(&isNil) {
			if w.AuthState == nil {
				w.AuthState = new(authState)
			}
			for d.More() {
				if authStateNames.Index(d.Key()) == 0 {
					d.raw(&w.AuthState.TransitionedAt)
				} else {
					d.Value()
				}
			}
		} else if isNil {
			w.AuthState = nil
		}
	default:
		d.Value()
	}
}

// payoutObject reads the members of the object d just entered into w.
func (d *decoder) payoutObject(w *wirePayout) {
	for d.More() {
		d.payoutMember(w, payoutNames.Index(d.Key()))
	}
}

// readPayout is decodePayout in one pass: a payout object, also when it
// comes wrapped as {"data": {...}} (data is used when the object itself
// names neither a transactionId nor a status).
func readPayout(body []byte) (*wirePayout, error) {
	var d decoder
	d.Reset(string(body))
	var top, inner wirePayout
	innerObject, innerTypeErr := false, false
	switch d.Kind() {
	case '{':
		d.Object()
		for d.More() {
			i := payoutNames.Index(d.Key())
			if i < 0 && dataName.Index(d.Key()) == 0 {
				// data is a raw member of the wrapper: only its last
				// occurrence counts, decoded afresh.
				inner, innerObject, innerTypeErr = wirePayout{}, false, false
				if d.Kind() == '{' {
					outer := d.typeErr
					d.typeErr = false
					d.Object()
					d.payoutObject(&inner)
					innerObject, innerTypeErr = true, d.typeErr
					d.typeErr = outer
				} else {
					d.Value()
				}
				continue
			}
			d.payoutMember(&top, i)
		}
	case 'n': // json.Unmarshal leaves the target as it is
		d.Value()
	default:
		d.Value()
		d.typeErr = true
	}
	if err := d.Finish(); err != nil {
		return nil, err
	}
	if d.typeErr {
		return nil, errMemberType
	}
	w := new(wirePayout)
	*w = top
	if top.id() == "" && firstNonEmpty(top.Status, top.CurrentState) == "" && innerObject {
		if innerTypeErr {
			return nil, errMemberType
		}
		*w = inner
	}
	return w, nil
}

var (
	dataName     = wirejson.NewFields("data")
	webhookNames = wirejson.NewFields("type", "payload", "data")
)

// webhookPart is the payload (or data) member of a webhook as both of
// ParseWebhook's decodings see it: the typed one (a *wirePayout, to which
// a repeated member adds) and the raw one (a json.RawMessage, the last
// occurrence only).
type webhookPart struct {
	typed    *wirePayout
	typedErr bool // the typed decoding failed on it

	lastObject  bool // the last occurrence is an object, read into last
	last        wirePayout
	lastTypeErr bool
}

func (p *webhookPart) read(d *decoder) {
	if d.Kind() != '{' {
		v := d.Value()
		p.lastObject, p.last, p.lastTypeErr = false, wirePayout{}, false
		if v == "null" {
			p.typed = nil
		} else {
			p.typedErr = true
		}
		return
	}
	if p.typed == nil {
		// The common case, a first occurrence: one reading serves both.
		outer := d.typeErr
		d.typeErr = false
		d.Object()
		p.last = wirePayout{}
		d.payoutObject(&p.last)
		p.lastObject, p.lastTypeErr = true, d.typeErr
		p.typedErr = p.typedErr || d.typeErr
		d.typeErr = outer
		p.typed = new(wirePayout)
		*p.typed = p.last
		return
	}
	// A repeated object: read it afresh, and into the typed one.
	raw := d.Value()
	if raw == "" {
		return // the reader failed
	}
	var fresh, into decoder
	fresh.Reset(raw)
	fresh.Object()
	p.last = wirePayout{}
	fresh.payoutObject(&p.last)
	p.lastObject, p.lastTypeErr = true, fresh.typeErr
	into.Reset(raw)
	into.Object()
	into.payoutObject(p.typed)
	p.typedErr = p.typedErr || into.typeErr
}

// readWebhook is ParseWebhook's decoding in one pass. It returns the
// event type and the payout the typed decoding finds ({"type": string,
// "payload" / "data": *wirePayout}), or, when that finds no payout or an
// incomplete one for a documented payout event, what the raw decoding
// finds ({"type", "payload", "data": json.RawMessage}, the payout read from
// the last payload or data member that is an object): a type that is not
// a string is no type, and a payload that is not a payout object is no
// payout, except for a documented payout event, whose unreadable payload
// is an error. A body that is not JSON is an error.
func readWebhook(trimmed []byte) (typ string, w *wirePayout, err error) {
	var d decoder
	d.Reset(string(trimmed))
	d.Object()
	var typedType, lastType string // the type member as each decoding sees it
	typeErr := false
	var payload, data webhookPart
	for d.More() {
		switch webhookNames.Index(d.Key()) {
		case 0:
			switch d.Kind() {
			case '"':
				typedType = wirejson.Unquote(d.Value())
				lastType = typedType
			case 'n': // a string field keeps its value; the raw member is null
				d.Value()
				lastType = ""
			default:
				d.Value()
				typeErr, lastType = true, ""
			}
		case 1:
			payload.read(&d)
		case 2:
			data.read(&d)
		default:
			d.Value()
		}
	}
	if err := d.Finish(); err != nil {
		return "", nil, webhookError("", "body is not valid JSON: %v", err)
	}
	known := false
	if !typeErr && !payload.typedErr && !data.typedErr {
		typ = typedType
		_, known = payoutEventStatus[typ]
		w = payload.typed
		if w == nil {
			w = data.typed
		}
	}
	if w != nil && (!known || w.id() != "" && firstNonEmpty(w.Status, w.CurrentState) != "") {
		return typ, w, nil
	}
	typ = lastType
	_, known = payoutEventStatus[typ]
	part := &payload
	if !payload.lastObject {
		part = &data
	}
	switch {
	case !part.lastObject:
		return typ, nil, nil
	case part.lastTypeErr && known:
		return "", nil, webhookError("payload", "is not a payout object: %v", errMemberType)
	case part.lastTypeErr:
		return typ, nil, nil
	}
	w = new(wirePayout)
	*w = part.last
	return typ, w, nil
}
