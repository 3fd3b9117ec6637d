package payout

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewConfigDefaults(t *testing.T) {
	c, err := NewConfig()
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxRetries, c.MaxRetries)
	assert.Equal(t, DefaultTimeout, c.Timeout)
	assert.Equal(t, DefaultRetryWaitMin, c.RetryWaitMin)
	assert.Equal(t, DefaultRetryWaitMax, c.RetryWaitMax)
	assert.Nil(t, c.Logger, "quiet by default")
	assert.Zero(t, c.RateLimit)
}

func TestOptionsApply(t *testing.T) {
	hc := &http.Client{}
	l := slog.Default()
	type key struct{}
	c, err := NewConfig(
		WithBaseURL("http://127.0.0.1:8080/v1"), WithHTTPClient(hc), WithMaxRetries(0),
		WithRetryWait(time.Millisecond, time.Second), WithLogger(l), WithUserAgent("app/1"),
		WithRateLimit(60, time.Minute), WithTimeout(5*time.Second),
		func(c *Config) { c.SetExtension(key{}, 42) }, nil,
	)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/v1", c.BaseURL)
	assert.Same(t, hc, c.HTTPClient)
	assert.Equal(t, 0, c.MaxRetries)
	assert.Equal(t, time.Millisecond, c.RetryWaitMin)
	assert.Same(t, l, c.Logger)
	assert.Equal(t, "app/1", c.UserAgent)
	assert.Equal(t, 60, c.RateLimit)
	assert.Equal(t, time.Minute, c.RatePer)
	assert.Equal(t, 5*time.Second, c.Timeout)
	v, ok := c.Extension(key{})
	assert.True(t, ok)
	assert.Equal(t, 42, v)
}

func TestOptionsRejectBadValues(t *testing.T) {
	for name, opt := range map[string]Option{
		"WithBaseURL":     WithBaseURL("api.palpluss.com/v1"),
		"WithBaseURL ftp": WithBaseURL("ftp://x"),
		"WithMaxRetries":  WithMaxRetries(-1),
		"WithRetryWait":   WithRetryWait(time.Second, time.Millisecond),
		"WithRateLimit":   WithRateLimit(0, time.Minute),
		"WithTimeout":     WithTimeout(0),
	} {
		_, err := NewConfig(opt)
		assert.Error(t, err, name)
		if err != nil {
			assert.Contains(t, err.Error(), name[:len("With")+3], name)
		}
	}
}
