package phone

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Number is a valid Kenyan mobile phone number, as returned by [Parse].
//
// It stores only the 9-digit national significant number, so it is small,
// comparable with ==, and usable as a map key. The zero Number is not a
// number: its formatting methods return "" and [Number.IsZero] reports true.
type Number struct {
	// nsn is the national significant number, such as 712345678. Valid
	// numbers start with 1 or 7, so 0 marks the zero Number.
	nsn uint32
}

const (
	// nsnDigits is the length of a Kenyan mobile national significant number.
	nsnDigits = 9

	// maxDigits is the most digits Parse looks at. The longest accepted
	// input, "000" "254" "0" plus the NSN, has 16; anything past 20 is
	// rejected as too long without further thought.
	maxDigits = 20
)

// Parse reads a Kenyan mobile number in any of the forms people type and
// returns it as a Number.
//
// It accepts the national form ("0712345678"), the bare national significant
// number ("712345678") and the international forms "+254712345678",
// "254712345678", "000254712345678" and "00254712345678", with spaces,
// hyphens, dots and parentheses between the digits, as in
// "+254 (0)712 345 678". The package documentation lists the rules in
// full; they follow Google's libphonenumber.
//
// Parse rejects anything else with an error that matches [ErrInvalid] and one
// of [ErrEmpty], [ErrCharacter], [ErrCountry], [ErrLength] or [ErrNotMobile].
// In particular it never guesses: letters, non-ASCII digits, fixed-line
// numbers and foreign numbers are all errors.
//
// Parse does not allocate unless it fails.
func Parse(s string) (Number, error) {
	t := trimSpace(s)
	var d digits
	plus := false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case '0' <= c && c <= '9':
			if d.n < maxDigits {
				d.b[d.n] = c
			}
			d.n++
		case c == '+':
			if plus || d.n > 0 {
				return Number{}, characterError(s, t[i:])
			}
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
			// A separator: skip it.
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(t[i:])
			if !isUnicodeSeparator(r) {
				return Number{}, characterError(s, t[i:])
			}
			i += size - 1
		default:
			return Number{}, characterError(s, t[i:])
		}
	}
	switch {
	case d.n == 0 && t == "":
		return Number{}, newError(s, ErrEmpty, "empty input")
	case d.n == 0:
		return Number{}, newError(s, ErrEmpty, "no digits")
	case d.n > maxDigits:
		return Number{}, newError(s, ErrLength, fmt.Sprintf("too long: %d digits", d.n))
	}

	p := split(d.b[:d.n], plus)
	if p.foreign != nil {
		return Number{}, countryError(s, p.foreign)
	}
	if len(p.nsn) == nsnDigits && isMobile(p.nsn) {
		var v uint32
		for _, c := range p.nsn {
			v = v*10 + uint32(c-'0')
		}
		return Number{nsn: v}, nil
	}
	return Number{}, classify(s, p)
}

// digits collects the ASCII digits of an input, in order. n counts every
// digit seen, even past the capacity of b.
type digits struct {
	b [maxDigits]byte
	n int
}

// parts is an input's digits taken apart by split.
type parts struct {
	// nsn is what should be the national significant number.
	nsn []byte
	// intl is true if the digits carried country code 254.
	intl bool
	// trunk is true if a trunk prefix 0 was removed to get nsn.
	trunk bool
	// foreign, if not nil, holds the digits after an international prefix
	// ("+", "00" or "000") that do not start with 254; nsn is then unset.
	foreign []byte
}

// split finds the national significant number in the digits of an input,
// following libphonenumber's handling of prefixes for default region KE.
func split(dg []byte, plus bool) parts {
	idd := 0 // length of the international prefix to drop
	switch {
	case plus:
		// libphonenumber: "+0..." has no country code, so it retries without
		// the plus, and then "+000254..." is Kenya's international prefix 000.
		if isIDD(dg, 3) {
			idd = 3
		}
	case isIDD(dg, 3):
		idd = 3 // Kenya's international prefix
	case len(dg) > 11 && isIDD(dg, 2):
		// Not Kenya's prefix, but what most of the world dials; see the
		// package documentation. Shorter digit strings starting with 00 are
		// more likely a national number with a doubled trunk prefix, and are
		// reported as such.
		idd = 2
	case hasPrefix(dg, "254"):
		// Country code 254 without a plus. libphonenumber removes a trunk
		// prefix here and again when it parses the national number, so up
		// to two zeros go.
		nsn, t1 := stripTrunk(dg[3:])
		nsn, t2 := stripTrunk(nsn)
		return parts{nsn: nsn, intl: true, trunk: t1 || t2}
	default:
		nsn, trunk := stripTrunk(dg)
		return parts{nsn: nsn, trunk: trunk}
	}
	rest := dg[idd:]
	if !hasPrefix(rest, "254") {
		return parts{foreign: rest}
	}
	nsn, trunk := stripTrunk(rest[3:])
	return parts{nsn: nsn, intl: true, trunk: trunk}
}

// isIDD reports whether dg starts with an international prefix of n zeros
// followed by something that can start a country code: a digit other than 0.
func isIDD(dg []byte, n int) bool {
	if len(dg) <= n {
		return false
	}
	for _, c := range dg[:n] {
		if c != '0' {
			return false
		}
	}
	return dg[n] != '0'
}

