package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/cmd/payout/internal/batch"
	"github.com/payoutkit/payout/money"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scripted is a provider whose Send is a function.
type scripted struct {
	send func(ctx context.Context, req payout.Request) (*payout.Payout, error)
}

func (s *scripted) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	return s.send(ctx, req)
}
func (s *scripted) Get(context.Context, string) (*payout.Payout, error) {
	return nil, payout.ErrNotFound
}
func (s *scripted) Validate(payout.Request) error { return nil }
func (s *scripted) FindByReference(context.Context, string) (*payout.Payout, error) {
	return nil, payout.ErrNotFound
}

func newJournal(t *testing.T, c provider) (*journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.state")
	st, err := batch.OpenState(path, batch.Header{Provider: "palpluss", SHA256: "x"})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	a := newApp(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, func(string) string { return "" })
	_, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	return &journal{client: c, state: st, lines: map[string]int{"R-1": 2}, cancel: cancel, now: time.Now, skew: replaySkew,
		bound: time.Minute, prog: newProgress(a, 1, 0, 1, batchFlags{rate: 60})}, path
}

func TestJournalRecordsSendingDurablyBeforeTheSend(t *testing.T) {
	var seen batch.Record
	var path string
	c := &scripted{send: func(ctx context.Context, req payout.Request) (*payout.Payout, error) {
		// What a kill -9 here would leave on disk: read by another reader.
		snap, err := batch.LoadState(path)
		require.NoError(t, err)
		seen = snap.Last[req.Reference]
		return &payout.Payout{ID: "tx-1", Reference: req.Reference, Status: payout.StatusPending,
			Fee: money.New(1500, money.KES), CreatedAt: time.Now()}, nil
	}}
	j, p := newJournal(t, c)
	path = p
	_, err := j.Send(context.Background(), payout.Request{Reference: "R-1"})
	require.NoError(t, err)
	assert.Equal(t, batch.KindSending, seen.Kind, "\"sending\" is on disk before the request")
	assert.Equal(t, 2, seen.Line)
	snap, err := batch.LoadState(path)
	require.NoError(t, err)
	rec := snap.Last["R-1"]
	assert.Equal(t, batch.KindAccepted, rec.Kind, "and the outcome after")
	assert.Equal(t, "tx-1", rec.ID)
	assert.Equal(t, money.New(1500, money.KES), *rec.Fee)
	assert.False(t, rec.Existing)
}

func TestJournalInFlightSendOutlivesCtrlC(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &scripted{send: func(sctx context.Context, req payout.Request) (*payout.Payout, error) {
		cancel() // Ctrl-C while the request is on the wire
		select {
		case <-sctx.Done():
			return nil, &payout.Error{Code: payout.CodeOutcomeUnknown, Err: sctx.Err()}
		case <-time.After(20 * time.Millisecond):
			return &payout.Payout{ID: "tx-1", Reference: req.Reference}, nil
		}
	}}
	j, path := newJournal(t, c)
	p, err := j.Send(ctx, payout.Request{Reference: "R-1"})
	require.NoError(t, err, "the send in flight is not cancelled")
	assert.Equal(t, "tx-1", p.ID)
	snap, err := batch.LoadState(path)
	require.NoError(t, err)
	assert.Equal(t, batch.KindAccepted, snap.Last["R-1"].Kind)

	_, err = j.Send(ctx, payout.Request{Reference: "R-1"})
	assert.ErrorIs(t, err, errNotSent, "no new send starts once stopping")
}

func TestJournalStopsWhenTheStateCannotBeWritten(t *testing.T) {
	sent := 0
	c := &scripted{send: func(context.Context, payout.Request) (*payout.Payout, error) {
		sent++
		return &payout.Payout{ID: "tx"}, nil
	}}
	j, _ := newJournal(t, c)
	var cause error
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	j.cancel = func(err error) { cause = err; cancel(err) }
	require.NoError(t, j.state.Close()) // every write fails from now on
	_, err := j.Send(ctx, payout.Request{Reference: "R-1"})
	assert.ErrorIs(t, err, errNotSent)
	assert.Equal(t, 0, sent, "nothing is sent that could not be recorded as sending")
	require.Error(t, cause, "the batch is stopped")
	assert.Equal(t, cause, j.failure())
}

func TestOutcomeRecordClassification(t *testing.T) {
	start := time.Now()
	req := payout.Request{Reference: "R"}
	for _, tc := range []struct {
		name      string
		p         *payout.Payout
		err       error
		kind      batch.Kind
		retryable bool
		existing  bool
	}{
		{"accepted", &payout.Payout{ID: "1", CreatedAt: start}, nil, batch.KindAccepted, false, false},
		{"existing", &payout.Payout{ID: "1", CreatedAt: start.Add(-time.Hour)}, nil, batch.KindAccepted, false, true},
		{"refused", nil, &payout.Error{Code: payout.CodeInsufficientFunds}, batch.KindFailed, false, false},
		{"transient", nil, &payout.Error{Code: payout.CodeRateLimited}, batch.KindFailed, true, false},
		{"unknown", nil, &payout.Error{Code: payout.CodeOutcomeUnknown}, batch.KindUnknown, false, false},
		{"not the SDK's verdict", nil, context.DeadlineExceeded, batch.KindUnknown, false, false},
		{"wrapped unknown", nil, fmt.Errorf("x: %w", &payout.Error{Code: payout.CodeOutcomeUnknown}), batch.KindUnknown, false, false},
		{"no payout, no error", nil, nil, batch.KindUnknown, false, false},
	} {
		rec := outcomeRecord(3, req, tc.p, tc.err, start, replaySkew)
		assert.Equal(t, tc.kind, rec.Kind, tc.name)
		assert.Equal(t, tc.retryable, rec.Retryable, tc.name)
		assert.Equal(t, tc.existing, rec.Existing, tc.name)
		assert.Equal(t, 3, rec.Line)
		if tc.err != nil {
			assert.NotEmpty(t, rec.Code, tc.name)
			assert.False(t, strings.HasPrefix(rec.Message, "payout: "), tc.name)
		}
	}
}

