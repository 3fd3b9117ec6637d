package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/payouttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newSandbox starts a Sandbox closed at the end of the test, and the
// environment that points the command at it.
func newSandbox(t *testing.T) (*payouttest.Sandbox, map[string]string) {
	t.Helper()
	sb := payouttest.NewSandbox()
	t.Cleanup(sb.Close)
	return sb, map[string]string{
		"PALPLUSS_BASE_URL":   sb.PalPlussURL(),
		"PALPLUSS_API_KEY":    sb.PalPlussAPIKey(),
		"PAYOS_BASE_URL":      sb.PayOSURL(),
		"PAYOS_MERCHANT_ID":   sb.PayOSMerchantID(),
		"PAYOS_CLIENT_SECRET": sb.PayOSClientSecret(),
	}
}

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command with args under env.
func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return result{code, out.String(), errOut.String()}
}

// decodeLines parses stdout as one JSON object per line.
func decodeLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		out = append(out, m)
	}
	return out
}

// senderFile writes a complete PayOS sender record and returns its path.
func senderFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sender.json")
	body := `{"fullName":"Acme Ltd","phoneNumber":"254712345678","identity":"company registration number",
	"identityNumber":"PVT-123","dateOfBirth":"2015-01-02","purposeOfFunds":"salary",
	"sourceOfFunds":"business income","relationship":"employer"}`
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func TestSendDryRunSendsNothing(t *testing.T) {
	sb, env := newSandbox(t)
	r := runCmd(t, env, "-provider", "palpluss", "send", "-reference", "DRY-1", "-amount", "500.00", "-phone", "0712345678")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "DRY RUN")
	assert.Contains(t, r.stdout, "KES 500.00")
	assert.Contains(t, r.stdout, "-yes")
	assert.Empty(t, sb.Payouts(payouttest.SandboxPalPluss))

	r = runCmd(t, env, "-provider", "payos", "-json", "send", "-reference", "DRY-2", "-amount", "20.50",
		"-phone", "0712345678", "-name", "Jane", "-sender-json", senderFile(t))
	require.Equal(t, 0, r.code, r.stderr)
	lines := decodeLines(t, r.stdout)
	require.Len(t, lines, 1)
	assert.Equal(t, true, lines[0]["dryRun"])
	assert.Equal(t, map[string]any{"minor": 2050.0, "currency": "KES"}, lines[0]["amount"])
	assert.Empty(t, sb.Payouts(payouttest.SandboxPayOS))
}

func TestSendYesIsIdempotent(t *testing.T) {
	for _, tc := range []struct {
		provider string
		extra    []string
	}{
		{"palpluss", nil},
		{"payos", []string{"-name", "Jane Doe", "-sender-json", ""}},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			sb, env := newSandbox(t)
			extra := tc.extra
			if len(extra) > 0 {
				extra[len(extra)-1] = senderFile(t)
			}
			args := append([]string{"-provider", tc.provider, "-json", "send", "-yes",
				"-reference", "REF-" + tc.provider, "-amount", "500", "-phone", "0712345678"}, extra...)
			first := runCmd(t, env, args...)
			require.Equal(t, 0, first.code, first.stderr)
			second := runCmd(t, env, args...)
			require.Equal(t, 0, second.code, second.stderr)

			a, b := decodeLines(t, first.stdout), decodeLines(t, second.stdout)
			require.Len(t, a, 1)
			require.Len(t, b, 1)
			assert.NotEmpty(t, a[0]["id"])
			assert.Equal(t, a[0]["id"], b[0]["id"], "same -reference, same payout")
			assert.Equal(t, "REF-"+tc.provider, a[0]["reference"])
			assert.Equal(t, map[string]any{"minor": 50000.0, "currency": "KES"}, a[0]["amount"])
			assert.Len(t, sb.Payouts(tc.provider), 1)
			assert.Equal(t, 1, sb.CreatedCount(tc.provider, "REF-"+tc.provider))
		})
	}
}

