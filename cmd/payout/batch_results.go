package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/payoutkit/payout/cmd/payout/internal/batch"
	"github.com/payoutkit/payout/money"
)

// The outcomes of a row in the results.
const (
	outcomeAccepted = "accepted" // the provider accepted it (not yet paid)
	outcomeFailed   = "failed"   // refused: not paid
	outcomeUnknown  = "unknown"  // may have been paid: run the batch again
	outcomeNotSent  = "not_sent" // never sent
)

// resultRow is one row's outcome, as -out writes it.
type resultRow struct {
	Line       int           `json:"line"`
	Reference  string        `json:"reference"`
	Outcome    string        `json:"outcome"`
	ProviderID string        `json:"providerId,omitempty"`
	Status     string        `json:"status,omitempty"`
	Amount     money.Amount  `json:"amount"`
	Fee        *money.Amount `json:"fee,omitempty"`
	ErrorCode  string        `json:"errorCode,omitempty"`
	Message    string        `json:"message,omitempty"`
	// Existing: the provider returned a payout it had made before this
	// send (a re-send after a crash, or a reference paid before).
	Existing bool `json:"existing,omitempty"`
	// Resent: the row was in doubt after an earlier run and sent again.
	Resent bool `json:"resent,omitempty"`
	// Retryable: a failure that may succeed when the batch runs again.
	Retryable bool `json:"retryable,omitempty"`
}

// buildResults is every row's outcome from the final state; before holds
// each row's last record before this run.
func buildResults(file *batch.File, snap *batch.Snapshot, before map[string]batch.Record) []resultRow {
	out := make([]resultRow, 0, len(file.Rows))
	for _, row := range file.Rows {
		ref := row.Request.Reference
		r := resultRow{Line: row.Line, Reference: ref, Amount: row.Request.Amount, Outcome: outcomeNotSent}
		if b, ok := before[ref]; ok && (b.Kind == batch.KindSending || b.Kind == batch.KindUnknown) {
			r.Resent = true
		}
		rec, ok := snap.Last[ref]
		if ok {
			switch rec.Kind {
			case batch.KindAccepted:
				r.Outcome, r.ProviderID, r.Status, r.Fee, r.Existing = outcomeAccepted, rec.ID, rec.Status, rec.Fee, rec.Existing
			case batch.KindFailed:
				r.Outcome, r.Retryable = outcomeFailed, rec.Retryable
			default: // unknown, or "sending" with no outcome: a crash or a state write failure
				r.Outcome = outcomeUnknown
				if rec.Kind == batch.KindSending {
					r.Message = "sent (or about to be) when the batch stopped; no outcome recorded"
				}
			}
			r.ErrorCode = rec.Code
			if rec.Message != "" {
				r.Message = rec.Message
			}
		}
		if r.Resent && r.Outcome == outcomeNotSent {
			r.Outcome = outcomeUnknown // in doubt before, not resolved now
		}
		out = append(out, r)
	}
	return out
}

// resultFormat is "csv" or "jsonl" by path's extension.
func resultFormat(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv", nil
	case ".jsonl", ".json", ".ndjson":
		return "jsonl", nil
	}
	return "", usagef("-out %s: the name must end in .csv, or .jsonl, .json or .ndjson for JSON lines", path)
}

// resultColumns is the header of a CSV results file.
var resultColumns = []string{"line", "reference", "outcome", "provider_id", "status", "amount", "fee", "error_code", "message", "existing", "resent"}

// writeResults writes rows to path, replacing it whole (a temporary file
// renamed over it), so that a reader never sees half a file.
func writeResults(path string, rows []resultRow) error {
	format, err := resultFormat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	bw := bufio.NewWriter(tmp)
	if format == "csv" {
		err = writeResultsCSV(bw, rows)
	} else {
		for _, r := range rows {
			if err = writeJSON(bw, r); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// writeResultsCSV writes rows as CSV with resultColumns.
func writeResultsCSV(bw *bufio.Writer, rows []resultRow) error {
	w := csv.NewWriter(bw)
	if err := w.Write(resultColumns); err != nil {
		return err
	}
	for _, r := range rows {
		fee := ""
		if r.Fee != nil {
			fee = r.Fee.MajorString()
		}
		amount := ""
		if r.Amount.Currency.Valid() {
			amount = r.Amount.MajorString()
		}
		rec := []string{strconv.Itoa(r.Line), r.Reference, r.Outcome, cell(r.ProviderID), r.Status, amount, fee,
			r.ErrorCode, cell(r.Message), strconv.FormatBool(r.Existing), strconv.FormatBool(r.Resent)}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// cell defuses provider text a spreadsheet would run as a formula (=, +, -, @ at
// its start) by prefixing a quote, as OWASP advises for CSV exports.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// batchSummary counts a batch's rows by outcome.
type batchSummary struct {
	Rows, Sent                         int
	Accepted, Failed, Unknown, NotSent int
	Retryable, Existing, Resent        int
	AcceptedAmount, Fees               money.Amount
	Duration                           time.Duration
}

// summarise counts rows; sent is how many this run sent.
func summarise(rows []resultRow, sent int) batchSummary {
	s := batchSummary{Rows: len(rows), Sent: sent, AcceptedAmount: money.New(0, money.KES), Fees: money.New(0, money.KES)}
	for _, r := range rows {
		if r.Resent {
			s.Resent++
		}
		switch r.Outcome {
		case outcomeAccepted:
			s.Accepted++
			if r.Existing {
				s.Existing++
			}
			if sum, err := s.AcceptedAmount.Add(r.Amount); err == nil {
				s.AcceptedAmount = sum
			}
			if r.Fee != nil {
				if sum, err := s.Fees.Add(*r.Fee); err == nil {
					s.Fees = sum
				}
			}
		case outcomeFailed:
			s.Failed++
			if r.Retryable {
				s.Retryable++
			}
		case outcomeUnknown:
			s.Unknown++
		default:
			s.NotSent++
		}
	}
	return s
}

// describe is r's one-line account for the summary.
func (r resultRow) describe() string {
	s := fmt.Sprintf("line %d (%s): %s", r.Line, r.Reference, r.Outcome)
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}
