package money_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		a    money.Amount
		want string
	}{
		{money.New(2050, money.KES), `{"minor":2050,"currency":"KES"}`},
		{money.New(0, money.KES), `{"minor":0,"currency":"KES"}`},
		{money.New(-2050, money.KES), `{"minor":-2050,"currency":"KES"}`},
		{money.New(5000, money.UGX), `{"minor":5000,"currency":"UGX"}`},
		{money.New(math.MaxInt64, money.KES), `{"minor":9223372036854775807,"currency":"KES"}`},
		{money.New(math.MinInt64, money.KES), `{"minor":-9223372036854775808,"currency":"KES"}`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := tt.a.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))

			// Through encoding/json, as a value and as a pointer.
			got, err = json.Marshal(tt.a)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			got, err = json.Marshal(&tt.a)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))

			var back money.Amount
			require.NoError(t, json.Unmarshal(got, &back))
			assert.Equal(t, tt.a, back)
		})
	}
}

func TestMarshalJSONRejectsUnknownCurrency(t *testing.T) {
	for _, a := range []money.Amount{{}, money.New(1, "XYZ"), money.New(1, `K"}`)} {
		got, err := a.MarshalJSON()
		requireSentinel(t, err, money.ErrUnknownCurrency)
		assert.Nil(t, got)

		_, err = json.Marshal(struct{ A money.Amount }{a})
		require.ErrorIs(t, err, money.ErrUnknownCurrency, "errors.Is must see through encoding/json")
	}
}

func TestJSONStructRoundTrip(t *testing.T) {
	type payout struct {
		Amount money.Amount  `json:"amount"`
		Fee    *money.Amount `json:"fee"`
	}
	fee := money.New(15, money.KES)
	in := payout{Amount: money.New(math.MaxInt64, money.KES), Fee: &fee}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":{"minor":9223372036854775807,"currency":"KES"},"fee":{"minor":15,"currency":"KES"}}`, string(data))
	var out payout
	require.NoError(t, json.Unmarshal(data, &out))
	assert.Equal(t, in.Amount, out.Amount)
	require.NotNil(t, out.Fee)
	assert.Equal(t, fee, *out.Fee)

	// An optional amount: null sets the pointer to nil.
	out = payout{Fee: &fee}
	require.NoError(t, json.Unmarshal([]byte(`{"amount":{"minor":1,"currency":"UGX"},"fee":null}`), &out))
	assert.Equal(t, money.New(1, money.UGX), out.Amount)
	assert.Nil(t, out.Fee)

	// A required amount cannot be null, and errors.Is sees the sentinel.
	err = json.Unmarshal([]byte(`{"amount":null}`), &out)
	require.ErrorIs(t, err, money.ErrInvalid)

	err = json.Unmarshal([]byte(`{"amount":{"minor":20.5,"currency":"KES"}}`), &out)
	require.ErrorIs(t, err, money.ErrInvalid)
}

func TestUnmarshalJSONAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want money.Amount
	}{
		{`{"minor":2050,"currency":"KES"}`, money.New(2050, money.KES)},
		{`{"currency":"KES","minor":2050}`, money.New(2050, money.KES)},
		{" {\n\t\"minor\" : -1 ,\r\n \"currency\" : \"UGX\" } ", money.New(-1, money.UGX)},
		{`{"minor":0,"currency":"XOF"}`, money.New(0, money.XOF)},
		{`{"minor":-0,"currency":"KES"}`, money.New(0, money.KES)},
		{`{"minor":9223372036854775807,"currency":"KES"}`, money.New(math.MaxInt64, money.KES)},
		{`{"minor":-9223372036854775808,"currency":"KES"}`, money.New(math.MinInt64, money.KES)},
		{`{"\u006dinor":1,"currency":"\u004bES"}`, money.New(1, money.KES)}, // JSON escapes are just spelling
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a money.Amount
			require.NoError(t, a.UnmarshalJSON([]byte(tt.in)))
			assert.Equal(t, tt.want, a)
		})
	}
}

func TestUnmarshalJSONRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		// Not integers: never read as floats.
		{`{"minor":20.5,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":2050.0,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":2e3,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":2E3,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":1e400,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":-0.0,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":"2050","currency":"KES"}`, money.ErrInvalid},
		{`{"minor":null,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":true,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":[1],"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":{},"currency":"KES"}`, money.ErrInvalid},
		// Not valid JSON numbers at all.
		{`{"minor":+1,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":01,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":0x10,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":NaN,"currency":"KES"}`, money.ErrInvalid},
		// Beyond int64.
		{`{"minor":9223372036854775808,"currency":"KES"}`, money.ErrOverflow},
		{`{"minor":-9223372036854775809,"currency":"KES"}`, money.ErrOverflow},
		{`{"minor":100000000000000000000000000000,"currency":"KES"}`, money.ErrOverflow},
		// Currency.
		{`{"minor":1,"currency":"XYZ"}`, money.ErrUnknownCurrency},
		{`{"minor":1,"currency":"kes"}`, money.ErrUnknownCurrency},
		{`{"minor":1,"currency":""}`, money.ErrUnknownCurrency},
		{`{"minor":1,"currency":"KES "}`, money.ErrUnknownCurrency},
		{`{"minor":1,"currency":null}`, money.ErrInvalid},
		{`{"minor":1,"currency":1}`, money.ErrInvalid},
		{`{"minor":1,"currency":["KES"]}`, money.ErrInvalid},
		// Shape.
		{`null`, money.ErrInvalid},
		{``, money.ErrInvalid},
		{` `, money.ErrInvalid},
		{`{}`, money.ErrInvalid},
		{`[]`, money.ErrInvalid},
		{`[2050,"KES"]`, money.ErrInvalid},
		{`2050`, money.ErrInvalid},
		{`20.50`, money.ErrInvalid},
		{`"KES 20.50"`, money.ErrInvalid},
		{`{"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":1}`, money.ErrInvalid},
		{`{"minor":1,"minor":2,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES","currency":"USD"}`, money.ErrInvalid},
		{`{"Minor":1,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":1,"Currency":"KES"}`, money.ErrInvalid},
		{`{"amount":1,"currency":"KES"}`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES","extra":0}`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES"`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES",}`, money.ErrInvalid},
		{`{"minor":1 "currency":"KES"}`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES"}}`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES"} {}`, money.ErrInvalid},
		{`{"minor":1,"currency":"KES"}x`, money.ErrInvalid},
		{`{minor:1,currency:"KES"}`, money.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a := money.New(7, money.USD)
			err := a.UnmarshalJSON([]byte(tt.in))
			requireSentinel(t, err, tt.want)
			assert.Equal(t, money.New(7, money.USD), a, "a failed decode must not modify the target")
		})
	}
}

func TestUnmarshalJSONErrorMessages(t *testing.T) {
	var a money.Amount
	err := a.UnmarshalJSON([]byte(`{"minor":20.5,"currency":"KES"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"20.5"`)
	assert.Contains(t, err.Error(), "integer")

	err = a.UnmarshalJSON([]byte(`{"minor":1,"currency":"XYZ"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"XYZ"`)

	err = a.UnmarshalJSON([]byte(`{"minor":99999999999999999999,"currency":"KES"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"99999999999999999999"`)
}
