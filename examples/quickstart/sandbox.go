package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// tracker records each payout's status path as Send and webhooks report it.
type tracker struct {
	mu      sync.Mutex
	paths   map[string][]payout.Status // by Reference
	last    map[string]*payout.Payout
	changed chan struct{}
}

func newTracker() *tracker {
	return &tracker{paths: map[string][]payout.Status{}, last: map[string]*payout.Payout{}, changed: make(chan struct{}, 1)}
}

func (t *tracker) record(p *payout.Payout) {
	t.mu.Lock()
	path := t.paths[p.Reference]
	if len(path) == 0 || path[len(path)-1] != p.Status {
		t.paths[p.Reference] = append(path, p.Status)
	}
	if prev := t.last[p.Reference]; prev != nil && p.Fee.IsZero() {
		p.Fee = prev.Fee // a webhook may not repeat the fee Send reported
	}
	t.last[p.Reference] = p
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// handle is the application's webhook code: here it only records.
func (t *tracker) handle(_ context.Context, ev payout.Event) error {
	if ev.Payout != nil {
		t.record(ev.Payout)
	}
	return nil
}

// wait blocks until every reference's last status is one of want's.
func (t *tracker) wait(ctx context.Context, want map[string]payout.Status) error {
	for {
		t.mu.Lock()
		done := true
		for ref, s := range want {
			if p := t.last[ref]; p == nil || p.Status != s {
				done = false
			}
		}
		t.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("payouts did not settle: %w", ctx.Err())
		case <-t.changed:
		}
	}
}

func runSandbox(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "No provider credentials set: using payouttest.Sandbox on loopback (no real money moves).")
	track := newTracker()

	// The application's webhook endpoint, one path per provider. Here a
	// loopback test server; in production an http.Server with every
	// timeout set (ReadHeaderTimeout, ReadTimeout, WriteTimeout,
	// IdleTimeout, MaxHeaderBytes: see package webhook and
	// examples/webhook-server).
	mux := http.NewServeMux()
	receiver := httptest.NewServer(mux)
	defer receiver.Close()

	sb := payouttest.NewSandbox(
		payouttest.WithSandboxSettleDelay(200*time.Millisecond),
		payouttest.WithPayOSWebhookURL(receiver.URL+"/webhooks/payos"),
	)
	defer sb.Close()

	pal, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()))
	if err != nil {
		return err
	}
	pos, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()))
	if err != nil {
		return err
	}

	// PalPluss does not sign callbacks: each payout gets a callback URL with
	// an HMAC token, and every event is confirmed with Get.
	signer, err := webhook.NewCallbackSigner("quickstart-callback-secret-0123")
	if err != nil {
		return err
	}
	mux.Handle("/webhooks/palpluss", pal.WebhookHandler(track.handle, webhook.WithVerifier(signer.Verifier())))
	// PayOS signs with Standard Webhooks.
	payosHooks, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), track.handle)
	if err != nil {
		return err
	}
	mux.Handle("/webhooks/payos", payosHooks)

	sender, err := payout.NewCompanySender("Acme Payroll Ltd", "254709000000", "CPR/2015/123456", "2015-03-20",
		payout.Funds{Purpose: "salary", Source: "business revenue", Relationship: "employer"})
	if err != nil {
		return err
	}

	type job struct {
		client   payout.Client
		provider string
		req      payout.Request
		want     payout.Status
	}
	stamp := time.Now().UTC().Format("150405")
	var jobs []job
	for _, j := range []struct {
		client   payout.Client
		provider string
		phone    string
		amount   int64
		want     payout.Status
	}{
		{pal, "palpluss", "0712 345 678", 50000, payout.StatusSucceeded},
		{pal, "palpluss", payouttest.SandboxPhoneInvalidAccount, 120000, payout.StatusReversed},
		{pos, "payos", "+254 110 123 456", 250050, payout.StatusSucceeded},
		{pos, "payos", payouttest.SandboxPhoneInvalidAccount, 75000, payout.StatusFailed},
	} {
		ref := fmt.Sprintf("QS-%s-%s-%d", stamp, j.provider, len(jobs)+1)
		req := payout.Request{Reference: ref, Amount: money.New(j.amount, money.KES),
			Recipient: payout.Recipient{Name: "Wanjiru Kamau", Phone: j.phone}, Description: "quickstart"}
		if j.provider == "palpluss" {
			if req.CallbackURL, err = signer.CallbackURL(receiver.URL+"/webhooks/palpluss", ref); err != nil {
				return err
			}
		} else {
			req.Sender = sender
		}
		jobs = append(jobs, job{j.client, j.provider, req, j.want})
	}

	want := map[string]payout.Status{}
	for _, j := range jobs {
		p, err := j.client.Send(ctx, j.req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", j.provider, j.req.Reference, err)
		}
		track.record(p)
		want[j.req.Reference] = j.want
		fmt.Fprintf(out, "sent %-22s via %-8s -> %s (id %s)\n", j.req.Reference, j.provider, p.Status, p.ID)
	}

	// Idempotency: sending the same Reference again returns the same payout.
	first := jobs[0]
	again, err := first.client.Send(ctx, first.req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "resent %s: same payout %s, nobody paid twice\n", first.req.Reference, again.ID)

	// A refusal is a typed error, matched with errors.Is.
	broke := payout.Request{Reference: "QS-" + stamp + "-broke", Amount: money.New(payouttest.SandboxInsufficientFundsKES*100, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}}
	if _, err := pal.Send(ctx, broke); errors.Is(err, payout.ErrInsufficientFunds) {
		fmt.Fprintf(out, "refused %s: insufficient funds, as expected\n", broke.Reference)
	} else {
		return fmt.Errorf("expected insufficient funds, got %v", err)
	}

	if err := track.wait(ctx, want); err != nil {
		return err
	}
	fmt.Fprintln(out)
	var rows []row
	for _, j := range jobs {
		track.mu.Lock()
		p, path := track.last[j.req.Reference], track.paths[j.req.Reference]
		track.mu.Unlock()
		names := make([]string, len(path))
		for i, s := range path {
			names[i] = strings.ToUpper(string(s))
		}
		rows = append(rows, payoutRow(j.req, j.provider, strings.Join(names, " -> "), p))
	}
	printTable(out, rows)
	return nil
}
