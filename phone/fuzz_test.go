package phone

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The reference grammar: an independent, declarative statement of what Parse
// accepts, written with regular expressions over the input's digits. FuzzParse
// checks that Parse agrees with it on every input.
var (
	// refIntl is what may follow a leading "+".
	refIntl = regexp.MustCompile(`^(?:000)?2540?(` + nsnPattern + `)$`)
	// refLocal is what may stand without a "+": the NSN alone, after the
	// trunk prefix 0, after 254 and up to two zeros, or after 00 or 000,
	// 254 and an optional 0.
	refLocal = regexp.MustCompile(`^(?:0|2540{0,2}|000?2540?)?(` + nsnPattern + `)$`)
	// refChars are the characters Parse allows once outer space is trimmed.
	refChars = regexp.MustCompile(`^[0-9+ ().\-\x{00A0}\x{00AD}\x{200B}\x{2060}\x{2010}-\x{2015}\x{2212}]*$`)
)

// reference returns the NSN that the reference grammar finds in s, if any.
func reference(s string) (string, bool) {
	s = strings.Trim(s, " \t\n\r\v\f")
	if !refChars.MatchString(s) {
		return "", false
	}
	plus := strings.Count(s, "+")
	if plus > 1 || (plus == 1 && strings.IndexAny(s, "0123456789") < strings.IndexByte(s, '+')) {
		return "", false
	}
	var d strings.Builder
	for _, c := range []byte(s) {
		if '0' <= c && c <= '9' {
			d.WriteByte(c)
		}
	}
	re := refLocal
	if plus == 1 {
		re = refIntl
	}
	m := re.FindStringSubmatch(d.String())
	if m == nil {
		return "", false
	}
	return m[1], true
}

var fuzzSeeds = []string{
	"0712345678", "712345678", "+254712345678", "254712345678",
	"00254712345678", "000254712345678", "+000254712345678",
	"+254 (0)712 345 678", "0712-345-678", "(0712) 345678", "0712 345 678",
	"0712.345.678", "0110123456", "+2540712345678", "2540712345678",
	"25400712345678", "+25400712345678", "254000712345678",
	"+255712345678", "+1 202 555 0143", "00255712345678", "+0712345678",
	"0202012345", "0412345678", "0300123456", "0800223456", "0900223456",
	"071234567", "07123456789", "０７１２３４５６７８", "07l2345678",
	"++254712345678", "", " ", "+", "()", "\xff", "0712345678 ext 1",
	"0000254712345678", "0001202555014", "00712345678",
	"0712\u00a0345\u00a0678", "0712\u2013345\u2013678", "\u200b0712345678",
	"0712\u2009345678", "\u00a0",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)

		wantNSN, wantOK := reference(s)
		if (err == nil) != wantOK {
			t.Fatalf("Parse(%q) error = %v; reference grammar accepts: %v", s, err, wantOK)
		}

		if err != nil {
			if !n.IsZero() {
				t.Fatalf("Parse(%q) failed but returned non-zero %v", s, n)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not match ErrInvalid", s, err)
			}
			matched := 0
			for _, r := range reasons {
				if errors.Is(err, r) {
					matched++
				}
			}
			if matched != 1 {
				t.Fatalf("Parse(%q) error %v matches %d reasons, want 1", s, err, matched)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "phone: ") || strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
				t.Fatalf("Parse(%q): malformed error message %q", s, msg)
			}
			return
		}

		e164 := n.E164()
		if n.IsZero() || !e164RE.MatchString(e164) {
			t.Fatalf("Parse(%q) = %q, not a valid E.164 Kenyan mobile number", s, e164)
		}
		if e164 != "+254"+wantNSN {
			t.Fatalf("Parse(%q) = %s, reference grammar says +254%s", s, e164, wantNSN)
		}
		if n.String() != e164 {
			t.Fatalf("String() = %q, E164() = %q", n.String(), e164)
		}
		if got, want := n.International(), e164[1:]; got != want {
			t.Fatalf("International() = %q, want %q", got, want)
		}
		if got, want := n.National(), "0"+e164[4:]; got != want {
			t.Fatalf("National() = %q, want %q", got, want)
		}
		for _, form := range []string{e164, n.International(), n.National()} {
			m, err := Parse(form)
			if err != nil || m != n {
				t.Fatalf("Parse(%q) = %v, %v; want %v (round trip of %q)", form, m, err, n, s)
			}
		}
		if n.Operator() == OperatorUnknown {
			t.Fatalf("Parse(%q).Operator() is unknown", s)
		}
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range append(fuzzSeeds, "ab\ncdefghi\tj", "\xff\xfe12345678\xfd") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			// Long inputs take the same path as short ones and only slow the
			// fuzzer's minimization down; TestMaskLongInput covers them.
			t.Skip()
		}
		got := Mask(s)
		n := utf8.RuneCountInString(s)
		if utf8.RuneCountInString(got) != n {
			t.Fatalf("Mask(%q) = %q: %d runes, want %d", s, got, utf8.RuneCountInString(got), n)
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\n\r") {
			t.Fatalf("Mask(%q) = %q: not one line of valid UTF-8", s, got)
		}
		masked := strings.Count(got, "*")
		if n <= 8 && masked != n {
			t.Fatalf("Mask(%q) = %q: short input not fully masked", s, got)
		}
		if n > 8 && masked < n-8 {
			t.Fatalf("Mask(%q) = %q: middle not fully masked", s, got)
		}
	})
}
