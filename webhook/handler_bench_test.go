package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/payoutkit/payout"
)

// BenchmarkHandlerServe: one signed 1 KiB delivery through the whole
// Handler (read, verify, parse, claim, complete) with a fresh svix-id each
// time, beside a minimal hand-written handler that reads with io.ReadAll,
// verifies and parses. The body arrives with its Content-Length.
func BenchmarkHandlerServe(b *testing.B) {
	body := []byte(`{"id":"e","type":"payout.completed","tx":"t1","ref":"R1","status":"succeeded","pad":"` + strings.Repeat("x", 940) + `"}`)
	v := standardVerifier(b)
	now := time.Now()
	var headers []http.Header // one delivery each, signed before the clock runs
	sign := func(n int) {
		for i := len(headers); i < n; i++ {
			h, err := Sign(testSecret, fmt.Sprint("msg_", i), now, body)
			if err != nil {
				b.Fatal(err)
			}
			headers = append(headers, h)
		}
	}
	for _, c := range []struct {
		name string
		h    func() http.Handler
	}{
		{"baseline", func() http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, DefaultMaxBody))
				if err == nil {
					err = v.Verify(r.Header, raw)
				}
				if err == nil {
					_, err = stubParse(raw)
				}
				if err != nil {
					w.WriteHeader(http.StatusBadRequest)
				}
			})
		}},
		{"sdk", func() http.Handler {
			return NewHandler(stubParse, func(context.Context, payout.Event) error { return nil },
				WithVerifier(v), WithStore(NewMemoryStoreSize(1<<22, 1<<30)))
		}},
	} {
		b.Run("handler="+c.name, func(b *testing.B) {
			h := c.h()
			sign(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				for k, vs := range headers[i] {
					r.Header[k] = vs
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("answer %d", w.Code)
				}
			}
		})
	}
}
