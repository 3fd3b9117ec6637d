package payos

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

// benchServer answers the token endpoint and the initiate endpoint with the
// documented responses.
func benchServer(b *testing.B) *httptest.Server {
	tok, init := fixture(b, "token_response.json"), fixture(b, "initiate_response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == tokenPath {
			w.Write(tok)
			return
		}
		w.Write(init)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkSend is a whole Send through the SDK (validation with the KYC
// sender, JSON, cached bearer token, idempotency key, engine, decoding,
// mapping) against a loopback server. Compare with BenchmarkSendBaseline.
func BenchmarkSend(b *testing.B) {
	srv := benchServer(b)
	c, err := New(testMerchant, testSecret, payout.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	req := individualRequest()
	ctx := context.Background()
	if _, err := c.Send(ctx, req); err != nil { // warm: the token is cached
		b.Fatal(err)
	}
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
// encoding/json: same headers (Bearer, Idempotency-Key), same body, the
// response decoded into a struct. It does none of the SDK's checks,
// retries or mapping.
func BenchmarkSendBaseline(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: http.DefaultTransport}
	url := srv.URL + initiatePath
	in, _, err := buildInitiate(testMerchant, individualRequest())
	if err != nil {
		b.Fatal(err)
	}
	type answer struct {
		TransactionID     string `json:"transactionId"`
		Status            string `json:"status"`
		MerchantReference string `json:"merchantReference"`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := json.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(buf))
		if err != nil {
			b.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+testToken)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json")
		r.Header.Set("Idempotency-Key", refIndiv)
		resp, err := hc.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		var a answer
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if err != nil || a.TransactionID == "" {
			b.Fatal(a, err)
		}
	}
}