func TestGetFindHumanAndJSON(t *testing.T) {
	for _, provider := range []string{"palpluss", "payos"} {
		t.Run(provider, func(t *testing.T) {
			sb, env := newSandbox(t)
			args := []string{"-provider", provider, "-json", "send", "-yes", "-reference", "GF-1", "-amount", "750",
				"-phone", "0712345678", "-name", "Jane Doe"}
			if provider == "payos" {
				args = append(args, "-sender-json", senderFile(t))
			}
			r := runCmd(t, env, args...)
			require.Equal(t, 0, r.code, r.stderr)
			id := decodeLines(t, r.stdout)[0]["id"].(string)
			require.NoError(t, sb.Settle(provider, id))

			r = runCmd(t, env, "-provider", provider, "get", id)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Regexp(t, `(?m)^ID:\s+`+id+`$`, r.stdout)
			assert.Regexp(t, `(?m)^Reference:\s+GF-1$`, r.stdout)
			assert.Regexp(t, `(?m)^Status:\s+succeeded \(\w+\)$`, r.stdout)
			assert.Regexp(t, `(?m)^Amount:\s+KES 750.00$`, r.stdout)
			if provider == "palpluss" { // PayOS's GET answer carries no phone
				assert.Regexp(t, `(?m)^Phone:\s+254712345678$`, r.stdout, "the operator sees the phone in full")
			}
			assert.Regexp(t, `(?m)^Receipt:\s+\S+$`, r.stdout)

			// Global flags after the command, positional argument first.
			r = runCmd(t, env, "find", "GF-1", "-provider", provider, "-json")
			require.Equal(t, 0, r.code, r.stderr)
			lines := decodeLines(t, r.stdout)
			require.Len(t, lines, 1)
			assert.Equal(t, id, lines[0]["id"])
			assert.Equal(t, "succeeded", lines[0]["status"])
			var typed struct{ Amount money.Amount }
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &typed))
			assert.Equal(t, money.New(75000, money.KES), typed.Amount)

			r = runCmd(t, env, "-provider", provider, "find", "NO-SUCH-REF")
			assert.Equal(t, exitNotFound, r.code)
			assert.Contains(t, r.stderr, "not found")
		})
	}
}

