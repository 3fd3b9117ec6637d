package money_test

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

func TestNew(t *testing.T) {
	a := money.New(-2050, money.KES)
	assert.Equal(t, money.Amount{Minor: -2050, Currency: money.KES}, a)
	// New does not validate; the amount is unusable rather than silently fixed.
	b := money.New(1, "XYZ")
	assert.Equal(t, money.Currency("XYZ"), b.Currency)
	_, err := b.WholeMajor()
	requireSentinel(t, err, money.ErrUnknownCurrency)
}

func TestStringAndMajorString(t *testing.T) {
	tests := []struct {
		a     money.Amount
		str   string
		major string
	}{
		{money.New(2050, money.KES), "KES 20.50", "20.50"},
		{money.New(2000, money.KES), "KES 20.00", "20.00"},
		{money.New(-2050, money.KES), "KES -20.50", "-20.50"},
		{money.New(5, money.KES), "KES 0.05", "0.05"},
		{money.New(-5, money.KES), "KES -0.05", "-0.05"},
		{money.New(50, money.KES), "KES 0.50", "0.50"},
		{money.New(-100, money.KES), "KES -1.00", "-1.00"},
		{money.New(0, money.KES), "KES 0.00", "0.00"},
		{money.New(5000, money.UGX), "UGX 5000", "5000"},
		{money.New(-5000, money.UGX), "UGX -5000", "-5000"},
		{money.New(0, money.XOF), "XOF 0", "0"},
		{money.New(1, money.TND), "TND 0.001", "0.001"},
		{money.New(-1234, money.TND), "TND -1.234", "-1.234"},
		{money.New(1010, money.TND), "TND 1.010", "1.010"},
		{money.New(math.MaxInt64, money.KES), "KES 92233720368547758.07", "92233720368547758.07"},
		{money.New(math.MinInt64, money.KES), "KES -92233720368547758.08", "-92233720368547758.08"},
		{money.New(math.MaxInt64, money.UGX), "UGX 9223372036854775807", "9223372036854775807"},
		{money.New(math.MinInt64, money.UGX), "UGX -9223372036854775808", "-9223372036854775808"},
		{money.New(math.MinInt64, money.TND), "TND -9223372036854775.808", "-9223372036854775.808"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			assert.Equal(t, tt.str, tt.a.String())
			assert.Equal(t, tt.str, fmt.Sprint(tt.a), "fmt must use String")
			assert.Equal(t, tt.major, tt.a.MajorString())
			back, err := money.Parse(tt.a.MajorString(), tt.a.Currency)
			require.NoError(t, err)
			assert.Equal(t, tt.a, back)
		})
	}
}

func TestStringUnknownCurrencyIsNotAnAmount(t *testing.T) {
	for _, a := range []money.Amount{{}, money.New(2050, "XYZ"), money.New(-1, "kes")} {
		for _, s := range []string{a.String(), a.MajorString()} {
			assert.Contains(t, s, "unknown currency")
			assert.Contains(t, s, fmt.Sprint(a.Minor))
			// Whatever currency a caller assumes, the text must not parse.
			for c := range iso4217 {
				_, err := money.Parse(s, c)
				assert.Error(t, err, "%q parsed as %s", s, c)
			}
		}
	}
}

func TestWholeMajor(t *testing.T) {
	tests := []struct {
		a     money.Amount
		major int64
		want  error
	}{
		{money.New(2000, money.KES), 20, nil},
		{money.New(0, money.KES), 0, nil},
		{money.New(-2000, money.KES), -20, nil},
		{money.New(100, money.KES), 1, nil},
		{money.New(2050, money.KES), 0, money.ErrFractional},
		{money.New(2001, money.KES), 0, money.ErrFractional},
		{money.New(1, money.KES), 0, money.ErrFractional},
		{money.New(99, money.KES), 0, money.ErrFractional},
		{money.New(-2050, money.KES), 0, money.ErrFractional},
		{money.New(-1, money.KES), 0, money.ErrFractional},
		{money.New(math.MaxInt64, money.KES), 0, money.ErrFractional},
		{money.New(math.MinInt64, money.KES), 0, money.ErrFractional},
		{money.New(9223372036854775800, money.KES), 92233720368547758, nil},
		{money.New(-9223372036854775800, money.KES), -92233720368547758, nil},
		{money.New(5000, money.UGX), 5000, nil},
		{money.New(1, money.UGX), 1, nil},
		{money.New(math.MinInt64, money.UGX), math.MinInt64, nil},
		{money.New(1000, money.TND), 1, nil},
		{money.New(1100, money.TND), 0, money.ErrFractional},
		{money.New(2000, ""), 0, money.ErrUnknownCurrency},
		{money.Amount{}, 0, money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.a.String(), func(t *testing.T) {
			got, err := tt.a.WholeMajor()
			if tt.want != nil {
				requireSentinel(t, err, tt.want)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.major, got)
		})
	}
}

