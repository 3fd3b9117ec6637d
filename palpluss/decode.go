package palpluss

import (
	"bytes"
	"errors"
	"strings"

	"github.com/payoutkit/payout/internal/wirejson"
)

// The one-pass decoders of the answers on the hot path (Send, Get and the
// webhook). They read the body once with a wirejson.Reader into the same
// wire types encoding/json fills from their tags (wireTx, wireError,
// wireEvent), keeping every value as a piece of one string copy of the
// body: a transaction costs two allocations (that copy and the wireTx)
// instead of one per member. (The strings of the Payout made from it share
// that copy, which lives as long as they do: answers are small.) They read exactly what decodeEnvelope and
// decodeStrict read with encoding/json, member for member (both casings,
// names matched case-insensitively, the last of duplicate members winning,
// numbers as strings and strings as numbers, null as absent), and refuse
// exactly what those refuse: FuzzDecodersAgreeWithEncodingJSON compares
// them on the same input.

// txNames are wireTx's members, in the order of the mTx* constants.
var txNames = wirejson.NewFields(
	"transactionId", "transaction_id", "id",
	"type", "status", "currency",
	"amount", "transactionFee", "transaction_fee",
	"phone", "phone_number", "phoneNumber",
	"reference", "external_reference", "externalReference", "accountReference", "account_reference",
	"idempotencyKey", "idempotency_key", "mpesaReceipt", "mpesa_receipt",
	"resultCode", "result_code", "resultDesc", "result_desc", "resultDescription", "result_description",
	"createdAt", "created_at", "updatedAt", "updated_at",
)

const (
	mTxTransactionID = iota
	mTxTransactionIDSnake
	mTxID
	mTxType
	mTxStatus
	mTxCurrency
	mTxAmount
	mTxTransactionFee
	mTxFeeSnake
	mTxPhone
	mTxPhoneNumber
	mTxPhoneNumberCamel
	mTxReference
	mTxExternalRef
	mTxExternalRefCamel
	mTxAccountRef
	mTxAccountRefSnake
	mTxIdempotencyKey
	mTxIdempotencyKeySnake
	mTxMpesaReceipt
	mTxMpesaReceiptSnake
	mTxResultCode
	mTxResultCodeSnake
	mTxResultDesc
	mTxResultDescSnake
	mTxResultDescription
	mTxResultDescrSnake
	mTxCreatedAt
	mTxCreatedAtSnake
	mTxUpdatedAt
	mTxUpdatedAtSnake
)

// set reads the current member's value into field i of w (an mTx* constant;
// -1 skips it).
func (w *wireTx) set(r *wirejson.Reader, i int) {
	switch i {
	case mTxTransactionID:
		w.TransactionID = readFlexString(r)
	case mTxTransactionIDSnake:
		w.TransactionIDSnake = readFlexString(r)
	case mTxID:
		w.ID = readFlexString(r)
	case mTxType:
		w.Type = readFlexString(r)
	case mTxStatus:
		w.Status = readFlexString(r)
	case mTxCurrency:
		w.Currency = readFlexString(r)
	case mTxAmount:
		w.Amount = readFlexNumber(r)
	case mTxTransactionFee:
		w.TransactionFee = readFlexNumber(r)
	case mTxFeeSnake:
		w.FeeSnake = readFlexNumber(r)
	case mTxPhone:
		w.Phone = readFlexString(r)
	case mTxPhoneNumber:
		w.PhoneNumber = readFlexString(r)
	case mTxPhoneNumberCamel:
		w.PhoneNumberCamel = readFlexString(r)
	case mTxReference:
		w.Reference = readFlexString(r)
	case mTxExternalRef:
		w.ExternalRef = readFlexString(r)
	case mTxExternalRefCamel:
		w.ExternalRefCamel = readFlexString(r)
	case mTxAccountRef:
		w.AccountRef = readFlexString(r)
	case mTxAccountRefSnake:
		w.AccountRefSnake = readFlexString(r)
	case mTxIdempotencyKey:
		w.IdempotencyKey = readFlexString(r)
	case mTxIdempotencyKeySnake:
		w.IdempotencyKeySn = readFlexString(r)
	case mTxMpesaReceipt:
		w.MpesaReceipt = readFlexString(r)
	case mTxMpesaReceiptSnake:
		w.MpesaReceiptSnake = readFlexString(r)
	case mTxResultCode:
		w.ResultCode = readFlexString(r)
	case mTxResultCodeSnake:
		w.ResultCodeSnake = readFlexString(r)
	case mTxResultDesc:
		w.ResultDesc = readFlexString(r)
	case mTxResultDescSnake:
		w.ResultDescSnake = readFlexString(r)
	case mTxResultDescription:
		w.ResultDescription = readFlexString(r)
	case mTxResultDescrSnake:
		w.ResultDescrSnake = readFlexString(r)
	case mTxCreatedAt:
		w.CreatedAt = readFlexString(r)
	case mTxCreatedAtSnake:
		w.CreatedAtSnake = readFlexString(r)
	case mTxUpdatedAt:
		w.UpdatedAt = readFlexString(r)
	case mTxUpdatedAtSnake:
		w.UpdatedAtSnake = readFlexString(r)
	default:
		r.Value()
	}
}

// readTx reads the members of the object r just entered into w.
func readTx(r *wirejson.Reader, w *wireTx) {
	for r.More() {
		w.set(r, txNames.Index(r.Key()))
	}
}

// envNames are the envelope's members (wireError's and data), in the order
// of the env* constants.
var envNames = wirejson.NewFields("success", "error", "message", "code", "requestId", "request_id", "data")

