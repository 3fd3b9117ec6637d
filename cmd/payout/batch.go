package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/cmd/payout/internal/batch"
	"github.com/payoutkit/payout/palpluss"
)

// batchUsage is batch's -h text.
const batchUsage = `payout -provider palpluss|payos batch [-yes] [-state FILE] [-out FILE] [-rate N]
       [-concurrency N] [-sender-json FILE] [-retry-failed] [-resend-stale] payouts.csv

Pays every row of a CSV file. The first row names the columns, in any order
(names are case-insensitive; a UTF-8 BOM and CRLF line ends are fine):

  reference     your unique id for the payout (required; no two rows alike)
  phone         the recipient's M-Pesa number, e.g. 0712345678 (required)
  amount        decimal KES, e.g. 500 or 500.00 (required; PalPluss: whole
                shillings, KES 10 to 150,000)
  name          the recipient's name (PayOS requires it)
  description   a note for the provider's records (PalPluss)
  callback_url  the webhook URL of this payout (PalPluss)
  sender_full_name, sender_phone_number, sender_nationality, sender_identity,
  sender_identity_number, sender_date_of_birth, sender_purpose_of_funds,
  sender_source_of_funds, sender_relationship
                the sender's KYC record (PayOS requires it), one column per
                payout.Sender field; or give one record for every row with
                -sender-json

Without -yes it is a dry run: every row is checked against the provider's
own rules, and it prints the first problems by line and column, the totals
and the base URL it would call. With -yes nothing is sent unless every row
passes; then the rows are sent at -rate payouts a minute, -concurrency at a
time, with a progress bar (plain lines when stdout is not a terminal).

The state file (default: the CSV's path + ".state") records every row's
outcome, fsynced before the next step, and "sending" before each send. After
a crash, kill -9 or Ctrl-C, run the same command again: accepted rows are not
sent again; rows whose outcome is unknown are sent again with the same
reference, which the provider answers with the existing payout instead of
paying twice. Refused rows are not sent again unless -retry-failed is given
(transient failures, such as rate limits, are). PalPluss rows in doubt for
more than a day are first looked up by reference (PalPluss may have
forgotten their idempotency key): found, they are not sent; not found, they
are held until -resend-stale. A state file belongs to one
CSV content and one provider account and refuses any other.

Ctrl-C (SIGINT or SIGTERM) stops new sends and waits for those in flight;
a second Ctrl-C quits at once. Exit statuses: payout -h.`

// Payouts a minute a batch sends by default: the provider's documented
// limit. PayOS documents none, so it gets PalPluss's, a pace M-Pesa
// payouts are known to sustain; raise it with -rate if your PayOS account
// allows more (429 answers are waited out either way).
const (
	palplussDefaultRate = palpluss.RequestsPerMinute
	payosDefaultRate    = 60
)

// defaultConcurrency is how many sends a batch runs at once by default.
const defaultConcurrency = 4

// maxShownProblems is how many row problems a batch prints.
const maxShownProblems = 20

// batchFlags are batch's flags.
type batchFlags struct {
	yes, retryFailed, resendStale bool
	state, out, senderJSON        string
	rate, concurrency             int
	progressEvery                 time.Duration
}

// batchInput is a batch's CSV, read and checked, and what binds its state.
type batchInput struct {
	path      string
	file      *batch.File
	problems  []batch.Problem
	header    batch.Header
	statePath string
}

