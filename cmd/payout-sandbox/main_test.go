package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
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
	return env, stop
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
}
