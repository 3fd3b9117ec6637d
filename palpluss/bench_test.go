package palpluss

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/payoutkit/payout"
)

// benchServer answers every request with the documented payout response.
func benchServer(b *testing.B) *httptest.Server {
	resp := fixture(b, "b2c_payout_response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(resp)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkSend is a whole Send through the SDK (validation, JSON,
// Basic auth, idempotency key, engine, envelope decoding, mapping) against
// a loopback server. Compare with BenchmarkSendBaseline.
func BenchmarkSend(b *testing.B) {
	srv := benchServer(b)
	c, err := New(testKey, payout.WithBaseURL(srv.URL+"/v1"))
	if err != nil {
		b.Fatal(err)
	}
	req := fixtureRequest()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := c.Send(ctx, req)
		if err != nil || p.ID == "" {
			b.Fatal(p, err)
		}
	}
}

// BenchmarkSendBaseline is the same POST written by hand with net/http and
// encoding/json: same headers, same body, the response decoded into a
// struct. It does none of the SDK's checks, retries or mapping.
func BenchmarkSendBaseline(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: http.DefaultTransport}
	url := srv.URL + "/v1/b2c/payouts"
	type body struct {
		Amount      int64  `json:"amount"`
		Phone       string `json:"phone"`
		Reference   string `json:"reference"`
		Currency    string `json:"currency"`
		Description string `json:"description"`
		CallbackURL string `json:"callbackUrl"`
	}
	type answer struct {
		Success bool `json:"success"`
		Data    struct {
			TransactionID  string      `json:"transactionId"`
			Status         string      `json:"status"`
			Amount         json.Number `json:"amount"`
			Phone          string      `json:"phone"`
			Reference      string      `json:"reference"`
			TransactionFee json.Number `json:"transactionFee"`
			CreatedAt      string      `json:"createdAt"`
			UpdatedAt      string      `json:"updatedAt"`
		} `json:"data"`
	}
	in := body{500, "0712345678", "WD-2024-001", "KES", "Commission payout", "https://yourserver.com/webhooks/b2c"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(buf))
		if err != nil {
			b.Fatal(err)
		}
		r.Header.Set("Authorization", wantAuth)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json")
		r.Header.Set("Idempotency-Key", in.Reference)
		r.Header.Set("User-Agent", "baseline/1.0")
		resp, err := hc.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var out answer
		if err := json.Unmarshal(data, &out); err != nil || out.Data.TransactionID == "" {
			b.Fatal(err)
		}
	}
}
