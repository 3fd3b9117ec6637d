package payos

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

// PayOS's documented codes: M-Pesa failure codes (on a failed payout or in
// an error body), RFC 6749 token errors and the idempotency conflict.
const (
	CodeRecipientInvalidAccount = "PAYOUT_RECIPIENT_INVALID_ACCOUNT"
	CodeRecipientLimitExceeded  = "PAYOUT_RECIPIENT_LIMIT_EXCEEDED"
	CodeInsufficientFunds       = "PAYOUT_INSUFFICIENT_FUNDS"
	CodeInvalidData             = "INVALID_DATA"
	CodeNetworkError            = "NETWORK_ERROR"
	CodeDownstreamError         = "DOWNSTREAM_ERROR"
	CodeIdempotencyConflict     = "IDEMPOTENCY_CONFLICT"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
)

// codeTable maps PayOS codes (compared case-insensitively) to the shared
// taxonomy.
var codeTable = map[string]payout.Code{
	CodeRecipientInvalidAccount: payout.CodeInvalidRecipient,
	CodeRecipientLimitExceeded:  payout.CodeLimitExceeded,
	CodeInsufficientFunds:       payout.CodeInsufficientFunds,
	CodeInvalidData:             payout.CodeInvalidRecipient,
	CodeNetworkError:            payout.CodeProviderError,
	CodeDownstreamError:         payout.CodeProviderError,
	CodeIdempotencyConflict:     payout.CodeConflict,
	"INVALID_CLIENT":            payout.CodeUnauthorized,
	"INVALID_GRANT":             payout.CodeUnauthorized,
	"UNAUTHORIZED_CLIENT":       payout.CodeUnauthorized,
	// Spellings seen without the PAYOUT_ prefix or with another noun.
	"INSUFFICIENT_FUNDS":           payout.CodeInsufficientFunds,
	"INSUFFICIENT_BALANCE":         payout.CodeInsufficientFunds,
	"RECIPIENT_INVALID_ACCOUNT":    payout.CodeInvalidRecipient,
	"RECIPIENT_LIMIT_EXCEEDED":     payout.CodeLimitExceeded,
	"DUPLICATE_MERCHANT_REFERENCE": payout.CodeDuplicateReference,
	"DUPLICATE_REFERENCE":          payout.CodeDuplicateReference,
}

// FailureCode classifies a PayOS code, such as a failed Payout's
// FailureCode or an Error's ProviderCode, in the shared taxonomy:
// FailureCode("PAYOUT_INSUFFICIENT_FUNDS") is payout.CodeInsufficientFunds.
// It returns "" for a code PayOS does not document.
func FailureCode(code string) payout.Code {
	c := strings.ToUpper(strings.TrimSpace(code))
	if c == "" {
		return ""
	}
	if mapped, ok := codeTable[c]; ok {
		return mapped
	}
	if strings.Contains(c, "DUPLICATE") {
		return payout.CodeDuplicateReference
	}
	return ""
}

