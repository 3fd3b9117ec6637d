package payos_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// An individual sender: a person identified by passport (or government
// id). The Sandbox stands in for PayOS over loopback HTTP; in production
// use payos.NewFromEnv or payos.New with the dashboard's credentials.
func ExampleClient_Send_individual() {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	client, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()))
	if err != nil {
		panic(err)
	}

	sender, err := payout.NewIndividualSender("Jane Smith", "27821234567", payout.IdentityPassport, "A12345678", "1990-01-15",
		payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
	if err != nil {
		panic(err) // Validate's error, naming the field at fault
	}
	sender.Nationality = "ZAF" // optional: PayOS falls back to the merchant's country
	req := payout.Request{
		Reference: "PAYOUT_550e8400-e29b-41d4-a716-446655440000",
		Amount:    money.New(2000, money.KES), // KES 20.00
		Recipient: payout.Recipient{Name: "John Doe", Phone: "0723 993 187"},
		Sender:    sender,
	}
	p, err := client.Send(context.Background(), req)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.ProviderStatus, p.Amount, p.Phone, p.Reference)

	// Sending the same Reference again returns the same payout.
	again, err := client.Send(context.Background(), req)
	fmt.Println(again.ID == p.ID, err)

	// A missing KYC field is refused before any request, naming the field.
	req.Reference = "PAYOUT_2"
	req.Sender.DateOfBirth = "15/01/1990"
	_, err = client.Send(context.Background(), req)
	var pe *payout.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, pe.Field)
	}
	// Output:
	// pending RECEIVED KES 20.00 254723993187 PAYOUT_550e8400-e29b-41d4-a716-446655440000
	// true <nil>
	// invalid_request sender.dateOfBirth
}

// A company sender: the registered name as FullName, the registration
// number as IdentityNumber and the incorporation date as DateOfBirth.
func ExampleClient_Send_company() {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	client, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()))
	if err != nil {
		panic(err)
	}

	sender, err := payout.NewCompanySender("Acme Corporation Ltd", "27110001234", "2020/123456/07", "2015-03-20",
		payout.Funds{Purpose: "vendor payment", Source: "business revenue", Relationship: "business"})
	if err != nil {
		panic(err) // Validate's error, naming the field at fault
	}
	sender.Nationality = "ZAF"
	p, err := client.Send(context.Background(), payout.Request{
		Reference: "PAYOUT_660e8400-e29b-41d4-a716-446655440001",
		Amount:    money.New(50000, money.KES), // KES 500.00
		Recipient: payout.Recipient{Name: "John Doe", Phone: "+254723993187"},
		Sender:    sender,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(sender.Kind(), p.Status, p.Amount)

	sb.SettleAll() // the Sandbox pays it now; PayOS would take a moment
	p, err = client.Get(context.Background(), p.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.ProviderStatus, p.Receipt != "")
	// Output:
	// company pending KES 500.00
	// succeeded COMPLETED true
}

func ExampleParseWebhook() {
	body := []byte(`{"type":"payout.failed","data":{"transactionId":"019b0250-1111-7222-a333-444455556666",` +
		`"status":"FAILED","message":"The recipient phone number is not registered with M-Pesa",` +
		`"merchantReference":"PAYOUT_770e8400-e29b-41d4-a716-446655440002","errorCode":"PAYOUT_RECIPIENT_INVALID_ACCOUNT"}}`)
	// Verify the svix-signature first (payos.NewWebhookHandler does both).
	ev, err := payos.ParseWebhook(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Type, ev.Payout.Reference, ev.Payout.Status)
	fmt.Println(ev.Payout.FailureCode, "->", payos.FailureCode(ev.Payout.FailureCode))
	// Output:
	// payout.failed PAYOUT_770e8400-e29b-41d4-a716-446655440002 failed
	// PAYOUT_RECIPIENT_INVALID_ACCOUNT -> invalid_recipient
}