// cmdBatch checks a payouts CSV and, with -yes, pays it.
func cmdBatch(a *app, args []string) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	f := batchFlags{progressEvery: 5 * time.Second}
	fs.BoolVar(&f.yes, "yes", false, "really send: real money moves")
	fs.StringVar(&f.state, "state", "", "state file recording each row's outcome (default: the CSV's path + \".state\")")
	fs.StringVar(&f.out, "out", "", "write every row's outcome to this file: .csv, or .jsonl/.json/.ndjson for JSON lines")
	fs.IntVar(&f.rate, "rate", 0, "payouts a minute (default: the provider's documented limit, 60)")
	fs.IntVar(&f.concurrency, "concurrency", defaultConcurrency, "payouts in flight at once")
	fs.StringVar(&f.senderJSON, "sender-json", "", "the sender's KYC record as JSON for rows without sender_* cells (PayOS)")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "send again, with the same reference, rows the provider refused in an earlier run")
	fs.BoolVar(&f.resendStale, "resend-stale", false, "PalPluss: send rows in doubt for over a day that a lookup did not find (check them with find first)")
	pos, err := a.parseFlags(fs, args, "payouts.csv")
	if err != nil {
		return err
	}
	switch {
	case f.rate < 0:
		return usagef("-rate must be positive (payouts a minute), got %d", f.rate)
	case f.concurrency <= 0:
		return usagef("-concurrency must be positive, got %d", f.concurrency)
	}
	if f.out != "" {
		if _, err := resultFormat(f.out); err != nil {
			return err
		}
	}
	if err := a.connect(); err != nil {
		return err
	}
	if f.rate == 0 {
		f.rate = payosDefaultRate
		if a.opts.provider == palpluss.ProviderName {
			f.rate = palplussDefaultRate
		}
	}
	in, err := a.readBatch(pos[0], f)
	if err != nil {
		return err
	}
	if !f.yes {
		return a.batchDryRun(in, f)
	}
	if len(in.problems) > 0 {
		a.printProblems(in.problems)
		return &exitError{code: exitUsage, kind: "invalid_input",
			msg: fmt.Sprintf("%s: %d of %d rows cannot be sent; nothing was sent. Fix them and run again", in.path, len(in.problems), len(in.file.Rows))}
	}
	return a.batchSend(in, f)
}

// readBatch reads the CSV (and -sender-json), checks every row with the
// provider's own rules, and names the state file.
func (a *app) readBatch(path string, f batchFlags) (*batchInput, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("batch: %v", err)
	}
	var opts batch.Options
	sum := sha256.Sum256(data)
	if f.senderJSON != "" {
		s, raw, err := readSender(f.senderJSON)
		if err != nil {
			return nil, usagef("-sender-json: %v", err)
		}
		opts.Sender = s
		// The state is bound to both inputs: the same CSV with another
		// sender is another batch.
		senderSum := sha256.Sum256(raw)
		sum = sha256.Sum256([]byte(hex.EncodeToString(sum[:]) + "\n" + hex.EncodeToString(senderSum[:])))
	}
	file, err := batch.Read(data, opts)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	in := &batchInput{path: path, file: file, statePath: f.state}
	if in.statePath == "" {
		in.statePath = path + ".state"
	}
	if sameFile(in.statePath, path) || (f.out != "" && (sameFile(f.out, path) || sameFile(f.out, in.statePath))) {
		return nil, usagef("batch: the CSV, the -state file and the -out file must be three different files")
	}
	in.problems = file.Check(a.client.Validate)
	in.header = batch.Header{Provider: a.opts.provider, BaseURL: a.baseURL, Account: a.account,
		CSV: path, SHA256: hex.EncodeToString(sum[:]), Rows: len(file.Rows)}
	return in, nil
}

// sameFile reports whether the paths name one file (or would: the same
// clean absolute path).
func sameFile(p, q string) bool {
	if pi, err := os.Stat(p); err == nil {
		if qi, err := os.Stat(q); err == nil {
			return os.SameFile(pi, qi)
		}
	}
	ap, err1 := filepath.Abs(p)
	aq, err2 := filepath.Abs(q)
	return err1 == nil && err2 == nil && ap == aq
}

// batchDryRun prints what batch -yes would do, sending nothing and writing
// no file.
func (a *app) batchDryRun(in *batchInput, f batchFlags) error {
	snap, err := batch.LoadState(in.statePath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		snap = nil
	case err != nil:
		return &exitError{code: exitUsage, kind: "state", msg: err.Error()}
	default:
		if err := snap.Check(in.statePath, in.header); err != nil {
			return &exitError{code: exitUsage, kind: "state_mismatch", msg: err.Error()}
		}
	}
	plan := planBatch(in.file, snap, f.retryFailed)
	if err := a.printBatchDryRun(in, f, plan, snap != nil); err != nil {
		return err
	}
	if len(in.problems) > 0 {
		return &exitError{code: exitUsage, kind: "invalid_input",
			msg: fmt.Sprintf("%s: %d of %d rows cannot be sent: fix them before -yes", in.path, len(in.problems), len(in.file.Rows))}
	}
	return nil
}

