//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/cmd/payout/internal/batch"
	"github.com/payoutkit/payout/palpluss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildBinaries builds cmd/payout and cmd/payout-sandbox into dir.
func buildBinaries(t *testing.T, dir string) (payoutBin, sandboxBin string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "this test builds the binaries with the go command")
	payoutBin, sandboxBin = filepath.Join(dir, "payout"), filepath.Join(dir, "payout-sandbox")
	for bin, pkg := range map[string]string{payoutBin: ".", sandboxBin: "../payout-sandbox"} {
		out, err := exec.Command(goBin, "build", "-o", bin, pkg).CombinedOutput()
		require.NoError(t, err, "go build %s: %s", pkg, out)
	}
	return payoutBin, sandboxBin
}

// startSandbox runs the payout-sandbox binary on a free port and returns
// the environment its output names.
func startSandbox(t *testing.T, bin, dir string) (env []string) {
	t.Helper()
	outPath, logPath := filepath.Join(dir, "sandbox.out"), filepath.Join(dir, "sandbox.err")
	stdout, err := os.Create(outPath)
	require.NoError(t, err)
	stderr, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-settle", "0")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		stdout.Close()
		stderr.Close()
	})
	vars := map[string]string{}
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(outPath)
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && (strings.HasPrefix(k, "PALPLUSS_") || k == "SANDBOX_CONTROL_URL") {
				vars[k] = v
			}
		}
		return vars["PALPLUSS_BASE_URL"] != "" && vars["PALPLUSS_API_KEY"] != "" && vars["SANDBOX_CONTROL_URL"] != ""
	}, 10*time.Second, 10*time.Millisecond, "the sandbox prints its addresses")
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// batchRun is one run of the payout binary.
type batchRun struct {
	cmd            *exec.Cmd
	stdout, stderr string // paths
}

func startBatch(t *testing.T, bin, dir string, n int, env []string, args ...string) *batchRun {
	t.Helper()
	r := &batchRun{stdout: filepath.Join(dir, fmt.Sprintf("run%d.out", n)), stderr: filepath.Join(dir, fmt.Sprintf("run%d.err", n))}
	so, err := os.Create(r.stdout)
	require.NoError(t, err)
	se, err := os.Create(r.stderr)
	require.NoError(t, err)
	r.cmd = exec.Command(bin, args...)
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stdout, r.cmd.Stderr = so, se
	require.NoError(t, r.cmd.Start())
	so.Close() // the child holds its own copies
	se.Close()
	return r
}

// wait waits for the run and returns its exit status (-1 if a signal
// ended it).
func (r *batchRun) wait(t *testing.T) int {
	t.Helper()
	err := r.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		require.NoError(t, err)
	}
	return r.cmd.ProcessState.ExitCode()
}

func (r *batchRun) output(t *testing.T) string {
	return mustReadString(t, r.stdout) + mustReadString(t, r.stderr)
}

// acceptedInState counts the rows the state file records as accepted
// (0 while it does not exist yet).
func acceptedInState(path string) int {
	snap, err := batch.LoadState(path)
	if err != nil {
		return 0
	}
	n := 0
	for _, rec := range snap.Last {
		if rec.Kind == batch.KindAccepted {
			n++
		}
	}
	return n
}

