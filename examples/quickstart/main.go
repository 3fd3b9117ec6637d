// Command quickstart sends payouts through both providers behind the one
// payout.Client interface and follows them to their final status.
//
//	go run ./examples/quickstart
//
// With no environment it starts payouttest.Sandbox in-process (loopback
// servers that behave like PalPluss and PayOS), receives the providers'
// webhooks through webhook.Handler, and prints each payout's status path.
//
// With PALPLUSS_API_KEY, or PAYOS_MERCHANT_ID and PAYOS_CLIENT_SECRET, set
// it talks to the real provider instead, says so, and pays KES 10 to the
// number in QUICKSTART_PHONE (required then: real money moves), following
// the payout with Get.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/payoutkit/payout"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	if live() {
		err = runLive(ctx, os.Stdout)
	} else {
		err = runSandbox(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// live reports whether credentials for a real provider are set.
func live() bool {
	return os.Getenv("PALPLUSS_API_KEY") != "" || (os.Getenv("PAYOS_MERCHANT_ID") != "" && os.Getenv("PAYOS_CLIENT_SECRET") != "")
}

// row is one line of the final table.
type row struct {
	reference, provider, amount, path, fee, receipt, failure string
}

// payoutRow is the table's line for the payout p sent as req through
// provider, after the statuses in path. A receipt proves a payment and a
// failure code explains a refusal: each has its own column, "-" when
// absent.
func payoutRow(req payout.Request, provider, path string, p *payout.Payout) row {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	fee := ""
	if !p.Fee.IsZero() {
		fee = p.Fee.String()
	}
	return row{req.Reference, provider, req.Amount.String(), path, dash(fee), dash(p.Receipt), dash(p.FailureCode)}
}

func printTable(w io.Writer, rows []row) {
	tw := newTable(w)
	fmt.Fprintln(tw, "REFERENCE\tPROVIDER\tAMOUNT\tSTATUS PATH\tFEE\tRECEIPT\tFAILURE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.reference, r.provider, r.amount, r.path, r.fee, r.receipt, r.failure)
	}
	tw.Flush()
}