// errorBody is the union of PayOS's three error shapes:
//
//	{"message": "..." | ["...", ...], "error": "Bad Request", "statusCode": 400}   (NestJS)
//	{"error": {"code": "...", "message": "...", "details": {...}}}
//	{"error": "invalid_client", "error_description": "..."}                          (RFC 6749)
type errorBody struct {
	Message          json.RawMessage `json:"message"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	Code             json.RawMessage `json:"code"`
	ErrorCode        string          `json:"errorCode"`
}

type errorObject struct {
	Code    json.RawMessage `json:"code"`
	Message json.RawMessage `json:"message"`
}

// parseErrorBody extracts the provider's code and message from any of the
// documented shapes. A body that is not JSON (an HTML 502 page, a truncated
// answer) yields nothing: its text never reaches an error.
func parseErrorBody(status int, body []byte) (code, message string) {
	var b errorBody
	if len(bytes.TrimSpace(body)) == 0 || json.Unmarshal(body, &b) != nil {
		return "", ""
	}
	message = text(b.Message)
	code = firstNonEmpty(text(b.Code), b.ErrorCode)
	if eb := bytes.TrimSpace(b.Error); len(eb) > 0 {
		switch eb[0] {
		case '{':
			var o errorObject
			if json.Unmarshal(eb, &o) == nil {
				code = firstNonEmpty(text(o.Code), code)
				message = firstNonEmpty(text(o.Message), message)
			}
		case '"':
			s := text(eb)
			switch {
			case b.ErrorDescription != "":
				// RFC 6749: error is the code.
				code = firstNonEmpty(s, code)
			case looksLikeCode(s, status):
				code = firstNonEmpty(code, s)
			case message == "":
				message = s
			}
		}
	}
	// Not cut here: the engine redacts, then cuts (httpx.MaxMessage), so
	// that no prefix of a secret survives a cut.
	return code, firstNonEmpty(message, b.ErrorDescription)
}

// text reads a JSON string, number, or array of strings (NestJS validation
// messages, joined with "; ").
func text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return unquote(raw)
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var out []string
	for _, p := range parts {
		if s := text(p); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// looksLikeCode tells a machine code ("DUPLICATE_MERCHANT_REFERENCE",
// "invalid_client") from NestJS's reason phrase ("Bad Request").
func looksLikeCode(s string, status int) bool {
	if s == "" || len(s) > 100 || strings.EqualFold(s, http.StatusText(status)) {
		return false
	}
	hasSep := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '_' || c == '.' || c == '-':
			hasSep = true
		default:
			return false
		}
	}
	return hasSep || strings.ToUpper(s) == s
}

// decodeError is the engine's DecodeError hook: code and message from the
// body, then the code table, then duplicate detection, then the status.
func decodeError(status int, h http.Header, body []byte) *payout.Error {
	code, msg := parseErrorBody(status, body)
	pe := &payout.Error{ProviderCode: code, Message: msg, Field: fieldFromMessage(msg)}
	pe.Code = classify(code, msg, status)
	if strings.EqualFold(code, CodeIdempotencyConflict) {
		pe.Message = "the Reference was already used for a payout with different details " +
			"(same Idempotency-Key, different request): use a new Reference for a new payout"
		if msg != "" {
			pe.Message += "; PayOS says: " + msg
		}
	}
	for _, k := range []string{"X-Request-Id", "X-Correlation-Id", "Request-Id", "X-Amzn-Requestid"} {
		if v := h.Get(k); v != "" {
			pe.RequestID = v
			break
		}
	}
	return pe
}

// classify maps a provider code and message to the shared taxonomy.
func classify(code, msg string, status int) payout.Code {
	if c := FailureCode(code); c != "" {
		return c
	}
	if status >= 400 && status < 500 && mentionsDuplicate(code+" "+msg) {
		return payout.CodeDuplicateReference
	}
	return httpx.CodeForStatus(status)
}

// mentionsDuplicate reports text that says a reference is already taken.
func mentionsDuplicate(s string) bool {
	s = strings.ToLower(s)
	if strings.Contains(s, "idempotency") {
		return false
	}
	for _, w := range []string{"duplicate", "already exist", "already been used", "already used", "already in use", "must be unique", "not unique"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// fieldFromMessage names the request field a NestJS validation message is
// about ("sender.identityNumber should not be empty"), in the SDK's terms.
func fieldFromMessage(msg string) string {
	first, _, _ := strings.Cut(msg, " ")
	if strings.Count(first, ".") == 0 && first != "merchantReference" {
		return ""
	}
	for i := 0; i < len(first); i++ {
		c := first[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') {
			return ""
		}
	}
	switch first {
	case "merchantReference":
		return "reference"
	case "destinationValue.minorAmount", "destinationValue.currency":
		return "amount"
	case "recipient.phoneNumber":
		return "recipient.phone"
	}
	if strings.HasPrefix(first, "sender.") || first == "recipient.name" {
		return first
	}
	return ""
}
