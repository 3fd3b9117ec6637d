package payos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

// ProviderName is the value of payout.Payout.Provider, payout.Event.Provider
// and payout.Error.Provider for everything this package returns.
const ProviderName = "payos"

// DefaultBaseURL is PayOS's documented API base; request paths under it
// start with /api/v1/. Sandbox or live is decided by the credentials, not
// the host.
const DefaultBaseURL = "https://api.payos.money"

// Environment variables read by NewFromEnv.
const (
	EnvMerchantID   = "PAYOS_MERCHANT_ID"
	EnvClientSecret = "PAYOS_CLIENT_SECRET"
	EnvBaseURL      = "PAYOS_BASE_URL"
)

// Client is a PayOS payouts client (M-Pesa Kenya through the "mobilemoney"
// payment method). It implements payout.Client and is safe for concurrent
// use. Printing it (fmt, slog) never shows the client secret or a token.
type Client struct {
	merchantID string
	base       string // for printing: its password redacted
	eng        *httpx.Engine
	tokens     *tokenCache
}

var _ payout.Client = (*Client)(nil)

type tokenSourceKey struct{}
type clockKey struct{}

// WithTokenSource makes the client take its access tokens from ts instead
// of exchanging the client secret at /api/v1/auth/oauth2/token (New then
// accepts an empty clientSecret). The client still caches ts's tokens until
// shortly before their Expiry (a zero Expiry never expires), asks ts for at
// most one token at a time, and asks again once when the API answers 401.
// ts must honour its context.
func WithTokenSource(ts TokenSource) payout.Option {
	return func(c *payout.Config) {
		if ts == nil {
			c.Fail(errors.New("payos: WithTokenSource: nil TokenSource"))
			return
		}
		c.SetExtension(tokenSourceKey{}, ts)
	}
}

// withClock replaces time.Now for token expiry (tests).
func withClock(now func() time.Time) payout.Option {
	return func(c *payout.Config) { c.SetExtension(clockKey{}, now) }
}

// New returns a client for the merchant merchantID (a UUID from the PayOS
// dashboard) authenticating with clientSecret. Options are the shared ones
// of package payout (WithBaseURL takes "https://api.payos.money" or a
// sandbox's URL; a trailing "/api/v1" is tolerated) plus WithTokenSource.
//
// New makes no request: the first token is fetched by the first call that
// needs it.
func New(merchantID, clientSecret string, opts ...payout.Option) (*Client, error) {
	cfg, err := payout.NewConfig(opts...)
	if err != nil {
		return nil, err
	}
	merchantID = strings.TrimSpace(merchantID)
	if merchantID == "" {
		return nil, errors.New("payos: New: merchantID is empty")
	}
	if strings.IndexFunc(merchantID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, errors.New("payos: New: merchantID contains spaces or control characters")
	}
	var ts TokenSource
	if v, ok := cfg.Extension(tokenSourceKey{}); ok {
		ts, _ = v.(TokenSource)
	}
	if ts == nil && strings.TrimSpace(clientSecret) == "" {
		return nil, errors.New("payos: New: clientSecret is empty")
	}
	now := time.Now
	if v, ok := cfg.Extension(clockKey{}); ok {
		if f, ok := v.(func() time.Time); ok && f != nil {
			now = f
		}
	}
	cfg.BaseURL = strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/api/v1")

	red := &httpx.Redactor{}
	red.Add(clientSecret)
	c := &Client{merchantID: merchantID}
	c.eng = httpx.New(ProviderName, DefaultBaseURL, cfg, red, httpx.Hooks{
		Authorize:   c.authorize,
		DecodeError: decodeError,
	})
	c.base = httpx.RedactURL(cfg.BaseURL)
	if cfg.BaseURL == "" {
		c.base = DefaultBaseURL
	}
	if ts == nil {
		ts = &clientCredentials{eng: c.eng, merchantID: merchantID, secret: clientSecret, now: now}
	}
	c.tokens = newTokenCache(ts, red, now)
	return c, nil
}

