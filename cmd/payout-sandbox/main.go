// Command payout-sandbox runs payouttest.Sandbox as a standalone server:
// fake PalPluss and PayOS APIs on loopback, for services written in any
// language to test against.
//
//	go run ./cmd/payout-sandbox -addr 127.0.0.1:8080 -settle 2s
//
// It prints the base URLs and credentials as environment variables
// (PALPLUSS_BASE_URL, PALPLUSS_API_KEY, PAYOS_BASE_URL, PAYOS_MERCHANT_ID,
// PAYOS_CLIENT_SECRET, PAYOS_WEBHOOK_SECRET, SANDBOX_CONTROL_URL), then
// serves until SIGINT or SIGTERM, and shuts down cleanly. The credentials are the sandbox's own
// fakes: printing them is the point.
//
// By default both providers share one listener (-addr): PalPluss answers
// under /v1 and PayOS under /api/v1, so PALPLUSS_BASE_URL is
// http://ADDR/v1 and PAYOS_BASE_URL is http://ADDR. Give -palpluss-addr and
// -payos-addr to serve them as two hosts instead.
//
// Payouts settle on their own after -settle (0: never). The magic
// recipients and amount of package payouttest choose failures: 0700000001
// fails with an invalid account, 0700000002 with a limit exceeded,
// 0700000003 stays processing, and KES 99,999 is refused for insufficient
// funds. PalPluss webhooks go to each payout's callbackUrl; PayOS webhooks
// to -payos-webhook-url, signed with -webhook-secret.
//
// # Control API
//
// Beside the providers' APIs, the same listener answers a JSON control API
// under /_sandbox/ (SANDBOX_CONTROL_URL), so that a test in any language can
// see and drive what the Sandbox does (see payouttest.Sandbox.ControlHandler
// for every route):
//
//	GET    /_sandbox/payouts?provider=palpluss&reference=R  list payouts (JSON array)
//	GET    /_sandbox/payouts/{provider}/{id}                one payout
//	POST   /_sandbox/payouts/{provider}/{id}/settle         settle now; body {"outcome":"invalid_account"} optional
//	POST   /_sandbox/settle-all                             settle every pending payout
//	GET    /_sandbox/webhooks?provider=payos                webhook delivery attempts
//	PUT    /_sandbox/fault                                  inject a fault, e.g. {"kind":"status","status":503,"path":"/b2c/payouts","times":1}
//	DELETE /_sandbox/fault                                  remove it
//
// With -v, every request served, every payout created and every status it
// enters (its settlement), every webhook delivery attempt, fault and control
// action is logged to stderr, one line each.
//
// Flags:
//
//	-addr string               listen address for both providers (default "127.0.0.1:8080")
//	-palpluss-addr string      listen address for PalPluss alone (with -payos-addr)
//	-payos-addr string         listen address for PayOS alone (with -palpluss-addr)
//	-settle duration           settle payouts after this delay; 0 never (default 2s)
//	-palpluss-key string       PalPluss API key accepted
//	-payos-merchant string     PayOS merchant id accepted
//	-payos-secret string       PayOS client secret accepted
//	-webhook-secret string     Standard Webhooks secret for PayOS webhooks ("whsec_...")
//	-payos-webhook-url string  where PayOS webhooks are delivered (the dashboard setting)
//	-token-ttl duration        PayOS access token lifetime (default 1h)
//	-rate-limit int            requests per minute per provider, 0 for none (PalPluss documents 60)
//	-palpluss-b2c string       starting PalPluss B2C wallet balance, KES (default "10000000")
//	-palpluss-service string   starting PalPluss service wallet balance, KES (default "1000000")
//	-palpluss-fee string       PalPluss fee per payout, KES (default "15")
//	-webhook-retries string    comma-separated redelivery waits ("1s,5s"); default the providers' schedules
//	-snake-case                PalPluss transactions in snake_case instead of camelCase
//	-v                         log requests, settlements and webhooks to stderr
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "payout-sandbox:", err)
		os.Exit(1)
	}
}

// usage heads -h: what the tool is, then its flags.
const usage = `payout-sandbox serves fake PalPluss and PayOS payout APIs on loopback, for
testing a service in any language without real money or credentials. It
prints the base URLs and credentials to point clients at, settles payouts on
its own after -settle, delivers their webhooks, and answers a control API
under /_sandbox/ (list and settle payouts, inject faults).

Usage: payout-sandbox [flags]

Flags:
`

