// Command fakeclient shows how to keep payout code testable: the code that
// pays depends on the payout.Client interface, production passes an
// adapter, and the unit tests (main_test.go) pass a payouttest.Fake.
//
// Run it with `go run ./examples/fakeclient`; it pays through the Fake too,
// so it needs no credentials.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
)

// Commission is one amount owed to an agent.
type Commission struct {
	ID     string       // your own id: it becomes the payout Reference
	Phone  string       // the agent's M-Pesa number, in any spelling phone.Parse reads
	Amount money.Amount // what is owed
}

// Payer pays commissions through any payout.Client.
type Payer struct {
	// Client sends the payouts: an adapter in production, a
	// payouttest.Fake in tests.
	Client payout.Client
	// Attempts bounds how often one commission is sent when the outcome is
	// unknown or the error is retryable.
	Attempts int
	// Wait is the pause between such attempts.
	Wait time.Duration
}

// Pay sends one commission. It resends with the same Reference while the
// SDK says the outcome is unknown or the error is retryable: the Reference
// makes that safe, the provider never pays twice.
func (p Payer) Pay(ctx context.Context, c Commission) (*payout.Payout, error) {
	req := payout.Request{
		Reference:   "commission-" + c.ID,
		Amount:      c.Amount,
		Recipient:   payout.Recipient{Phone: c.Phone},
		Description: "Commission " + c.ID,
	}
	var err error
	for attempt := 1; attempt <= max(p.Attempts, 1); attempt++ {
		var po *payout.Payout
		po, err = p.Client.Send(ctx, req)
		if err == nil {
			return po, nil
		}
		if !payout.IsRetryable(err) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(p.Wait):
		}
	}
	return nil, err
}

func main() {
	fake := payouttest.NewFake()
	// The first answer for agent 7 is lost on the way back.
	fake.OnReference("commission-7", payouttest.Outcome{Err: payouttest.Failure(payout.CodeOutcomeUnknown), Create: true, Times: 1})

	payer := Payer{Client: fake, Attempts: 3, Wait: 10 * time.Millisecond}
	for _, c := range []Commission{
		{ID: "6", Phone: "0712 345 678", Amount: money.New(150000, money.KES)},
		{ID: "7", Phone: "+254 110 123 456", Amount: money.New(99900, money.KES)},
	} {
		p, err := payer.Pay(context.Background(), c)
		if err != nil {
			log.Fatalf("commission %s: %v", c.ID, err)
		}
		fmt.Printf("commission %s: payout %s %s to %s\n", c.ID, p.ID, p.Amount, p.Phone)
	}
	fmt.Printf("sends: %d, payouts created: %d\n", len(fake.Requests()), len(fake.Payouts()))
}
