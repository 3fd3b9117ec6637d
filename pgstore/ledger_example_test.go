package pgstore_test

import (
	"context"
	"errors"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/pgstore"
)

// The ledger around one Send: the intent in the transaction that decides
// the payout, the Send's answer after it, and every later report (webhook
// or poll) through Apply.
func ExampleLedger() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	ledger, err := pgstore.NewLedger(pool)
	if err != nil {
		log.Fatal(err)
	}
	var client payout.Client // palpluss.New(...), payos.New(...)
	req := payout.Request{Reference: "wd-1042", Amount: money.New(150000, money.KES),
		Recipient: payout.Recipient{Phone: "0712345678"}}

	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// ... the caller's own row, then the intent beside it:
		_, _, err := ledger.With(tx).Intend(ctx, pgstore.IntentFor(req, "palpluss", "withdrawals"))
		return err
	})
	if errors.Is(err, payout.ErrDuplicateReference) {
		log.Fatal("this Reference was used for another payout")
	}
	p, sendErr := client.Send(ctx, req)
	a, err := ledger.RecordSend(ctx, req.Reference, p, sendErr, time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	switch {
	case a.Entry.Status == pgstore.StatusUnknown:
		// Send again with the same Reference later: it returns the payout
		// the first call made, if it made one.
	case a.Entry.Status == pgstore.StatusRefused:
		// Definitely not created: a.Entry.LastErrorMessage says why.
	}
	// From the webhook handler or a poll, whichever comes first:
	//	ledger.Apply(ctx, event.Payout, -1)
}
