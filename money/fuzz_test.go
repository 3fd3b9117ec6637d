package money_test

import (
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/payoutkit/payout/money"
)

// fuzzCurrencies covers each exponent and one unknown currency.
var fuzzCurrencies = []money.Currency{money.KES, money.UGX, money.TND, money.XOF, "XYZ"}

// grammar is Parse's documented syntax, as an independent oracle.
var grammar = regexp.MustCompile(`^(-?)([0-9]+)(?:\.([0-9]+))?$`)

// FuzzParse checks Parse against a math/big model of its specification and
// checks that every amount it accepts survives MajorString, String and JSON.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"20.50", "20", "20.5", "-20.50", "0", "-0", "0.00", "007.50", "20.500",
		"5000", "5000.5", "1.234", "", "-", "+", ".", "20.", ".5", "20.505",
		"1e3", "0x10", " 20", "1,000", "\u0663", "92233720368547758.07",
		"92233720368547758.08", "-92233720368547758.08", "9223372036854775807",
		"-9223372036854775808", "9223372036854775808", "18446744073709551616",
	} {
		for i := range fuzzCurrencies {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, s string, ci uint8) {
		c := fuzzCurrencies[int(ci)%len(fuzzCurrencies)]
		a, err := money.Parse(s, c)

		exp, known := c.Exponent()
		if !known {
			if !errors.Is(err, money.ErrUnknownCurrency) {
				t.Fatalf("Parse(%q, %q) = %v, %v; want ErrUnknownCurrency", s, c, a, err)
			}
			return
		}
		want, wantErr := modelParse(s, exp)
		if wantErr != nil {
			if !errors.Is(err, wantErr) {
				t.Fatalf("Parse(%q, %s) = %v, %v; want %v", s, c, a, err, wantErr)
			}
			if a != (money.Amount{}) {
				t.Fatalf("Parse(%q, %s) returned %v with error", s, c, a)
			}
			return
		}
		if err != nil {
			t.Fatalf("Parse(%q, %s) failed: %v; want %d minor units", s, c, err, want)
		}
		if a.Currency != c || a.Minor != want {
			t.Fatalf("Parse(%q, %s) = %#v; want %d minor units", s, c, a, want)
		}

		major := a.MajorString()
		back, err := money.Parse(major, c)
		if err != nil || back != a {
			t.Fatalf("Parse(%q) = %v, %v; want %v", major, back, err, a)
		}
		if got := a.String(); got != string(c)+" "+major {
			t.Fatalf("String() = %q; want %q", got, string(c)+" "+major)
		}
		if frac := strings.IndexByte(major, '.'); (exp == 0) != (frac < 0) || (frac >= 0 && len(major)-frac-1 != exp) {
			t.Fatalf("MajorString() = %q; want exactly %d fraction digits", major, exp)
		}

		data, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON money.Amount
		if err := fromJSON.UnmarshalJSON(data); err != nil || fromJSON != a {
			t.Fatalf("JSON %s decoded to %v, %v; want %v", data, fromJSON, err, a)
		}
	})
}

// modelParse is the specification of Parse written with math/big: the
// grammar, then "fraction digits beyond exp must be zero", then the int64
// range.
func modelParse(s string, exp int) (int64, error) {
	m := grammar.FindStringSubmatch(s)
	if m == nil {
		return 0, money.ErrInvalid
	}
	sign, whole, frac := m[1], m[2], m[3]
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, money.ErrInvalid
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	v, ok := new(big.Int).SetString(sign+whole+frac, 10)
	if !ok {
		panic("model: bad digits " + s)
	}
	if !v.IsInt64() {
		return 0, money.ErrOverflow
	}
	return v.Int64(), nil
}

// FuzzUnmarshalJSON checks that UnmarshalJSON never panics and that what it
// accepts re-encodes to the canonical form and decodes back unchanged.
func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range []string{
		`{"minor":2050,"currency":"KES"}`, `{"currency":"UGX","minor":-1}`,
		`{"minor":20.5,"currency":"KES"}`, `{"minor":2e3,"currency":"KES"}`,
		`{"minor":9223372036854775808,"currency":"KES"}`, `null`, `{}`,
		`{"minor":1,"minor":2,"currency":"KES"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a money.Amount
		if err := a.UnmarshalJSON(data); err != nil {
			if a != (money.Amount{}) {
				t.Fatalf("failed decode modified target: %v", a)
			}
			return
		}
		if !a.Currency.Valid() {
			t.Fatalf("decoded unknown currency %q", a.Currency)
		}
		out, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var b money.Amount
		if err := b.UnmarshalJSON(out); err != nil || b != a {
			t.Fatalf("%s -> %v -> %s -> %v, %v", data, a, out, b, err)
		}
	})
}