// NewFromEnv is New with the merchant id from PAYOS_MERCHANT_ID, the secret
// from PAYOS_CLIENT_SECRET and, when set, the base URL from PAYOS_BASE_URL
// (a WithBaseURL among opts takes precedence).
func NewFromEnv(opts ...payout.Option) (*Client, error) {
	id := os.Getenv(EnvMerchantID)
	if strings.TrimSpace(id) == "" {
		return nil, fmt.Errorf("payos: NewFromEnv: %s is not set", EnvMerchantID)
	}
	secret := os.Getenv(EnvClientSecret)
	if strings.TrimSpace(secret) == "" {
		return nil, fmt.Errorf("payos: NewFromEnv: %s is not set", EnvClientSecret)
	}
	if base := strings.TrimSpace(os.Getenv(EnvBaseURL)); base != "" {
		opts = append([]payout.Option{payout.WithBaseURL(base)}, opts...)
	}
	return New(id, secret, opts...)
}

// MerchantID returns the merchant id the client sends in every payout.
func (c *Client) MerchantID() string { return c.merchantID }

// String describes the client without its credentials.
func (c *Client) String() string {
	if c == nil {
		return "payos.Client(nil)"
	}
	return fmt.Sprintf("payos.Client{merchantID: %q, baseURL: %q}", c.merchantID, c.base)
}

// GoString is String, so that %#v shows no credentials either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so that no formatting of a Client
// reaches its secret or tokens.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue is String, for slog.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// callState records, for one engine call, the token its attempts carried
// and whether obtaining one failed, so that a 401 from the API can be told
// from a 401 of the token endpoint and the right token invalidated.
type callState struct {
	tok        *Token
	authFailed bool
}

type callStateKey struct{}

func (st *callState) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, callStateKey{}, st)
}

// authorize is the engine's Authorize hook: it sets the bearer token on
// every attempt.
func (c *Client) authorize(ctx context.Context, r *http.Request) error {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		if st != nil {
			st.authFailed = true
		}
		return err
	}
	if st != nil {
		st.tok = tok
	}
	r.Header.Set("Authorization", tok.authorization())
	return nil
}

// do sends an authenticated call. On a 401 from the API it drops the token
// the call carried (unless another call already replaced it), obtains a new
// one and repeats the call once; a second 401 is CodeUnauthorized.
//
// The repeat is a new engine call, so the engine's record that an earlier
// attempt may have been processed is carried over here: when the first
// call's 401 came after such an attempt (the engine then reported it as an
// unknown outcome), no failure of the repeat that does not settle the call
// (another 401, a refused token, a 5xx, the caller giving up) may report
// it as anything but an unknown outcome.
func (c *Client) do(ctx context.Context, r httpx.Request) (*httpx.Response, error) {
	resp, st, err := c.doOnce(ctx, r)
	if !c.apiRefused(err, st) {
		return resp, err
	}
	served := r.MayCreate() && errors.Is(err, payout.ErrOutcomeUnknown)
	c.eng.Logger().LogAttrs(ctx, slog.LevelInfo, "payos: access token refused, refreshing it once",
		slog.String("method", r.Method), slog.String("path", r.Path))
	c.tokens.invalidate(st.tok)
	resp, st, err = c.doOnce(ctx, r)
	if err == nil {
		resp.MaybeServed = resp.MaybeServed || served
		return resp, nil
	}
	var pe *payout.Error
	if !errors.As(err, &pe) {
		if served { // the caller gave up before the repeat left
			return nil, &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: ProviderName, Reference: r.Reference,
				Message: "an earlier attempt may have been processed; then the call was abandoned", Err: err}
		}
		return nil, err
	}
	cp := *pe
	if c.apiRefused(err, st) && cp.Code != payout.CodeOutcomeUnknown {
		cp.Code = payout.CodeUnauthorized
		cp.Message = "the API refused a freshly issued access token: " + cp.Message
	}
	if served && !httpx.Settles(&cp) {
		cp.Code = payout.CodeOutcomeUnknown
		if cp.Reference == "" {
			cp.Reference = r.Reference
		}
		cp.Message = "an earlier attempt may have been processed; the last answer was: " + cp.Message
	}
	return nil, &cp
}

func (c *Client) doOnce(ctx context.Context, r httpx.Request) (*httpx.Response, *callState, error) {
	st := &callState{}
	resp, err := c.eng.Do(st.context(ctx), r)
	return resp, st, err
}

// apiRefused reports whether err is a 401 from the API itself, answered to
// a request that carried a token.
func (c *Client) apiRefused(err error, st *callState) bool {
	var pe *payout.Error
	return err != nil && errors.As(err, &pe) && pe.HTTPStatus == http.StatusUnauthorized &&
		st.tok != nil && !st.authFailed
}
