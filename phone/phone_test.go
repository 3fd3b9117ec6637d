package phone

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nsnPattern is the KE mobile pattern from libphonenumber's metadata,
// written out independently of the range table in numbering.go.
const nsnPattern = `(?:1(?:0[0-8]|[18]\d|2[014]|30|4[0-5])|7\d\d)\d{6}`

var (
	mobileRE = regexp.MustCompile(`^` + nsnPattern + `$`)
	e164RE   = regexp.MustCompile(`^\+254` + nsnPattern + `$`)
)

// reasons are the sentinels of which every Parse error matches exactly one.
var reasons = []error{ErrEmpty, ErrCharacter, ErrCountry, ErrLength, ErrNotMobile}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // E.164
	}{
		{"national", "0712345678", "+254712345678"},
		{"national 01", "0110123456", "+254110123456"},
		{"bare NSN", "712345678", "+254712345678"},
		{"bare NSN 01", "110123456", "+254110123456"},
		{"E.164", "+254712345678", "+254712345678"},
		{"international without plus", "254712345678", "+254712345678"},
		{"Kenyan IDD 000", "000254712345678", "+254712345678"},
		{"IDD 00", "00254712345678", "+254712345678"},
		{"plus then IDD 000", "+000254712345678", "+254712345678"},
		{"spaced with (0)", "+254 (0)712 345 678", "+254712345678"},
		{"hyphens", "0712-345-678", "+254712345678"},
		{"parenthesised prefix", "(0712) 345678", "+254712345678"},
		{"spaces", "0712 345 678", "+254712345678"},
		{"dots", "0712.345.678", "+254712345678"},
		{"international hyphens", "+254-712-345-678", "+254712345678"},
		{"parenthesised country code", "(+254) 712 345 678", "+254712345678"},
		{"space after plus", "+ 254 712 345 678", "+254712345678"},
		{"surrounding white space", " \t0712345678\r\n", "+254712345678"},
		{"trailing dot", "0712345678.", "+254712345678"},
		{"no-break spaces", "0712\u00a0345\u00a0678", "+254712345678"},
		{"en dashes", "0712\u2013345\u2013678", "+254712345678"},
		{"hyphen and minus", "+254\u2010712\u2212345678", "+254712345678"},
		{"zero-width space, soft hyphen, word joiner", "\u200b0712\u00ad345\u2060678", "+254712345678"},
		{"trunk 0 after +254", "+2540712345678", "+254712345678"},
		{"trunk 0 after 254", "2540712345678", "+254712345678"},
		{"two zeros after 254 (libphonenumber strips twice)", "25400712345678", "+254712345678"},
		{"trunk 0 after 000254", "0002540712345678", "+254712345678"},
		{"trunk 0 after 00254", "002540712345678", "+254712345678"},
		{"trunk 0 after +000254", "+0002540712345678", "+254712345678"},
		{"Airtel 0100", "0100123456", "+254100123456"},
		{"0108, top of 10x", "0108000000", "+254108000000"},
		{"0118", "0118445123", "+254118445123"},
		{"0119", "0119000000", "+254119000000"},
		{"0120", "0120000000", "+254120000000"},
		{"0121", "0121000000", "+254121000000"},
		{"0124", "0124000000", "+254124000000"},
		{"0130", "0130000000", "+254130000000"},
		{"0140", "0140000000", "+254140000000"},
		{"0145", "0145999999", "+254145999999"},
		{"0180", "0180000000", "+254180000000"},
		{"0189", "0189999999", "+254189999999"},
		{"0700", "0700000000", "+254700000000"},
		{"0799", "0799999999", "+254799999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.in)
			require.NoError(t, err)
			assert.False(t, n.IsZero())
			assert.Equal(t, tt.want, n.E164())
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		reason error
		detail string // expected text after `phone: "<input>": `
	}{
		// Nothing there.
		{"empty", "", ErrEmpty, "empty input"},
		{"blank", " \t\n", ErrEmpty, "empty input"},
		{"parentheses only", "()", ErrEmpty, "no digits"},
		{"plus only", "+", ErrEmpty, "no digits"},
		{"hyphen only", "-", ErrEmpty, "no digits"},

		// Characters.
		{"letter l for 1", "07l2345678", ErrCharacter, `unexpected letter 'l'`},
		{"letter O for 0", "O712345678", ErrCharacter, `unexpected letter 'O'`},
		{"extension", "0712345678 ext 12", ErrCharacter, `unexpected letter 'e'`},
		{"tel URI", "tel:+254712345678", ErrCharacter, `unexpected letter 't'`},
		{"full-width digits", "０７１２３４５６７８", ErrCharacter, `non-ASCII digit '０' (U+FF10); only 0-9 are accepted`},
		{"Arabic-Indic digits", "٠٧١٢٣٤٥٦٧٨", ErrCharacter, `non-ASCII digit '٠' (U+0660); only 0-9 are accepted`},
		{"full-width digit among ASCII", "071234567８", ErrCharacter, `non-ASCII digit '８' (U+FF18); only 0-9 are accepted`},
		{"full-width plus", "＋254712345678", ErrCharacter, `unexpected character '＋' (U+FF0B)`},
		{"thin space", "0712\u2009345678", ErrCharacter, `unexpected character '\u2009' (U+2009)`},
		{"ideographic space", "0712\u3000345678", ErrCharacter, `unexpected character '\u3000' (U+3000)`},
		{"full-width hyphen", "0712－345678", ErrCharacter, `unexpected character '－' (U+FF0D)`},
		{"non-ASCII separators only", "\u00a0\u2013", ErrEmpty, "no digits"},
		{"tab inside", "0712\t345678", ErrCharacter, `unexpected character '\t'`},
		{"slash", "0712/345678", ErrCharacter, `unexpected character '/'`},
		{"underscore", "0712_345678", ErrCharacter, `unexpected character '_'`},
		{"hash", "0712345678#", ErrCharacter, `unexpected character '#'`},
		{"star", "*0712345678", ErrCharacter, `unexpected character '*'`},
		{"NUL", "0712345678\x00", ErrCharacter, `unexpected character '\x00'`},
		{"invalid UTF-8", "\xff0712345678", ErrCharacter, "invalid UTF-8"},
		{"double plus", "++254712345678", ErrCharacter, `"+" is allowed only once, before the first digit`},
		{"plus after digits", "254+712345678", ErrCharacter, `"+" is allowed only once, before the first digit`},
		{"plus in the middle", "0712+345678", ErrCharacter, `"+" is allowed only once, before the first digit`},

		// Other countries.
		{"Tanzania", "+255712345678", ErrCountry, "not a Kenyan number (country code 255)"},
		{"Uganda", "+256 712 345 678", ErrCountry, "not a Kenyan number (country code 256)"},
		{"US", "+1 202 555 0143", ErrCountry, "not a Kenyan number (country code 1)"},
		{"UK", "+44 7911 123456", ErrCountry, "not a Kenyan number (country code 44)"},
		{"Tanzania via 00", "00255712345678", ErrCountry, "not a Kenyan number (country code 255)"},
		{"Tanzania via 000", "000255712345678", ErrCountry, "not a Kenyan number (country code 255)"},
		{"unknown code", "+999123456789", ErrCountry, "not a Kenyan number (unknown country code)"},
		{"truncated code", "+25", ErrCountry, "not a Kenyan number (unknown country code)"},
		{"plus before national form", "+0712345678", ErrCountry, "not an international number: country codes do not start with 0"},
		{"plus then 00", "+00254712345678", ErrCountry, "not an international number: country codes do not start with 0"},
		{"plus then 0000", "+0000254712345678", ErrCountry, "not an international number: country codes do not start with 0"},

		// Lengths.
		{"national one short", "071234567", ErrLength, "too short: 8 digits after the leading 0, want 9"},
		{"national one long", "07123456789", ErrLength, "too long: 10 digits after the leading 0, want 9"},
		{"bare one short", "71234567", ErrLength, "too short: 8 digits, want 9"},
		{"bare one long", "7123456789", ErrLength, "too long: 10 digits, want 9"},
		{"E.164 one short", "+25471234567", ErrLength, "too short: 8 digits after country code 254, want 9"},
		{"E.164 one long", "+2547123456789", ErrLength, "too long: 10 digits after country code 254, want 9"},
		{"country code only", "+254", ErrLength, "no digits after country code 254"},
		{"two zeros after +254", "+25400712345678", ErrLength, "too long: 10 digits after country code 254, want 9"},
		{"three zeros after 254", "254000712345678", ErrLength, "too long: 10 digits after country code 254, want 9"},
		{"254 too short", "254712345", ErrLength, "too short: 6 digits after country code 254, want 9"},
		{"0 before 254", "0254712345678", ErrLength, "too long: 12 digits after the leading 0, want 9"},
		{"two trunk zeros", "00712345678", ErrLength, "too long: 10 digits after the leading 0, want 9"},
		{"0000 prefix", "0000254712345678", ErrLength, "too long: 15 digits after the leading 0, want 9"},
		{"two numbers", "0712345678 0722345678", ErrLength, "too long: 19 digits after the leading 0, want 9"},
		{"way too long", strings.Repeat("7", 21), ErrLength, "too long: 21 digits"},
		{"single digit", "7", ErrLength, "too short: 1 digits, want 9"},

		// Kenyan, but not mobile.
		{"Nairobi fixed line", "0202012345", ErrNotMobile, "fixed-line number (area code 020), not a mobile number"},
		{"Nairobi 8-digit", "020 201234", ErrNotMobile, "fixed-line number (area code 020), not a mobile number"},
		{"Nairobi fixed line international", "+254 20 2012345", ErrNotMobile, "fixed-line number (area code 020), not a mobile number"},
		{"Mombasa fixed line", "041 2345678", ErrNotMobile, "fixed-line number (area code 041), not a mobile number"},
		{"Kisumu fixed line", "057 2023456", ErrNotMobile, "fixed-line number (area code 057), not a mobile number"},
		{"toll-free", "0800 223 456", ErrNotMobile, "toll-free number, not a mobile number"},
		{"premium rate", "0900 223 456", ErrNotMobile, "premium-rate number, not a mobile number"},
		{"03xx", "0300123456", ErrNotMobile, "0300 is not a Kenyan mobile prefix"},
		{"0109 after 0108", "0109000000", ErrNotMobile, "0109 is not a Kenyan mobile prefix"},
		{"0122", "0122000000", ErrNotMobile, "0122 is not a Kenyan mobile prefix"},
		{"0131", "0131000000", ErrNotMobile, "0131 is not a Kenyan mobile prefix"},
		{"0146 after 0145", "0146000000", ErrNotMobile, "0146 is not a Kenyan mobile prefix"},
		{"0150", "0150000000", ErrNotMobile, "0150 is not a Kenyan mobile prefix"},
		{"0190", "0190000000", ErrNotMobile, "0190 is not a Kenyan mobile prefix"},
		{"0600 (not an area code)", "0630000000", ErrNotMobile, "0630 is not a Kenyan mobile prefix"},
		{"0800 with 1 (not toll-free)", "0801223456", ErrNotMobile, "0801 is not a Kenyan mobile prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.in)
			require.Error(t, err)
			assert.True(t, n.IsZero(), "a failed Parse returns the zero Number")
			assert.ErrorIs(t, err, ErrInvalid)
			assert.ErrorIs(t, err, tt.reason)
			assert.Equal(t, `phone: `+quote(tt.in)+`: `+tt.detail, err.Error())
			assertOneReason(t, err)
		})
	}
}

