package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// syncBuffer is a log sink that the server's goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServerSetsEveryTimeout(t *testing.T) {
	srv := newServer(":0", http.NotFoundHandler())
	assert.Positive(t, srv.ReadHeaderTimeout)
	assert.Greater(t, srv.ReadTimeout, srv.ReadHeaderTimeout)
	assert.Greater(t, srv.WriteTimeout, webhook.DefaultReadTimeout, "room for the confirmation and the application")
	assert.Positive(t, srv.IdleTimeout)
	assert.Positive(t, srv.MaxHeaderBytes)
	assert.Less(t, srv.MaxHeaderBytes, http.DefaultMaxHeaderBytes)
}

func TestNeedsConfiguration(t *testing.T) {
	_, err := newMux(config{}, slog.Default())
	assert.ErrorContains(t, err, "PAYOS_WEBHOOK_SECRET")
	_, err = newMux(config{payosSecret: "not base64!"}, slog.Default())
	assert.Error(t, err)
}

func TestPayOSRoute(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var logs bytes.Buffer
	mux, err := newMux(config{payosSecret: secret}, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	body := []byte(`{"type":"payout.completed","payload":{"transactionId":"t-1","status":"COMPLETED","merchantReference":"R-1"}}`)
	post := func(h http.Header) int {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/payos", bytes.NewReader(body))
		for k, v := range h {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code
	}
	h, err := webhook.Sign(secret, "msg_1", time.Now(), body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, post(h)/100*100)
	assert.Contains(t, logs.String(), "reference=R-1")
	assert.Equal(t, http.StatusUnauthorized, post(http.Header{}), "unsigned")
	r := httptest.NewRequest(http.MethodPost, "/webhooks/palpluss", bytes.NewReader(body))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	assert.Equal(t, http.StatusNotFound, w.Code, "PalPluss is not configured")
}

func TestPalPlussRouteAgainstSandbox(t *testing.T) {
	const callbackSecret = "example-callback-secret-0123456789"
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	sb := payouttest.NewSandbox()
	defer sb.Close()
	cfg := config{palplussKey: sb.PalPlussAPIKey(), callbackSecret: callbackSecret,
		palplussOpts: []payout.Option{payout.WithBaseURL(sb.PalPlussURL())}}
	mux, err := newMux(cfg, log)
	require.NoError(t, err)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	signer, err := webhook.NewCallbackSigner(callbackSecret)
	require.NoError(t, err)
	client, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()))
	require.NoError(t, err)
	cb, err := signer.CallbackURL(srv.URL+"/webhooks/palpluss", "WS-1")
	require.NoError(t, err)
	p, err := client.Send(context.Background(), payout.Request{Reference: "WS-1", Amount: money.New(10000, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}, CallbackURL: cb})
	require.NoError(t, err)
	require.NoError(t, sb.Settle("palpluss", p.ID))
	require.Eventually(t, func() bool {
		out := logs.String()
		return strings.Contains(out, "reference=WS-1") && strings.Contains(out, "status=succeeded")
	}, 10*time.Second, 20*time.Millisecond, "the settled payout's webhook reaches the application, confirmed")
}
