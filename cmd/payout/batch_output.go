package main

import (
	"fmt"
	"time"

	"github.com/payoutkit/payout/cmd/payout/internal/batch"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
)

// problemJSON is a row problem with -json.
type problemJSON struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// toProblemsJSON converts at most maxShownProblems problems.
func toProblemsJSON(ps []batch.Problem) []problemJSON {
	out := []problemJSON{}
	for i, p := range ps {
		if i == maxShownProblems {
			break
		}
		out = append(out, problemJSON{p.Line, p.Column, p.Message})
	}
	return out
}

// batchDryRunJSON is batch's dry run with -json.
type batchDryRunJSON struct {
	Type         string        `json:"type"`
	DryRun       bool          `json:"dryRun"`
	File         string        `json:"file"`
	SHA256       string        `json:"sha256"`
	Provider     string        `json:"provider"`
	BaseURL      string        `json:"baseUrl"`
	Rows         int           `json:"rows"`
	Amount       money.Amount  `json:"amount"`
	Fees         string        `json:"fees"`
	PerMinute    int           `json:"perMinute"`
	Concurrency  int           `json:"concurrency"`
	State        string        `json:"state"`
	StateExists  bool          `json:"stateExists"`
	Settled      int           `json:"settled"`
	ToSend       int           `json:"toSend"`
	InDoubt      int           `json:"inDoubt"`
	ETASeconds   int64         `json:"etaSeconds"`
	ProblemCount int           `json:"problemCount"`
	Problems     []problemJSON `json:"problems"`
}

// total is the sum of the rows' amounts (rows whose amount did not parse
// count nothing).
func total(file *batch.File) money.Amount {
	sum := money.New(0, money.KES)
	for _, r := range file.Rows {
		if r.Request.Amount.Currency.Valid() {
			if s, err := sum.Add(r.Request.Amount); err == nil {
				sum = s
			}
		}
	}
	return sum
}

// feesText says what is known of fees before sending.
func (a *app) feesText() string {
	if a.opts.provider == palpluss.ProviderName {
		return "not known before sending: PalPluss reports each payout's fee (taken from the service wallet, see payout balance) when it accepts it"
	}
	return "not known before sending: PayOS does not report fees in its payout API"
}

// eta is how long n payouts take at perMin a minute.
func eta(n, perMin int) time.Duration {
	if perMin <= 0 {
		return 0
	}
	return (time.Duration(n) * time.Minute / time.Duration(perMin)).Round(time.Second)
}

// printBatchDryRun prints what batch -yes would do.
func (a *app) printBatchDryRun(in *batchInput, f batchFlags, plan batchPlan, stateExists bool) error {
	sum := total(in.file)
	if a.opts.json {
		return writeJSON(a.stdout, batchDryRunJSON{Type: "dryRun", DryRun: true, File: in.path, SHA256: in.file.SHA256,
			Provider: a.opts.provider, BaseURL: a.baseURL, Rows: len(in.file.Rows), Amount: sum, Fees: a.feesText(),
			PerMinute: f.rate, Concurrency: f.concurrency, State: in.statePath, StateExists: stateExists,
			Settled: plan.settled, ToSend: len(plan.todo), InDoubt: plan.inDoubt, ETASeconds: int64(eta(len(plan.todo), f.rate).Seconds()),
			ProblemCount: len(in.problems), Problems: toProblemsJSON(in.problems)})
	}
	fmt.Fprintln(a.stdout, "DRY RUN: nothing sent. Add -yes to send these payouts (real money moves):")
	state := in.statePath + " (none yet)"
	if stateExists {
		state = fmt.Sprintf("%s: %d rows settled by earlier runs, %d to send (%d in doubt, sent again with the same reference)",
			in.statePath, plan.settled, len(plan.todo), plan.inDoubt)
	}
	if err := writeKV(a.stdout, []kv{
		{"File", fmt.Sprintf("%s (%d rows)", in.path, len(in.file.Rows))},
		{"Provider", a.opts.provider},
		{"Base URL", a.baseURL},
		{"Payouts", fmt.Sprintf("%d, total %s", len(in.file.Rows), sum)},
		{"Fees", a.feesText()},
		{"Pace", fmt.Sprintf("%d a minute, %d at once: about %s for the %d to send", f.rate, f.concurrency, eta(len(plan.todo), f.rate), len(plan.todo))},
		{"State", state},
	}); err != nil {
		return err
	}
	if len(in.problems) == 0 {
		_, err := fmt.Fprintf(a.stdout, "Every row passed every check the SDK makes for %s before sending; the provider may still refuse some (funds, recipients' accounts).\n", a.opts.provider)
		return err
	}
	a.printProblems(in.problems)
	return nil
}