func TestListAndBalance(t *testing.T) {
	sb, env := newSandbox(t)
	for _, ref := range []string{"L-1", "L-2", "L-3"} {
		r := runCmd(t, env, "-provider", "palpluss", "send", "-yes", "-reference", ref, "-amount", "100", "-phone", "0712345678")
		require.Equal(t, 0, r.code, r.stderr)
	}
	require.Len(t, sb.Payouts(payouttest.SandboxPalPluss), 3)

	r := runCmd(t, env, "-provider", "palpluss", "-json", "list", "-limit", "2")
	require.Equal(t, 0, r.code, r.stderr)
	lines := decodeLines(t, r.stdout)
	require.Len(t, lines, 2, "stops at -limit")
	assert.Equal(t, "L-3", lines[0]["reference"], "newest first")

	r = runCmd(t, env, "-provider", "palpluss", "list", "-status", "pending")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "REFERENCE")
	for _, ref := range []string{"L-1", "L-2", "L-3"} {
		assert.Contains(t, r.stdout, ref)
	}

	r = runCmd(t, env, "-provider", "palpluss", "list", "-status", "succeeded")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "no transactions")

	r = runCmd(t, env, "-provider", "palpluss", "balance")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^Available:\s+KES \d+\.\d\d$`, r.stdout)

	r = runCmd(t, env, "-provider", "palpluss", "-json", "balance")
	require.Equal(t, 0, r.code, r.stderr)
	var bal struct {
		Provider  string
		Available money.Amount
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &bal))
	_, service := sb.PalPlussBalances()
	assert.Equal(t, service, bal.Available)

	r = runCmd(t, env, "-provider", "payos", "balance")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "PalPluss only")
}

func TestUsageErrorsNameTheFlag(t *testing.T) {
	_, env := newSandbox(t)
	send := []string{"send", "-reference", "U-1", "-amount", "500", "-phone", "0712345678"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"-provider", "palpluss"}, "no command"},
		{"unknown command", []string{"-provider", "palpluss", "refund"}, `unknown command "refund"`},
		{"no provider", []string{"get", "x"}, "-provider is required"},
		{"bad provider", []string{"-provider", "stripe", "get", "x"}, "-provider must be"},
		{"missing id", []string{"-provider", "palpluss", "get"}, "missing <transaction-id>"},
		{"extra arg", []string{"-provider", "palpluss", "get", "a", "b"}, `unexpected argument "b"`},
		{"unknown flag", []string{"-provider", "palpluss", "-bogus", "get", "x"}, "-bogus"},
		{"bad limit", []string{"-provider", "palpluss", "list", "-limit", "0"}, "-limit"},
		{"limit not a number", []string{"-provider", "palpluss", "list", "-limit", "ten"}, "-limit"},
		{"bad status", []string{"-provider", "palpluss", "list", "-status", "sideways"}, "-status"},
		{"bad timeout", []string{"-provider", "palpluss", "-timeout", "0s", "balance"}, "-timeout"},
		{"missing amount", []string{"-provider", "palpluss", "send", "-reference", "U-1", "-phone", "0712345678"}, "-amount is required"},
		{"float amount", append([]string{"-provider", "palpluss"}, append(send, "-amount", "1e3")...), "-amount"},
		{"cents on palpluss", append([]string{"-provider", "palpluss"}, append(send, "-amount", "20.50")...), "-amount"},
		{"bad phone", append([]string{"-provider", "palpluss"}, append(send, "-phone", "12345")...), "-phone"},
		{"bad callback", append([]string{"-provider", "palpluss"}, append(send, "-callback", "http://example.com/h")...), "-callback"},
		{"payos needs sender", append([]string{"-provider", "payos"}, append(send, "-name", "Jane")...), "-sender-json"},
		{"missing sender file", append([]string{"-provider", "payos"}, append(send, "-name", "J", "-sender-json", "/nonexistent.json")...), "-sender-json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, env, tc.args...)
			assert.Equal(t, 2, r.code, "stdout %q stderr %q", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "usage:", "one line, not the whole usage")
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
			assert.Regexp(t, `\(see payout( \w+)? -h\)\n$`, r.stderr)
		})
	}

	r := runCmd(t, map[string]string{}, "-provider", "palpluss", "balance")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "PALPLUSS_API_KEY is not set")

	r = runCmd(t, env, "-h")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "usage:")
}

func TestWrongCredentialsNeverPrinted(t *testing.T) {
	_, env := newSandbox(t)
	const key = "pk_live_SECRETSECRET123"
	env["PALPLUSS_API_KEY"] = key
	r := runCmd(t, env, "-provider", "palpluss", "-v", "-retries", "0", "balance")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "unauthorized")
	assert.NotContains(t, r.stdout+r.stderr, key)
	assert.NotContains(t, r.stdout+r.stderr, "SECRETSECRET")

	const secret = "payos-secret-XYZZY-987"
	env["PAYOS_CLIENT_SECRET"] = secret
	r = runCmd(t, env, "-provider", "payos", "-v", "-retries", "0", "get", "01a206be-5794-74f8-892f-30cb9e9f394b")
	assert.Equal(t, 1, r.code)
	assert.NotContains(t, r.stdout+r.stderr, secret)
	assert.NotContains(t, r.stdout+r.stderr, "XYZZY")
}

func TestOutcomeUnknownHint(t *testing.T) {
	sb, env := newSandbox(t)
	sb.SetFault(func(_ string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost {
			return payouttest.FaultResetAfterProcess()
		}
		return payouttest.FaultNone()
	})
	r := runCmd(t, env, "-provider", "palpluss", "-retries", "0", "send", "-yes",
		"-reference", "OU-1", "-amount", "500", "-phone", "0712345678")
	assert.Equal(t, exitUnknown, r.code, "never the not-paid status: %s", r.stdout)
	assert.Contains(t, r.stderr, "outcome unknown")
	assert.Contains(t, r.stderr, "the payout may exist: run `payout -provider palpluss find OU-1` or send again with the same -reference")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(strings.SplitN(r.stderr, "\nhint:", 2)[0]), "\n")+1, "the error is one line")

	// Sending again with the same reference finds the payout the first made.
	sb.SetFault(nil)
	r = runCmd(t, env, "-provider", "palpluss", "send", "-yes", "-reference", "OU-1", "-amount", "500", "-phone", "0712345678")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "OU-1"))
}

func TestOutcomeHintFormatting(t *testing.T) {
	err := &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: "payos", Reference: "it's 1"}
	assert.Equal(t, "hint: the payout may exist: run `payout -provider payos find 'it'\\''s 1'` or send again with the same -reference",
		outcomeHint(err, "payos"))
	assert.Contains(t, outcomeHint(payout.ErrOutcomeUnknown, ""), "find <reference>")
	assert.Empty(t, outcomeHint(errors.New("boom"), "palpluss"))
	assert.Empty(t, outcomeHint(&payout.Error{Code: payout.CodeNetwork}, "palpluss"))
}

