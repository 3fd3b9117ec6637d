package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe to write from run and read from the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the command with args until the returned cancel is called, and
// returns the environment it printed.
func start(t *testing.T, args ...string) (env map[string]string, stop func() error) {
	t.Helper()
	env, _, stop = startLogged(t, args...)
	return env, stop
}

// startLogged is start that also returns what the command writes to stderr.
func startLogged(t *testing.T, args ...string) (env map[string]string, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &out, &errOut) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "PAYOS_WEBHOOK_SECRET=") },
		5*time.Second, 5*time.Millisecond, "stdout: %s stderr: %s", &out, &errOut)
	env = map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
				assert.Contains(t, out.String(), "payout-sandbox: stopped")
			case <-time.After(5 * time.Second):
				t.Fatal("run did not return after the context was cancelled")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return env, &errOut, stop
}

func do(t *testing.T, method, url string, header map[string]string, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func TestServesBothProvidersAndStops(t *testing.T) {
	before := runtime.NumGoroutine()
	env, stop := start(t, "-addr", "127.0.0.1:0", "-settle", "40ms", "-palpluss-key", "pk_test_cli",
		"-payos-merchant", "m-cli", "-payos-secret", "s-cli", "-palpluss-service", "100", "-palpluss-fee", "2.50")
	assert.Equal(t, "pk_test_cli", env["PALPLUSS_API_KEY"])
	assert.Equal(t, "m-cli", env["PAYOS_MERCHANT_ID"])
	assert.Equal(t, "s-cli", env["PAYOS_CLIENT_SECRET"])
	assert.True(t, strings.HasPrefix(env["PAYOS_WEBHOOK_SECRET"], "whsec_"))
	assert.Equal(t, env["PAYOS_BASE_URL"]+"/v1", env["PALPLUSS_BASE_URL"], "one listener serves both")

	pal := map[string]string{"Authorization": "pk_test_cli"}
	status, body := do(t, "POST", env["PALPLUSS_BASE_URL"]+"/b2c/payouts", pal, `{"amount": 100, "phone": "0712345678"}`)
	require.Equal(t, 200, status, "%v", body)
	data := body["data"].(map[string]any)
	assert.Equal(t, 2.5, data["transactionFee"], "-palpluss-fee")
	id := data["transactionId"].(string)
	require.Eventually(t, func() bool {
		_, got := do(t, "GET", env["PALPLUSS_BASE_URL"]+"/transactions/"+id, pal, "")
		return got["data"].(map[string]any)["status"] == "SUCCESS"
	}, 5*time.Second, 10*time.Millisecond, "settles after -settle")
	_, got := do(t, "GET", env["PALPLUSS_BASE_URL"]+"/wallets/service/balance", pal, "")
	assert.Equal(t, 97.5, got["data"].(map[string]any)["availableBalance"], "-palpluss-service less the fee")

	status, body = do(t, "POST", env["PAYOS_BASE_URL"]+"/api/v1/auth/oauth2/token", nil, `{"merchantId":"m-cli","clientSecret":"s-cli"}`)
	require.Equal(t, 200, status, "%v", body)
	assert.NotEmpty(t, body["accessToken"])

	require.NoError(t, stop())
	c := &http.Client{Timeout: time.Second}
	_, err := c.Get(env["PAYOS_BASE_URL"] + "/api/v1/payout/x")
	assert.Error(t, err, "the server is gone")
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "nothing keeps running after shutdown")
}

func TestSeparateAddresses(t *testing.T) {
	env, _ := start(t, "-palpluss-addr", "127.0.0.1:0", "-payos-addr", "127.0.0.1:0", "-settle", "0")
	assert.NotEqual(t, env["PAYOS_BASE_URL"]+"/v1", env["PALPLUSS_BASE_URL"])
	status, _ := do(t, "GET", env["PALPLUSS_BASE_URL"]+"/wallets/service/balance",
		map[string]string{"Authorization": env["PALPLUSS_API_KEY"]}, "")
	assert.Equal(t, 200, status)
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-settle", "soon"},
		{"-palpluss-addr", "127.0.0.1:0"},
		{"-palpluss-b2c", "1,000"},
		{"-palpluss-fee", "0.001"},
		{"-webhook-secret", "plain"},
		{"-webhook-retries", "1s,x"},
		{"-rate-limit", "-1"},
		{"-addr", "127.0.0.1:0", "extra"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), args, io.Discard, &stderr)
		assert.Error(t, err, "%v", args)
	}
	var stderr bytes.Buffer
	assert.ErrorIs(t, run(context.Background(), []string{"-h"}, io.Discard, &stderr), flag.ErrHelp)
	assert.Contains(t, stderr.String(), "-palpluss-key")
	assert.True(t, strings.HasPrefix(stderr.String(), "payout-sandbox serves fake PalPluss and PayOS payout APIs"),
		"-h starts by saying what the tool is: %s", stderr.String())
	assert.Contains(t, stderr.String(), "/_sandbox/")
}

