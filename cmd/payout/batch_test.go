package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payoutkit/payout/cmd/payout/internal/batch"
	"github.com/payoutkit/payout/payouttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// palplussCSV is a PalPluss payouts file of n rows B-1 ... B-n.
func palplussCSV(n int) string {
	var b strings.Builder
	b.WriteString("reference,phone,amount,name\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "B-%d,07%08d,%d,Person %d\n", i, 12000000+i, 100+i, i)
	}
	return b.String()
}

// runAppWith runs the command under ctx, with the existing-payout skew
// skew when it is not 0.
func runAppWith(t *testing.T, ctx context.Context, env map[string]string, skew time.Duration, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(ctx, &out, &errOut, func(k string) string { return env[k] })
	if skew != 0 {
		a.skew = skew
	}
	code := a.main(args)
	return result{code, out.String(), errOut.String()}
}

// postCounter counts the payout POSTs the Sandbox receives, by
// Idempotency-Key (the reference itself for these references).
type postCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func countPosts(sb *payouttest.Sandbox) *postCounter {
	c := &postCounter{n: map[string]int{}}
	sb.SetFault(func(_ string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "payout") {
			c.mu.Lock()
			c.n[r.Header.Get("Idempotency-Key")]++
			c.mu.Unlock()
		}
		return payouttest.FaultNone()
	})
	return c
}

func (c *postCounter) get(ref string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[ref]
}

func (c *postCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

func TestBatchDryRunUsesTheProvidersRules(t *testing.T) {
	sb, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", "reference,phone,amount\n"+
		"OK-1,0712345678,500\n"+
		"C-1,0712345678,20.50\n"+
		"S-1,0712345678,5\n"+
		"L-1,0712345678,200000\n"+
		"P-1,12345,500\n"+
		"OK-1,0712345679,500\n")
	r := runCmd(t, env, "-provider", "palpluss", "batch", path)
	assert.Equal(t, exitUsage, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "DRY RUN: nothing sent")
	assert.Regexp(t, `(?m)^Base URL:\s+`+sb.PalPlussURL()+`$`, r.stdout)
	assert.Contains(t, r.stdout, "Problems: 5 rows cannot be sent")
	assert.Contains(t, r.stdout, "line 3: amount: M-Pesa pays whole shillings only, got KES 20.50", "PalPluss's own rule, by line and column")
	assert.Contains(t, r.stdout, "line 4: amount: KES 5.00 is below PalPluss's minimum")
	assert.Contains(t, r.stdout, "line 5: amount: KES 200000.00 is above the maximum")
	assert.Contains(t, r.stdout, "line 6: phone:")
	assert.Contains(t, r.stdout, `line 7: reference: "OK-1" repeats line 2`)
	assert.Contains(t, r.stderr, "5 of 6 rows cannot be sent")
	assert.Empty(t, sb.Payouts(payouttest.SandboxPalPluss))
	assert.NoFileExists(t, path+".state", "a dry run writes nothing")

	// -yes refuses the whole file: nothing is sent while a row is bad.
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", path)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "nothing was sent")
	assert.Empty(t, sb.Payouts(payouttest.SandboxPalPluss))
	assert.NoFileExists(t, path+".state")

	good := writeFile(t, dir, "good.csv", palplussCSV(3))
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-rate", "30", good)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `(?m)^Payouts:\s+3, total KES 306.00$`, r.stdout)
	assert.Regexp(t, `(?m)^Pace:\s+30 a minute, 4 at once: about 6s for the 3 to send$`, r.stdout)
	assert.Contains(t, r.stdout, "Fees:")
	assert.Contains(t, r.stdout, "Every row passed")
}

func TestBatchDryRunPayOS(t *testing.T) {
	_, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", "reference,phone,amount,name\nA,0712345678,20.50,Jane\nB,0712345678,20.50,\n")
	r := runCmd(t, env, "-provider", "payos", "-json", "batch", path)
	assert.Equal(t, exitUsage, r.code)
	lines := decodeLines(t, r.stdout)
	require.Len(t, lines, 1)
	assert.Equal(t, "dryRun", lines[0]["type"])
	assert.Equal(t, 2.0, lines[0]["problemCount"])
	probs := lines[0]["problems"].([]any)
	assert.Equal(t, "sender_*", probs[0].(map[string]any)["column"], "PayOS requires a sender")
	assert.Equal(t, "name", probs[1].(map[string]any)["column"], "and the recipient's name")
	errLines := decodeLines(t, r.stderr)
	require.Len(t, errLines, 1, "with -json the error is JSON too")
	assert.Equal(t, "invalid_input", errLines[0]["error"].(map[string]any)["code"])

	// With -sender-json for every row, KES 20.50 passes PayOS's rules.
	r = runCmd(t, env, "-provider", "payos", "batch", "-sender-json", senderFile(t), path)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stdout, "Problems: 1 rows")
	assert.Contains(t, r.stdout, "line 3: name:")
}

