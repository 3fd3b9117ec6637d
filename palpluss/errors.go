package palpluss

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

// errorCode is one row of PalPluss's documented error codes: the HTTP status
// it documents the code with, and the payout.Code it maps to.
type errorCode struct {
	status int
	code   payout.Code
}

// errorCodes maps every documented PalPluss error code to the shared
// taxonomy. A code not listed here (or a body with no code at all) maps by
// its HTTP status with httpx.CodeForStatus; the raw code is kept in
// payout.Error.ProviderCode either way.
//
// A 5xx answer to a payout POST is reported as payout.CodeOutcomeUnknown
// whatever its code (PLATFORM_CREDENTIALS_NOT_CONFIGURED included): the
// engine cannot rule out that the payout was created before the failure, and
// sending again with the same Reference is always safe.
var errorCodes = map[string]errorCode{
	"AUTH_HEADER_INVALID":          {http.StatusUnauthorized, payout.CodeUnauthorized},
	"INVALID_API_KEY":              {http.StatusUnauthorized, payout.CodeUnauthorized},
	"TENANT_INACTIVE":              {http.StatusUnauthorized, payout.CodeUnauthorized},
	"ACCOUNT_INACTIVE":             {http.StatusForbidden, payout.CodeForbidden},
	"KYC_NOT_VERIFIED":             {http.StatusForbidden, payout.CodeForbidden},
	"INVALID_PHONE":                {http.StatusBadRequest, payout.CodeInvalidRecipient},
	"CHANNEL_NOT_FOUND":            {http.StatusBadRequest, payout.CodeInvalidRequest},
	"INVALID_IDEMPOTENCY_KEY":      {http.StatusBadRequest, payout.CodeInvalidRequest},
	"INVALID_CURSOR":               {http.StatusBadRequest, payout.CodeInvalidRequest},
	"INVALID_UUID":                 {http.StatusBadRequest, payout.CodeInvalidRequest},
	"UNSUPPORTED_CURRENCY":         {http.StatusBadRequest, payout.CodeInvalidRequest},
	"INSUFFICIENT_SERVICE_BALANCE": {http.StatusPaymentRequired, payout.CodeInsufficientFeeBalance},
	// The provider's SDK usage guide documents INSUFFICIENT_BALANCE (400)
	// for the service wallet, which pays the fees.
	"INSUFFICIENT_BALANCE":                {http.StatusBadRequest, payout.CodeInsufficientFeeBalance},
	"CREDENTIAL_NOT_FOUND":                {http.StatusNotFound, payout.CodeNotFound},
	"TRANSACTION_NOT_FOUND":               {http.StatusNotFound, payout.CodeNotFound},
	"WALLET_NOT_FOUND":                    {http.StatusNotFound, payout.CodeNotFound},
	"INSUFFICIENT_FUNDS":                  {http.StatusConflict, payout.CodeInsufficientFunds},
	"WALLET_INACTIVE":                     {http.StatusConflict, payout.CodeForbidden},
	"CREDENTIAL_INACTIVE":                 {http.StatusConflict, payout.CodeForbidden},
	"RATE_LIMIT_EXCEEDED":                 {http.StatusTooManyRequests, payout.CodeRateLimited},
	"PLATFORM_CREDENTIALS_NOT_CONFIGURED": {http.StatusInternalServerError, payout.CodeProviderError},
}

// codeFor maps a provider code to the taxonomy; "" when the code is not
// documented (the caller then falls back on the HTTP status).
func codeFor(providerCode string) payout.Code {
	if providerCode == "" {
		return ""
	}
	ec, ok := errorCodes[strings.ToUpper(strings.TrimSpace(providerCode))]
	if !ok {
		return ""
	}
	return ec.code
}

// wireError is PalPluss's error envelope,
// {"success":false,"error":{"message","code","details"},"requestId"}, read
// leniently: error may also be a plain string, message and code may sit at
// the top level, and a member of an unexpected type is ignored rather than
// failing the whole body.
type wireError struct {
	Success        json.RawMessage `json:"success"`
	Error          json.RawMessage `json:"error"`
	Message        json.RawMessage `json:"message"`
	Code           json.RawMessage `json:"code"`
	RequestID      json.RawMessage `json:"requestId"`
	RequestIDSnake json.RawMessage `json:"request_id"`
}

