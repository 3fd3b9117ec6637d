package palpluss_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// A webhook server for PalPluss. PalPluss does not sign its callbacks, so
// each payout gets a callback URL carrying an HMAC token of its reference,
// and every event is confirmed with Get before the application sees it.
// Here the Sandbox plays PalPluss.
func ExampleClient_WebhookHandler() {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	client, _ := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()))

	signer, _ := webhook.NewCallbackSigner("a-long-random-merchant-secret")
	events := make(chan payout.Event, 4)
	mux := http.NewServeMux()
	mux.Handle("/webhooks/palpluss", client.WebhookHandler(
		func(ctx context.Context, ev payout.Event) error {
			events <- ev // record the payout's new status, idempotently
			return nil
		},
		webhook.WithVerifier(signer.Verifier()),
	))
	// In production: your https endpoint, an http.Server with every
	// timeout set (its zero values wait for ever on a slow client).
	server := httptest.NewUnstartedServer(mux)
	server.Config.ReadHeaderTimeout = 5 * time.Second
	server.Config.ReadTimeout = 15 * time.Second
	server.Config.WriteTimeout = 60 * time.Second
	server.Config.IdleTimeout = 60 * time.Second
	server.Config.MaxHeaderBytes = 16 << 10
	server.Start()
	defer server.Close()

	callback, _ := signer.CallbackURL(server.URL+"/webhooks/palpluss", "WD-2024-001")
	p, err := client.Send(context.Background(), payout.Request{
		Reference:   "WD-2024-001",
		Amount:      money.New(50000, money.KES),
		Recipient:   payout.Recipient{Phone: "0712345678"},
		CallbackURL: callback,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = sb.Settle("palpluss", p.ID) // M-Pesa pays
	ev := <-events
	fmt.Println(ev.Type, ev.Payout.Reference, ev.Payout.Status)
	// Output: transaction.success WD-2024-001 succeeded
}