func TestBatchSendsThenSendsNothing(t *testing.T) {
	sb, env := newSandbox(t)
	posts := countPosts(sb)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(12))
	out := filepath.Join(dir, "results.csv")
	r := runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", "-out", out, path)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `(?m)^  accepted\s+12  KES 1278.00, fees KES 180.00$`, r.stdout, "fees as the provider reports them")
	assert.Regexp(t, `(?m)^progress: 12/12 rows \(100%\)`, r.stdout, "plain lines when stdout is not a terminal")
	for i := 1; i <= 12; i++ {
		assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, fmt.Sprintf("B-%d", i)))
	}
	assert.Equal(t, 12, posts.total())

	f, err := os.Open(out)
	require.NoError(t, err)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	require.Len(t, recs, 13)
	assert.Equal(t, resultColumns, recs[0])
	assert.Equal(t, []string{"2", "B-1", "accepted"}, recs[1][:3])
	assert.NotEmpty(t, recs[1][3], "provider id")
	assert.Equal(t, "pending", recs[1][4])
	assert.Equal(t, "101.00", recs[1][5])

	stateBefore, err := os.ReadFile(path + ".state")
	require.NoError(t, err)
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", path)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "Resuming from "+path+".state: 12 rows settled")
	assert.Contains(t, r.stdout, "Nothing to send")
	assert.Equal(t, 12, posts.total(), "a second run over a finished file sends nothing")
	stateAfter, err := os.ReadFile(path + ".state")
	require.NoError(t, err)
	assert.Equal(t, stateBefore, stateAfter)
}

func TestBatchResumesInDoubtRowsWithTheSameReference(t *testing.T) {
	sb, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(3))
	// Find the header the batch would write by a dry run's JSON.
	r := runCmd(t, env, "-provider", "palpluss", "-json", "batch", path)
	require.Equal(t, exitOK, r.code, r.stderr)
	sha := decodeLines(t, r.stdout)[0]["sha256"].(string)

	// An earlier run: B-1 accepted, B-2 sent but killed before its outcome
	// was recorded, B-3 killed between "sending" and the request.
	for _, ref := range []string{"B-1", "B-2"} {
		line := map[string]string{"B-1": "2", "B-2": "3"}[ref]
		amount := map[string]string{"B-1": "101", "B-2": "102"}[ref]
		phone := map[string]string{"B-1": "0712000001", "B-2": "0712000002"}[ref]
		s := runCmd(t, env, "-provider", "palpluss", "send", "-yes", "-reference", ref, "-amount", amount, "-phone", phone)
		require.Equal(t, 0, s.code, s.stderr, line)
	}
	st, err := batch.OpenState(path+".state", batch.Header{Provider: "palpluss", BaseURL: sb.PalPlussURL(), CSV: path, SHA256: sha, Rows: 3})
	require.NoError(t, err)
	require.NoError(t, st.Append(batch.Record{Kind: batch.KindSending, Line: 2, Reference: "B-1"}))
	require.NoError(t, st.Append(batch.Record{Kind: batch.KindAccepted, Line: 2, Reference: "B-1", ID: "x"}))
	require.NoError(t, st.Append(batch.Record{Kind: batch.KindSending, Line: 3, Reference: "B-2"}))
	require.NoError(t, st.Append(batch.Record{Kind: batch.KindSending, Line: 4, Reference: "B-3"}))
	require.NoError(t, st.Close())
	// And a torn last line.
	sf, err := os.OpenFile(path+".state", os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = sf.WriteString(`{"kind":"accepted","reference":"B-3","id":"fo`)
	require.NoError(t, err)
	require.NoError(t, sf.Close())

	posts := countPosts(sb)
	const skew = 200 * time.Millisecond
	time.Sleep(skew + 50*time.Millisecond) // B-2 was made before this run by more than skew
	out := filepath.Join(dir, "results.jsonl")
	r = runAppWith(t, context.Background(), env, skew, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", "-out", out, path)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "1 rows settled by earlier runs and not sent again; 2 to send, of which 2 in doubt")
	assert.Contains(t, r.stdout, "last line was cut by a crash")
	assert.Contains(t, r.stdout, "1 returned a payout the provider had already made")
	assert.Equal(t, 0, posts.get("B-1"), "accepted: not sent again")
	assert.Equal(t, 1, posts.get("B-2"), "in doubt: sent again")
	assert.Equal(t, 1, posts.get("B-3"), "in doubt: sent again")
	for _, ref := range []string{"B-1", "B-2", "B-3"} {
		assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, ref), "%s paid once", ref)
	}
	res := decodeLines(t, mustReadString(t, out))
	require.Len(t, res, 3)
	assert.Equal(t, map[string]any{"ref": "B-2", "existing": true, "resent": true}, map[string]any{"ref": res[1]["reference"], "existing": res[1]["existing"], "resent": res[1]["resent"]})
	assert.Nil(t, res[2]["existing"], "B-3 was new")
	assert.Equal(t, true, res[2]["resent"])
}

