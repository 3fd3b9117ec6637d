package payouttest_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// A PalPluss callback route tested in a few lines: the Fake creates the
// payout with the callback URL your code made, settles it, and builds the
// callback PalPluss would send to that URL.
func ExampleFake_PalPlussWebhookRequest() {
	fake := payouttest.NewFake()
	signer, _ := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	cb, _ := signer.CallbackURL("https://shop.example.com/hooks/palpluss", "WD-2024-001")
	p, _ := fake.Send(context.Background(), payout.Request{Reference: "WD-2024-001",
		Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}, CallbackURL: cb})
	_, _ = fake.Settle(p.ID, payout.StatusSucceeded)

	// Your route: the handler your server mounts, confirmed against the Fake.
	route := webhook.NewHandler(palpluss.ParseWebhook, func(_ context.Context, ev payout.Event) error {
		fmt.Println("handled", ev.Type, ev.Payout.Reference, ev.Payout.Status)
		return nil
	}, webhook.WithVerifier(signer.Verifier()), webhook.WithConfirm(webhook.ConfirmByGet(fake)))

	r, _ := fake.PalPlussWebhookRequest(p.ID)
	w := httptest.NewRecorder()
	route.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// handled transaction.success WD-2024-001 succeeded
	// 200
}

// A PayOS route: the request is signed under the endpoint's secret, as
// PayOS signs it.
func ExampleFake_PayOSWebhookRequest() {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	fake := payouttest.NewFake()
	p, _ := fake.Send(context.Background(), payout.Request{Reference: "PAYOUT-1",
		Amount: money.New(1500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}})
	_, _ = fake.Settle(p.ID, payout.StatusFailed)

	route, _ := payos.NewWebhookHandler(secret, func(_ context.Context, ev payout.Event) error {
		fmt.Println("handled", ev.Type, ev.Payout.Reference, ev.Payout.Status)
		return nil
	})
	r, _ := fake.PayOSWebhookRequest(p.ID, "https://shop.example.com/hooks/payos", secret)
	w := httptest.NewRecorder()
	route.ServeHTTP(w, r)
	fmt.Println(w.Code)

	// The same request again is a redelivery: acknowledged, not handled.
	r, _ = fake.PayOSWebhookRequest(p.ID, "https://shop.example.com/hooks/payos", secret)
	w = httptest.NewRecorder()
	route.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// handled payout.failed PAYOUT-1 failed
	// 200
	// 200
}

// The Sandbox builds the callback of a payout it settled: a PalPluss route,
// confirming by Get against the Sandbox, tested without a listener.
func ExampleSandbox_WebhookRequest() {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	client, _ := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()))
	signer, _ := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	cb, _ := signer.CallbackURL("https://127.0.0.1:1/hooks/palpluss", "SBX-1")
	p, _ := client.Send(context.Background(), payout.Request{Reference: "SBX-1",
		Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}, CallbackURL: cb})
	_ = sb.Settle(payouttest.SandboxPalPluss, p.ID)

	route := client.WebhookHandler(func(_ context.Context, ev payout.Event) error {
		fmt.Println("handled", ev.Type, ev.Payout.Reference, ev.Payout.Status)
		return nil
	}, webhook.WithVerifier(signer.Verifier()))
	r, _ := sb.WebhookRequest(payouttest.SandboxPalPluss, p.ID, "")
	w := httptest.NewRecorder()
	route.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// handled transaction.success SBX-1 succeeded
	// 200
}
