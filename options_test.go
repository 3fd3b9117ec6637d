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

// Issue 10, item 7: credentials go out with every request, so a base URL
// must be https; plain http only for loopback hosts, the rule of
// CallbackURL. Errors never show the URL's password.
func TestWithBaseURLRequiresHTTPSOutsideLoopback(t *testing.T) {
	for _, ok := range []string{"https://api.palpluss.com/v1", "http://127.0.0.1:8080/v1", "http://127.9.9.9/v1", "http://[::1]:9000", "http://localhost:1/api", "http://LOCALHOST"} {
		c, err := NewConfig(WithBaseURL(ok))
		require.NoError(t, err, ok)
		assert.Equal(t, ok, c.BaseURL)
	}
	for _, bad := range []string{"http://api.palpluss.com/v1", "http://10.0.0.1/v1", "http://128.0.0.1", "http://localhost.example.com", "ftp://127.0.0.1", "//api.palpluss.com"} {
		_, err := NewConfig(WithBaseURL(bad))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "WithBaseURL", bad)
	}
	_, err := NewConfig(WithBaseURL("http://user:hunter2@api.payos.money"))
	require.ErrorContains(t, err, "https")
	assert.NotContains(t, err.Error(), "hunter2", "the password is redacted")
	_, err = NewConfig(WithBaseURL("https://user:hunter2@api payos.money/%zz"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2", "an unparsable URL is not repeated")
}

// Review 2 of issue 10, item 7: WithBaseURL's errors hid a base URL's
// password but showed its user name, which names the proxy account as
// much as the password does: the whole user information is hidden.
func TestWithBaseURLErrorsHideTheWholeUserinfo(t *testing.T) {
	for _, bad := range []string{"http://alice.proxy:hunter2@api.payos.money", "http://alice.proxy@10.0.0.1/v1", "ftp://alice.proxy:pw@127.0.0.1"} {
		_, err := NewConfig(WithBaseURL(bad))
		require.Error(t, err, bad)
		assert.NotContains(t, err.Error(), "alice.proxy", bad)
		assert.Contains(t, err.Error(), "xxxxx@", "the error still shows that user information was there")
	}
}
