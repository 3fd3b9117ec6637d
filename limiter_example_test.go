package payout_test

import (
	"context"
	"fmt"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
)

// One pace for everything sent to one provider account: two clients of
// the same PalPluss account (one sends, one confirms webhooks) share a
// Limiter, so together they stay under the account's limit. Replicas share
// a pgstore.NewLimiter instead.
func ExampleNewLimiter() {
	sb := payouttest.NewSandbox()
	defer sb.Close()

	limiter, err := payout.NewLimiter(palpluss.RequestsPerMinute, time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	sender, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()), payout.WithLimiter(limiter))
	if err != nil {
		fmt.Println(err)
		return
	}
	confirmer, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()), payout.WithLimiter(limiter))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := sender.Send(context.Background(), payout.Request{
		Reference: "SAL-001", Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := confirmer.Get(context.Background(), p.ID) // waits for the next shared slot
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Reference, got.Status)
	// Output: SAL-001 pending
}

// A batch paced by a Limiter it shares with other work, for a Client
// that does not wait on the Limiter itself (here a Fake; a client built
// with WithLimiter(l) already waits on l for every attempt, so give such a
// client's SendAll no Limiter, or each Send takes two slots).
func ExampleSendAll_sharedLimiter() {
	limiter, err := payout.NewLimiter(600, time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	reqs := []payout.Request{
		{Reference: "SAL-001", Amount: money.New(50000, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}},
		{Reference: "SAL-002", Amount: money.New(70000, money.KES), Recipient: payout.Recipient{Phone: "0722000000"}},
	}
	for _, r := range payout.SendAll(context.Background(), payouttest.NewFake(), reqs, payout.BatchOptions{Limiter: limiter}) {
		fmt.Println(r.Request.Reference, r.Err == nil)
	}
	// Output:
	// SAL-001 true
	// SAL-002 true
}
