package money

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Amount is an exact quantity of money: a whole number of minor units of a
// currency. Amount{Minor: 2050, Currency: KES} is KES 20.50.
//
// Amount is a small value type; pass and compare it by value. Two Amounts are
// equal with == exactly when they have the same Minor and Currency. Amounts
// may be negative, as ledger entries often are; code that sends money must
// reject negative amounts itself (see [Amount.IsNegative]).
//
// The zero Amount has no currency. It is zero (IsZero reports true), but
// every operation that needs a currency fails on it with
// [ErrUnknownCurrency], so a forgotten initialisation cannot turn into a
// payout.
type Amount struct {
	// Minor is the amount in the currency's minor unit: cents for KES and
	// USD, shillings for UGX, whose minor unit is its major unit.
	Minor int64

	// Currency is the currency of the amount. It must be Valid for the
	// amount to be usable.
	Currency Currency
}

// New returns the Amount of minor units of c, so New(2050, KES) is
// KES 20.50. Use it for values already counted in minor units, such as
// those from your own ledger; use [Parse] for decimal strings.
//
// New does not check c. An Amount with an unknown currency can be
// built but not used: operations on it fail with [ErrUnknownCurrency].
func New(minor int64, c Currency) Amount {
	return Amount{Minor: minor, Currency: c}
}

// Parse reads s, a decimal number of major units of c, such as "20.50" for
// twenty shillings and fifty cents. Parse is exact: it returns an error
// rather than round, truncate or guess.
//
// s must match
//
//	["-"] digits ["." digits]
//
// where digits is one or more ASCII digits '0' to '9'. So:
//
//   - The fraction may have fewer digits than c's exponent: for KES, "20"
//     and "20.5" are 2000 and 2050 minor units.
//   - Digits beyond c's exponent must be zeros: "20.500" is KES 20.50 and
//     "5000.00" is UGX 5000, but "20.505" (KES) and "5000.5" (UGX) are
//     errors, since representing them would need rounding.
//   - A leading '-' is accepted, because ledger amounts can be negative;
//     "-0" is zero. Payout code must reject negative amounts itself.
//   - Everything else is rejected with [ErrInvalid]: the empty string, a
//     leading '+', a dot with no digit on either side ("20." and ".5"),
//     exponents ("1e3"), hexadecimal ("0x10"), spaces, thousands separators
//     ("1,000" and "1_000"), currency symbols and non-ASCII digits. Leading
//     zeros are allowed ("007.50").
//
// Parse fails with [ErrUnknownCurrency] if c is not Valid and with
// [ErrOverflow] if the amount does not fit in an int64 of minor units, for
// example "92233720368547758.08" KES. It does not allocate unless it
// fails.
func Parse(s string, c Currency) (Amount, error) {
	exp, ok := c.Exponent()
	if !ok {
		return Amount{}, fmt.Errorf("%w %s (parsing amount %s)", ErrUnknownCurrency, quote(string(c)), quote(s))
	}
	neg, whole, frac, err := scanDecimal(s, c, exp)
	if err != nil {
		return Amount{}, err
	}

	// Accumulate the magnitude in a uint64, whose range covers both
	// MaxInt64 and the magnitude of MinInt64, then apply the sign.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var u uint64
	for i := range len(whole) + exp {
		var d uint64
		if i < len(whole) {
			d = uint64(whole[i] - '0')
		} else if j := i - len(whole); j < len(frac) {
			d = uint64(frac[j] - '0')
		}
		if u > (limit-d)/10 {
			return Amount{}, fmt.Errorf("%w: %s %s", ErrOverflow, quote(s), c)
		}
		u = u*10 + d
	}
	minor := int64(u)
	if neg {
		minor = int64(-u) // two's complement; correct for MinInt64 too
	}
	return Amount{Minor: minor, Currency: c}, nil
}

