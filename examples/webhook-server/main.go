// Command webhook-server is a production-shaped receiver for both
// providers' payout webhooks.
//
//	PAYOS_WEBHOOK_SECRET=whsec_... \
//	PALPLUSS_API_KEY=pk_... PALPLUSS_CALLBACK_SECRET=<16+ random bytes> \
//	go run ./examples/webhook-server -addr :8080
//
// POST /webhooks/payos      Standard Webhooks signature checked with PAYOS_WEBHOOK_SECRET.
// POST /webhooks/palpluss   callback-URL token checked with PALPLUSS_CALLBACK_SECRET, then
//
//	every event confirmed with GET /transactions/{id}
//	(PalPluss does not sign its callbacks).
//
// Give PalPluss payouts a CallbackURL built by webhook.CallbackSigner with
// the same secret. A provider whose variables are missing gets no route.
// Events are deduplicated in memory: with several replicas, back
// webhook.Store with a shared store (the pgstore module). The server sets
// every http.Server timeout (newServer).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/webhook"
)

// config is what the server needs from the environment.
type config struct {
	payosSecret    string
	palplussKey    string
	callbackSecret string
	palplussOpts   []payout.Option
}

func configFromEnv() config {
	return config{
		payosSecret:    os.Getenv("PAYOS_WEBHOOK_SECRET"),
		palplussKey:    os.Getenv("PALPLUSS_API_KEY"),
		callbackSecret: os.Getenv("PALPLUSS_CALLBACK_SECRET"),
	}
}

// onEvent is where an application records a payout's final status. It must
// be idempotent per payout and status: dedupe makes redeliveries rare, not
// impossible.
func onEvent(log *slog.Logger) webhook.HandleFunc {
	return func(ctx context.Context, ev payout.Event) error {
		if ev.Payout == nil {
			log.InfoContext(ctx, "event without payout", "provider", ev.Provider, "type", ev.Type)
			return nil
		}
		log.InfoContext(ctx, "payout update", "provider", ev.Provider, "type", ev.Type,
			"reference", ev.Payout.Reference, "id", ev.Payout.ID, "status", ev.Payout.Status)
		return nil
	}
}

// newMux wires one route per configured provider.
func newMux(cfg config, log *slog.Logger) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	routes := 0
	if cfg.payosSecret != "" {
		h, err := payos.NewWebhookHandler(cfg.payosSecret, onEvent(log), webhook.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("PAYOS_WEBHOOK_SECRET: %w", err)
		}
		mux.Handle("/webhooks/payos", h)
		routes++
	}
	if cfg.palplussKey != "" && cfg.callbackSecret != "" {
		client, err := palpluss.New(cfg.palplussKey, cfg.palplussOpts...)
		if err != nil {
			return nil, err
		}
		signer, err := webhook.NewCallbackSigner(cfg.callbackSecret)
		if err != nil {
			return nil, fmt.Errorf("PALPLUSS_CALLBACK_SECRET: %w", err)
		}
		mux.Handle("/webhooks/palpluss", client.WebhookHandler(onEvent(log),
			webhook.WithVerifier(signer.Verifier()), webhook.WithLogger(log)))
		routes++
	}
	if routes == 0 {
		return nil, errors.New("nothing to serve: set PAYOS_WEBHOOK_SECRET, or PALPLUSS_API_KEY and PALPLUSS_CALLBACK_SECRET")
	}
	return mux, nil
}

// newServer is the http.Server for the webhook routes, with every timeout
// set: the zero http.Server waits for ever on a slow client, and a webhook
// endpoint is open to anyone on the internet.
func newServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,  // slow headers
		ReadTimeout:       15 * time.Second, // headers and body (the Handler also stops reading a body after 10 s)
		WriteTimeout:      60 * time.Second, // longer than the confirmation by Get plus onEvent
		IdleTimeout:       60 * time.Second, // kept-alive connections between deliveries
		MaxHeaderBytes:    16 << 10,         // webhook headers are small
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	mux, err := newMux(configFromEnv(), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhook-server:", err)
		os.Exit(2)
	}
	srv := newServer(*addr, mux)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("listening", "addr", *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "webhook-server:", err)
		os.Exit(1)
	}
}