// run parses args, starts the Sandbox, prints how to reach it on stdout and
// serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("payout-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "listen address for both providers")
	palAddr := fs.String("palpluss-addr", "", "listen address for PalPluss alone (with -payos-addr)")
	payosAddr := fs.String("payos-addr", "", "listen address for PayOS alone (with -palpluss-addr)")
	settle := fs.Duration("settle", 2*time.Second, "settle payouts after this delay; 0 never")
	palKey := fs.String("palpluss-key", payouttest.DefaultSandboxPalPlussAPIKey, "PalPluss API key accepted")
	merchant := fs.String("payos-merchant", payouttest.DefaultSandboxPayOSMerchantID, "PayOS merchant id accepted")
	secret := fs.String("payos-secret", payouttest.DefaultSandboxPayOSClientSecret, "PayOS client secret accepted")
	whsec := fs.String("webhook-secret", payouttest.DefaultSandboxPayOSWebhookSecret, "Standard Webhooks secret for PayOS webhooks")
	payosHook := fs.String("payos-webhook-url", "", "where PayOS webhooks are delivered (the dashboard setting)")
	tokenTTL := fs.Duration("token-ttl", payouttest.DefaultSandboxTokenTTL, "PayOS access token lifetime")
	rate := fs.Int("rate-limit", 0, "requests per minute per provider, 0 for none (PalPluss documents 60)")
	b2c := fs.String("palpluss-b2c", "10000000", "starting PalPluss B2C wallet balance, KES")
	service := fs.String("palpluss-service", "1000000", "starting PalPluss service wallet balance, KES")
	fee := fs.String("palpluss-fee", "15", "PalPluss fee per payout, KES")
	retries := fs.String("webhook-retries", "", `comma-separated redelivery waits ("1s,5s"); default the providers' schedules`)
	snake := fs.Bool("snake-case", false, "PalPluss transactions in snake_case instead of camelCase")
	verbose := fs.Bool("v", false, "log requests, settlements and webhooks to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	opts := []payouttest.SandboxOption{
		payouttest.WithSandboxControl(),
		payouttest.WithSandboxSettleDelay(*settle),
		payouttest.WithPalPlussAPIKey(*palKey),
		payouttest.WithPayOSCredentials(*merchant, *secret),
		payouttest.WithPayOSWebhookSecret(*whsec),
		payouttest.WithPayOSTokenTTL(*tokenTTL),
	}
	switch {
	case *palAddr != "" && *payosAddr != "":
		opts = append(opts, payouttest.WithSandboxAddrs(*palAddr, *payosAddr))
	case *palAddr != "" || *payosAddr != "":
		return errors.New("-palpluss-addr and -payos-addr go together")
	default:
		opts = append(opts, payouttest.WithSandboxAddr(*addr))
	}
	if *payosHook != "" {
		opts = append(opts, payouttest.WithPayOSWebhookURL(*payosHook))
	}
	if *rate != 0 {
		opts = append(opts, payouttest.WithSandboxRateLimit(*rate, time.Minute))
	}
	wallets := map[string]money.Amount{}
	for name, v := range map[string]string{"palpluss-b2c": *b2c, "palpluss-service": *service, "palpluss-fee": *fee} {
		a, err := money.Parse(v, money.KES)
		if err != nil {
			return fmt.Errorf("-%s: %w", name, err)
		}
		wallets[name] = a
	}
	opts = append(opts, payouttest.WithPalPlussBalances(wallets["palpluss-b2c"], wallets["palpluss-service"]))
	perPayout := wallets["palpluss-fee"]
	opts = append(opts, payouttest.WithPalPlussFee(func(money.Amount) money.Amount { return perPayout }))
	if *retries != "" {
		waits, err := parseWaits(*retries)
		if err != nil {
			return fmt.Errorf("-webhook-retries: %w", err)
		}
		opts = append(opts, payouttest.WithSandboxWebhookRetries(waits...))
	}
	if *snake {
		opts = append(opts, payouttest.WithPalPlussSnakeCase())
	}
	if *verbose {
		opts = append(opts, payouttest.WithSandboxLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}

	s, err := payouttest.StartSandbox(opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "payout-sandbox: serving (settle %v); Ctrl-C to stop. Point clients at:\n", *settle)
	for _, kv := range [][2]string{
		{"PALPLUSS_BASE_URL", s.PalPlussURL()},
		{"PALPLUSS_API_KEY", s.PalPlussAPIKey()},
		{"PAYOS_BASE_URL", s.PayOSURL()},
		{"PAYOS_MERCHANT_ID", s.PayOSMerchantID()},
		{"PAYOS_CLIENT_SECRET", s.PayOSClientSecret()},
		{"PAYOS_WEBHOOK_SECRET", s.PayOSWebhookSecret()},
		{"SANDBOX_CONTROL_URL", s.ControlURL()},
	} {
		fmt.Fprintf(stdout, "%s=%s\n", kv[0], kv[1])
	}
	<-ctx.Done()
	s.Close()
	fmt.Fprintln(stdout, "payout-sandbox: stopped")
	return nil
}

// parseWaits reads a comma-separated list of durations.
func parseWaits(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