// TestVerboseLogsSettlementsAndWebhooks: -v logs what its help promises:
// requests, settlements and webhooks.
func TestVerboseLogsSettlementsAndWebhooks(t *testing.T) {
	hooks := make(chan struct{}, 8)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooks <- struct{}{} }))
	t.Cleanup(receiver.Close)
	env, stderr, _ := startLogged(t, "-addr", "127.0.0.1:0", "-settle", "20ms", "-v")
	pal := map[string]string{"Authorization": env["PALPLUSS_API_KEY"]}
	status, body := do(t, "POST", env["PALPLUSS_BASE_URL"]+"/b2c/payouts", pal,
		`{"amount": 100, "phone": "0712345678", "callbackUrl": "`+receiver.URL+`/hook"}`)
	require.Equal(t, 200, status, "%v", body)
	id := body["data"].(map[string]any)["transactionId"].(string)
	<-hooks
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "payouttest: webhook") },
		5*time.Second, 5*time.Millisecond, "stderr: %s", stderr)
	log := stderr.String()
	assert.Regexp(t, `msg="payouttest: request" provider=palpluss method=POST path=/v1/b2c/payouts status=200`, log)
	assert.Regexp(t, `msg="payouttest: payout status" provider=palpluss id=`+id+` status=succeeded`, log)
	assert.Regexp(t, `msg="payouttest: webhook" provider=palpluss event=transaction.success .* status=200`, log)
	assert.NotContains(t, log, env["PALPLUSS_API_KEY"], "the key is not logged")
}

func TestQuietWithoutVerbose(t *testing.T) {
	env, stderr, stop := startLogged(t, "-addr", "127.0.0.1:0", "-settle", "10ms")
	pal := map[string]string{"Authorization": env["PALPLUSS_API_KEY"]}
	status, body := do(t, "POST", env["PALPLUSS_BASE_URL"]+"/b2c/payouts", pal, `{"amount": 100, "phone": "0712345678"}`)
	require.Equal(t, 200, status)
	id := body["data"].(map[string]any)["transactionId"].(string)
	require.Eventually(t, func() bool {
		_, got := do(t, "GET", env["PALPLUSS_BASE_URL"]+"/transactions/"+id, pal, "")
		return got["data"].(map[string]any)["status"] == "SUCCESS"
	}, 5*time.Second, 10*time.Millisecond, "settled: nothing may be logged about it")
	require.NoError(t, stop())
	assert.Empty(t, stderr.String())
}

// TestControlAPI drives the command over HTTP as a non-Go test would.
func TestControlAPI(t *testing.T) {
	env, _ := start(t, "-addr", "127.0.0.1:0", "-settle", "0")
	ctl := env["SANDBOX_CONTROL_URL"]
	require.True(t, strings.HasSuffix(ctl, "/_sandbox"), ctl)
	pal := map[string]string{"Authorization": env["PALPLUSS_API_KEY"]}
	status, body := do(t, "POST", env["PALPLUSS_BASE_URL"]+"/b2c/payouts", pal, `{"amount": 100, "phone": "0712345678", "reference": "CLI-1"}`)
	require.Equal(t, 200, status, "%v", body)
	id := body["data"].(map[string]any)["transactionId"].(string)

	list := getList(t, ctl+"/payouts?provider=palpluss")
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0]["id"])
	assert.Equal(t, "CLI-1", list[0]["reference"])
	assert.Equal(t, "pending", list[0]["status"])

	status, body = do(t, "POST", ctl+"/payouts/palpluss/"+id+"/settle", nil, `{"outcome":"limit_exceeded"}`)
	require.Equal(t, 200, status, "%v", body)
	assert.Equal(t, "reversed", body["status"])
	_, got := do(t, "GET", env["PALPLUSS_BASE_URL"]+"/transactions/"+id, pal, "")
	assert.Equal(t, "REVERSED", got["data"].(map[string]any)["status"], "the provider's API agrees")

	status, body = do(t, "PUT", ctl+"/fault", nil, `{"kind":"status","status":503,"path":"/b2c/payouts","times":1}`)
	require.Equal(t, 200, status, "%v", body)
	status, _ = do(t, "POST", env["PALPLUSS_BASE_URL"]+"/b2c/payouts", pal, `{"amount": 100, "phone": "0712345678", "reference": "CLI-2"}`)
	assert.Equal(t, 503, status)
	assert.Len(t, getList(t, ctl+"/payouts?reference=CLI-2"), 0, "a fault before processing creates nothing")
	status, _ = do(t, "POST", env["PALPLUSS_BASE_URL"]+"/b2c/payouts", pal, `{"amount": 100, "phone": "0712345678", "reference": "CLI-2"}`)
	assert.Equal(t, 200, status, "times: 1")
}

func getList(t *testing.T, url string) []map[string]any {
	t.Helper()
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}).Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var l []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&l))
	return l
}
