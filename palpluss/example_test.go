package palpluss_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
)

func ExampleClient_Send() {
	// A stand-in for PalPluss, answering as its documentation shows.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, "Idempotency-Key:", r.Header.Get("Idempotency-Key"))
		fmt.Println(string(body))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true,"data":{"transactionId":"2f9c1e77-0000-0000-0000-000000000001",
			"type":"B2C","status":"PENDING","amount":500,"currency":"KES","phone":"254712345678",
			"reference":"WD-2024-001","transactionFee":15,"createdAt":"2026-03-01T09:00:00.000Z",
			"updatedAt":"2026-03-01T09:00:00.000Z"},"requestId":"d2c3b4a5-0000-0000-0000-000000000000"}`)
	}))
	defer srv.Close()

	client, err := palpluss.New("pk_test_example", payout.WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		log.Fatal(err)
	}
	p, err := client.Send(context.Background(), payout.Request{
		Reference:   "WD-2024-001", // reuse it to retry: PalPluss never pays twice
		Amount:      money.New(500_00, money.KES),
		Recipient:   payout.Recipient{Phone: "+254 712 345 678"},
		Description: "Commission payout",
		CallbackURL: "https://yourserver.com/webhooks/b2c",
	})
	switch {
	case errors.Is(err, payout.ErrOutcomeUnknown):
		log.Fatal("unknown outcome: send again with the same Reference")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(p.ID, p.Status, p.Amount, "fee", p.Fee, p.Phone)
	// Output:
	// POST /v1/b2c/payouts Idempotency-Key: WD-2024-001
	// {"amount":500,"phone":"0712345678","reference":"WD-2024-001","currency":"KES","description":"Commission payout","callbackUrl":"https://yourserver.com/webhooks/b2c"}
	// 2f9c1e77-0000-0000-0000-000000000001 pending KES 500.00 fee KES 15.00 254712345678
}

func ExampleParseWebhook() {
	body := []byte(`{"event":"transaction.updated","event_type":"transaction.failed",
		"transaction":{"id":"2f9c1e77-0000-0000-0000-000000000003","type":"B2C","status":"FAILED",
		"amount":2500,"currency":"KES","phone_number":"254722000000","external_reference":"WD-2024-003",
		"mpesa_receipt":null,"transaction_fee":0,"result_code":"2001",
		"result_desc":"The initiator information is invalid.","updated_at":"2026-03-01T09:11:05.000Z"}}`)

	ev, err := palpluss.ParseWebhook(body)
	if err != nil {
		log.Fatal(err) // answer 400: the body is not a PalPluss event
	}
	// PalPluss signs nothing: confirm with client.Get(ctx, p.ID) before
	// acting on it (Client.WebhookHandler does).
	p := ev.Payout
	fmt.Println(ev.Type, ev.ID)
	fmt.Println(p.Reference, p.Status, p.Amount, p.FailureCode, p.FailureMessage)
	// Output:
	// transaction.failed 2f9c1e77-0000-0000-0000-000000000003:FAILED
	// WD-2024-003 failed KES 2500.00 2001 The initiator information is invalid.
}
