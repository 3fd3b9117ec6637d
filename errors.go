package payout

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Code classifies an error the same way for every provider. Error.ProviderCode
// keeps the provider's own code beside it.
type Code string

// The error taxonomy shared by every adapter.
const (
	// CodeInvalidRequest: the request is malformed or breaks a rule (missing
	// field, amount out of range). Error.Field names the field. Not retryable.
	CodeInvalidRequest Code = "invalid_request"
	// CodeUnauthorized: the credentials were refused.
	CodeUnauthorized Code = "unauthorized"
	// CodeForbidden: the account may not do this (inactive, KYC not approved).
	CodeForbidden Code = "forbidden"
	// CodeInsufficientFunds: the wallet the payout is paid from is too low.
	CodeInsufficientFunds Code = "insufficient_funds"
	// CodeInsufficientFeeBalance: the wallet that pays the provider's fees is
	// too low.
	CodeInsufficientFeeBalance Code = "insufficient_fee_balance"
	// CodeInvalidRecipient: the recipient's number is invalid or cannot
	// receive mobile money.
	CodeInvalidRecipient Code = "invalid_recipient"
	// CodeLimitExceeded: an amount or count limit of the provider, operator
	// or recipient wallet was exceeded.
	CodeLimitExceeded Code = "limit_exceeded"
	// CodeDuplicateReference: the provider already has a payout with this
	// Reference and the SDK could not return it.
	CodeDuplicateReference Code = "duplicate_reference"
	// CodeNotFound: no such payout or resource.
	CodeNotFound Code = "not_found"
	// CodeConflict: the request conflicts with the resource's state (for
	// example an idempotency key reused with a different body).
	CodeConflict Code = "conflict"
	// CodeRateLimited: too many requests; Error.RetryAfter says when to retry.
	CodeRateLimited Code = "rate_limited"
	// CodeProviderError: the provider failed (5xx) or answered something the
	// SDK cannot read, in a way that did not create a payout.
	CodeProviderError Code = "provider_error"
	// CodeNetwork: the request never reached the provider (connection
	// refused, DNS failure); nothing was processed.
	CodeNetwork Code = "network"
	// CodeOutcomeUnknown: the provider may or may not have processed the
	// request. For Send, call Send again with the same Reference.
	CodeOutcomeUnknown Code = "outcome_unknown"
)

// Sentinels to match with errors.Is: errors.Is(err, payout.ErrInsufficientFunds)
// is true for every *Error whose Code is CodeInsufficientFunds.
var (
	ErrInvalidRequest         error = &codeError{CodeInvalidRequest}
	ErrUnauthorized           error = &codeError{CodeUnauthorized}
	ErrForbidden              error = &codeError{CodeForbidden}
	ErrInsufficientFunds      error = &codeError{CodeInsufficientFunds}
	ErrInsufficientFeeBalance error = &codeError{CodeInsufficientFeeBalance}
	ErrInvalidRecipient       error = &codeError{CodeInvalidRecipient}
	ErrLimitExceeded          error = &codeError{CodeLimitExceeded}
	ErrDuplicateReference     error = &codeError{CodeDuplicateReference}
	ErrNotFound               error = &codeError{CodeNotFound}
	ErrConflict               error = &codeError{CodeConflict}
	ErrRateLimited            error = &codeError{CodeRateLimited}
	ErrProviderError          error = &codeError{CodeProviderError}
	ErrNetwork                error = &codeError{CodeNetwork}
	ErrOutcomeUnknown         error = &codeError{CodeOutcomeUnknown}
)

// codeError is the type of the sentinels: it matches by code, so that a
// Code's sentinel and every *Error of that Code are alike to errors.Is.
type codeError struct{ code Code }

func (c *codeError) Error() string { return "payout: " + strings.ReplaceAll(string(c.code), "_", " ") }

