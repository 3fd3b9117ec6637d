package payos_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// Get follows a payout by its transaction id; FindByReference finds it by
// your Reference (PayOS's merchantReference) when the id was never learnt.
func ExampleClient_FindByReference() {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	client, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	sender, err := payout.NewIndividualSender("Jane Smith", "27821234567", payout.IdentityPassport, "A12345678", "1990-01-15",
		payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Send(ctx, payout.Request{Reference: "PAYOUT-42", Amount: money.New(750_00, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: payouttest.SandboxPhoneInvalidAccount}, Sender: sender}); err != nil {
		log.Fatal(err)
	}

	found, err := client.FindByReference(ctx, "PAYOUT-42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(found.Reference, found.Amount, found.Status)

	sb.SettleAll() // the provider settles it: a failure, here
	p, err := client.Get(ctx, found.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status, p.FailureCode)

	_, err = client.FindByReference(ctx, "PAYOUT-never-sent")
	fmt.Println(errors.Is(err, payout.ErrNotFound))
	// Output:
	// PAYOUT-42 KES 750.00 pending
	// failed PAYOUT_RECIPIENT_INVALID_ACCOUNT
	// true
}
