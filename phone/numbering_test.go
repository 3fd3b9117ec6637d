package phone

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOperator(t *testing.T) {
	tests := []struct {
		prefix string // first four digits of the national form
		want   Operator
	}{
		{"0100", Airtel},
		{"0102", Airtel},
		{"0103", OperatorOther},
		{"0108", OperatorOther},
		{"0110", Safaricom},
		{"0115", Safaricom},
		{"0116", OperatorOther},
		{"0119", OperatorOther},
		{"0120", OperatorOther},
		{"0130", OperatorOther},
		{"0141", OperatorOther},
		{"0180", OperatorOther},
		{"0700", Safaricom},
		{"0729", Safaricom},
		{"0730", Airtel},
		{"0739", Airtel},
		{"0740", Safaricom},
		{"0743", Safaricom},
		{"0744", OperatorOther},
		{"0745", Safaricom},
		{"0746", Safaricom},
		{"0747", OperatorOther},
		{"0748", Safaricom},
		{"0749", OperatorOther},
		{"0750", Airtel},
		{"0756", Airtel},
		{"0757", Safaricom},
		{"0759", Safaricom},
		{"0760", OperatorOther},
		{"0761", OperatorOther},
		{"0762", Airtel},
		{"0763", Equitel},
		{"0766", Equitel},
		{"0767", OperatorOther},
		{"0768", Safaricom},
		{"0769", Safaricom},
		{"0770", Telkom},
		{"0779", Telkom},
		{"0780", Airtel},
		{"0789", Airtel},
		{"0790", Safaricom},
		{"0799", Safaricom},
	}
	for _, tt := range tests {
		// The first and last number of each prefix, to catch off-by-one
		// errors in the division that extracts it.
		for _, rest := range []string{"000000", "999999"} {
			in := tt.prefix + rest
			n, err := Parse(in)
			require.NoError(t, err, in)
			assert.Equal(t, tt.want, n.Operator(), in)
		}
	}
}

// TestOperatorRanges checks the invariants operatorRanges documents.
func TestOperatorRanges(t *testing.T) {
	for i, r := range operatorRanges {
		assert.LessOrEqual(t, r.lo, r.hi, "range %d is empty", i)
		if i > 0 {
			assert.Less(t, operatorRanges[i-1].hi, r.lo, "range %d overlaps or is out of order", i)
		}
		for p := r.lo; p <= r.hi; p++ {
			assert.True(t, isMobilePrefix(p), "operator prefix 0%03d is not a mobile prefix", p)
		}
		assert.NotEqual(t, OperatorUnknown, r.op)
		assert.NotEqual(t, OperatorOther, r.op, "OperatorOther is the default; do not list it")
	}
}

// TestOperatorNeverUnknown checks that every valid number has an operator,
// even if only OperatorOther.
func TestOperatorNeverUnknown(t *testing.T) {
	for _, r := range mobileRanges {
		for p := r.lo; p <= r.hi; p++ {
			n, err := Parse(strconv.Itoa(p) + "000000")
			require.NoError(t, err)
			assert.NotEqual(t, OperatorUnknown, n.Operator(), "%v", n)
		}
	}
}
