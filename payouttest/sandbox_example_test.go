package payouttest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/payoutkit/payout/payouttest"
)

// A Sandbox speaks the providers' real HTTP APIs, so any HTTP client can use
// it; here, a plain net/http request to PalPluss's B2C endpoint. With an
// adapter, pass s.PalPlussURL() to payout.WithBaseURL instead.
func ExampleNewSandbox() {
	s := payouttest.NewSandbox() // payouts settle when told; WithSandboxSettleDelay makes them settle on their own
	defer s.Close()

	body := `{"amount": 500, "phone": "0712345678", "reference": "WD-2024-001"}`
	req, _ := http.NewRequest(http.MethodPost, s.PalPlussURL()+"/b2c/payouts", strings.NewReader(body))
	req.SetBasicAuth(s.PalPlussAPIKey(), "")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "WD-2024-001")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var created struct {
		Data struct {
			TransactionID string `json:"transactionId"`
			Status        string `json:"status"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	fmt.Println(resp.StatusCode, created.Data.Status)

	// What the server really did, and the wallets it moved.
	fmt.Println(s.CreatedCount(payouttest.SandboxPalPluss, "WD-2024-001"), "payout created")
	_ = s.Settle(payouttest.SandboxPalPluss, created.Data.TransactionID)
	p, _ := s.Payout(payouttest.SandboxPalPluss, created.Data.TransactionID)
	fmt.Println(p.ProviderStatus, p.Status, len(p.Receipt))
	b2c, service := s.PalPlussBalances()
	fmt.Println(b2c, service)
	// Output:
	// 200 PENDING
	// 1 payout created
	// SUCCESS succeeded 10
	// KES 9999500.00 KES 999985.00
}
