package payout_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
)

// errors.As gives the details of a failure: the shared Code, the field at
// fault, the provider's own code, the HTTP status, the request id to quote
// to the provider's support, and how long to wait before retrying.
func ExampleError() {
	fake := payouttest.NewFake()
	fake.OnReference("WD-2", payouttest.Outcome{Err: &payout.Error{Code: payout.CodeRateLimited, Provider: "palpluss",
		ProviderCode: "RATE_LIMIT_EXCEEDED", HTTPStatus: 429, RequestID: "req-7f3a", RetryAfter: 30 * time.Second}})
	ctx := context.Background()

	// Refused before sending: the Field says what to fix.
	_, err := fake.Send(ctx, payout.Request{Reference: "WD-1", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "020 234 5678"}})
	var pe *payout.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, pe.Field)
	}

	// Refused by the provider: its code, status, request id and Retry-After.
	_, err = fake.Send(ctx, payout.Request{Reference: "WD-2", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Phone: "0712 345 678"}})
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, pe.ProviderCode, pe.HTTPStatus, pe.RequestID, pe.RetryAfter, pe.Reference)
	}
	fmt.Println(errors.Is(err, payout.ErrRateLimited))
	// Output:
	// invalid_recipient recipient.phone
	// rate_limited RATE_LIMIT_EXCEEDED 429 req-7f3a 30s WD-2
	// true
}

// IsRetryable tells a failure worth repeating (with the same Reference)
// from one that needs a change first. An unknown outcome is retryable: the
// same Reference returns the payout if the provider made it, and never pays
// twice.
func ExampleIsRetryable() {
	fake := payouttest.NewFake()
	// The provider makes WD-1 but its answer is lost, once.
	fake.OnReference("WD-1", payouttest.Outcome{Err: payouttest.Failure(payout.CodeOutcomeUnknown), Create: true, Times: 1})
	fake.OnReference("WD-2", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInsufficientFunds)})
	ctx := context.Background()

	for _, ref := range []string{"WD-1", "WD-2"} {
		req := payout.Request{Reference: ref, Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}
		for attempt := 1; ; attempt++ {
			p, err := fake.Send(ctx, req)
			if err == nil {
				fmt.Println(ref, "attempt", attempt, "accepted", p.ID)
				break
			}
			if !payout.IsRetryable(err) || attempt == 3 {
				fmt.Println(ref, "attempt", attempt, "gave up:", errors.Is(err, payout.ErrInsufficientFunds))
				break
			}
			fmt.Println(ref, "attempt", attempt, "retrying with the same Reference")
			// In production: wait (back off) before the next attempt.
		}
	}
	fmt.Println(len(fake.Payouts()), "payout made")
	// Output:
	// WD-1 attempt 1 retrying with the same Reference
	// WD-1 attempt 2 accepted fake-000001
	// WD-2 attempt 1 gave up: true
	// 1 payout made
}

// Check is a dry run: it runs the checks the Client's Send runs before
// sending (the provider's own when the Client is a payout.Validator, as both
// adapters are), so a batch can be checked whole before any of it is paid.
func ExampleCheck() {
	client := payouttest.NewPalPlussFake() // in production: palpluss.New(...)
	reqs := []payout.Request{
		{Reference: "SAL-1", Amount: money.New(25_000_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}},
		{Reference: "SAL-2", Amount: money.New(5_00, money.KES), Recipient: payout.Recipient{Phone: "0712345679"}},
		{Reference: "SAL-3", Amount: money.New(200_000_00, money.KES), Recipient: payout.Recipient{Phone: "0712345670"}},
	}
	for _, r := range reqs {
		if err := payout.Check(client, r); err != nil {
			fmt.Println(r.Reference, "refused:", err)
			continue
		}
		fmt.Println(r.Reference, "passes")
	}
	// Output:
	// SAL-1 passes
	// SAL-2 refused: payout: invalid request: amount: KES 5.00 is below PalPluss's minimum of KES 10.00 (reference "SAL-2")
	// SAL-3 refused: payout: invalid request: amount: KES 200000.00 is above the maximum of KES 150000.00 (reference "SAL-3")
}