// scanDecimal checks s against Parse's grammar and splits it into its sign,
// its integer digits and at most exp fraction digits. Fraction digits beyond
// exp must be zeros and are dropped.
func scanDecimal(s string, c Currency, exp int) (neg bool, whole, frac string, err error) {
	if s == "" {
		return false, "", "", invalidDecimal(s, c, "empty string")
	}
	i := 0
	if s[0] == '-' {
		neg = true
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	whole = s[start:i]
	if whole == "" {
		switch {
		case i == len(s):
			return false, "", "", invalidDecimal(s, c, "no digits")
		case s[i] == '.':
			return false, "", "", invalidDecimal(s, c, "no digit before the decimal point")
		default:
			return false, "", "", unexpectedByte(s, c, i)
		}
	}
	if i == len(s) {
		return neg, whole, "", nil
	}
	if s[i] != '.' {
		return false, "", "", unexpectedByte(s, c, i)
	}
	i++
	start = i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	frac = s[start:i]
	if i < len(s) {
		return false, "", "", unexpectedByte(s, c, i)
	}
	if frac == "" {
		return false, "", "", invalidDecimal(s, c, "no digit after the decimal point")
	}
	if len(frac) > exp {
		for j := exp; j < len(frac); j++ {
			if frac[j] != '0' {
				return false, "", "", invalidDecimal(s, c,
					fmt.Sprintf("%s has %d decimal places; refusing to round away nonzero digits", c, exp))
			}
		}
		frac = frac[:exp]
	}
	return neg, whole, frac, nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// invalidDecimal returns an ErrInvalid error for input s to Parse.
func invalidDecimal(s string, c Currency, reason string) error {
	return fmt.Errorf("%w %s for %s: %s", ErrInvalid, quote(s), c, reason)
}

// unexpectedByte returns an ErrInvalid error pointing at the character that
// starts at s[i].
func unexpectedByte(s string, c Currency, i int) error {
	_, size := utf8.DecodeRuneInString(s[i:])
	return invalidDecimal(s, c, fmt.Sprintf("unexpected %s at byte %d", strconv.QuoteToASCII(s[i:i+size]), i))
}

// FromMajor returns the Amount of major whole units of c, so
// FromMajor(20, KES) is KES 20.00, or 2000 minor units. It fails with
// [ErrUnknownCurrency] if c is not Valid and with [ErrOverflow] if the
// result does not fit in an int64 of minor units.
func FromMajor(major int64, c Currency) (Amount, error) {
	exp, ok := c.Exponent()
	if !ok {
		return Amount{}, fmt.Errorf("%w %s (converting %d major units)", ErrUnknownCurrency, quote(string(c)), major)
	}
	p := int64(pow10[exp])
	if major > math.MaxInt64/p || major < math.MinInt64/p {
		return Amount{}, fmt.Errorf("%w: %d major units of %s", ErrOverflow, major, c)
	}
	return Amount{Minor: major * p, Currency: c}, nil
}

// String returns a for people and logs: the currency code, a space, and
// [Amount.MajorString], as in "KES 20.50", "KES -20.50" and "UGX 5000".
//
// If a's currency is unknown, String cannot place the decimal point and
// returns a marker that no parser accepts instead, such as
//
//	!(unknown currency "XYZ": 2050 minor units)
func (a Amount) String() string {
	exp, ok := a.Currency.Exponent()
	if !ok {
		return a.unknownString()
	}
	var buf [32]byte // "KES " + '-' + 19 integer digits + '.' + 3 fraction digits fits.
	b := append(buf[:0], a.Currency...)
	b = append(b, ' ')
	return string(appendMajor(b, a.Minor, exp))
}

// MajorString returns a in major units as a plain decimal string with exactly
// as many fraction digits as the currency's exponent: "20.50" for 2050 KES
// minor units, "-0.05" for -5, and "5000" for 5000 UGX. This is the form
// providers that take decimal strings expect, and [Parse] reads it back to
// the same Amount.
//
// If a's currency is unknown, MajorString returns the same
// not-a-number form as [Amount.String], so it cannot be sent as an amount
// by mistake.
func (a Amount) MajorString() string {
	exp, ok := a.Currency.Exponent()
	if !ok {
		return a.unknownString()
	}
	var buf [24]byte // '-' + 19 integer digits + '.' + 3 fraction digits fits.
	return string(appendMajor(buf[:0], a.Minor, exp))
}

// appendMajor appends minor, scaled down by 10^exp, as a decimal with
// exactly exp fraction digits.
func appendMajor(b []byte, minor int64, exp int) []byte {
	u := uint64(minor)
	if minor < 0 {
		b = append(b, '-')
		u = -u // two's complement magnitude; correct for MinInt64 too
	}
	p := pow10[exp]
	b = strconv.AppendUint(b, u/p, 10)
	if exp > 0 {
		b = append(b, '.')
		f := u % p
		for d := p / 10; d > 0; d /= 10 {
			b = append(b, byte('0'+f/d%10))
		}
	}
	return b
}

func (a Amount) unknownString() string {
	return fmt.Sprintf("!(unknown currency %s: %d minor units)", quote(string(a.Currency)), a.Minor)
}

// WholeMajor returns a as a whole number of major units, for providers that
// accept no fraction: M-Pesa, for example, takes whole shillings, so
// KES 20.00 (2000 minor units) is 20.
//
// WholeMajor never rounds. If a is not a whole number of major units, such
// as KES 20.50, it fails with an error wrapping [ErrFractional]; decide
// explicitly what to do with the cents before sending. It fails with
// [ErrUnknownCurrency] if a's currency is unknown.
func (a Amount) WholeMajor() (int64, error) {
	exp, ok := a.Currency.Exponent()
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnknownCurrency, a)
	}
	p := int64(pow10[exp])
	if a.Minor%p != 0 {
		return 0, fmt.Errorf("%w: %s", ErrFractional, a)
	}
	return a.Minor / p, nil
}

