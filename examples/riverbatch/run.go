package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payoutriver"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/pgstore"
)

// options are the command's settings.
type options struct {
	dbURL, schema string
	csv           []byte
	replicas      int
	rate          int
	keep, verbose bool
}

// line is one payout of the CSV.
type line struct {
	req      payout.Request
	provider string
}

// sender is the KYC record PayOS requires of the payer, here the
// employer.
var sender = &payout.Sender{FullName: "Acme Payroll Ltd", PhoneNumber: "254711000000", Nationality: "KEN",
	Identity: payout.IdentityCompanyRegistration, IdentityNumber: "CPR/2015/123456", DateOfBirth: "2015-03-20",
	PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"}

// parseCSV reads the payroll: header, then reference, provider, phone,
// amount_kes, name. Every bad line is reported, by number and field.
func parseCSV(b []byte) ([]line, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = 5
	var out []line
	var errs []error
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if n == 1 && rec[0] == "reference" {
			continue
		}
		amt, err := money.Parse(rec[3], money.KES)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: amount_kes: %w", n, err))
			continue
		}
		req := payout.Request{Reference: rec[0], Amount: amt, Recipient: payout.Recipient{Name: rec[4], Phone: rec[2]},
			Description: "payroll"}
		if rec[1] == "payos" {
			req.Sender = sender
		}
		if err := req.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		out = append(out, line{req: req, provider: rec[1]})
	}
	return out, errors.Join(errs...)
}

// summary is what run reports.
type summary struct {
	counts pgstore.BatchCounts
	drain  time.Duration
}

// run pays the CSV and prints the batch's progress and outcome to w.
func run(ctx context.Context, w io.Writer, o options) (summary, error) {
	lines, err := parseCSV(o.csv)
	if err != nil {
		return summary{}, err
	}
	if o.replicas < 1 || o.rate < 1 {
		return summary{}, errors.New("-replicas and -rate must be positive")
	}
	var logger *slog.Logger
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	storeOpts := []pgstore.Option{pgstore.WithSchema(o.schema)}

	admin, err := pgxpool.New(ctx, o.dbURL)
	if err != nil {
		return summary{}, err
	}
	defer admin.Close()
	if err := payoutriver.Migrate(ctx, admin, o.schema, storeOpts...); err != nil {
		return summary{}, err
	}
	if !o.keep {
		defer admin.Exec(context.WithoutCancel(ctx), `DROP SCHEMA `+pgx.Identifier{o.schema}.Sanitize()+` CASCADE`) //nolint:errcheck
	}

	// The providers, and the endpoint their webhooks reach.
	hooks, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return summary{}, err
	}
	defer hooks.Close()
	hookURL := "http://" + hooks.Addr().String()
	sb, err := payouttest.StartSandbox(payouttest.WithSandboxSettleDelay(300*time.Millisecond),
		payouttest.WithPayOSWebhookURL(hookURL+"/webhooks/payos"),
		payouttest.WithSandboxRateLimit(o.rate*11/10*10, 10*time.Second))
	if err != nil {
		return summary{}, err
	}
	defer sb.Close()

	// One process's clients: every request through a limiter shared with
	// the other processes through the database.
	clients := func(pool *pgxpool.Pool) (map[string]payout.Client, error) {
		pl, err := pgstore.NewLimiter(pool, "palpluss:sandbox", o.rate, time.Second, storeOpts...)
		if err != nil {
			return nil, err
		}
		ol, err := pgstore.NewLimiter(pool, "payos:sandbox", o.rate, time.Second, storeOpts...)
		if err != nil {
			return nil, err
		}
		pal, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()), payout.WithLimiter(pl))
		if err != nil {
			return nil, err
		}
		pos, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()), payout.WithLimiter(ol))
		if err != nil {
			return nil, err
		}
		return map[string]payout.Client{"palpluss": pal, "payos": pos}, nil
	}
	service := func(pool *pgxpool.Pool, cs map[string]payout.Client) (*payoutriver.Service, error) {
		return payoutriver.New(payoutriver.Config{Pool: pool, StoreOptions: storeOpts, Clients: cs, Logger: logger,
			FirstCheck: 2 * time.Second, MaxCheckInterval: 10 * time.Second, SweepInterval: 5 * time.Second})
	}

	// The web process: receives webhooks and enqueues the batch.
	mux := http.NewServeMux()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(hooks)                            //nolint:errcheck // ends with Shutdown
	defer srv.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
	webClients, err := clients(admin)
	if err != nil {
		return summary{}, err
	}
	web, err := service(admin, webClients)
	if err != nil {
		return summary{}, err
	}
	// PalPluss does not sign its callbacks: its handler confirms each by Get.
	// (In production give each payout a webhook.CallbackSigner URL too.)
	mux.Handle("/webhooks/palpluss", webClients["palpluss"].(*palpluss.Client).WebhookHandler(web.HandleEvent))
	payosHook, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), web.HandleEvent)
	if err != nil {
		return summary{}, err
	}
	mux.Handle("/webhooks/payos", payosHook)
	if _, err := web.NewRiverClient(&river.Config{Schema: o.schema}); err != nil { // insert-only
		return summary{}, err
	}

	batch := "payroll-" + time.Now().UTC().Format("2006-01-02")
	if err := enqueue(ctx, admin, web, o.schema, batch, lines, hookURL); err != nil {
		return summary{}, err
	}
	fmt.Fprintf(w, "enqueued %d payouts as batch %s in one transaction\n", len(lines), batch)

	// The worker processes: each its own pool, clients and River client.
	start := time.Now()
	for range o.replicas {
		pool, err := pgxpool.New(ctx, o.dbURL)
		if err != nil {
			return summary{}, err
		}
		defer pool.Close() // after the client's Stop below
		cs, err := clients(pool)
		if err != nil {
			return summary{}, err
		}
		svc, err := service(pool, cs)
		if err != nil {
			return summary{}, err
		}
		rc, err := svc.NewRiverClient(&river.Config{Schema: o.schema,
			Queues: map[string]river.QueueConfig{"payouts": {MaxWorkers: 10}}})
		if err != nil {
			return summary{}, err
		}
		if err := rc.Start(ctx); err != nil {
			return summary{}, err
		}
		defer rc.Stop(context.WithoutCancel(ctx)) //nolint:errcheck // a stop error changes nothing here
	}

	var c pgstore.BatchCounts
	for tick := time.NewTicker(time.Second); ; {
		if c, err = web.Progress(ctx, batch); err != nil {
			return summary{}, err
		}
		fmt.Fprintf(w, "%6.1fs  queued %d  unknown %d  accepted %d  succeeded %d  failed %d  refused %d  attention %d\n",
			time.Since(start).Seconds(), c.Intent, c.Unknown, c.Accepted, c.Succeeded, c.Failed, c.Refused, c.NeedsAttention)
		if c.Done() {
			tick.Stop()
			break
		}
		select {
		case <-ctx.Done():
			tick.Stop()
			return summary{counts: c}, ctx.Err()
		case <-tick.C:
		}
	}
	drain := time.Since(start)
	report(w, c, drain, o.rate)
	return summary{counts: c, drain: drain}, nil
}

