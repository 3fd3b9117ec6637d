package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
)

func TestPayResendsWithTheSameReferenceAfterALostAnswer(t *testing.T) {
	fake := payouttest.NewFake()
	fake.OnReference("commission-1", payouttest.Outcome{Err: payouttest.Failure(payout.CodeOutcomeUnknown), Create: true, Times: 1})
	p, err := Payer{Client: fake, Attempts: 3}.Pay(context.Background(), Commission{ID: "1", Phone: "0712345678", Amount: money.New(1000, money.KES)})
	require.NoError(t, err)
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Reference, reqs[1].Reference, "the resend reuses the Reference")
	assert.Len(t, fake.Payouts(), 1, "and nobody is paid twice")
	assert.Equal(t, fake.Payouts()[0].ID, p.ID)
}

func TestPayDoesNotRetryAFinalRefusal(t *testing.T) {
	fake := payouttest.NewFake()
	fake.OnReference("commission-2", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInsufficientFunds)})
	_, err := Payer{Client: fake, Attempts: 3}.Pay(context.Background(), Commission{ID: "2", Phone: "0712345678", Amount: money.New(1000, money.KES)})
	assert.ErrorIs(t, err, payout.ErrInsufficientFunds)
	assert.Len(t, fake.Requests(), 1)
}

func TestPayGivesUpAfterAttempts(t *testing.T) {
	fake := payouttest.NewFake()
	fake.OnReference("commission-3", payouttest.Outcome{Err: payouttest.Failure(payout.CodeRateLimited)})
	_, err := Payer{Client: fake, Attempts: 3}.Pay(context.Background(), Commission{ID: "3", Phone: "0712345678", Amount: money.New(1000, money.KES)})
	assert.ErrorIs(t, err, payout.ErrRateLimited)
	assert.Len(t, fake.Requests(), 3)
	assert.Empty(t, fake.Payouts())
}