func mustReadString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestBatchInterruptWaitsForInFlightAndResumes(t *testing.T) {
	sb, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(20))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	n := 0
	sb.SetFault(func(_ string, r *http.Request) payouttest.Fault {
		if r.Method != http.MethodPost {
			return payouttest.FaultNone()
		}
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 5 {
			cancel() // Ctrl-C while this one is in flight, which is slow
			return payouttest.FaultDelay(200 * time.Millisecond)
		}
		return payouttest.FaultNone()
	})
	r := runAppWith(t, ctx, env, 0, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", "-concurrency", "2", path)
	assert.Equal(t, exitIncomplete, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "stopping: no new payouts start")
	assert.Contains(t, r.stderr, "run the same command again to resume")
	snap, err := batch.LoadState(path + ".state")
	require.NoError(t, err)
	require.NotEmpty(t, snap.Last)
	assert.Less(t, len(snap.Last), 20)
	for ref, rec := range snap.Last {
		assert.Equal(t, batch.KindAccepted, rec.Kind, "%s: the sends in flight finished and were recorded", ref)
	}

	sb.SetFault(nil)
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", path)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, fmt.Sprintf("Resuming from %s.state: %d rows settled", path, len(snap.Last)))
	assert.Len(t, sb.Payouts(payouttest.SandboxPalPluss), 20)
	for i := 1; i <= 20; i++ {
		assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, fmt.Sprintf("B-%d", i)))
	}
}

func TestBatchUnknownOutcomeIsItsOwnExitAndIsResent(t *testing.T) {
	sb, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(4))
	sb.SetFault(func(_ string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") == "B-3" {
			return payouttest.FaultResetAfterProcess() // made, then the answer is lost
		}
		return payouttest.FaultNone()
	})
	r := runCmd(t, env, "-provider", "palpluss", "-retries", "0", "batch", "-yes", "-rate", "60000", path)
	assert.Equal(t, exitUnknown, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `(?m)^  unknown\s+1  MAY HAVE BEEN PAID`, r.stdout)
	assert.Contains(t, r.stdout, "line 4 (B-3): unknown")
	assert.Contains(t, r.stderr, "1 rows may have been paid")

	posts := countPosts(sb)
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", path)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Equal(t, 1, posts.total(), "only the unknown row is sent again")
	assert.Equal(t, 1, posts.get("B-3"))
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "B-3"), "and it is not paid twice")
}

func TestBatchRefusedRowsAreNotResentUnlessAsked(t *testing.T) {
	sb, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", "reference,phone,amount\nF-1,0712345678,500\nF-2,0712345678,99999\n")
	r := runCmd(t, env, "-provider", "palpluss", "-json", "batch", "-yes", "-rate", "60000", path)
	assert.Equal(t, exitFailed, r.code, r.stdout+r.stderr)
	lines := decodeLines(t, r.stdout)
	sum := lines[len(lines)-1]
	assert.Equal(t, "summary", sum["type"])
	assert.Equal(t, 1.0, sum["accepted"])
	assert.Equal(t, 1.0, sum["failed"])
	assert.Equal(t, 0.0, sum["retryable"])

	posts := countPosts(sb)
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", path)
	assert.Equal(t, exitFailed, r.code)
	assert.Equal(t, 0, posts.total(), "a refusal is settled: not sent again")
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-retry-failed", "-rate", "60000", path)
	assert.Equal(t, exitFailed, r.code, "still refused")
	assert.Equal(t, 1, posts.get("F-2"), "-retry-failed sends it again, same reference")
	assert.Equal(t, 0, posts.get("F-1"))
}

