package httpx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDecide(t *testing.T) {
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	netErr := errors.New("connection reset by peer")
	tests := []struct {
		name       string
		method     string
		idempotent bool
		resp       *http.Response
		err        error
		written    bool
		want       bool
	}{
		{"unsent POST is always retried", http.MethodPost, false, nil, netErr, false, true},
		{"written POST without key is not", http.MethodPost, false, nil, netErr, true, false},
		{"written POST with key is", http.MethodPost, true, nil, netErr, true, true},
		{"written GET is", http.MethodGet, false, nil, netErr, true, true},
		{"429 POST without key is (refused unprocessed)", http.MethodPost, false, resp(429, "1"), nil, true, true},
		{"429 with Retry-After beyond the cap is not", http.MethodGet, false, resp(429, strconv.Itoa(int(MaxRetryAfter/time.Second)+1)), nil, true, false},
		{"500 POST without key is not", http.MethodPost, false, resp(500, ""), nil, true, false},
		{"500 POST with key is", http.MethodPost, true, resp(500, ""), nil, true, true},
		{"502 GET is", http.MethodGet, false, resp(502, ""), nil, true, true},
		{"503 POST with key is", http.MethodPost, true, resp(503, ""), nil, true, true},
		{"501 is never", http.MethodGet, false, resp(501, ""), nil, true, false},
		{"400 is never", http.MethodPost, true, resp(400, ""), nil, true, false},
		{"401 is never", http.MethodGet, false, resp(401, ""), nil, true, false},
		{"409 is never", http.MethodPost, true, resp(409, ""), nil, true, false},
		{"200 is not", http.MethodGet, false, resp(200, ""), nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.method, tt.idempotent, tt.resp, tt.err, tt.written)
			assert.Equal(t, tt.want, d.Retry, d.Reason)
			assert.NotEmpty(t, d.Reason, "every decision says why")
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		got, ok := RetryAfter(h, now)
		assert.Equal(t, tt.wantOK, ok, tt.value)
		assert.Equal(t, tt.want, got, tt.value)
	}
}

func TestBackoff(t *testing.T) {
	min, max := 100*time.Millisecond, time.Second
	for attempt := 0; attempt < 8; attempt++ {
		ceiling := min << attempt
		if ceiling > max {
			ceiling = max
		}
		for i := 0; i < 50; i++ {
			d := Backoff(min, max, attempt, nil)
			assert.GreaterOrEqual(t, d, ceiling/2, "attempt %d", attempt)
			assert.LessOrEqual(t, d, ceiling, "attempt %d", attempt)
		}
	}
	h := http.Header{"Retry-After": []string{"3"}}
	assert.Equal(t, 3*time.Second, Backoff(min, max, 0, &http.Response{StatusCode: 429, Header: h}), "Retry-After wins over the schedule")
	assert.Equal(t, 3*time.Second, Backoff(min, max, 0, &http.Response{StatusCode: 503, Header: h}))
	assert.LessOrEqual(t, Backoff(min, max, 0, &http.Response{StatusCode: 500, Header: h}), min, "Retry-After is read on 429 and 503 only")
	assert.Equal(t, time.Duration(0), Backoff(0, 0, 3, nil))
}

func TestDialFailed(t *testing.T) {
	assert.True(t, dialFailed(&net.OpError{Op: "dial", Err: errors.New("refused")}))
	assert.True(t, dialFailed(&net.DNSError{Err: "no such host", Name: "x"}))
	assert.True(t, dialFailed(fmt.Errorf("wrapped: %w", syscall.ECONNREFUSED)))
	assert.False(t, dialFailed(&net.OpError{Op: "read", Err: errors.New("reset")}))
	assert.False(t, dialFailed(&net.OpError{Op: "write", Err: syscall.EHOSTUNREACH}), "an established connection can lose its route after the write")
	assert.False(t, dialFailed(tls.RecordHeaderError{Msg: "bad record"}), "a record error can end a connection that carried the request")
	assert.False(t, dialFailed(errors.New("EOF")))
}
