package palpluss

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// The cases: a dry run through payout.Check must refuse what Send
// refuses, and accept what Send sends.
func TestCheckUsesPalPlussRules(t *testing.T) {
	m := newMock(t)
	for _, tc := range []struct {
		name  string
		minor int64
		field string
	}{
		{"KES 5 is below the minimum", 5_00, "amount"},
		{"KES 200,000 is above the maximum", 200_000_00, "amount"},
		{"KES 20.50 is not whole shillings", 20_50, "amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := fixtureRequest()
			req.Amount = money.New(tc.minor, money.KES)
			require.NoError(t, req.Validate(), "the shared rules alone let it through")
			err := payout.Check(m.client, req)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, payout.CodeInvalidRequest, pe.Code)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, req.Reference, pe.Reference, "the error says which payout it is about")
		})
	}
	assert.NoError(t, payout.Check(m.client, fixtureRequest()))
	assert.Empty(t, m.all(), "checking sends nothing")
}

func TestValidateFollowsWithMaxAmount(t *testing.T) {
	m := newMock(t, WithMaxAmount(money.New(200_000_00, money.KES)))
	req := fixtureRequest()
	req.Amount = money.New(200_000_00, money.KES)
	assert.NoError(t, m.client.Validate(req), "the client's own maximum, not the default")
	req.Amount = money.New(200_001_00, money.KES)
	assert.ErrorIs(t, m.client.Validate(req), payout.ErrInvalidRequest)
}

func TestValidateIgnoresSenderAsSendDoes(t *testing.T) {
	m := newMock(t)
	req := fixtureRequest()
	req.Sender = &payout.Sender{FullName: "Incomplete KYC"}
	req.Recipient.Name = ""
	assert.NoError(t, m.client.Validate(req), "PalPluss sends neither a sender nor a recipient name")
}
