package httpx

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestDifferencesComparesPhonesAsNumbers(t *testing.T) {
	req := payout.Request{Reference: "r", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712 345 678"}}
	same := func(ph string) *payout.Payout { return &payout.Payout{Amount: req.Amount, Phone: ph} }
	for _, ph := range []string{"254712345678", "+254712345678", "0712345678", ""} {
		assert.Empty(t, Differences(req, same(ph)), ph)
	}
	diffs := Differences(req, same("254722000111"))
	if assert.Len(t, diffs, 1) {
		assert.Equal(t, "phone 2547****0111, not 2547****5678", diffs[0], "both masked, in international digits")
	}
	odd := req
	odd.Recipient.Phone = "not a number"
	assert.Empty(t, Differences(odd, same("not a number")), "unreadable spellings compare as text")
	assert.Len(t, Differences(odd, same("0712345678")), 1)
	assert.Len(t, Differences(req, &payout.Payout{Amount: money.New(600_00, money.KES), Phone: "0712345678"}), 1)
}
