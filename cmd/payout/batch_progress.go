package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/payoutkit/payout/cmd/payout/internal/batch"
)

// progress reports a running batch: a bar redrawn in place on a terminal,
// a plain line every few seconds otherwise (one JSON object with -json).
// Its methods are safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	json  bool
	now   func() time.Time
	every time.Duration
	rate  int // payouts a minute the batch is paced to

	total, base, todo              int // rows; settled before this run; to send now
	sent, accepted, failed, unknwn int
	start, last                    time.Time
	drawn, stopping                bool
	shown                          int // p.sent when last shown; -1 before
}

// newProgress returns the progress of a batch of total rows, base of them
// settled before, todo to send.
func newProgress(a *app, total, base, todo int, f batchFlags) *progress {
	return &progress{w: a.stdout, tty: !a.opts.json && isTerminal(a.stdout), json: a.opts.json, now: a.now,
		every: f.progressEvery, rate: f.rate, total: total, base: base, todo: todo, shown: -1}
}

// isTerminal reports whether w is a terminal (a character device), without
// a dependency: a bar is drawn only there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// begin starts the clock and shows the first state.
func (p *progress) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start = p.now()
	p.last = p.start
	p.show(true)
}

// record counts one row's outcome.
func (p *progress) record(k batch.Kind) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent++
	switch k {
	case batch.KindAccepted:
		p.accepted++
	case batch.KindFailed:
		p.failed++
	default:
		p.unknwn++
	}
	p.show(false)
}

// interrupted says the batch is stopping (the first Ctrl-C).
func (p *progress) interrupted() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopping = true
	p.say("stopping: no new payouts start; waiting for those in flight (Ctrl-C again quits now; the state file stays resumable)")
}

// finish shows the last state and ends the bar's line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.show(true)
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// say prints a message line, keeping the bar below it.
func (p *progress) say(msg string) {
	if p.json {
		_ = writeJSON(p.w, map[string]string{"type": "notice", "message": msg})
		return
	}
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, msg)
	if p.drawn {
		p.drawn = false
		p.show(true)
	}
}

// show draws the bar (terminal: at most every 100ms unless force) or prints
// a line (else: every p.every unless force); p.mu is held.
func (p *progress) show(force bool) {
	if p.start.IsZero() {
		return
	}
	now := p.now()
	gap := p.every
	if p.tty {
		gap = 100 * time.Millisecond
	}
	if !force && now.Sub(p.last) < gap && p.sent < p.todo {
		return
	}
	if p.sent == p.shown && !p.tty {
		return // nothing new to say
	}
	p.last, p.shown = now, p.sent
	done := p.base + p.sent
	perMin, eta := p.pace(now)
	switch {
	case p.json:
		_ = writeJSON(p.w, progressJSON{Type: "progress", Done: done, Total: p.total, Sent: p.sent, ToSend: p.todo,
			Accepted: p.accepted, Failed: p.failed, Unknown: p.unknwn, PerMinute: perMin, ETASeconds: int64(eta.Seconds())})
	case p.tty:
		const width = 24
		filled := 0
		if p.total > 0 {
			filled = done * width / p.total
		}
		fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %3d%%  %.1f/min  ETA %s  accepted %d  failed %d  unknown %d",
			strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, p.total, percent(done, p.total),
			perMin, eta.Round(time.Second), p.accepted, p.failed, p.unknwn)
		p.drawn = true
	default:
		fmt.Fprintf(p.w, "progress: %d/%d rows (%d%%), %.1f a minute, ETA %s: %d accepted, %d failed, %d unknown\n",
			done, p.total, percent(done, p.total), perMin, eta.Round(time.Second), p.accepted, p.failed, p.unknwn)
	}
}

// pace is the observed rate of this run, payouts a minute, and the time
// left at that rate (at the configured rate before two have finished).
func (p *progress) pace(now time.Time) (perMin float64, eta time.Duration) {
	elapsed := now.Sub(p.start)
	if elapsed > 0 {
		perMin = float64(p.sent) / elapsed.Minutes()
	}
	left := p.todo - p.sent
	rate := perMin
	if p.sent < 2 || rate <= 0 {
		rate = float64(p.rate)
	}
	if left <= 0 || rate <= 0 {
		return perMin, 0
	}
	return perMin, time.Duration(float64(left) / rate * float64(time.Minute))
}

// percent is n of total in whole percent.
func percent(n, total int) int {
	if total == 0 {
		return 100
	}
	return n * 100 / total
}

// progressJSON is a progress line with -json.
type progressJSON struct {
	Type       string  `json:"type"`
	Done       int     `json:"done"`
	Total      int     `json:"total"`
	Sent       int     `json:"sent"`
	ToSend     int     `json:"toSend"`
	Accepted   int     `json:"accepted"`
	Failed     int     `json:"failed"`
	Unknown    int     `json:"unknown"`
	PerMinute  float64 `json:"perMinute"`
	ETASeconds int64   `json:"etaSeconds"`
}