type wireErrorDetail struct {
	Message json.RawMessage `json:"message"`
	Code    json.RawMessage `json:"code"`
}

// failed reports whether the body says the call failed: "success" is false
// (or "false", as some proxies re-encode it).
func (w *wireError) failed() bool {
	s := string(bytes.TrimSpace(w.Success))
	return s == "false" || s == `"false"`
}

// parse extracts the provider's code, message and request id.
func (w *wireError) parse() (code, message, requestID string) {
	code, message = rawString(w.Code), rawString(w.Message)
	if e := bytes.TrimSpace(w.Error); len(e) > 0 {
		switch e[0] {
		case '{':
			var d wireErrorDetail
			if json.Unmarshal(e, &d) == nil {
				code, message = first(rawString(d.Code), code), first(rawString(d.Message), message)
			}
		case '"':
			message = first(message, rawString(e))
		}
	}
	return code, message, first(rawString(w.RequestID), rawString(w.RequestIDSnake))
}

// rawString reads a JSON string or number as text; anything else is "".
func rawString(raw json.RawMessage) string {
	var f flexString
	if len(raw) == 0 || f.UnmarshalJSON(raw) != nil {
		return ""
	}
	return string(f)
}

// decodeError is the engine's DecodeError hook: it reads PalPluss's error
// envelope, and gives a non-JSON body (a proxy's HTML 502) or a truncated one
// a message that says so. The engine fills in what it leaves empty: the Code
// of an undocumented code from the HTTP status, the request id from
// X-Request-Id, Retry-After.
func decodeError(status int, h http.Header, body []byte) *payout.Error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return &payout.Error{Message: http.StatusText(status) + " (empty body)"}
	}
	if trimmed[0] != '{' {
		return &payout.Error{Message: http.StatusText(status) + " (" + describeBody(h) + ")"}
	}
	var w wireError
	if err := json.Unmarshal(trimmed, &w); err != nil {
		return &payout.Error{Message: http.StatusText(status) + " (malformed JSON error body)", Err: err}
	}
	code, msg, rid := w.parse()
	return &payout.Error{Code: codeFor(code), ProviderCode: code, Message: msg, RequestID: rid}
}

// describeBody names a non-JSON body by its media type, never by its content.
func describeBody(h http.Header) string {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt == "" {
		return "non-JSON body"
	}
	return "non-JSON " + mt + " body"
}

// envelopeError turns a 2xx answer with "success": false into an error. The
// engine never sees it as an error, so everything is filled in here; a code
// that is not documented maps to CodeProviderError.
func (c *Client) envelopeError(resp *httpx.Response, w *wireError, reference string) *payout.Error {
	code, msg, rid := w.parse()
	red := c.eng.Redactor()
	pe := &payout.Error{
		Code: codeFor(code), Provider: ProviderName, ProviderCode: red.String(code), HTTPStatus: resp.StatusCode,
		Message: red.String(msg), Reference: reference, RequestID: first(red.String(rid), c.eng.RequestID(resp.Header)),
	}
	if pe.Code == "" {
		pe.Code = payout.CodeProviderError
	}
	if pe.Message == "" {
		pe.Message = "the provider answered success: false"
	}
	return pe
}

// first returns the first non-empty string.
func first[S ~string](ss ...S) S {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// flexString decodes a JSON string as its content, a number or boolean as
// its text, and null, an object or an array as "": PalPluss documents
// M-Pesa's result code as a string, but numbers are seen in the wild, and a
// member of an unexpected type must not make a whole answer unreadable.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || b[0] == 'n' || b[0] == '{' || b[0] == '[':
		*f = ""
	case b[0] == '"':
		s, err := unquote(b)
		if err != nil {
			return err
		}
		*f = flexString(s)
	default:
		*f = flexString(b)
	}
	return nil
}

// flexNumber is a JSON number kept as its text ("500", "20.50"), also when
// it arrives as a string ("500"); null is "". Anything else is kept as its
// raw text, so that converting it fails with an error naming the field
// instead of the whole answer failing to decode.
type flexNumber string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexNumber) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || b[0] == 'n':
		*f = ""
	case b[0] == '"':
		s, err := unquote(b)
		if err != nil {
			return err
		}
		*f = flexNumber(s)
	default:
		*f = flexNumber(b)
	}
	return nil
}

// unquote decodes a JSON string literal, without allocating beyond the
// result when it holds no escapes.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}
