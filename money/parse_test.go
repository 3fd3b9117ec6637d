package money_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

var sentinels = []error{
	money.ErrInvalid,
	money.ErrOverflow,
	money.ErrCurrencyMismatch,
	money.ErrUnknownCurrency,
	money.ErrFractional,
}

// requireSentinel fails unless err wraps want and none of the other
// sentinels, so tests pin down which kind of failure happened.
func requireSentinel(t *testing.T, err error, want error) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, want)
	for _, other := range sentinels {
		if other != want {
			require.NotErrorIs(t, err, other)
		}
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		in    string
		c     money.Currency
		minor int64
	}{
		{"20.50", money.KES, 2050},
		{"20", money.KES, 2000},
		{"20.5", money.KES, 2050},
		{"0.01", money.KES, 1},
		{"0.1", money.KES, 10},
		{"0", money.KES, 0},
		{"0.00", money.KES, 0},
		{"-0", money.KES, 0},
		{"-0.00", money.KES, 0},
		{"-20.50", money.KES, -2050},
		{"-0.05", money.KES, -5},
		{"007.50", money.KES, 750},
		{"1000000", money.KES, 100000000},
		// Trailing zeros beyond the exponent are exact, so accepted.
		{"20.500", money.KES, 2050},
		{"20.50000000000000000000000000000", money.KES, 2050},
		// Zero-exponent currencies.
		{"5000", money.UGX, 5000},
		{"5000.0", money.UGX, 5000},
		{"5000.00", money.UGX, 5000},
		{"-5000", money.XOF, -5000},
		{"1", money.RWF, 1},
		// Three-digit exponent.
		{"1.234", money.TND, 1234},
		{"1.2", money.TND, 1200},
		{"0.001", money.TND, 1},
		// int64 edges.
		{"92233720368547758.07", money.KES, math.MaxInt64},
		{"-92233720368547758.08", money.KES, math.MinInt64},
		{"-92233720368547758.07", money.KES, math.MinInt64 + 1},
		{"9223372036854775807", money.UGX, math.MaxInt64},
		{"-9223372036854775808", money.UGX, math.MinInt64},
		{"9223372036854775.807", money.TND, math.MaxInt64},
		{"-9223372036854775.808", money.TND, math.MinInt64},
		{"92233720368547758", money.KES, 9223372036854775800},
		{"000000000000000000000000000000000000000009223372036854775807", money.UGX, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(string(tt.c)+" "+tt.in, func(t *testing.T) {
			got, err := money.Parse(tt.in, tt.c)
			require.NoError(t, err)
			assert.Equal(t, money.Amount{Minor: tt.minor, Currency: tt.c}, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		c    money.Currency
		want error
	}{
		// Malformed.
		{"", money.KES, money.ErrInvalid},
		{"-", money.KES, money.ErrInvalid},
		{"+", money.KES, money.ErrInvalid},
		{"+5", money.KES, money.ErrInvalid},
		{".", money.KES, money.ErrInvalid},
		{"-.", money.KES, money.ErrInvalid},
		{"20.", money.KES, money.ErrInvalid},
		{"-20.", money.KES, money.ErrInvalid},
		{".5", money.KES, money.ErrInvalid},
		{"-.5", money.KES, money.ErrInvalid},
		{"--1", money.KES, money.ErrInvalid},
		{"-+1", money.KES, money.ErrInvalid},
		{"1-", money.KES, money.ErrInvalid},
		{"1e3", money.KES, money.ErrInvalid},
		{"1E3", money.KES, money.ErrInvalid},
		{"1.5e2", money.KES, money.ErrInvalid},
		{"0x10", money.KES, money.ErrInvalid},
		{"0b1", money.KES, money.ErrInvalid},
		{" 20", money.KES, money.ErrInvalid},
		{"20 ", money.KES, money.ErrInvalid},
		{"2 0", money.KES, money.ErrInvalid},
		{"20\n", money.KES, money.ErrInvalid},
		{"\t20", money.KES, money.ErrInvalid},
		{"1,000", money.KES, money.ErrInvalid},
		{"1,000.00", money.KES, money.ErrInvalid},
		{"1_000", money.KES, money.ErrInvalid},
		{"1'000", money.KES, money.ErrInvalid},
		{"20,50", money.KES, money.ErrInvalid},
		{"1.2.3", money.KES, money.ErrInvalid},
		{"20..5", money.KES, money.ErrInvalid},
		{"KES 20", money.KES, money.ErrInvalid},
		{"20KES", money.KES, money.ErrInvalid},
		{"$20", money.KES, money.ErrInvalid},
		{"NaN", money.KES, money.ErrInvalid},
		{"Inf", money.KES, money.ErrInvalid},
		{"-Inf", money.KES, money.ErrInvalid},
		{"\u0663", money.KES, money.ErrInvalid},       // ARABIC-INDIC DIGIT THREE
		{"\uff12\uff10", money.KES, money.ErrInvalid}, // FULLWIDTH "20"
		{"2\u0660", money.KES, money.ErrInvalid},
		{"20\x00", money.KES, money.ErrInvalid},
		{"\xff", money.KES, money.ErrInvalid},
		{"20.5\xff", money.KES, money.ErrInvalid},
		// Precision the currency cannot hold: never rounded.
		{"20.505", money.KES, money.ErrInvalid},
		{"20.501", money.KES, money.ErrInvalid},
		{"20.5000001", money.KES, money.ErrInvalid},
		{"-0.001", money.KES, money.ErrInvalid},
		{"5000.5", money.UGX, money.ErrInvalid},
		{"5000.01", money.UGX, money.ErrInvalid},
		{"0.0001", money.TND, money.ErrInvalid},
		// Syntax is checked before range: this is malformed, not too big.
		{"99999999999999999999999x", money.KES, money.ErrInvalid},
		{"99999999999999999999999.001", money.KES, money.ErrInvalid},
		// Beyond int64 minor units.
		{"92233720368547758.08", money.KES, money.ErrOverflow},
		{"-92233720368547758.09", money.KES, money.ErrOverflow},
		{"92233720368547759", money.KES, money.ErrOverflow},
		{"92233720368547758.1", money.KES, money.ErrOverflow},
		{"9223372036854775808", money.UGX, money.ErrOverflow},
		{"-9223372036854775809", money.UGX, money.ErrOverflow},
		{"18446744073709551615", money.UGX, money.ErrOverflow},
		{"18446744073709551616", money.UGX, money.ErrOverflow},
		{"184467440737095516160", money.UGX, money.ErrOverflow},
		{"9223372036854775.808", money.TND, money.ErrOverflow},
		{"99999999999999999999999999999999999999", money.KES, money.ErrOverflow},
		// Unknown currency wins over everything else.
		{"1", "", money.ErrUnknownCurrency},
		{"1", "XYZ", money.ErrUnknownCurrency},
		{"1", "kes", money.ErrUnknownCurrency},
		{"garbage", "XYZ", money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(string(tt.c)+" "+tt.in, func(t *testing.T) {
			got, err := money.Parse(tt.in, tt.c)
			requireSentinel(t, err, tt.want)
			assert.Equal(t, money.Amount{}, got)
		})
	}
}

func TestParseErrorMessages(t *testing.T) {
	tests := []struct {
		in   string
		c    money.Currency
		want []string // substrings the message must contain
	}{
		{"20.505", money.KES, []string{`"20.505"`, "KES", "2 decimal places", "round"}},
		{"5000.5", money.UGX, []string{`"5000.5"`, "UGX", "0 decimal places"}},
		{"1,000", money.KES, []string{`"1,000"`, `unexpected ","`, "byte 1"}},
		{"+5", money.KES, []string{`"+5"`, `unexpected "+"`, "byte 0"}},
		{"2\u0660", money.KES, []string{`unexpected "\u0660" at byte 1`}},
		{"\xff", money.KES, []string{`unexpected "\xff" at byte 0`}},
		{"", money.KES, []string{`""`, "empty"}},
		{"-", money.KES, []string{`"-"`, "no digits"}},
		{".5", money.KES, []string{`".5"`, "before the decimal point"}},
		{"20.", money.KES, []string{`"20."`, "after the decimal point"}},
		{"92233720368547758.08", money.KES, []string{`"92233720368547758.08"`, "KES", "overflows"}},
		{"1", "XYZ", []string{`unknown currency "XYZ"`, `"1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := money.Parse(tt.in, tt.c)
			require.Error(t, err)
			for _, s := range tt.want {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestParseErrorTruncatesLongInput(t *testing.T) {
	in := strings.Repeat("9", 200) + "x"
	_, err := money.Parse(in, money.KES)
	requireSentinel(t, err, money.ErrInvalid)
	msg := err.Error()
	assert.Contains(t, msg, `"`+strings.Repeat("9", 32)+`"...`)
	assert.NotContains(t, msg, strings.Repeat("9", 33))
	assert.Less(t, len(msg), 160, msg)

	// Truncation must not split a multi-byte character into invalid UTF-8.
	in = strings.Repeat("9", 31) + "\u00e9\u00e9"
	_, err = money.Parse(in, money.KES)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"`+strings.Repeat("9", 31)+`"...`)
}

func TestParseDoesNotAllocate(t *testing.T) {
	inputs := []string{"20.50", "-92233720368547758.08", "5000.00"}
	for _, in := range inputs {
		c := money.KES
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := money.Parse(in, c); err != nil {
				panic(err)
			}
		})
		assert.Zero(t, allocs, "Parse(%q) allocated", in)
	}
}

func TestFromMajor(t *testing.T) {
	tests := []struct {
		major int64
		c     money.Currency
		minor int64
		want  error
	}{
		{20, money.KES, 2000, nil},
		{0, money.KES, 0, nil},
		{-20, money.KES, -2000, nil},
		{1, money.TND, 1000, nil},
		{5000, money.UGX, 5000, nil},
		{math.MaxInt64 / 100, money.KES, 9223372036854775800, nil},
		{math.MaxInt64/100 + 1, money.KES, 0, money.ErrOverflow},
		{math.MinInt64 / 100, money.KES, -9223372036854775800, nil},
		{math.MinInt64/100 - 1, money.KES, 0, money.ErrOverflow},
		{math.MaxInt64, money.KES, 0, money.ErrOverflow},
		{math.MinInt64, money.KES, 0, money.ErrOverflow},
		{math.MaxInt64 / 1000, money.TND, 9223372036854775000, nil},
		{math.MaxInt64/1000 + 1, money.TND, 0, money.ErrOverflow},
		{math.MaxInt64, money.UGX, math.MaxInt64, nil},
		{math.MinInt64, money.UGX, math.MinInt64, nil},
		{1, "", 0, money.ErrUnknownCurrency},
		{1, "XYZ", 0, money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		got, err := money.FromMajor(tt.major, tt.c)
		if tt.want != nil {
			requireSentinel(t, err, tt.want)
			assert.Equal(t, money.Amount{}, got)
			continue
		}
		require.NoError(t, err, "FromMajor(%d, %s)", tt.major, tt.c)
		assert.Equal(t, money.New(tt.minor, tt.c), got, "FromMajor(%d, %s)", tt.major, tt.c)
	}
}

func TestSentinelsAreDistinct(t *testing.T) {
	for i, a := range sentinels {
		for j, b := range sentinels {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
		}
	}
}

func TestErrorMessagesAreBounded(t *testing.T) {
	long := strings.Repeat("X", 10000)
	_, err := money.Parse("1", money.Currency(long))
	requireSentinel(t, err, money.ErrUnknownCurrency)
	assert.Less(t, len(err.Error()), 160, err.Error())

	var a money.Amount
	err = a.UnmarshalJSON([]byte(`{"minor":1,"currency":"` + long + `"}`))
	requireSentinel(t, err, money.ErrUnknownCurrency)
	assert.Less(t, len(err.Error()), 200, err.Error())

	_, err = money.New(1, money.Currency(long)).Add(money.New(1, money.KES))
	requireSentinel(t, err, money.ErrUnknownCurrency)
	assert.Less(t, len(err.Error()), 300, err.Error())
}