func TestWholeMajorErrorNamesTheAmount(t *testing.T) {
	_, err := money.New(2050, money.KES).WholeMajor()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KES 20.50")
}

func TestIsZeroIsNegative(t *testing.T) {
	tests := []struct {
		a              money.Amount
		zero, negative bool
	}{
		{money.Amount{}, true, false},
		{money.New(0, money.KES), true, false},
		{money.New(1, money.KES), false, false},
		{money.New(-1, money.KES), false, true},
		{money.New(math.MinInt64, money.UGX), false, true},
		{money.New(math.MaxInt64, money.UGX), false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.zero, tt.a.IsZero(), "%d IsZero", tt.a.Minor)
		assert.Equal(t, tt.negative, tt.a.IsNegative(), "%d IsNegative", tt.a.Minor)
	}
}

// edges are int64 values around the places where arithmetic can go wrong.
var edges = []int64{
	math.MinInt64, math.MinInt64 + 1, math.MinInt64 + 2,
	math.MinInt64 / 2, -2, -1, 0, 1, 2, math.MaxInt64 / 2,
	math.MaxInt64 - 2, math.MaxInt64 - 1, math.MaxInt64,
}

// TestAddSubAgainstBigInt checks every pair of edge values against exact
// math/big arithmetic: the result must be exact or ErrOverflow.
func TestAddSubAgainstBigInt(t *testing.T) {
	fits := func(z *big.Int) bool { return z.IsInt64() }
	var overflows int
	for _, x := range edges {
		for _, y := range edges {
			a, b := money.New(x, money.KES), money.New(y, money.KES)

			want := new(big.Int).Add(big.NewInt(x), big.NewInt(y))
			got, err := a.Add(b)
			if fits(want) {
				require.NoError(t, err, "%d + %d", x, y)
				assert.Equal(t, money.New(want.Int64(), money.KES), got, "%d + %d", x, y)
			} else {
				overflows++
				requireSentinel(t, err, money.ErrOverflow)
				assert.Equal(t, money.Amount{}, got)
			}

			want = new(big.Int).Sub(big.NewInt(x), big.NewInt(y))
			got, err = a.Sub(b)
			if fits(want) {
				require.NoError(t, err, "%d - %d", x, y)
				assert.Equal(t, money.New(want.Int64(), money.KES), got, "%d - %d", x, y)
			} else {
				overflows++
				requireSentinel(t, err, money.ErrOverflow)
				assert.Equal(t, money.Amount{}, got)
			}

			c, err := a.Cmp(b)
			require.NoError(t, err)
			assert.Equal(t, big.NewInt(x).Cmp(big.NewInt(y)), c, "Cmp(%d, %d)", x, y)
		}
	}
	require.Positive(t, overflows, "the edge values must exercise overflow")
}