// TestBatchKillAndResumeBinary is the crash test of payout batch, with the
// real binaries over loopback: a 500-row file is paid by a run that is
// SIGKILLed part way, a run that is SIGTERMed part way, and a run that
// finishes; the Sandbox then holds exactly 500 payouts, one per reference,
// and a fourth run sends nothing.
func TestBatchKillAndResumeBinary(t *testing.T) {
	const rows = 500
	dir := t.TempDir()
	payoutBin, sandboxBin := buildBinaries(t, dir)
	env := startSandbox(t, sandboxBin, dir)
	// Every payout takes 40ms to answer, so that some are always in
	// flight, between their "sending" record and their outcome, when the
	// kill lands.
	putFault(t, env, `{"kind":"delay","delay":"40ms","method":"POST","path":"/b2c/payouts"}`)
	csvPath := writeFile(t, dir, "payouts.csv", palplussCSV(rows))
	statePath := csvPath + ".state"
	// 6,000 a minute: 100 a second, so that the test takes seconds. The
	// pacing, the journal and the fsyncs are the same as at 60.
	args := []string{"-provider", "palpluss", "batch", "-yes", "-rate", "6000", "-concurrency", "4", csvPath}

	// Run 1: SIGKILL once some rows are recorded.
	run := startBatch(t, payoutBin, dir, 1, env, args...)
	require.Eventually(t, func() bool { return acceptedInState(statePath) >= 100 }, 20*time.Second, 5*time.Millisecond, "run 1 makes progress")
	require.NoError(t, run.cmd.Process.Kill())
	assert.Equal(t, -1, run.wait(t), "killed by the signal")
	snap, err := batch.LoadState(statePath)
	require.NoError(t, err, "the state file survives kill -9")
	settled1, inDoubt1 := 0, 0
	for _, rec := range snap.Last {
		if rec.Kind == batch.KindAccepted {
			settled1++
		} else {
			inDoubt1++
		}
	}
	require.Less(t, settled1, rows, "killed part way")
	require.Positive(t, inDoubt1, "some rows were in flight: their outcome is unknown")
	t.Logf("after SIGKILL: %d accepted, %d in doubt, torn last line: %v", settled1, inDoubt1, snap.Torn)

	// Run 2: SIGTERM part way: the sends in flight finish and are recorded.
	run = startBatch(t, payoutBin, dir, 2, env, args...)
	require.Eventually(t, func() bool { return acceptedInState(statePath) >= settled1+150 }, 20*time.Second, 5*time.Millisecond, "run 2 makes progress")
	require.NoError(t, run.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, exitIncomplete, run.wait(t), run.output(t))
	out := run.output(t)
	assert.Contains(t, out, fmt.Sprintf("Resuming from %s: %d rows settled by earlier runs and not sent again; %d to send, of which %d in doubt",
		statePath, settled1, rows-settled1, inDoubt1))
	assert.Contains(t, out, "stopping: no new payouts start")
	snap, err = batch.LoadState(statePath)
	require.NoError(t, err)
	assert.False(t, snap.Torn)
	settled2 := 0
	for ref, rec := range snap.Last {
		require.NotEqual(t, batch.KindSending, rec.Kind, "%s: SIGTERM waited for the send in flight and recorded it", ref)
		if rec.Kind == batch.KindAccepted {
			settled2++
		}
	}
	require.Less(t, settled2, rows, "stopped part way")

	// Run 3: to the end.
	run = startBatch(t, payoutBin, dir, 3, env, args...)
	require.Equal(t, exitOK, run.wait(t), run.output(t))
	out = run.output(t)
	assert.Contains(t, out, fmt.Sprintf("Resuming from %s: %d rows settled", statePath, settled2))
	assert.Regexp(t, fmt.Sprintf(`(?m)^  accepted\s+%d  `, rows), out)
	assert.Regexp(t, fmt.Sprintf(`(?m)^progress: %d/%d rows \(100%%\)`, rows, rows), out)

	// Count on the Sandbox, through the PalPluss API: 500 payouts, none twice.
	counts := sandboxPayouts(t, env)
	assert.Len(t, counts, rows, "one payout per row")
	for i := 1; i <= rows; i++ {
		ref := fmt.Sprintf("B-%d", i)
		assert.Equal(t, 1, counts[ref], "%s paid exactly once", ref)
	}
	// And through the Sandbox's control API, which lists what it created.
	created := controlPayouts(t, env)
	assert.Len(t, created, rows, "the Sandbox created %d payouts", len(created))
	perRef := map[string]int{}
	for _, p := range created {
		perRef[p.Reference]++
	}
	assert.Len(t, perRef, rows, "none twice")

	// Run 4: a finished file sends nothing.
	before := mustReadString(t, statePath)
	run = startBatch(t, payoutBin, dir, 4, env, args...)
	require.Equal(t, exitOK, run.wait(t), run.output(t))
	assert.Contains(t, run.output(t), "Nothing to send")
	assert.Equal(t, before, mustReadString(t, statePath))
	assert.Len(t, sandboxPayouts(t, env), rows)
	assert.Len(t, controlPayouts(t, env), rows)
}

// oneShot is the test's HTTP client: no connection outlives its request,
// so no goroutine outlives the test.
var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// putFault installs a fault through the Sandbox's control API.
func putFault(t *testing.T, env []string, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, controlURL(env)+"/fault", strings.NewReader(body))
	require.NoError(t, err)
	resp, err := oneShot.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// controlURL is SANDBOX_CONTROL_URL in env.
func controlURL(env []string) string {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == "SANDBOX_CONTROL_URL" {
			return v
		}
	}
	return ""
}

// controlPayouts lists the Sandbox's PalPluss payouts through its control
// API (GET /_sandbox/payouts).
func controlPayouts(t *testing.T, env []string) []struct{ Reference, IdempotencyKey string } {
	t.Helper()
	resp, err := oneShot.Get(controlURL(env) + "/payouts?provider=palpluss")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list []struct{ Reference, IdempotencyKey string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	return list
}

// sandboxPayouts lists every B2C transaction through the PalPluss API and
// counts them by reference.
func sandboxPayouts(t *testing.T, env []string) map[string]int {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	c, err := palpluss.New(vars["PALPLUSS_API_KEY"], payout.WithBaseURL(vars["PALPLUSS_BASE_URL"]), payout.WithHTTPClient(oneShot))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	counts := map[string]int{}
	for p, err := range c.Transactions(ctx, palpluss.TransactionsQuery{Limit: 100, Type: palpluss.TypeB2C}) {
		require.NoError(t, err)
		counts[p.Reference]++
	}
	return counts
}