// stripTrunk removes Kenya's trunk prefix 0 from the front of b, if present.
func stripTrunk(b []byte) ([]byte, bool) {
	if len(b) > 0 && b[0] == '0' {
		return b[1:], true
	}
	return b, false
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// prefix3 returns the first three digits of b as a number.
func prefix3(b []byte) int {
	return int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
}

// isMobile reports whether the 9-digit national significant number b is in a
// Kenyan mobile range.
func isMobile(b []byte) bool {
	return isMobilePrefix(prefix3(b))
}

// countryError explains why the digits after an international prefix are
// not a Kenyan number.
func countryError(input string, rest []byte) error {
	if len(rest) == 0 {
		return newError(input, ErrCountry, "no country code after the international prefix")
	}
	if rest[0] == '0' {
		return newError(input, ErrCountry, "not an international number: country codes do not start with 0")
	}
	if cc, ok := callingCode(rest); ok {
		return newError(input, ErrCountry, "not a Kenyan number (country code "+strconv.Itoa(cc)+")")
	}
	return newError(input, ErrCountry, "not a Kenyan number (unknown country code)")
}

// classify explains why p.nsn, which is not a valid mobile number, was
// rejected.
func classify(input string, p parts) error {
	nsn := p.nsn
	switch kind := nonMobileKind(nsn); {
	case kind != "":
		return newError(input, ErrNotMobile, kind+", not a mobile number")
	case len(nsn) == nsnDigits:
		return newError(input, ErrNotMobile, fmt.Sprintf("0%03d is not a Kenyan mobile prefix", prefix3(nsn)))
	case len(nsn) == 0 && p.intl:
		return newError(input, ErrLength, "no digits after country code 254")
	}
	var where string
	switch {
	case p.intl:
		where = " after country code 254"
	case p.trunk:
		where = " after the leading 0"
	}
	adj := "too long"
	if len(nsn) < nsnDigits {
		adj = "too short"
	}
	return newError(input, ErrLength, fmt.Sprintf("%s: %d digits%s, want 9", adj, len(nsn), where))
}

// nonMobileKind names the kind of Kenyan number nsn is, following
// libphonenumber's KE metadata, if it is a fixed-line, toll-free or
// premium-rate number; otherwise it returns "".
//
//	fixed line:   (?:4[245]|5[1-79]|6[01457-9])\d{5,7}|(?:4[136]|5[08]|62)\d{7}|(?:[24]0|66)\d{6,7}
//	toll-free:    800[02-8]\d{5,6}
//	premium rate: 900[02-9]\d{5}
func nonMobileKind(nsn []byte) string {
	n := len(nsn)
	if n < 7 || n > 10 {
		return ""
	}
	a, b := nsn[0], nsn[1]
	switch {
	case isFixedLine(a, b, n):
		return fmt.Sprintf("fixed-line number (area code 0%c%c)", a, b)
	case n >= 9 && hasPrefix(nsn, "800") && nsn[3] != '1' && nsn[3] != '9':
		return "toll-free number"
	case n == 9 && hasPrefix(nsn, "900") && nsn[3] != '1':
		return "premium-rate number"
	}
	return ""
}

// isFixedLine reports whether a national significant number of n digits
// starting with the digits a and b is a Kenyan fixed-line number.
func isFixedLine(a, b byte, n int) bool {
	switch {
	case a == '4' && (b == '2' || b == '4' || b == '5'),
		a == '5' && b >= '1' && b <= '9' && b != '8',
		a == '6' && (b == '0' || b == '1' || b == '4' || b == '5' || b >= '7'):
		return n >= 7 && n <= 9
	case a == '4' && (b == '1' || b == '3' || b == '6'),
		a == '5' && (b == '0' || b == '8'),
		a == '6' && b == '2':
		return n == 9
	case (a == '2' || a == '4') && b == '0',
		a == '6' && b == '6':
		return n == 8 || n == 9
	}
	return false
}

// isUnicodeSeparator reports whether r is one of the non-ASCII characters
// that word processors and web pages put between the digits of a number, and
// that libphonenumber also skips: the no-break space, the soft hyphen, the
// zero-width space and word joiner, the hyphens and dashes U+2010 to U+2015,
// and the minus sign.
func isUnicodeSeparator(r rune) bool {
	switch r {
	case '\u00a0', '\u00ad', '\u200b', '\u2060', '\u2212':
		return true
	}
	return '\u2010' <= r && r <= '\u2015'
}

// trimSpace removes leading and trailing ASCII white space.
func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// E164 returns the number in E.164 form, "+254712345678", or "" for the zero
// Number. Use it to store numbers and to compare them across systems.
func (n Number) E164() string {
	if n.nsn == 0 {
		return ""
	}
	var b [4 + nsnDigits]byte
	copy(b[:], "+254")
	n.put(b[4:])
	return string(b[:])
}

// International returns the number as "254712345678": E.164 without the
// plus, the form M-Pesa APIs expect. It returns "" for the zero Number.
func (n Number) International() string {
	if n.nsn == 0 {
		return ""
	}
	var b [3 + nsnDigits]byte
	copy(b[:], "254")
	n.put(b[3:])
	return string(b[:])
}

// National returns the number as dialled within Kenya, "0712345678", or ""
// for the zero Number.
func (n Number) National() string {
	if n.nsn == 0 {
		return ""
	}
	var b [1 + nsnDigits]byte
	b[0] = '0'
	n.put(b[1:])
	return string(b[:])
}

// String returns the number in E.164 form, like [Number.E164]. Note that
// this puts the whole number in any log line that prints a Number; use
// [Mask] where that matters.
func (n Number) String() string { return n.E164() }

// IsZero reports whether n is the zero Number, which is not a phone number.
// Every Number returned by Parse without an error is non-zero.
func (n Number) IsZero() bool { return n.nsn == 0 }

// put writes the 9 digits of the national significant number into b.
func (n Number) put(b []byte) {
	v := n.nsn
	for i := nsnDigits - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
}
