package palpluss

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
	"github.com/payoutkit/payout/money"
)

// ProviderName is the value of payout.Payout.Provider and
// payout.Event.Provider, and of payout.Error.Provider for errors that involve
// PalPluss (errors found before anything is sent have none).
const ProviderName = "palpluss"

// DefaultBaseURL is PalPluss's documented API base. WithBaseURL and the
// PALPLUSS_BASE_URL variable (NewFromEnv) replace it.
const DefaultBaseURL = "https://api.palpluss.com/v1"

// The environment variables NewFromEnv reads; the provider's own SDKs use the
// same names.
const (
	EnvAPIKey  = "PALPLUSS_API_KEY"
	EnvBaseURL = "PALPLUSS_BASE_URL"
)

// RequestsPerMinute is PalPluss's documented rate limit per API key.
const RequestsPerMinute = 60

// Amount limits of Send, in whole shillings. PalPluss pays whole
// shillings, at least KES 10; it documents no maximum, so the maximum is
// M-Pesa's per-transaction limit by default and configurable with
// WithMaxAmount.
const (
	// MinAmountKES is the smallest payout PalPluss accepts: KES 10.
	MinAmountKES = 10
	// DefaultMaxAmountKES is Send's default upper bound: KES 150,000.
	DefaultMaxAmountKES = 150_000
)

var (
	minAmount        = money.New(MinAmountKES*100, money.KES)
	defaultMaxAmount = money.New(DefaultMaxAmountKES*100, money.KES)
)

// Client is a PalPluss client. It implements payout.Client and adds what
// only PalPluss offers: the service wallet's balance, the transaction list
// and a lookup by reference.
//
// A Client is safe for concurrent use. It holds no global state: two clients
// with two keys in one process never see each other. Printing it (fmt's
// %v, %+v, %#v, or slog) shows its base URL, never its API key.
type Client struct {
	eng       *httpx.Engine
	baseURL   string // for printing: its password redacted
	maxAmount money.Amount
	rate      *rateState
}

var _ payout.Client = (*Client)(nil)

type maxAmountKey struct{}

// WithMaxAmount sets the largest amount Send accepts (default
// DefaultMaxAmountKES, KES 150,000). It must be KES, whole shillings and at
// least MinAmountKES.
func WithMaxAmount(limit money.Amount) payout.Option {
	return func(c *payout.Config) {
		if limit.Currency != money.KES {
			c.Fail(fmt.Errorf("palpluss: WithMaxAmount: %s is not KES", limit))
			return
		}
		if _, err := limit.WholeMajor(); err != nil {
			c.Fail(fmt.Errorf("palpluss: WithMaxAmount: %s is not whole shillings", limit))
			return
		}
		if limit.Minor < minAmount.Minor {
			c.Fail(fmt.Errorf("palpluss: WithMaxAmount: %s is below the minimum %s", limit, minAmount))
			return
		}
		c.SetExtension(maxAmountKey{}, limit)
	}
}

// WithDocumentedRateLimit paces the client to PalPluss's documented limit,
// RequestsPerMinute requests a minute, evenly spaced (one a second). It is
// payout.WithRateLimit(RequestsPerMinute, time.Minute).
func WithDocumentedRateLimit() payout.Option {
	return payout.WithRateLimit(RequestsPerMinute, time.Minute)
}

// New returns a client that authenticates with apiKey (pk_live_..., pk_test_...;
// the prefix is not checked). An empty key, or one holding white space,
// control characters or ':' (which HTTP Basic cannot carry as a user name),
// is an error; no error ever repeats the key.
//
// The shared options of package payout apply (WithBaseURL, WithHTTPClient,
// WithMaxRetries, WithRetryWait, WithLogger, WithUserAgent, WithRateLimit,
// WithTimeout), and WithMaxAmount.
func New(apiKey string, opts ...payout.Option) (*Client, error) {
	if err := checkKey(apiKey); err != nil {
		return nil, err
	}
	cfg, err := payout.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("palpluss: %w", err)
	}
	maxAmount := defaultMaxAmount
	if v, ok := cfg.Extension(maxAmountKey{}); ok {
		maxAmount = v.(money.Amount)
	}

	rate := &rateState{}
	// Wrap the caller's transport (or the default one) to read the
	// x-ratelimit-* headers. The
	// caller's *http.Client itself is left untouched.
	inner := http.DefaultTransport
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			inner = cfg.HTTPClient.Transport
		}
		hc.Jar, hc.CheckRedirect = cfg.HTTPClient.Jar, cfg.HTTPClient.CheckRedirect
	}
	hc.Transport = &observer{next: inner, rate: rate}
	cfg.HTTPClient = hc

	credential := base64.StdEncoding.EncodeToString([]byte(apiKey + ":"))
	header := "Basic " + credential
	red := &httpx.Redactor{}
	red.Add(apiKey, credential)

	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	c := &Client{baseURL: httpx.RedactURL(strings.TrimRight(base, "/")), maxAmount: maxAmount, rate: rate}
	c.eng = httpx.New(ProviderName, DefaultBaseURL, cfg, red, httpx.Hooks{
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", header)
			return nil
		},
		DecodeError: func(status int, h http.Header, body []byte) *payout.Error {
			pe := decodeError(status, h, body)
			// The engine redacts Message only: clean what else comes from
			// the provider, and take X-Request-Id here so that it is
			// cleaned too.
			pe.RequestID = red.String(first(pe.RequestID, h.Get("X-Request-Id")))
			pe.ProviderCode = red.String(pe.ProviderCode)
			return pe
		},
	})
	return c, nil
}

// NewFromEnv returns a client configured from the environment: the API key
// from PALPLUSS_API_KEY (required; surrounding white space is trimmed) and,
// when set, the base URL from PALPLUSS_BASE_URL. Options given explicitly
// win over the environment: a WithBaseURL in opts replaces PALPLUSS_BASE_URL.
func NewFromEnv(opts ...payout.Option) (*Client, error) {
	key := strings.TrimSpace(os.Getenv(EnvAPIKey))
	if key == "" {
		return nil, errors.New("palpluss: " + EnvAPIKey + " is not set")
	}
	if base := strings.TrimSpace(os.Getenv(EnvBaseURL)); base != "" {
		opts = append([]payout.Option{payout.WithBaseURL(base)}, opts...)
	}
	return New(key, opts...)
}

// checkKey rejects keys that cannot be sent; its errors never include the key.
func checkKey(key string) error {
	if key == "" {
		return errors.New("palpluss: empty API key")
	}
	for _, r := range key {
		switch {
		case r == ':':
			return errors.New("palpluss: API key contains ':', which HTTP Basic authentication cannot carry")
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar:
			return errors.New("palpluss: API key contains white space, control or invalid characters")
		}
	}
	return nil
}

// String describes the client without its API key.
func (c *Client) String() string {
	if c == nil {
		return "palpluss.Client(nil)"
	}
	return "palpluss.Client{baseURL: " + c.baseURL + ", apiKey: " + httpx.Placeholder + "}"
}

// GoString is String for %#v.
func (c *Client) GoString() string {
	if c == nil {
		return "(*palpluss.Client)(nil)"
	}
	return "&" + c.String()
}

// Format prints String for every verb (GoString for %#v), so that no
// formatting of a Client can reach its credentials.
func (c *Client) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, c.GoString())
		return
	}
	io.WriteString(f, c.String())
}

// LogValue logs the client as String.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }
