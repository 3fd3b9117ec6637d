package payout

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/payoutkit/payout/internal/safeurl"
)

// Option configures an adapter's client. The options in this package are
// shared by every adapter; an adapter may define more of its own.
type Option func(*Config)

// Config is the configuration an adapter builds its client from. Callers
// set it through Options; adapters read it with NewConfig.
type Config struct {
	// BaseURL replaces the provider's documented base URL.
	BaseURL string
	// HTTPClient is the client requests go through; its Transport is used,
	// its Timeout replaced by Timeout.
	HTTPClient *http.Client
	// MaxRetries is how many times a retryable request is repeated after the
	// first attempt. Default 3.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts. Defaults 500ms and 30s.
	RetryWaitMin, RetryWaitMax time.Duration
	// Logger receives the SDK's log lines; nil (the default) logs nothing.
	Logger *slog.Logger
	// UserAgent is added after the SDK's own User-Agent product token.
	UserAgent string
	// RateLimit and RatePer pace requests to at most RateLimit per RatePer,
	// evenly spaced; 0 means no client-side limit.
	RateLimit int
	// RatePer is the window of RateLimit.
	RatePer time.Duration
	// Limiter paces every attempt when set (WithLimiter); then RateLimit
	// is 0. When nil, adapters build NewLimiter(RateLimit, RatePer).
	Limiter Limiter
	// Timeout bounds each HTTP attempt. Default 30s.
	Timeout time.Duration

	ext  map[any]any
	errs []error
}

// Defaults of Config.
const (
	DefaultMaxRetries   = 3
	DefaultRetryWaitMin = 500 * time.Millisecond
	DefaultRetryWaitMax = 30 * time.Second
	DefaultTimeout      = 30 * time.Second
)

// NewConfig applies opts over the defaults and checks the result. Adapters
// call it from their constructors.
func NewConfig(opts ...Option) (Config, error) {
	c := Config{
		MaxRetries:   DefaultMaxRetries,
		RetryWaitMin: DefaultRetryWaitMin,
		RetryWaitMax: DefaultRetryWaitMax,
		Timeout:      DefaultTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.Limiter != nil && c.RateLimit > 0 {
		c.Fail(errors.New("payout: WithLimiter and WithRateLimit both given: the Limiter sets the pace, drop WithRateLimit"))
	}
	return c, errors.Join(c.errs...)
}

// SetExtension stores an adapter-specific setting under key. Adapters use
// an unexported key type and expose an Option that calls this.
func (c *Config) SetExtension(key, value any) {
	if c.ext == nil {
		c.ext = make(map[any]any)
	}
	c.ext[key] = value
}

// Extension returns the adapter-specific setting stored under key.
func (c *Config) Extension(key any) (any, bool) {
	v, ok := c.ext[key]
	return v, ok
}

// Fail records a configuration error that NewConfig will return. Options
// that check their arguments call it.
func (c *Config) Fail(err error) { c.errs = append(c.errs, err) }

// WithBaseURL sends requests to base instead of the provider's documented
// base URL, given as documented: "https://api.palpluss.com/v1" for PalPluss,
// "https://api.payos.money" for PayOS, or a Sandbox's URL.
//
// The base must be an absolute https URL: credentials go out with every
// request. Plain http is accepted only for loopback hosts (127.0.0.0/8, ::1,
// localhost), for tests and local sandboxes: the same rule as
// Request.CallbackURL. Errors show the URL with its user information
// (user name and password) hidden.
func WithBaseURL(base string) Option {
	return func(c *Config) {
		u, err := url.Parse(base)
		switch {
		case err != nil:
			// url.Parse's error repeats the URL, password included.
			c.Fail(errors.New("payout: WithBaseURL: the base URL cannot be parsed"))
		case u.Host == "" || safeurl.Check(u) == safeurl.NotHTTP:
			c.Fail(fmt.Errorf("payout: WithBaseURL: %q is not an absolute https URL", hideUserinfo(u)))
		case safeurl.Check(u) == safeurl.Cleartext:
			c.Fail(fmt.Errorf("payout: WithBaseURL: %q would send credentials in clear: use https (http is allowed only for loopback hosts)", hideUserinfo(u)))
		default:
			c.BaseURL = base
		}
	}
}

// hideUserinfo is u for printing with its whole user information replaced
// by "xxxxx": a proxy's user name identifies an account as much as its
// password does (url.URL.Redacted hides the password only).
func hideUserinfo(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	cp := *u
	cp.User = url.User("xxxxx")
	return cp.String()
}

// WithHTTPClient sends requests through hc's Transport (for proxies, custom
// TLS, tracing). The SDK never modifies hc.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Config) { c.HTTPClient = hc }
}

// WithMaxRetries sets how many times a retryable request is repeated after
// the first attempt; 0 disables retries.
func WithMaxRetries(n int) Option {
	return func(c *Config) {
		if n < 0 {
			c.Fail(fmt.Errorf("payout: WithMaxRetries: %d is negative", n))
			return
		}
		c.MaxRetries = n
	}
}

// WithRetryWait bounds the backoff between attempts: the first wait is
// about min, doubling up to max, with jitter. A provider's Retry-After takes
// precedence.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *Config) {
		if min < 0 || max < min {
			c.Fail(fmt.Errorf("payout: WithRetryWait: need 0 <= min <= max, got %v, %v", min, max))
			return
		}
		c.RetryWaitMin, c.RetryWaitMax = min, max
	}
}

// WithLogger sends the SDK's log lines to l. Secrets never appear in them
// and phone numbers are masked. Without it the SDK logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *Config) { c.Logger = l }
}

// WithUserAgent adds ua (your application's product token, "myapp/1.2")
// after the SDK's own in the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Config) { c.UserAgent = ua }
}

// WithRateLimit paces requests to at most n per window, evenly spaced (one
// every per/n), so that a provider's limit is never exceeded from this
// client: WithRateLimit(60, time.Minute) for PalPluss. Retries count too.
// It builds a NewLimiter of the client's own; to share one between clients
// or replicas, use WithLimiter instead.
func WithRateLimit(n int, per time.Duration) Option {
	return func(c *Config) {
		if n <= 0 || per <= 0 {
			c.Fail(fmt.Errorf("payout: WithRateLimit: need n > 0 and per > 0, got %d, %v", n, per))
			return
		}
		c.RateLimit, c.RatePer = n, per
	}
}

// WithTimeout bounds each HTTP attempt (default 30s). The whole call,
// retries included, is bounded by the context passed to it.
func WithTimeout(d time.Duration) Option {
	return func(c *Config) {
		if d <= 0 {
			c.Fail(fmt.Errorf("payout: WithTimeout: %v is not positive", d))
			return
		}
		c.Timeout = d
	}
}