// batchPlan is which rows a run sends, given the state so far.
type batchPlan struct {
	todo []batch.Row
	// settled counts rows that need no send; inDoubt rows that were being
	// sent, or whose outcome was unknown (sent again, same reference);
	// retry rows refused before and sent again (transient, or
	// -retry-failed).
	settled, inDoubt, retry int
	// before is each row's last record before this run.
	before map[string]batch.Record
}

// planBatch decides which rows of file to send given snap (nil: none).
func planBatch(file *batch.File, snap *batch.Snapshot, retryFailed bool) batchPlan {
	p := batchPlan{before: map[string]batch.Record{}}
	for _, row := range file.Rows {
		var rec batch.Record
		ok := false
		if snap != nil {
			rec, ok = snap.Last[row.Request.Reference]
		}
		switch {
		case !ok:
			p.todo = append(p.todo, row)
			continue
		case rec.Kind == batch.KindAccepted, rec.Settled() && !retryFailed:
			p.settled++
		case rec.Kind == batch.KindSending, rec.Kind == batch.KindUnknown:
			p.inDoubt++
			p.todo = append(p.todo, row)
		default:
			p.retry++
			p.todo = append(p.todo, row)
		}
		p.before[row.Request.Reference] = rec
	}
	return p
}

// staleAfter is how long after a row went in doubt its resend with the
// same reference is no longer trusted to be answered with the existing
// payout on PalPluss: PalPluss does not refuse a repeated reference, only
// a repeated Idempotency-Key, and does not say how long it remembers keys.
// (PayOS refuses a repeated merchantReference for good.)
const staleAfter = 24 * time.Hour

// resolveStale looks up, before anything is sent, the PalPluss rows that
// have been in doubt for longer than staleAfter: one found is recorded as
// accepted (an existing payout) and not sent; one not found is held back
// (left in doubt) unless resend is set, since PalPluss's lookup is
// bounded to its newest transactions.
func (a *app) resolveStale(st *batch.State, plan *batchPlan, resend bool) error {
	if a.opts.provider != palpluss.ProviderName {
		return nil
	}
	now := a.now()
	todo := plan.todo[:0:0]
	for _, row := range plan.todo {
		ref := row.Request.Reference
		rec, ok := plan.before[ref]
		if !ok || (rec.Kind != batch.KindSending && rec.Kind != batch.KindUnknown) || now.Sub(rec.At) < staleAfter {
			todo = append(todo, row)
			continue
		}
		ctx, cancel := a.context()
		p, err := a.client.FindByReference(ctx, ref)
		cancel()
		switch {
		case err == nil && p.Amount == row.Request.Amount:
			found := outcomeRecord(row.Line, row.Request, p, nil, now, 0)
			found.Existing = true
			if err := st.Append(found); err != nil {
				return &exitError{code: exitFailed, kind: "state", msg: err.Error() + "; nothing was sent"}
			}
			a.note(fmt.Sprintf("line %d (%s): in doubt since %s, found as payout %s: not sent again", row.Line, ref, timeText(rec.At), p.ID))
		case resend && errors.Is(err, payout.ErrNotFound):
			todo = append(todo, row)
		default:
			why := "not found among PalPluss's newest transactions"
			if err != nil && !errors.Is(err, payout.ErrNotFound) {
				why = "the lookup failed: " + trimPrefix(oneLine(err))
			} else if err == nil {
				why = fmt.Sprintf("found with another amount (%s, payout %s)", p.Amount, p.ID)
			}
			a.note(fmt.Sprintf("line %d (%s): in doubt since %s, more than a day: %s. Not sent: PalPluss may no longer "+
				"recognise its reference. Check it (payout -provider palpluss find %s), then run again with -resend-stale to send it",
				row.Line, ref, timeText(rec.At), why, shellQuote(ref)))
		}
	}
	plan.todo = todo
	return nil
}

