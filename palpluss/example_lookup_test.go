package palpluss_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
)

// exampleClient returns a PalPluss client on a fresh Sandbox (in
// production: palpluss.New with your key).
func exampleClient() (*palpluss.Client, *payouttest.Sandbox) {
	sb := payouttest.NewSandbox()
	client, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()))
	if err != nil {
		log.Fatal(err)
	}
	return client, sb
}

// Get reads a payout's current status by its transaction id (Payout.ID):
// how to follow a payout when no webhook arrives.
func ExampleClient_Get() {
	client, sb := exampleClient()
	defer sb.Close()
	ctx := context.Background()

	p, err := client.Send(ctx, payout.Request{Reference: "WD-1", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status)
	sb.SettleAll() // the provider pays it

	p, err = client.Get(ctx, p.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Status, p.Status.Terminal(), p.Receipt != "")

	_, err = client.Get(ctx, "2f9c1e77-0000-0000-0000-00000000dead")
	fmt.Println(errors.Is(err, payout.ErrNotFound))
	// Output:
	// pending
	// succeeded true true
	// true
}

// FindByReference finds a payout by your Reference when its id was never
// learnt, for example after an unknown outcome (sending again with the same
// Reference also resolves it, and is cheaper).
func ExampleClient_FindByReference() {
	client, sb := exampleClient()
	defer sb.Close()
	ctx := context.Background()

	if _, err := client.Send(ctx, payout.Request{Reference: "WD-7", Amount: money.New(1_200_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}}); err != nil {
		log.Fatal(err)
	}
	p, err := client.FindByReference(ctx, "WD-7")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Reference, p.Amount, p.Status)

	_, err = client.FindByReference(ctx, "WD-never-sent")
	fmt.Println(errors.Is(err, payout.ErrNotFound))
	// Output:
	// WD-7 KES 1200.00 pending
	// true
}

// Transactions walks the whole transaction list, newest first, page by
// page; the loop ends at the last page or at the first error.
func ExampleClient_Transactions() {
	client, sb := exampleClient()
	defer sb.Close()
	ctx := context.Background()

	for i, phone := range []string{"0712345678", payouttest.SandboxPhoneInvalidAccount, "0712345679"} {
		if _, err := client.Send(ctx, payout.Request{Reference: fmt.Sprintf("SAL-%d", i+1),
			Amount: money.New(int64(i+1)*100_00, money.KES), Recipient: payout.Recipient{Phone: phone}}); err != nil {
			log.Fatal(err)
		}
	}
	sb.SettleAll()

	q := palpluss.TransactionsQuery{Type: palpluss.TypeB2C, Limit: 2} // two a page: three pages here
	for p, err := range client.Transactions(ctx, q) {
		if err != nil {
			log.Fatal(err)
		}
		line := fmt.Sprint(p.Reference, " ", p.Amount, " ", p.Status)
		if p.FailureCode != "" {
			line += " (result code " + p.FailureCode + ")"
		}
		fmt.Println(line)
	}
	// Output:
	// SAL-3 KES 300.00 succeeded
	// SAL-2 KES 200.00 reversed (result code 2001)
	// SAL-1 KES 100.00 succeeded
}
