package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/webhook"
)

// The endpoint secret of these examples. A real one comes from the
// provider's dashboard, through the environment or a secret manager.
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// A StandardVerifier checks a delivery's headers against its raw body.
func ExampleStandardVerifier() {
	v, err := webhook.NewStandardVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}

	body := []byte(`{"type":"payout.completed","payload":{"transactionId":"tx_1","status":"COMPLETED"}}`)
	h, _ := webhook.Sign(secret, "msg_1", time.Now(), body) // what the provider sends

	fmt.Println(v.Verify(h, body))

	forged := []byte(`{"type":"payout.completed","payload":{"transactionId":"tx_2","status":"COMPLETED"}}`)
	err = v.Verify(h, forged)
	fmt.Println(errors.Is(err, webhook.ErrNoMatchingSignature))

	fmt.Println(v) // printing a verifier never shows its secrets
	// Output:
	// <nil>
	// true
	// webhook.StandardVerifier{secrets: 1, tolerance: 5m0s}
}

// A recorded delivery verifies at the time it was received (here the
// shared PayOS test vector, whose body ends with a newline).
func ExampleNewStandardVerifierWithOptions() {
	receivedAt := time.Unix(1767225660, 0)
	v, err := webhook.NewStandardVerifierWithOptions([]string{secret}, webhook.WithClock(func() time.Time { return receivedAt }))
	if err != nil {
		log.Fatal(err)
	}
	h := http.Header{}
	h.Set("svix-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
	h.Set("svix-timestamp", "1767225600")
	h.Set("svix-signature", "v1,xjBa1ZTsP+MJhRBLtg4C37kGgVhxwVDt9qRvr+ybtsI=")
	body := []byte(`{"type":"payout.completed","payload":{"transactionId":"019b024f-8c57-777f-a97c-fa21a2bdbb40","status":"COMPLETED","message":"Payout completed","merchantReference":"PAYOUT_550e8400-e29b-41d4-a716-446655440000","paymentMethodId":"mobilemoney","processorReference":"SKL4H7QZ2P"}}` + "\n")
	fmt.Println(v.Verify(h, body))
	fmt.Println(v.Verify(h, bytes.TrimSpace(body)))
	// Output:
	// <nil>
	// webhook: no matching signature
}

// Sign makes the headers of a signed delivery, for tests of code that
// receives webhooks.
func ExampleSign() {
	body := []byte(`{"type":"payout.completed","payload":{"transactionId":"019b024f-8c57-777f-a97c-fa21a2bdbb40","status":"COMPLETED","message":"Payout completed","merchantReference":"PAYOUT_550e8400-e29b-41d4-a716-446655440000","paymentMethodId":"mobilemoney","processorReference":"SKL4H7QZ2P"}}` + "\n")
	h, err := webhook.Sign(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", time.Unix(1767225600, 0), body)
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/hooks/payos", bytes.NewReader(body))
	req.Header = h
	for _, k := range []string{"svix-id", "svix-timestamp", "svix-signature", "webhook-signature"} {
		fmt.Printf("%s: %s\n", k, req.Header.Get(k))
	}
	// Output:
	// svix-id: msg_2KWPBgLlAfxdpx2AI54pPJ85f4W
	// svix-timestamp: 1767225600
	// svix-signature: v1,xjBa1ZTsP+MJhRBLtg4C37kGgVhxwVDt9qRvr+ybtsI=
	// webhook-signature: v1,xjBa1ZTsP+MJhRBLtg4C37kGgVhxwVDt9qRvr+ybtsI=
}

// A provider that does not sign its callbacks (PalPluss) is given a
// callback URL per payout, carrying a token only the merchant can make.
func ExampleCallbackSigner() {
	// 32 random bytes in hex, kept secret; the old secret goes second while
	// rotating.
	signer, err := webhook.NewCallbackSigner("5f0c1e4b2a9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99")
	if err != nil {
		log.Fatal(err)
	}
	u, err := signer.CallbackURL("https://shop.example.com/hooks/palpluss", "WD-2024-001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u) // the payout.Request's CallbackURL

	// When the provider calls back:
	req := httptest.NewRequest(http.MethodPost, u, nil)
	ref, err := signer.VerifyRequest(req)
	fmt.Println(ref, err)

	// A token is only good for its own payout.
	q := req.URL.Query()
	q.Set("ref", "WD-2024-002")
	req.URL.RawQuery = q.Encode()
	_, err = signer.VerifyRequest(req)
	fmt.Println(err)
	// Output:
	// https://shop.example.com/hooks/palpluss?ref=WD-2024-001&token=GwlNrY02e09DrzB4UbCKlkulFGtDeikbKuYKeopYLpc
	// WD-2024-001 <nil>
	// webhook: invalid callback token
}

// parsePayOS is a small stand-in for payos.ParseWebhook.
func parsePayOS(body []byte) (*payout.Event, error) {
	var b struct {
		Type    string `json:"type"`
		Payload struct {
			TransactionID     string `json:"transactionId"`
			Status            string `json:"status"`
			MerchantReference string `json:"merchantReference"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, err
	}
	if b.Type == "" {
		return nil, errors.New("no event type")
	}
	st := payout.StatusPending
	switch b.Payload.Status {
	case "COMPLETED":
		st = payout.StatusSucceeded
	case "FAILED":
		st = payout.StatusFailed
	}
	return &payout.Event{Provider: "payos", Type: b.Type, Raw: body, Payout: &payout.Payout{
		ID: b.Payload.TransactionID, Reference: b.Payload.MerchantReference, Provider: "payos",
		Status: st, ProviderStatus: b.Payload.Status,
	}}, nil
}

// A webhook server: verify, parse, deduplicate, hand on, answer.
func ExampleNewHandler() {
	verifier, err := webhook.NewStandardVerifier(secret) // PayOS; for PalPluss: signer.Verifier()
	if err != nil {
		log.Fatal(err)
	}
	handle := func(ctx context.Context, ev payout.Event) error {
		// Record the outcome; return an error to have the event delivered
		// again. It must be idempotent.
		fmt.Printf("event %s %s: payout %s %s\n", ev.ID, ev.Type, ev.Payout.Reference, ev.Payout.Status)
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/hooks/payos", webhook.NewHandler(parsePayOS, handle,
		webhook.WithVerifier(verifier),
		// webhook.WithConfirm(webhook.ConfirmByGet(client)),
		// webhook.WithStore(sharedStore), webhook.WithLogger(logger),
	))
	// In production: the same http.Server, with srv.ListenAndServeTLS.
	// Its zero timeouts wait for ever: set every one (see the package doc).
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Config.ReadTimeout = 15 * time.Second
	srv.Config.WriteTimeout = 60 * time.Second
	srv.Config.IdleTimeout = 60 * time.Second
	srv.Config.MaxHeaderBytes = 16 << 10
	srv.Start()
	defer srv.Close()

	// The provider delivers an event, then delivers it again.
	body := []byte(`{"type":"payout.completed","payload":{"transactionId":"tx_1","status":"COMPLETED","merchantReference":"WD-2024-001"}}`)
	h, _ := webhook.Sign(secret, "msg_1", time.Now(), body)
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/payos", bytes.NewReader(body))
		req.Header = h.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// event msg_1 payout.completed: payout WD-2024-001 succeeded
	// 200 OK
	// 200 OK
}
