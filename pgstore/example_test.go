package pgstore_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/webhook"
)

// These examples need a PostgreSQL database, so they are compiled but not
// run by go test; the tests beside them run the same calls against the
// database of scripts/testdb.

// Every replica migrates at start-up; concurrent calls are serialised, and
// a database already migrated is left as it is.
func ExampleMigrate() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	// The tables go to schema "payments", named "payout_webhook_events",
	// "payout_rate_limits", ...
	if err := pgstore.Migrate(ctx, pool, pgstore.WithSchema("payments")); err != nil {
		log.Fatal(err)
	}
}

// Deduplicating PayOS webhooks across replicas: each replica's Handler
// uses a Store on the shared database, so a delivery repeated to another
// replica is handed to the function once. Purge runs now and then.
func ExampleNewStore() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.NewStore(pool)
	if err != nil {
		log.Fatal(err)
	}
	hooks, err := payos.NewWebhookHandler(os.Getenv("PAYOS_WEBHOOK_SECRET"), func(ctx context.Context, ev payout.Event) error {
		log.Println(ev.Type, ev.Payout.Reference, ev.Payout.Status)
		return nil
	}, webhook.WithStore(store), webhook.WithClaimTTL(time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for range time.Tick(time.Hour) {
			if _, err := store.Purge(ctx); err != nil {
				log.Println("purge:", err)
			}
		}
	}()
	log.Fatal(http.ListenAndServe(":8080", hooks))
}

// Every replica paces its PalPluss client with the same key, so together
// they send at most 60 requests a minute; a 429 or an exhausted window
// seen by one replica pauses all of them. If the database is unreachable,
// Send fails with an error matching pgstore.ErrLimiterUnavailable and
// nothing is sent.
func ExampleNewLimiter() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	limiter, err := pgstore.NewLimiter(pool, "palpluss:"+os.Getenv("PALPLUSS_ACCOUNT"), palpluss.RequestsPerMinute, time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	client, err := palpluss.NewFromEnv(payout.WithLimiter(limiter))
	if err != nil {
		log.Fatal(err)
	}
	_ = client // Send, Get and webhook confirmations all wait for the shared pace
}