const (
	envSuccess = iota
	envError
	envMessage
	envCode
	envRequestID
	envRequestIDSnake
	envData
)

// set reads the current member's value into field i of w, when it is one
// of wireError's; it reports false for any other i, consuming nothing.
func (w *wireError) set(r *wirejson.Reader, i int) bool {
	var f *rawText
	switch i {
	case envSuccess:
		f = &w.Success
	case envError:
		f = &w.Error
	case envMessage:
		f = &w.Message
	case envCode:
		f = &w.Code
	case envRequestID:
		f = &w.RequestID
	case envRequestIDSnake:
		f = &w.RequestIDSnake
	default:
		return false
	}
	*f = rawText(r.Value())
	return true
}

// errDataType is what encoding/json refuses too: an envelope whose data is
// neither an object nor null.
var errDataType = errors.New("data is not a JSON object")

// readTxEnvelope is decodeEnvelope[wireTx] in one pass: body as an
// envelope whose data is a transaction, or, when it has no success, data
// or error member, as the transaction itself.
func readTxEnvelope(body []byte) (envelope[wireTx], error) {
	var env envelope[wireTx]
	var r wirejson.Reader
	if err := openObject(&r, body); err != nil {
		return env, err
	}
	var data, top wireTx
	hasData := false
	var typeErr error
	for r.More() {
		key := r.Key()
		i := envNames.Index(key)
		if env.wireError.set(&r, i) {
			continue
		}
		if i == envData {
			switch r.Kind() {
			case '{':
				if !hasData { // a repeated data member adds to the first, as encoding/json does
					data = wireTx{}
				}
				hasData = true
				r.Object()
				readTx(&r, &data)
			case 'n':
				r.Value()
				hasData = false
			default:
				r.Value()
				typeErr = errDataType
			}
			continue
		}
		top.set(&r, txNames.Index(key))
	}
	if err := r.Finish(); err != nil {
		return env, err
	}
	if typeErr != nil {
		return env, typeErr
	}
	switch {
	case hasData:
		env.Data = new(wireTx)
		*env.Data = data
	case len(env.Success) == 0 && len(env.Error) == 0:
		env.Data = new(wireTx)
		*env.Data = top
	}
	return env, nil
}

// openObject starts r on body, which must hold one JSON object (after
// white space, as decodeStrict trims it), and enters it.
func openObject(r *wirejson.Reader, body []byte) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("not a JSON object")
	}
	r.Reset(string(body))
	r.Object()
	return nil
}

// readFlexString is flexString.UnmarshalJSON on the next value.
func readFlexString(r *wirejson.Reader) flexString {
	switch r.Kind() {
	case 'n', '{', '[':
		r.Value()
		return ""
	case '"':
		return flexString(unquoteLit(r.Value()))
	}
	return flexString(r.Value())
}

// readFlexNumber is flexNumber.UnmarshalJSON on the next value.
func readFlexNumber(r *wirejson.Reader) flexNumber {
	switch r.Kind() {
	case 'n':
		r.Value()
		return ""
	case '"':
		return flexNumber(unquoteLit(r.Value()))
	}
	return flexNumber(r.Value())
}

// unquoteLit is unquote for a literal the Reader read: its content as is
// when it holds no escape, else as encoding/json decodes it.
func unquoteLit(lit string) string {
	if lit == "" {
		return "" // the reader failed
	}
	if strings.IndexByte(lit, '\\') < 0 {
		return lit[1 : len(lit)-1]
	}
	return wirejson.Unquote(lit)
}

// eventNames are wireEvent's members, in the order of the ev* constants.
var eventNames = wirejson.NewFields("event", "event_type", "eventType", "transaction", "data")

const (
	evEvent = iota
	evEventType
	evEventTypeCamel
	evTransaction
	evData
)

// eventTx is the transaction member of a callback ("transaction", or
// "data"), as the last member of that name left it.
type eventTx struct {
	present bool // the member is there and not null
	object  bool // ... and an object, read into tx
	tx      wireTx
}

func (e *eventTx) read(r *wirejson.Reader) {
	*e = eventTx{}
	switch r.Kind() {
	case '{':
		e.present, e.object = true, true
		r.Object()
		readTx(r, &e.tx)
	case 'n':
		r.Value()
	default:
		e.present = r.Value() != ""
	}
}

// readEvent is ParseWebhook's decoding in one pass: the event's type
// members and its transaction. field names the member the transaction came
// from; tx is nil when that member is not an object.
func readEvent(body []byte) (w wireEvent, tx *wireTx, field string, err error) {
	var r wirejson.Reader
	if err := openObject(&r, body); err != nil {
		return w, nil, "", err
	}
	var trans, data eventTx
	for r.More() {
		switch eventNames.Index(r.Key()) {
		case evEvent:
			w.Event = readFlexString(&r)
		case evEventType:
			w.EventType = readFlexString(&r)
		case evEventTypeCamel:
			w.EventTypeCamel = readFlexString(&r)
		case evTransaction:
			trans.read(&r)
		case evData:
			data.read(&r)
		default:
			r.Value()
		}
	}
	if err := r.Finish(); err != nil {
		return w, nil, "", err
	}
	chosen, field := &trans, "transaction"
	if !trans.present {
		chosen, field = &data, "data"
	}
	switch {
	case !chosen.present:
		return w, nil, "", nil
	case !chosen.object:
		return w, nil, field, nil
	}
	tx = new(wireTx)
	*tx = chosen.tx
	return w, tx, field, nil
}