// enqueue writes the payroll run's own row and every payout's intent and
// send job in one transaction: all of it is there, or none.
func enqueue(ctx context.Context, pool *pgxpool.Pool, svc *payoutriver.Service, schema, batch string, lines []line, hookURL string) error {
	runs := pgx.Identifier{schema, "payroll_runs"}.Sanitize()
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+runs+` (id text PRIMARY KEY, payouts int, created_at timestamptz DEFAULT now())`); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO `+runs+` (id, payouts) VALUES ($1, $2)`, batch, len(lines)); err != nil {
			return err
		}
		for _, l := range lines {
			req := l.req
			if l.provider == "palpluss" {
				req.CallbackURL = hookURL + "/webhooks/palpluss" // PayOS's is set in its dashboard
			}
			if _, err := svc.EnqueueTx(ctx, tx, req, payoutriver.EnqueueOptions{Provider: l.provider, BatchID: batch}); err != nil {
				return fmt.Errorf("%s: %w", req.Reference, err)
			}
		}
		return nil
	})
}

func report(w io.Writer, c pgstore.BatchCounts, drain time.Duration, rate int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nbatch %s: all %d payouts final in %v (limit %d requests/s per provider)\n", c.BatchID, c.Total,
		drain.Round(time.Millisecond), rate)
	var parts []string
	for _, s := range []pgstore.Status{pgstore.StatusSucceeded, pgstore.StatusFailed, pgstore.StatusReversed,
		pgstore.StatusCancelled, pgstore.StatusExpired, pgstore.StatusRefused} {
		if n := c.ByStatus[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s\t%d", s, n))
		}
	}
	fmt.Fprintln(tw, strings.Join(parts, "\n"))
	tw.Flush()
}
