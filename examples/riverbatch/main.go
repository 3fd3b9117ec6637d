// Command riverbatch pays a payroll CSV durably with package payoutriver:
// the batch is enqueued in one database transaction beside the payroll
// run's own row, worked by several replicas (River clients with a pool
// each) that share one rate limit per provider through PostgreSQL, and
// followed to the end of every payout through webhooks and status checks.
//
// It pays through payouttest.Sandbox, loopback servers that behave like
// PalPluss and PayOS, so no money moves; the database is real. From the
// repository root, beside a throwaway PostgreSQL:
//
//	scripts/testdb go run ./examples/riverbatch
//	go run ./examples/riverbatch -db postgres://postgres@/postgres?host=/tmp/pgsock -csv payroll.csv
//
// The CSV has a header and the columns reference, provider (palpluss or
// payos), phone, amount_kes (whole shillings) and name; payroll.csv beside
// this file is a 200-line sample, the default. The tables go to a schema
// of their own (riverbatch_<time>), dropped at the end unless -keep.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"time"
)

//go:embed payroll.csv
var samplePayroll []byte

func main() {
	var o options
	flag.StringVar(&o.dbURL, "db", firstEnv("PAYOUT_DATABASE_URL", "PAYOUT_TEST_DATABASE_URL"),
		"libpq connection string (default $PAYOUT_DATABASE_URL, then $PAYOUT_TEST_DATABASE_URL)")
	csvPath := flag.String("csv", "", "payroll CSV to pay (default: the 200-line sample)")
	flag.IntVar(&o.replicas, "replicas", 3, "replicas (River clients, each with its own pool)")
	flag.IntVar(&o.rate, "rate", 40, "requests per second allowed per provider, shared by every replica")
	flag.BoolVar(&o.keep, "keep", false, "keep the schema with the ledger and River's tables")
	flag.BoolVar(&o.verbose, "v", false, "print payoutriver's log lines")
	flag.Parse()
	if o.dbURL == "" {
		fmt.Fprintln(os.Stderr, "riverbatch: no database: pass -db or set PAYOUT_DATABASE_URL (scripts/testdb sets PAYOUT_TEST_DATABASE_URL)")
		os.Exit(2)
	}
	o.csv = samplePayroll
	if *csvPath != "" {
		b, err := os.ReadFile(*csvPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "riverbatch:", err)
			os.Exit(2)
		}
		o.csv = b
	}
	o.schema = fmt.Sprintf("riverbatch_%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := run(ctx, os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "riverbatch:", err)
		os.Exit(1)
	}
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
