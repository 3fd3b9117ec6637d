package payout_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// plainClient implements Client only.
type plainClient struct{}

func (plainClient) Send(context.Context, payout.Request) (*payout.Payout, error) { return nil, nil }
func (plainClient) Get(context.Context, string) (*payout.Payout, error)          { return nil, nil }

// strictClient adds a Validator that refuses everything above KES 100.
type strictClient struct{ plainClient }

func (strictClient) Validate(req payout.Request) error {
	if req.Amount.Minor > 100_00 {
		return payout.InvalidField("amount", "above KES 100")
	}
	return req.Validate()
}

func TestCheck(t *testing.T) {
	ok := payout.Request{Reference: "R-1", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}
	bad := ok
	bad.Recipient.Phone = "0202345678"

	assert.NoError(t, payout.Check(plainClient{}, ok), "without a Validator, the shared rules")
	assert.ErrorIs(t, payout.Check(plainClient{}, bad), payout.ErrInvalidRecipient)

	err := payout.Check(strictClient{}, ok)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe, "with a Validator, its rules")
	assert.Equal(t, "amount", pe.Field)
	small := ok
	small.Amount = money.New(50_00, money.KES)
	assert.NoError(t, payout.Check(strictClient{}, small))
}
