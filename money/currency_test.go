package money_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

// iso4217 is the expected exponent of every declared currency, written out
// independently of the implementation's switch so a typo in either shows.
var iso4217 = map[money.Currency]int{
	money.KES: 2, money.UGX: 0, money.TZS: 2, money.RWF: 0, money.ETB: 2,
	money.NGN: 2, money.GHS: 2, money.ZAR: 2, money.ZMW: 2, money.MWK: 2,
	money.EGP: 2, money.MAD: 2, money.TND: 3, money.XOF: 0, money.XAF: 0,
	money.USD: 2, money.EUR: 2, money.GBP: 2,
}

func TestCurrencyExponent(t *testing.T) {
	for c, want := range iso4217 {
		t.Run(string(c), func(t *testing.T) {
			require.Len(t, string(c), 3)
			got, ok := c.Exponent()
			require.True(t, ok)
			assert.Equal(t, want, got)
			assert.True(t, c.Valid())
		})
	}
}

func TestCurrencyConstantsSpellTheirNames(t *testing.T) {
	// A constant whose value is another currency's code would silently
	// denominate payouts in the wrong money.
	want := map[money.Currency]string{
		money.KES: "KES", money.UGX: "UGX", money.TZS: "TZS", money.RWF: "RWF",
		money.ETB: "ETB", money.NGN: "NGN", money.GHS: "GHS", money.ZAR: "ZAR",
		money.ZMW: "ZMW", money.MWK: "MWK", money.EGP: "EGP", money.MAD: "MAD",
		money.TND: "TND", money.XOF: "XOF", money.XAF: "XAF", money.USD: "USD",
		money.EUR: "EUR", money.GBP: "GBP",
	}
	require.Len(t, want, len(iso4217), "two constants share a value")
	for c, name := range want {
		assert.Equal(t, name, string(c))
	}
}

func TestCurrencyUnknown(t *testing.T) {
	for _, c := range []money.Currency{"", "kes", "Kes", "KES ", " KES", "KESX", "XYZ", "XXX", "BTC", "K\x00S"} {
		t.Run(string(c), func(t *testing.T) {
			exp, ok := c.Exponent()
			assert.False(t, ok)
			assert.Zero(t, exp)
			assert.False(t, c.Valid())
		})
	}
}
