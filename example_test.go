package payout_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
)

// Sending one payout and telling its outcomes apart. The client here is a
// payouttest.Fake; in production it is palpluss.New or payos.New.
func Example() {
	fake := payouttest.NewFake()
	fake.OnReference("WD-2", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInsufficientFunds)})
	var client payout.Client = fake

	for _, ref := range []string{"WD-1", "WD-2"} {
		p, err := client.Send(context.Background(), payout.Request{
			Reference: ref, // your unique id: resend with the same one, never a new one
			Amount:    money.New(50000, money.KES),
			Recipient: payout.Recipient{Phone: "0712 345 678"},
		})
		switch {
		case errors.Is(err, payout.ErrOutcomeUnknown):
			fmt.Println(ref, "may exist: send again with the same Reference")
		case errors.Is(err, payout.ErrInsufficientFunds):
			fmt.Println(ref, "refused: top up the wallet")
		case err != nil:
			fmt.Println(ref, "refused:", err)
		default:
			fmt.Println(ref, "accepted:", p.Status, p.Amount) // accepted is not paid yet
		}
	}
	// Output:
	// WD-1 accepted: pending KES 500.00
	// WD-2 refused: top up the wallet
}

// Paying a list, eight at a time and paced, with one result per request in
// input order.
func ExampleSendAll() {
	fake := payouttest.NewFake()
	reqs := []payout.Request{
		{Reference: "SAL-001", Amount: money.New(2500000, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}},
		{Reference: "SAL-002", Amount: money.New(3100000, money.KES), Recipient: payout.Recipient{Phone: "0110123456"}},
		{Reference: "SAL-003", Amount: money.New(100, money.KES), Recipient: payout.Recipient{Phone: "0202345678"}},
	}
	results := payout.SendAll(context.Background(), fake, reqs, payout.BatchOptions{Concurrency: 8})
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.Request.Reference, "failed:", errors.Is(r.Err, payout.ErrInvalidRecipient))
			continue
		}
		fmt.Println(r.Request.Reference, r.Payout.Status)
	}
	// Output:
	// SAL-001 pending
	// SAL-002 pending
	// SAL-003 failed: true
}