// IsZero reports whether a is zero, in any currency. The zero Amount is
// zero, but so is KES 0.00.
func (a Amount) IsZero() bool { return a.Minor == 0 }

// IsNegative reports whether a is less than zero. Payout code should refuse
// negative amounts, which Parse and UnmarshalJSON accept.
func (a Amount) IsNegative() bool { return a.Minor < 0 }

// Add returns a+b. It fails with [ErrCurrencyMismatch] if a and b are in
// different currencies, [ErrUnknownCurrency] if their currency is unknown
// and [ErrOverflow] if the sum does not fit in an int64 of minor units. On
// error the returned Amount is the zero Amount.
func (a Amount) Add(b Amount) (Amount, error) {
	if err := sameCurrency("add", a, b); err != nil {
		return Amount{}, err
	}
	sum := a.Minor + b.Minor // wraps on overflow; detected below
	if (b.Minor > 0 && sum < a.Minor) || (b.Minor < 0 && sum > a.Minor) {
		return Amount{}, fmt.Errorf("%w: %s + %s", ErrOverflow, a, b)
	}
	return Amount{Minor: sum, Currency: a.Currency}, nil
}

// Sub returns a-b. It fails with the same errors as [Amount.Add], and on
// error the returned Amount is the zero Amount.
func (a Amount) Sub(b Amount) (Amount, error) {
	if err := sameCurrency("subtract", a, b); err != nil {
		return Amount{}, err
	}
	diff := a.Minor - b.Minor // wraps on overflow; detected below
	if (b.Minor > 0 && diff > a.Minor) || (b.Minor < 0 && diff < a.Minor) {
		return Amount{}, fmt.Errorf("%w: %s - %s", ErrOverflow, a, b)
	}
	return Amount{Minor: diff, Currency: a.Currency}, nil
}

// Cmp compares a and b and returns -1 if a < b, 0 if a == b and +1 if
// a > b. Amounts in different currencies are not comparable: Cmp fails with
// [ErrCurrencyMismatch] for them, and with [ErrUnknownCurrency] if their
// currency is unknown.
func (a Amount) Cmp(b Amount) (int, error) {
	if err := sameCurrency("compare", a, b); err != nil {
		return 0, err
	}
	return cmp.Compare(a.Minor, b.Minor), nil
}

// sameCurrency checks that a and b can be combined by the operation op.
func sameCurrency(op string, a, b Amount) error {
	for _, c := range [2]Currency{a.Currency, b.Currency} {
		if !c.Valid() {
			return fmt.Errorf("%w %s: cannot %s %s and %s", ErrUnknownCurrency, quote(string(c)), op, a, b)
		}
	}
	if a.Currency != b.Currency {
		return fmt.Errorf("%w: cannot %s %s and %s", ErrCurrencyMismatch, op, a, b)
	}
	return nil
}
