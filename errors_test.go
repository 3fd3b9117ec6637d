package payout

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorMatchesItsSentinelOnly(t *testing.T) {
	sentinels := map[Code]error{
		CodeInvalidRequest: ErrInvalidRequest, CodeUnauthorized: ErrUnauthorized, CodeForbidden: ErrForbidden,
		CodeInsufficientFunds: ErrInsufficientFunds, CodeInsufficientFeeBalance: ErrInsufficientFeeBalance,
		CodeInvalidRecipient: ErrInvalidRecipient, CodeLimitExceeded: ErrLimitExceeded,
		CodeDuplicateReference: ErrDuplicateReference, CodeNotFound: ErrNotFound, CodeConflict: ErrConflict,
		CodeRateLimited: ErrRateLimited, CodeProviderError: ErrProviderError, CodeNetwork: ErrNetwork,
		CodeOutcomeUnknown: ErrOutcomeUnknown,
	}
	for code, sentinel := range sentinels {
		err := fmt.Errorf("wrapped: %w", &Error{Code: code, Provider: "palpluss"})
		for other, s := range sentinels {
			assert.Equal(t, other == code, errors.Is(err, s), "%s vs %s", code, other)
		}
		assert.Same(t, sentinel, code.Err())
		var pe *Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, code, pe.Code)
	}
	assert.True(t, errors.Is(Code("custom").Err(), Code("custom").Err()), "codes outside the taxonomy still match themselves")
}

func TestErrorUnwrapsCause(t *testing.T) {
	cause := errors.New("connection reset")
	err := &Error{Code: CodeOutcomeUnknown, Err: cause}
	assert.ErrorIs(t, err, cause)
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
}

func TestErrorStringIsOneBoundedLine(t *testing.T) {
	err := &Error{
		Code: CodeInsufficientFunds, Provider: "palpluss", ProviderCode: "INSUFFICIENT_FUNDS", HTTPStatus: 409,
		Message: "Insufficient\nB2C wallet\tbalance. " + strings.Repeat("x", 500), Reference: "WD-1",
		RequestID: "req-1", RetryAfter: 2 * time.Second, Err: errors.New("line one\nline two"),
	}
	s := err.Error()
	assert.NotContains(t, s, "\n")
	assert.NotContains(t, s, "\t")
	assert.Contains(t, s, "payout: palpluss: insufficient funds: Insufficient B2C wallet balance.")
	assert.Contains(t, s, "(http 409, code INSUFFICIENT_FUNDS, reference \"WD-1\", request_id req-1, retry after 2s)")
	assert.Contains(t, s, ": line one line two")
	assert.Less(t, len(s), 600, "a provider's text is cut, not repeated whole")
	assert.Equal(t, "payout: invalid request: amount: must be positive", InvalidField("amount", "must be positive").Error())
}

func TestRetryable(t *testing.T) {
	assert.True(t, IsRetryable(&Error{Code: CodeOutcomeUnknown}))
	assert.True(t, IsRetryable(fmt.Errorf("x: %w", &Error{Code: CodeRateLimited})))
	assert.True(t, IsRetryable(&Error{Code: CodeNetwork}))
	assert.True(t, IsRetryable(&Error{Code: CodeProviderError}))
	assert.False(t, IsRetryable(&Error{Code: CodeInsufficientFunds}))
	assert.False(t, IsRetryable(&Error{Code: CodeInvalidRequest}))
	assert.False(t, IsRetryable(errors.New("plain")))
	assert.False(t, IsRetryable(nil))
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "", oneLine("", 10))
	assert.Equal(t, "a b", oneLine("  a \r\n b  ", 10))
	assert.Equal(t, "abc…", oneLine("abcdef", 3))
	assert.Equal(t, "a b", oneLine("a\x00b\xff", 10), "control bytes and invalid UTF-8 fold like space")
}
