package payoutriver_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payoutriver"
	"github.com/payoutkit/payout/pgstore"
)

// A worker process: the clients share one rate limit with every replica
// through the database, the Service registers its workers on a River
// client, and the webhook endpoint applies callbacks to the same ledger.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := payoutriver.Migrate(ctx, pool, ""); err != nil {
		log.Fatal(err)
	}
	limiter, err := pgstore.NewLimiter(pool, "palpluss:main", 60, time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	pal, err := palpluss.NewFromEnv(payout.WithLimiter(limiter))
	if err != nil {
		log.Fatal(err)
	}
	svc, err := payoutriver.New(payoutriver.Config{
		Pool:    pool,
		Clients: map[string]payout.Client{"palpluss": pal},
		Logger:  slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	rc, err := svc.NewRiverClient(&river.Config{Queues: map[string]river.QueueConfig{}})
	if err != nil {
		log.Fatal(err)
	}
	if err := rc.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer rc.Stop(ctx)                      //nolint:errcheck
	_ = pal.WebhookHandler(svc.HandleEvent) // serve it at the payouts' callback URL
}

// Enqueue a payout in the transaction that records why it is paid: both
// commit, or neither exists.
func ExampleService_EnqueueTx() {
	ctx := context.Background()
	var pool *pgxpool.Pool       // the application's pool
	var svc *payoutriver.Service // built with New and NewRiverClient
	if pool == nil || svc == nil {
		return // (this example shows the calls)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE withdrawals SET state = 'paying' WHERE id = $1`, "wd-1042"); err != nil {
			return err
		}
		_, err := svc.EnqueueTx(ctx, tx, payout.Request{
			Reference:   "wd-1042",
			Amount:      money.New(150000, money.KES),
			Recipient:   payout.Recipient{Name: "Jane Wanjiru", Phone: "0712345678"},
			CallbackURL: "https://example.com/webhooks/palpluss",
		}, payoutriver.EnqueueOptions{Provider: "palpluss", BatchID: "withdrawals-2026-12-01"})
		return err
	})
	if err != nil {
		fmt.Println("not enqueued:", err)
	}
}

// Follow a batch from the ledger.
func ExampleService_Progress() {
	var svc *payoutriver.Service
	if svc == nil {
		return // (this example shows the calls)
	}
	c, err := svc.Progress(context.Background(), "payroll-2026-12")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d/%d final: %d paid, %d unpaid, %d refused, %d need attention\n",
		c.Succeeded+c.Failed+c.Refused, c.Total, c.Succeeded, c.Failed, c.Refused, c.NeedsAttention)
}