func TestAddSubOverflowEdges(t *testing.T) {
	kes := func(m int64) money.Amount { return money.New(m, money.KES) }
	tests := []struct {
		name string
		op   func() (money.Amount, error)
		want int64
		err  error
	}{
		{"max+0", func() (money.Amount, error) { return kes(math.MaxInt64).Add(kes(0)) }, math.MaxInt64, nil},
		{"max+1", func() (money.Amount, error) { return kes(math.MaxInt64).Add(kes(1)) }, 0, money.ErrOverflow},
		{"max+-1", func() (money.Amount, error) { return kes(math.MaxInt64).Add(kes(-1)) }, math.MaxInt64 - 1, nil},
		{"min+-1", func() (money.Amount, error) { return kes(math.MinInt64).Add(kes(-1)) }, 0, money.ErrOverflow},
		{"min+max", func() (money.Amount, error) { return kes(math.MinInt64).Add(kes(math.MaxInt64)) }, -1, nil},
		{"min+min", func() (money.Amount, error) { return kes(math.MinInt64).Add(kes(math.MinInt64)) }, 0, money.ErrOverflow},
		{"max+max", func() (money.Amount, error) { return kes(math.MaxInt64).Add(kes(math.MaxInt64)) }, 0, money.ErrOverflow},
		{"min-1", func() (money.Amount, error) { return kes(math.MinInt64).Sub(kes(1)) }, 0, money.ErrOverflow},
		{"min-0", func() (money.Amount, error) { return kes(math.MinInt64).Sub(kes(0)) }, math.MinInt64, nil},
		{"max--1", func() (money.Amount, error) { return kes(math.MaxInt64).Sub(kes(-1)) }, 0, money.ErrOverflow},
		{"0-min", func() (money.Amount, error) { return kes(0).Sub(kes(math.MinInt64)) }, 0, money.ErrOverflow},
		{"-1-min", func() (money.Amount, error) { return kes(-1).Sub(kes(math.MinInt64)) }, math.MaxInt64, nil},
		{"min-min", func() (money.Amount, error) { return kes(math.MinInt64).Sub(kes(math.MinInt64)) }, 0, nil},
		{"-1-max", func() (money.Amount, error) { return kes(-1).Sub(kes(math.MaxInt64)) }, math.MinInt64, nil},
		{"-2-max", func() (money.Amount, error) { return kes(-2).Sub(kes(math.MaxInt64)) }, 0, money.ErrOverflow},
		{"0-max", func() (money.Amount, error) { return kes(0).Sub(kes(math.MaxInt64)) }, -math.MaxInt64, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.op()
			if tt.err != nil {
				requireSentinel(t, err, tt.err)
				assert.Equal(t, money.Amount{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, kes(tt.want), got)
		})
	}
}

func TestAddSubCmpCurrencyChecks(t *testing.T) {
	kes, usd := money.New(100, money.KES), money.New(100, money.USD)
	tests := []struct {
		name string
		a, b money.Amount
		want error
	}{
		{"KES and USD", kes, usd, money.ErrCurrencyMismatch},
		{"USD and KES", usd, kes, money.ErrCurrencyMismatch},
		{"UGX and KES", money.New(100, money.UGX), kes, money.ErrCurrencyMismatch},
		{"zero Amounts", money.Amount{}, money.Amount{}, money.ErrUnknownCurrency},
		{"KES and zero Amount", kes, money.Amount{}, money.ErrUnknownCurrency},
		{"zero Amount and KES", money.Amount{}, kes, money.ErrUnknownCurrency},
		{"same unknown currency", money.New(1, "XYZ"), money.New(1, "XYZ"), money.ErrUnknownCurrency},
		{"lower case", money.New(1, "kes"), money.New(1, "kes"), money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := tt.a.Add(tt.b)
			requireSentinel(t, err, tt.want)
			assert.Equal(t, money.Amount{}, sum)

			diff, err := tt.a.Sub(tt.b)
			requireSentinel(t, err, tt.want)
			assert.Equal(t, money.Amount{}, diff)

			c, err := tt.a.Cmp(tt.b)
			requireSentinel(t, err, tt.want)
			assert.Zero(t, c)
		})
	}

	_, err := kes.Add(usd)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KES 1.00")
	assert.Contains(t, err.Error(), "USD 1.00")
}

func TestAddKeepsCurrency(t *testing.T) {
	got, err := money.New(5000, money.UGX).Add(money.New(1, money.UGX))
	require.NoError(t, err)
	assert.Equal(t, money.New(5001, money.UGX), got)
	got, err = money.New(5000, money.UGX).Sub(money.New(5001, money.UGX))
	require.NoError(t, err)
	assert.Equal(t, money.New(-1, money.UGX), got)
}