// note prints an informational line on stdout (a JSON notice with -json).
func (a *app) note(msg string) {
	if a.opts.json {
		_ = writeJSON(a.stdout, map[string]string{"type": "notice", "message": msg})
		return
	}
	fmt.Fprintln(a.stdout, msg)
}

// batchSend runs batch -yes.
func (a *app) batchSend(in *batchInput, f batchFlags) error {
	st, err := batch.OpenState(in.statePath, in.header)
	if err != nil {
		var me *batch.MismatchError
		if errors.As(err, &me) {
			return &exitError{code: exitUsage, kind: "state_mismatch", msg: err.Error()}
		}
		return &exitError{code: exitFailed, kind: "state", msg: err.Error() + "; nothing was sent"}
	}
	defer st.Close()
	snap := st.Snapshot()
	plan := planBatch(in.file, snap, f.retryFailed)
	if snap.Records > 0 || snap.Torn {
		a.printResume(in, plan, snap.Torn)
	}
	if err := a.resolveStale(st, &plan, f.resendStale); err != nil {
		return err
	}

	prog := newProgress(a, len(in.file.Rows), plan.settled, len(plan.todo), f)
	ctx, cancel := context.WithCancelCause(a.ctx)
	defer cancel(nil)
	stopNote := context.AfterFunc(a.ctx, prog.interrupted)
	defer stopNote()

	j := &journal{client: a.client, state: st, lines: map[string]int{}, before: plan.before, cancel: cancel, prog: prog, now: a.now, skew: a.skew,
		bound: a.opts.timeout*time.Duration(a.opts.retries+1) + time.Minute}
	reqs := make([]payout.Request, len(plan.todo))
	for i, row := range plan.todo {
		reqs[i] = row.Request
		j.lines[row.Request.Reference] = row.Line
	}
	if len(reqs) > 0 {
		prog.begin()
		payout.SendAll(ctx, j, reqs, payout.BatchOptions{Concurrency: f.concurrency, RateLimit: f.rate, RatePer: time.Minute})
		prog.finish()
	}

	final := st.Snapshot()
	res := buildResults(in.file, final, plan.before)
	if f.out != "" {
		if err := writeResults(f.out, res); err != nil {
			a.printError(errorJSON{Code: "results", Message: err.Error(), Exit: exitFailed}, "payout: -out: "+err.Error())
		}
	}
	sum := summarise(res, len(reqs))
	if err := a.printSummary(in, f, sum, res); err != nil {
		return err
	}
	return batchExit(sum, j.failure(), a.ctx.Err() != nil)
}

// batchExit is the exit of a batch with summary s; fatal is a state file
// failure that stopped it.
func batchExit(s batchSummary, fatal error, interrupted bool) error {
	why := ""
	switch {
	case fatal != nil:
		why = " (stopped: " + fatal.Error() + ")"
	case interrupted:
		why = " (interrupted)"
	}
	switch {
	case s.Unknown > 0:
		return &exitError{code: exitUnknown, kind: "outcome_unknown",
			msg: fmt.Sprintf("%d rows may have been paid and are not known to be%s: run the same command again; it sends them with the same reference, which does not pay twice", s.Unknown, why)}
	case s.NotSent > 0:
		return &exitError{code: exitIncomplete, kind: "incomplete",
			msg: fmt.Sprintf("%d rows were not sent%s: run the same command again to resume", s.NotSent, why)}
	case s.Failed > 0:
		return &exitError{code: exitFailed, kind: "failed",
			msg: fmt.Sprintf("%d rows were refused and not paid%s", s.Failed, why)}
	}
	return nil
}

// journal is the payout.Client SendAll drives: around each Send it writes
// the row's "sending" record, then its outcome, each fsynced, so that the
// state file always knows as much as the process. In-flight sends are not
// cancelled by Ctrl-C: SendAll's context stops new ones only.
type journal struct {
	client provider
	state  *batch.State
	lines  map[string]int          // reference -> CSV line; read-only during SendAll
	before map[string]batch.Record // each row's last record before this run; read-only
	cancel context.CancelCauseFunc
	prog   *progress
	now    func() time.Time
	skew   time.Duration // see existing
	bound  time.Duration // the most one send may take, retries included

	mu    sync.Mutex
	fatal error
}