// assertOneReason checks that err matches exactly one reason sentinel and
// that its message is a single line.
func assertOneReason(t *testing.T, err error) {
	t.Helper()
	var matched []error
	for _, r := range reasons {
		if errors.Is(err, r) {
			matched = append(matched, r)
		}
	}
	assert.Len(t, matched, 1, "error %q should match exactly one reason", err)
	assert.NotContains(t, err.Error(), "\n")
	assert.True(t, strings.HasPrefix(err.Error(), "phone: "), "message %q", err)
}

func TestSentinelsMatchErrInvalid(t *testing.T) {
	for _, r := range reasons {
		assert.ErrorIs(t, r, ErrInvalid, "%v", r)
		for _, other := range reasons {
			if other != r {
				assert.NotErrorIs(t, r, other)
			}
		}
	}
}

func TestErrorQuotesLongInputTruncated(t *testing.T) {
	in := "07123456789012345678901234567890123456789x" // 42 bytes, a letter at the end
	_, err := Parse(in)
	require.ErrorIs(t, err, ErrCharacter)
	assert.Equal(t, `phone: "07123456789012345678901234567890"...: unexpected letter 'x'`, err.Error())

	// A cut inside a multi-byte rune backs up to the rune's start.
	in = strings.Repeat("1", 31) + "é" + "x"
	_, err = Parse(in)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"`+strings.Repeat("1", 31)+`"...`)
}

func TestFormats(t *testing.T) {
	tests := []struct {
		in, e164, intl, national string
	}{
		{"0712345678", "+254712345678", "254712345678", "0712345678"},
		{"0110123456", "+254110123456", "254110123456", "0110123456"},
		{"+254 100 000 001", "+254100000001", "254100000001", "0100000001"},
		{"799999999", "+254799999999", "254799999999", "0799999999"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.e164, n.E164())
			assert.Equal(t, tt.e164, n.String())
			assert.Equal(t, tt.intl, n.International())
			assert.Equal(t, tt.national, n.National())
			for _, s := range []string{n.E164(), n.International(), n.National()} {
				m, err := Parse(s)
				require.NoError(t, err)
				assert.Equal(t, n, m, "Parse(%q)", s)
			}
		})
	}
}

func TestZeroNumber(t *testing.T) {
	var n Number
	assert.True(t, n.IsZero())
	assert.Empty(t, n.E164())
	assert.Empty(t, n.International())
	assert.Empty(t, n.National())
	assert.Empty(t, n.String())
	assert.Equal(t, OperatorUnknown, n.Operator())
}

func TestNumbersCompareByValue(t *testing.T) {
	a, err := Parse("0712 345 678")
	require.NoError(t, err)
	b, err := Parse("+254712345678")
	require.NoError(t, err)
	c, err := Parse("0712345679")
	require.NoError(t, err)

	assert.True(t, a == b)
	assert.False(t, a == c)
	seen := map[Number]bool{a: true}
	assert.True(t, seen[b])
	assert.False(t, seen[c])
}

// TestMobileRangesMatchPattern checks numbering.go's range table against the
// libphonenumber pattern, for every three-digit prefix, through Parse.
func TestMobileRangesMatchPattern(t *testing.T) {
	for p := 0; p < 1000; p++ {
		nsn := strconv.Itoa(1000 + p)[1:] + "123456"
		want := mobileRE.MatchString(nsn)
		assert.Equal(t, want, isMobilePrefix(p), "prefix %03d", p)

		n, err := Parse("0" + nsn)
		if want {
			if assert.NoError(t, err, "0%s", nsn) {
				assert.Equal(t, "+254"+nsn, n.E164())
			}
		} else if 1 <= p && p <= 9 {
			// "0001…" to "0009…" start with Kenya's international prefix 000.
			assert.ErrorIs(t, err, ErrCountry, "0%s", nsn)
		} else {
			assert.ErrorIs(t, err, ErrNotMobile, "0%s", nsn)
		}
	}
}

// TestNonMobileKindMatchesPatterns checks the hand-written fixed-line,
// toll-free and premium-rate tests against libphonenumber's KE patterns, for
// every four-digit start and every length they could apply to.
func TestNonMobileKindMatchesPatterns(t *testing.T) {
	fixed := regexp.MustCompile(`^(?:(?:4[245]|5[1-79]|6[01457-9])\d{5,7}|(?:4[136]|5[08]|62)\d{7}|(?:[24]0|66)\d{6,7})$`)
	tollFree := regexp.MustCompile(`^800[02-8]\d{5,6}$`)
	premium := regexp.MustCompile(`^900[02-9]\d{5}$`)
	for p := 0; p < 10000; p++ {
		for length := 5; length <= 11; length++ {
			nsn := (strconv.Itoa(10000 + p)[1:] + "5555555")[:length]
			var want string
			switch {
			case fixed.MatchString(nsn):
				want = "fixed-line number (area code 0" + nsn[:2] + ")"
			case tollFree.MatchString(nsn):
				want = "toll-free number"
			case premium.MatchString(nsn):
				want = "premium-rate number"
			}
			if got := nonMobileKind([]byte(nsn)); got != want {
				t.Errorf("nonMobileKind(%s) = %q, want %q", nsn, got, want)
			}
		}
	}
}

func TestCallingCode(t *testing.T) {
	tests := []struct {
		digits string
		want   int
		ok     bool
	}{
		{"1202", 1, true},
		{"79", 7, true},
		{"2547", 254, true},
		{"2557", 255, true},
		{"447", 44, true},
		{"8869", 886, true},
		{"2", 0, false},
		{"25", 0, false},
		{"999", 0, false},
		{"0254", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := callingCode([]byte(tt.digits))
		assert.Equal(t, tt.ok, ok, tt.digits)
		assert.Equal(t, tt.want, got, tt.digits)
	}
}

func TestCallingCodesSortedAndPrefixFree(t *testing.T) {
	codes := callingCodes[:]
	for i := 1; i < len(codes); i++ {
		assert.Less(t, codes[i-1], codes[i], "callingCodes must be sorted and unique")
	}
	for _, a := range codes {
		for _, b := range codes {
			sa, sb := strconv.Itoa(int(a)), strconv.Itoa(int(b))
			if a != b && strings.HasPrefix(sb, sa) {
				t.Errorf("code %s is a prefix of %s", sa, sb)
			}
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	for _, in := range []string{"0712345678", "+254 (0)712 345 678", "00254712345678", "110123456"} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := Parse(in); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "Parse(%q) allocates", in)
	}
}
