package payos_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// A webhook server for PayOS: deliveries are signed with Standard Webhooks
// under the endpoint's secret, verified, deduplicated by their svix-id and
// handed to the application once. Here the Sandbox plays PayOS.
func ExampleNewWebhookHandler() {
	sb := payouttest.NewSandbox()
	defer sb.Close()

	events := make(chan payout.Event, 4)
	hooks, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), func(ctx context.Context, ev payout.Event) error {
		events <- ev // record the payout's new status, idempotently
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks/payos", hooks)
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
	_ = sb.SetPayOSWebhookURL(server.URL + "/webhooks/payos") // set in the PayOS dashboard

	client, _ := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()))
	sender, err := payout.NewCompanySender("Acme Corporation Ltd", "27110001234", "2020/123456/07", "2015-03-20",
		payout.Funds{Purpose: "vendor payment", Source: "business revenue", Relationship: "business"})
	if err != nil {
		panic(err)
	}
	p, err := client.Send(context.Background(), payout.Request{
		Reference: "PAYOUT-2024-001",
		Amount:    money.New(50000, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: "0723993187"},
		Sender:    sender,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = sb.Settle("payos", p.ID) // M-Pesa pays
	ev := <-events
	fmt.Println(ev.Type, ev.Payout.Reference, ev.Payout.Status)
	// Output: payout.completed PAYOUT-2024-001 succeeded
}
