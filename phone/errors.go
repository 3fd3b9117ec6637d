package phone

import (
	"errors"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid matches every error returned by [Parse]. Test for it with
// [errors.Is] when the reason does not matter.
var ErrInvalid = errors.New("phone: invalid number")

// The reasons Parse rejects its input. Each error from Parse matches exactly
// one of them, and ErrInvalid, with [errors.Is].
var (
	// ErrEmpty means the input has no digits at all: it is empty, blank, or
	// only separators such as "()" or "+".
	ErrEmpty = fmt.Errorf("%w: no digits", ErrInvalid)

	// ErrCharacter means the input contains something other than ASCII
	// digits, separators and one leading '+': a letter, a symbol, a
	// non-ASCII digit, invalid UTF-8, or a misplaced '+'. The package
	// documentation lists the separators.
	ErrCharacter = fmt.Errorf("%w: unexpected character", ErrInvalid)

	// ErrCountry means the input is written in international form for a
	// country other than Kenya (+254), or for no country at all.
	ErrCountry = fmt.Errorf("%w: not a Kenyan number", ErrInvalid)

	// ErrLength means the input has the wrong number of digits for a Kenyan
	// mobile number, which has 9 after the country code or trunk prefix 0.
	ErrLength = fmt.Errorf("%w: wrong length", ErrInvalid)

	// ErrNotMobile means the input has the length of a Kenyan number but is
	// not in a mobile range: a fixed line, toll-free, premium-rate or
	// unallocated number. Payouts can only go to mobile numbers.
	ErrNotMobile = fmt.Errorf("%w: not a mobile number", ErrInvalid)
)

// parseError is the error Parse returns. Its message quotes the input and
// explains the problem; Unwrap gives the reason sentinel.
type parseError struct {
	input  string // what the caller passed to Parse
	reason error  // one of ErrEmpty, ErrCharacter, ErrCountry, ErrLength, ErrNotMobile
	detail string // human explanation, one line
}

func (e *parseError) Error() string {
	return "phone: " + quote(e.input) + ": " + e.detail
}

func (e *parseError) Unwrap() error { return e.reason }

func newError(input string, reason error, detail string) error {
	return &parseError{input: input, reason: reason, detail: detail}
}

// maxQuoted is how many bytes of the input an error message shows.
const maxQuoted = 32

// quote returns s as a Go string literal for an error message: escaped, so
// the message stays on one line, and cut to about maxQuoted bytes (at a rune
// boundary when there is one nearby), marked with "..." if it was cut.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	n := maxQuoted
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return strconv.Quote(s[:n]) + "..."
}

// characterError explains why the first byte of rest, a byte Parse does not
// accept, was refused.
func characterError(input, rest string) error {
	r, size := utf8.DecodeRuneInString(rest)
	var detail string
	switch {
	case r == utf8.RuneError && size <= 1:
		detail = "invalid UTF-8"
	case r == '+':
		detail = `"+" is allowed only once, before the first digit`
	case unicode.IsDigit(r):
		detail = fmt.Sprintf("non-ASCII digit %q (%U); only 0-9 are accepted", r, r)
	case unicode.IsLetter(r):
		detail = fmt.Sprintf("unexpected letter %q", r)
	case r < utf8.RuneSelf:
		detail = fmt.Sprintf("unexpected character %q", r)
	default:
		detail = fmt.Sprintf("unexpected character %q (%U)", r, r)
	}
	return newError(input, ErrCharacter, detail)
}