// errNotSent marks a row the journal did not send: the batch was stopping.
var errNotSent = errors.New("not sent: the batch was stopping")

// Send records, sends and records.
func (j *journal) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	if ctx.Err() != nil {
		return nil, errNotSent
	}
	line := j.lines[req.Reference]
	if err := j.state.Append(batch.Record{Kind: batch.KindSending, Line: line, Reference: req.Reference}); err != nil {
		j.stop(err)
		return nil, errNotSent
	}
	start := j.now()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.bound)
	p, err := j.client.Send(sctx, req)
	cancel()
	rec := outcomeRecord(line, req, p, err, start, j.skew)
	if prior := j.before[req.Reference]; rec.Kind == batch.KindFailed && (prior.Kind == batch.KindSending || prior.Kind == batch.KindUnknown) {
		rec = inDoubt(rec)
	}
	if werr := j.state.Append(rec); werr != nil {
		// The row stays "sending" in the file: the next run sends it
		// again with the same reference, which is safe.
		j.stop(werr)
		rec = batch.Record{Kind: batch.KindSending}
	}
	j.prog.record(rec.Kind)
	return p, err
}

// Get is never called by SendAll; it is here to be a payout.Client.
func (j *journal) Get(ctx context.Context, id string) (*payout.Payout, error) {
	return j.client.Get(ctx, id)
}

// stop ends the batch after a state file failure: nothing more is sent
// that could not be recorded.
func (j *journal) stop(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fatal == nil {
		j.fatal = err
		j.cancel(err)
	}
}

// failure is the state file failure that stopped the batch, if any.
func (j *journal) failure() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fatal
}

// inDoubt is rec, a failure answering the resend of a row an earlier run
// may have paid (it was killed after "sending", or the outcome was
// unknown), as that answer proves: only a business refusal settles it,
// since the provider's idempotent replay would have returned a payout it
// had made. Any other refusal (401 after a key rotation, 403, a conflict,
// a duplicate reference), and a transient failure, leave the row unknown:
// sent again, same reference, by the next run, never reported "not paid".
func inDoubt(rec batch.Record) batch.Record {
	switch payout.Code(rec.Code) {
	case payout.CodeInvalidRequest, payout.CodeInsufficientFunds, payout.CodeInsufficientFeeBalance,
		payout.CodeInvalidRecipient, payout.CodeLimitExceeded:
		return rec
	}
	rec.Kind, rec.Retryable = batch.KindUnknown, false
	rec.Message = "an earlier attempt may have created it; this answer does not say otherwise: " + rec.Message
	return rec
}

// outcomeRecord is the state record of a Send of req, called at start,
// that returned p and err (skew: see existing). Only the SDK's own verdict that nothing was paid
// (an *payout.Error other than an unknown outcome) is a failure; anything
// else the journal cannot vouch for is unknown, and is sent again.
func outcomeRecord(line int, req payout.Request, p *payout.Payout, err error, start time.Time, skew time.Duration) batch.Record {
	rec := batch.Record{Line: line, Reference: req.Reference}
	if err == nil && p != nil {
		rec.Kind, rec.ID, rec.Status = batch.KindAccepted, p.ID, string(p.Status)
		if p.Fee.Currency.Valid() && !p.Fee.IsZero() {
			fee := p.Fee
			rec.Fee = &fee
		}
		if !p.CreatedAt.IsZero() {
			t := p.CreatedAt.UTC()
			rec.CreatedAt = &t
		}
		rec.Existing = existing(p, start, skew)
		return rec
	}
	if err == nil {
		err = errors.New("Send returned neither a payout nor an error")
	}
	var pe *payout.Error
	switch {
	case !errors.As(err, &pe) || errors.Is(err, payout.ErrOutcomeUnknown):
		rec.Kind = batch.KindUnknown
	default:
		rec.Kind, rec.Retryable = batch.KindFailed, pe.Retryable()
	}
	if pe != nil {
		rec.Code, rec.ProviderCode = string(pe.Code), pe.ProviderCode
	} else {
		rec.Code = string(payout.CodeOutcomeUnknown)
	}
	rec.Message = trimPrefix(oneLine(err))
	return rec
}