func TestBatchStateBoundToFileAndProvider(t *testing.T) {
	_, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(2))
	r := runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", path)
	require.Equal(t, exitOK, r.code, r.stderr)

	require.NoError(t, os.WriteFile(path, []byte(palplussCSV(3)), 0o600))
	for _, dry := range []bool{false, true} {
		args := []string{"-provider", "palpluss", "batch", "-rate", "60000", path}
		if !dry {
			args = append(args, "-yes")
		}
		r = runCmd(t, env, args...)
		assert.Equal(t, exitUsage, r.code, "dry %v", dry)
		assert.Contains(t, r.stderr, "belongs to another batch: the SHA-256 of the input is")
		assert.Contains(t, r.stderr, "-state FILE")
	}

	r = runCmd(t, env, "-provider", "payos", "batch", "-yes", "-sender-json", senderFile(t), "-state", path+".state", path)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `provider is "palpluss" there, "payos" here`)

	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-state", path, path)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "three different files")
}

func TestBatchUsage(t *testing.T) {
	_, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"batch"}, "batch: missing <payouts.csv>"},
		{[]string{"batch", "-rate", "-1", path}, "-rate must be positive"},
		{[]string{"batch", "-concurrency", "0", path}, "-concurrency must be positive"},
		{[]string{"batch", "-out", "r.txt", path}, "-out r.txt: the name must end in .csv"},
		{[]string{"batch", filepath.Join(dir, "missing.csv")}, "no such file"},
		{[]string{"batch", writeFile(t, dir, "bad.csv", "reference,phone\nA,0712345678\n")}, `missing column "amount"`},
	} {
		r := runCmd(t, env, append([]string{"-provider", "palpluss"}, tc.args...)...)
		assert.Equal(t, exitUsage, r.code, "%v", tc.args)
		assert.Contains(t, r.stderr, tc.want)
		assert.Contains(t, r.stderr, "(see payout batch -h)")
	}
	r := runCmd(t, env, "batch", "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "usage: payout -provider palpluss|payos batch")
	for _, want := range []string{"sender_identity_number", "-retry-failed", "-concurrency", "-state", "kill -9"} {
		assert.Contains(t, r.stdout, want)
	}
}

func TestBatchStaleInDoubtRowsAreLookedUpFirst(t *testing.T) {
	sb, env := newSandbox(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "p.csv", palplussCSV(3))
	r := runCmd(t, env, "-provider", "palpluss", "-json", "batch", path)
	require.Equal(t, exitOK, r.code, r.stderr)
	sha := decodeLines(t, r.stdout)[0]["sha256"].(string)
	// B-1 was paid two days ago, but the crash left it "sending"; B-2 was
	// never sent. PalPluss may have forgotten both keys by now.
	s := runCmd(t, env, "-provider", "palpluss", "send", "-yes", "-reference", "B-1", "-amount", "101", "-phone", "0712000001")
	require.Equal(t, 0, s.code, s.stderr)
	st, err := batch.OpenState(path+".state", batch.Header{Provider: "palpluss", BaseURL: sb.PalPlussURL(), CSV: path, SHA256: sha, Rows: 3})
	require.NoError(t, err)
	old := time.Now().Add(-48 * time.Hour)
	require.NoError(t, st.Append(batch.Record{Kind: batch.KindSending, Line: 2, Reference: "B-1", At: old}))
	require.NoError(t, st.Append(batch.Record{Kind: batch.KindSending, Line: 3, Reference: "B-2", At: old}))
	require.NoError(t, st.Close())

	posts := countPosts(sb)
	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-rate", "60000", path)
	assert.Equal(t, exitUnknown, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `line 2 \(B-1\): in doubt since \S+, found as payout \S+: not sent again`, r.stdout)
	assert.Contains(t, r.stdout, "line 3 (B-2): in doubt since")
	assert.Contains(t, r.stdout, "run again with -resend-stale")
	assert.Equal(t, 0, posts.get("B-1"), "found: not sent again")
	assert.Equal(t, 0, posts.get("B-2"), "not found after a day: held back")
	assert.Equal(t, 1, posts.get("B-3"), "the fresh row is sent")

	r = runCmd(t, env, "-provider", "palpluss", "batch", "-yes", "-resend-stale", "-rate", "60000", path)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Equal(t, 1, posts.get("B-2"), "sent once the operator says so")
	assert.Equal(t, 0, posts.get("B-1"))
	for _, ref := range []string{"B-1", "B-2", "B-3"} {
		assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, ref))
	}
}
