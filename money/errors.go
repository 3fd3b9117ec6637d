package money

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them; test for them with [errors.Is].
var (
	// ErrInvalid means the input is malformed: a string Parse does not
	// accept, or JSON that is not exactly {"minor":<integer>,"currency":<code>}.
	ErrInvalid = errors.New("money: invalid amount")

	// ErrOverflow means the result does not fit in an int64 count of minor
	// units.
	ErrOverflow = errors.New("money: amount overflows int64 minor units")

	// ErrCurrencyMismatch means an operation was given amounts in two
	// different currencies.
	ErrCurrencyMismatch = errors.New("money: currency mismatch")

	// ErrUnknownCurrency means a currency is not one this package knows; see
	// Currency.Valid. The zero Amount has such a currency.
	ErrUnknownCurrency = errors.New("money: unknown currency")

	// ErrFractional means an amount is not a whole number of major units and
	// the operation would have had to round it.
	ErrFractional = errors.New("money: amount is not a whole number of major units")
)

// maxQuoted is how many bytes of offending input an error message shows.
const maxQuoted = 32

// quote returns s as an ASCII Go string literal for an error message, so
// that look-alike characters such as fullwidth digits show as escapes. It
// cuts s to about maxQuoted bytes (at a rune boundary when there is one
// nearby) and marks the cut with "...".
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.QuoteToASCII(s)
	}
	n := maxQuoted
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return strconv.QuoteToASCII(s[:n]) + "..."
}