func TestProgressBarOnATerminal(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &out, tty: true, now: func() time.Time { return clock }, every: time.Hour, rate: 60,
		total: 10, base: 2, todo: 8, shown: -1}
	p.begin()
	clock = clock.Add(time.Minute)
	p.record(batch.KindAccepted)
	clock = clock.Add(time.Minute)
	p.record(batch.KindFailed)
	clock = clock.Add(time.Minute)
	p.record(batch.KindUnknown)
	p.finish()
	frames := strings.Split(out.String(), "\r\033[K")
	last := strings.TrimSuffix(frames[len(frames)-1], "\n")
	assert.Equal(t, "[############............] 5/10  50%  1.0/min  ETA 5m0s  accepted 1  failed 1  unknown 1", last)
	assert.True(t, strings.HasSuffix(out.String(), "\n"), "the bar's line is ended")
	assert.Len(t, frames, 6, "redrawn in place: begin, three rows, finish")
}

func TestProgressLinesWhenNotATerminal(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &out, now: func() time.Time { return clock }, every: 5 * time.Second, rate: 60, total: 3, todo: 3, shown: -1}
	p.begin()
	clock = clock.Add(time.Second)
	p.record(batch.KindAccepted) // too soon for a line
	clock = clock.Add(5 * time.Second)
	p.record(batch.KindAccepted)
	p.record(batch.KindAccepted) // the last: always shown
	p.finish()                   // nothing new
	assert.Equal(t, "progress: 0/3 rows (0%), 0.0 a minute, ETA 3s: 0 accepted, 0 failed, 0 unknown\n"+
		"progress: 2/3 rows (66%), 20.0 a minute, ETA 3s: 2 accepted, 0 failed, 0 unknown\n"+
		"progress: 3/3 rows (100%), 30.0 a minute, ETA 0s: 3 accepted, 0 failed, 0 unknown\n", out.String())
	assert.False(t, isTerminal(&out))
}

func TestResultsCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+254":              "'+254",
		"-1":                "'-1",
		"@SUM(A1)":          "'@SUM(A1)",
		"insufficient":      "insufficient",
		"":                  "",
	} {
		assert.Equal(t, want, cell(in), "%q", in)
	}
}

func TestResultFormatByExtension(t *testing.T) {
	for path, want := range map[string]string{"r.csv": "csv", "R.CSV": "csv", "r.jsonl": "jsonl", "r.json": "jsonl", "r.ndjson": "jsonl"} {
		got, err := resultFormat(path)
		require.NoError(t, err)
		assert.Equal(t, want, got, path)
	}
	_, err := resultFormat("r.txt")
	assert.Error(t, err)
}

// Review 2 of issue 15: a row in doubt from an earlier run (killed after
// "sending", or its outcome unknown) may have been paid. An answer to its
// resend that does not settle that (401 after the key was rotated, 403, a
// conflict, a rate limit, a network failure before sending) was recorded as
// "failed": settled, reported "not paid", never sent again. It must stay
// unknown; only a business refusal, which the provider's idempotent replay
// would not have given for a payout it made, settles it.
func TestJournalRefusalOfARowInDoubtIsNoRefusal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		prior batch.Kind
		err   *payout.Error
		want  batch.Kind
	}{
		{"401 after a kill", batch.KindSending, &payout.Error{Code: payout.CodeUnauthorized}, batch.KindUnknown},
		{"403 after unknown", batch.KindUnknown, &payout.Error{Code: payout.CodeForbidden}, batch.KindUnknown},
		{"rate limited after unknown", batch.KindUnknown, &payout.Error{Code: payout.CodeRateLimited}, batch.KindUnknown},
		{"duplicate after a kill", batch.KindSending, &payout.Error{Code: payout.CodeDuplicateReference}, batch.KindUnknown},
		{"insufficient funds after a kill", batch.KindSending, &payout.Error{Code: payout.CodeInsufficientFunds}, batch.KindFailed},
		{"401 on a first send", "", &payout.Error{Code: payout.CodeUnauthorized}, batch.KindFailed},
		{"401 after a refusal", batch.KindFailed, &payout.Error{Code: payout.CodeUnauthorized}, batch.KindFailed},
	} {
		c := &scripted{send: func(context.Context, payout.Request) (*payout.Payout, error) { return nil, tc.err }}
		j, path := newJournal(t, c)
		if tc.prior != "" {
			j.before = map[string]batch.Record{"R-1": {Kind: tc.prior, Reference: "R-1"}}
		}
		_, err := j.Send(context.Background(), payout.Request{Reference: "R-1"})
		require.Error(t, err)
		snap, err := batch.LoadState(path)
		require.NoError(t, err)
		rec := snap.Last["R-1"]
		assert.Equal(t, tc.want, rec.Kind, tc.name)
		assert.Equal(t, string(tc.err.Code), rec.Code, "%s: the answer is kept", tc.name)
		if tc.want == batch.KindUnknown {
			assert.False(t, rec.Settled(), tc.name)
			assert.Contains(t, rec.Message, "may have", tc.name)
			plan := planBatch(&batch.File{Rows: []batch.Row{{Line: 2, Request: payout.Request{Reference: "R-1"}}}}, snap, false)
			assert.Len(t, plan.todo, 1, "%s: the next run sends it again, same reference", tc.name)
		}
	}
}