func TestSendDryRunTellsTheTruth(t *testing.T) {
	sb, env := newSandbox(t)
	sender := senderFile(t)
	for _, tc := range []struct {
		provider, amount, want string
	}{
		{"payos", "5", "-amount: "},
		{"payos", "200000", "-amount: "},
		{"palpluss", "200000", "-amount: "},
		{"palpluss", "20.50", "-amount: "},
	} {
		args := []string{"-provider", tc.provider, "send", "-reference", "T-1", "-amount", tc.amount, "-phone", "0712345678", "-name", "Jane"}
		if tc.provider == "payos" {
			args = append(args, "-sender-json", sender)
		}
		r := runCmd(t, env, args...)
		assert.Equal(t, exitUsage, r.code, "%s KES %s must fail the dry run as -yes would: %s", tc.provider, tc.amount, r.stdout)
		assert.Contains(t, r.stderr, tc.want)
		assert.NotContains(t, r.stdout, "passed")
	}
	r := runCmd(t, env, "-provider", "payos", "send", "-reference", "T-1", "-amount", "500", "-phone", "0712345678", "-sender-json", sender)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "-name: ", "PayOS requires the recipient's name")

	r = runCmd(t, env, "-provider", "payos", "send", "-reference", "T-1", "-amount", "500", "-phone", "0712345678", "-name", "Jane", "-sender-json", sender)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `(?m)^Base URL:\s+`+sb.PayOSURL()+`$`, r.stdout, "the dry run shows where it would send")
	r = runCmd(t, env, "-provider", "palpluss", "-json", "send", "-reference", "T-1", "-amount", "500", "-phone", "0712345678")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, sb.PalPlussURL(), decodeLines(t, r.stdout)[0]["baseUrl"])
}

func TestSendSaysItReturnedAnExistingPayout(t *testing.T) {
	sb, env := newSandbox(t)
	args := []string{"-provider", "palpluss", "send", "-yes", "-reference", "E-1", "-amount", "500", "-phone", "0712345678"}
	const skew = 50 * time.Millisecond
	r := runAppWith(t, context.Background(), env, skew, args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "already had a payout", "the first send made it")
	time.Sleep(2 * skew)
	r = runAppWith(t, context.Background(), env, skew, args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Note: this reference already had a payout (created ")
	r = runAppWith(t, context.Background(), env, skew, append([]string{"-json"}, args...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, true, decodeLines(t, r.stdout)[0]["existing"])
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "E-1"))
}

func TestCommandHelpShowsItsOwnFlags(t *testing.T) {
	r := runCmd(t, nil, "send", "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Empty(t, r.stderr)
	assert.Contains(t, r.stdout, "usage: payout -provider palpluss|payos send")
	for _, f := range []string{"-reference", "-amount", "-phone", "-sender-json", "-yes"} {
		assert.Regexp(t, `(?m)^  `+f+`( string)?$`, r.stdout, "send -h lists %s", f)
	}
	assert.NotContains(t, r.stdout, "-limit", "not list's flags")
	assert.NotContains(t, r.stdout, "-provider string", "global flags are on payout -h")

	r = runCmd(t, nil, "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "3  outcome unknown")
	assert.Contains(t, r.stdout, "4  not found")
}

func TestVersion(t *testing.T) {
	r := runCmd(t, nil, "version")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `^payout `+regexp.QuoteMeta(payout.Version)+` \(go[^)]*\)\n$`, r.stdout)
	r = runCmd(t, nil, "-json", "version")
	require.Equal(t, exitOK, r.code)
	assert.Equal(t, payout.Version, decodeLines(t, r.stdout)[0]["version"])
}

func TestJSONErrors(t *testing.T) {
	_, env := newSandbox(t)
	r := runCmd(t, env, "-json", "-provider", "palpluss", "refund")
	assert.Equal(t, exitUsage, r.code)
	e := decodeLines(t, r.stderr)
	require.Len(t, e, 1)
	assert.Equal(t, map[string]any{"code": "usage", "message": `unknown command "refund"`, "exit": 2.0}, e[0]["error"])

	r = runCmd(t, env, "-json", "-provider", "palpluss", "find", "NOPE")
	assert.Equal(t, exitNotFound, r.code)
	e = decodeLines(t, r.stderr)
	require.Len(t, e, 1)
	got := e[0]["error"].(map[string]any)
	assert.Equal(t, "not_found", got["code"])
	assert.Equal(t, 4.0, got["exit"])
	assert.Equal(t, "palpluss", got["provider"])
	assert.Empty(t, r.stdout)
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&payout.Error{Code: payout.CodeOutcomeUnknown}, exitUnknown},
		{fmt.Errorf("wrapped: %w", &payout.Error{Code: payout.CodeOutcomeUnknown}), exitUnknown},
		{&payout.Error{Code: payout.CodeNotFound}, exitNotFound},
		{&payout.Error{Code: payout.CodeInsufficientFunds}, exitFailed},
		{&payout.Error{Code: payout.CodeNetwork}, exitFailed},
		{context.DeadlineExceeded, exitUnknown},
		{errors.New("boom"), exitFailed},
	} {
		assert.Equal(t, tc.want, exitCode(tc.err), "%v", tc.err)
	}
}