// Err returns an error that errors.Is matches against every *Error with
// Code c; for the documented codes it is the ErrXxx sentinel itself.
func (c Code) Err() error {
	for _, s := range []error{ErrInvalidRequest, ErrUnauthorized, ErrForbidden, ErrInsufficientFunds,
		ErrInsufficientFeeBalance, ErrInvalidRecipient, ErrLimitExceeded, ErrDuplicateReference,
		ErrNotFound, ErrConflict, ErrRateLimited, ErrProviderError, ErrNetwork, ErrOutcomeUnknown} {
		if s.(*codeError).code == c {
			return s
		}
	}
	return &codeError{c}
}

// Retryable reports whether an operation that failed with c may succeed if
// repeated unchanged: network failures, rate limits, provider failures and
// unknown outcomes. For Send, repeat with the same Reference.
func (c Code) Retryable() bool {
	switch c {
	case CodeNetwork, CodeRateLimited, CodeProviderError, CodeOutcomeUnknown:
		return true
	}
	return false
}

// Error is the error every adapter returns. Its Error string is one line,
// carries the request id and never includes secrets or whole response bodies.
type Error struct {
	// Code classifies the error across providers.
	Code Code
	// Provider names the adapter ("palpluss", "payos"); empty for errors
	// found before any provider was involved.
	Provider string
	// ProviderCode is the provider's own error code, as sent.
	ProviderCode string
	// HTTPStatus is the status of the provider's last response; 0 when no
	// response arrived.
	HTTPStatus int
	// Message is the provider's (or the SDK's) human-readable explanation.
	Message string
	// Field names the request field at fault ("recipient.phone",
	// "sender.dateOfBirth"), when one is.
	Field string
	// Reference is the Request.Reference the error is about, when the
	// operation was a Send. With CodeOutcomeUnknown, it is what to send again.
	Reference string
	// RequestID is the provider's id of the failed request, for its support.
	RequestID string
	// RetryAfter is how long the provider asked to wait before retrying.
	RetryAfter time.Duration
	// Err is the underlying cause (a network error, a context error).
	Err error
}

// maxMessage bounds how much of a provider's message Error() repeats.
const maxMessage = 200

// Error returns a one-line description: code, message, then the identifying
// details that are present.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("payout: ")
	if e.Provider != "" {
		b.WriteString(e.Provider)
		b.WriteString(": ")
	}
	b.WriteString(strings.ReplaceAll(string(e.Code), "_", " "))
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if msg := oneLine(e.Message, maxMessage); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	var details []string
	if e.HTTPStatus != 0 {
		details = append(details, "http "+strconv.Itoa(e.HTTPStatus))
	}
	if e.ProviderCode != "" {
		details = append(details, "code "+oneLine(e.ProviderCode, 64))
	}
	if e.Reference != "" {
		details = append(details, "reference "+strconv.Quote(oneLine(e.Reference, 128)))
	}
	if e.RequestID != "" {
		details = append(details, "request_id "+oneLine(e.RequestID, 64))
	}
	if e.RetryAfter > 0 {
		details = append(details, "retry after "+e.RetryAfter.String())
	}
	if len(details) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(details, ", "))
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Err.Error(), maxMessage))
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, payout.ErrXxx) true when e.Code is the sentinel's
// code.
func (e *Error) Is(target error) bool {
	c, ok := target.(*codeError)
	return ok && c.code == e.Code
}

// Retryable reports whether repeating the operation unchanged may succeed
// (see Code.Retryable).
func (e *Error) Retryable() bool { return e.Code.Retryable() }

// IsRetryable reports whether err is an *Error whose operation may succeed if
// repeated unchanged: for Send, with the same Reference. Context errors are
// not retryable: the caller gave up.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable()
}

// InvalidField returns a CodeInvalidRequest error about field, with a
// message built like fmt.Sprintf.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

// oneLine folds s onto one line of at most max runes, so that no provider
// text can break a log line or grow an error without bound.
func oneLine(s string, max int) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			b.WriteString("…")
			return b.String()
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// Is makes two sentinels of the same Code alike.
func (c *codeError) Is(target error) bool {
	t, ok := target.(*codeError)
	return ok && t.code == c.code
}