// printProblems prints the first row problems (human output only: with
// -json they are part of the dry run's object, or of the error).
func (a *app) printProblems(ps []batch.Problem) {
	if a.opts.json {
		_ = writeJSON(a.stdout, map[string]any{"type": "problems", "problemCount": len(ps), "problems": toProblemsJSON(ps)})
		return
	}
	shown := min(len(ps), maxShownProblems)
	fmt.Fprintf(a.stdout, "Problems: %d rows cannot be sent (first %d shown):\n", len(ps), shown)
	for _, p := range ps[:shown] {
		fmt.Fprintf(a.stdout, "  %s\n", p)
	}
}

// printResume says what an earlier run left.
func (a *app) printResume(in *batchInput, plan batchPlan, torn bool) {
	if a.opts.json {
		_ = writeJSON(a.stdout, map[string]any{"type": "resume", "state": in.statePath, "settled": plan.settled,
			"inDoubt": plan.inDoubt, "retry": plan.retry, "toSend": len(plan.todo), "tornLine": torn})
		return
	}
	fmt.Fprintf(a.stdout, "Resuming from %s: %d rows settled by earlier runs and not sent again; %d to send, of which %d in doubt (sent again with the same reference: the provider returns the existing payout, never a second one) and %d refused before and retried.\n",
		in.statePath, plan.settled, len(plan.todo), plan.inDoubt, plan.retry)
	if torn {
		fmt.Fprintln(a.stdout, "(The state file's last line was cut by a crash; it was dropped: that row is sent again with the same reference.)")
	}
}

// maxShownRows is how many failed or unknown rows the summary lists.
const maxShownRows = 10

// batchSummaryJSON is the summary with -json.
type batchSummaryJSON struct {
	Type           string       `json:"type"`
	File           string       `json:"file"`
	State          string       `json:"state"`
	Out            string       `json:"out,omitempty"`
	Rows           int          `json:"rows"`
	Sent           int          `json:"sent"`
	Accepted       int          `json:"accepted"`
	Existing       int          `json:"existing"`
	Resent         int          `json:"resent"`
	Failed         int          `json:"failed"`
	Retryable      int          `json:"retryable"`
	Unknown        int          `json:"unknown"`
	NotSent        int          `json:"notSent"`
	AcceptedAmount money.Amount `json:"acceptedAmount"`
	Fees           money.Amount `json:"fees"`
}

// printSummary prints the batch's final account.
func (a *app) printSummary(in *batchInput, f batchFlags, s batchSummary, rows []resultRow) error {
	if a.opts.json {
		return writeJSON(a.stdout, batchSummaryJSON{Type: "summary", File: in.path, State: in.statePath, Out: f.out,
			Rows: s.Rows, Sent: s.Sent, Accepted: s.Accepted, Existing: s.Existing, Resent: s.Resent, Failed: s.Failed,
			Retryable: s.Retryable, Unknown: s.Unknown, NotSent: s.NotSent, AcceptedAmount: s.AcceptedAmount, Fees: s.Fees})
	}
	if s.Sent == 0 {
		fmt.Fprintf(a.stdout, "Nothing to send: every row of %s is settled in %s.\n", in.path, in.statePath)
	}
	fmt.Fprintf(a.stdout, "Summary of %s: %d rows, %d sent by this run\n", in.path, s.Rows, s.Sent)
	accepted := s.AcceptedAmount.String()
	if !s.Fees.IsZero() {
		accepted += ", fees " + s.Fees.String()
	}
	if s.Existing > 0 {
		accepted += fmt.Sprintf("; %d returned a payout the provider had already made (not paid again)", s.Existing)
	}
	fmt.Fprintf(a.stdout, "  accepted  %5d  %s\n", s.Accepted, accepted)
	if s.Failed > 0 {
		fmt.Fprintf(a.stdout, "  failed    %5d  not paid (%d may succeed if you run the batch again)\n", s.Failed, s.Retryable)
	}
	if s.Unknown > 0 {
		fmt.Fprintf(a.stdout, "  unknown   %5d  MAY HAVE BEEN PAID: run the same command again to learn\n", s.Unknown)
	}
	if s.NotSent > 0 {
		fmt.Fprintf(a.stdout, "  not sent  %5d\n", s.NotSent)
	}
	shown := 0
	for _, r := range rows {
		if (r.Outcome == outcomeFailed || r.Outcome == outcomeUnknown) && shown < maxShownRows {
			fmt.Fprintf(a.stdout, "  %s\n", r.describe())
			shown++
		}
	}
	kvs := []kv{{"State file", in.statePath}}
	if f.out != "" {
		kvs = append(kvs, kv{"Results", f.out})
	}
	return writeKV(a.stdout, kvs)
}
