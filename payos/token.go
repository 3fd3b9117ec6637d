package payos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

// TokenSource supplies access tokens for the PayOS API, like
// golang.org/x/oauth2's TokenSource. The client caches what it returns, so a
// TokenSource need not cache; it must honour ctx and be safe for concurrent
// use. Plug one in with WithTokenSource.
type TokenSource interface {
	// Token returns a token for the next request, fetching a new one
	// when needed; an error fails that request without sending it.
	Token(ctx context.Context) (*Token, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (*Token, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context) (*Token, error) { return f(ctx) }

// Token is an access token. Printing it (fmt verbs, slog) never shows
// AccessToken, and neither does encoding it: encoding/json (MarshalJSON)
// and every encoder that uses encoding.TextMarshaler (MarshalText) write it
// without AccessToken, so that a token logged or stored as JSON by accident
// leaks nothing.
//
// A TokenSource that persists tokens on purpose (a cache shared by several
// processes, say) stores the three fields itself, explicitly:
//
//	rec := storedToken{Access: t.AccessToken, Type: t.TokenType, Expiry: t.Expiry}
//
// and rebuilds a Token from them; json.Unmarshal into a Token is not a way
// back, since nothing ever writes AccessToken out.
type Token struct {
	// AccessToken is the bearer credential.
	AccessToken string
	// TokenType is the scheme of the Authorization header; empty means
	// "Bearer".
	TokenType string
	// Expiry is when the token stops being valid; the zero time means it
	// does not expire (the client still replaces it when the API answers
	// 401).
	Expiry time.Time
}

// Valid reports whether t carries an access token that has not expired.
func (t *Token) Valid() bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || time.Now().Before(t.Expiry))
}

// String describes t without its access token.
func (t Token) String() string {
	exp := "none"
	if !t.Expiry.IsZero() {
		exp = t.Expiry.UTC().Format(time.RFC3339)
	}
	tok := "<empty>"
	if t.AccessToken != "" {
		tok = httpx.Placeholder
	}
	return fmt.Sprintf("payos.Token{TokenType: %q, Expiry: %s, AccessToken: %s}", t.scheme(), exp, tok)
}

// GoString is String, for %#v.
func (t Token) GoString() string { return t.String() }

// Format prints String for every verb.
func (t Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(t.String())) }

// LogValue is String, for slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// tokenJSON is what MarshalJSON writes: a Token without its AccessToken.
type tokenJSON struct {
	TokenType   string     `json:"tokenType"`
	Expiry      *time.Time `json:"expiry,omitempty"`
	AccessToken string     `json:"accessToken"`
}

// MarshalJSON encodes t without its access token: the member accessToken
// is "[REDACTED]" (empty for a token without one). See Token for how to
// persist a token on purpose.
func (t Token) MarshalJSON() ([]byte, error) {
	out := tokenJSON{TokenType: t.scheme()}
	if !t.Expiry.IsZero() {
		exp := t.Expiry.UTC()
		out.Expiry = &exp
	}
	if t.AccessToken != "" {
		out.AccessToken = httpx.Placeholder
	}
	return json.Marshal(out)
}

// MarshalText is String: a text encoding (encoding.TextMarshaler, used by
// encoding/xml, slog's text handler, map keys) without the access token.
func (t Token) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func (t *Token) scheme() string {
	if t.TokenType == "" || strings.EqualFold(t.TokenType, "bearer") {
		return "Bearer"
	}
	return t.TokenType
}

func (t *Token) authorization() string { return t.scheme() + " " + t.AccessToken }

// maxRefreshMargin is the most a cached token is renewed ahead of its
// expiry.
const maxRefreshMargin = 60 * time.Second

// refreshMargin is how long before its expiry a token of the given
// lifetime is replaced: a tenth of the lifetime, at most a minute, so that
// a one-hour token is renewed a minute early and a short-lived one still
// gets used.
func refreshMargin(lifetime time.Duration) time.Duration {
	m := lifetime / 10
	if m > maxRefreshMargin {
		m = maxRefreshMargin
	}
	if m < 0 {
		m = 0
	}
	return m
}

// tokenFetchTimeout bounds one shared token fetch, whoever waits for it.
const tokenFetchTimeout = time.Minute

// tokenCache wraps a TokenSource: it keeps the current token until shortly
// before it expires and lets one fetch run at a time, whose result every
// caller waiting meanwhile shares.
//
// The fetch runs in its own goroutine on a context detached from any
// caller (with its own timeout), so that one caller giving up does not fail
// the others. A caller whose context ends returns at once; when the last
// waiting caller leaves, the fetch is cancelled and that caller returns
// once it has stopped, so that no goroutine outlives the calls; a caller
// arriving meanwhile waits for the cancelled fetch to end before starting
// another, so that never two fetches run at once.
type tokenCache struct {
	src     TokenSource
	red     *httpx.Redactor
	now     func() time.Time
	timeout time.Duration

	mu       sync.Mutex
	tok      *Token
	obtained time.Time
	flight   *tokenFlight
}

type tokenFlight struct {
	done      chan struct{}
	cancel    context.CancelFunc
	waiters   int  // guarded by tokenCache.mu
	abandoned bool // guarded by tokenCache.mu: cancelled, its waiters gone
	tok       *Token
	err       error
}

func newTokenCache(src TokenSource, red *httpx.Redactor, now func() time.Time) *tokenCache {
	return &tokenCache{src: src, red: red, now: now, timeout: tokenFetchTimeout}
}

// Token returns the cached token, or waits for a fresh one.
func (c *tokenCache) Token(ctx context.Context) (*Token, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.fresh() {
			t := c.tok
			c.mu.Unlock()
			return t, nil
		}
		f := c.flight
		if f != nil && f.abandoned {
			// Its last waiter left and cancelled it: let it end, so that
			// never two fetches run at once, then start afresh.
			c.mu.Unlock()
			select {
			case <-f.done:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if f == nil {
			fctx, cancel := context.WithTimeout(context.Background(), c.timeout)
			f = &tokenFlight{done: make(chan struct{}), cancel: cancel}
			c.flight = f
			go c.fetch(fctx, f)
		}
		f.waiters++
		c.mu.Unlock()

		select {
		case <-f.done:
			return f.tok, f.err
		case <-ctx.Done():
			c.mu.Lock()
			f.waiters--
			last := f.waiters == 0
			if last {
				f.abandoned = true
			}
			c.mu.Unlock()
			if last {
				f.cancel()
				<-f.done
			}
			return nil, ctx.Err()
		}
	}
}

// fresh reports whether the cached token can be used; c.mu is held.
func (c *tokenCache) fresh() bool {
	if c.tok == nil {
		return false
	}
	if c.tok.Expiry.IsZero() {
		return true
	}
	margin := refreshMargin(c.tok.Expiry.Sub(c.obtained))
	return c.now().Add(margin).Before(c.tok.Expiry)
}

func (c *tokenCache) fetch(ctx context.Context, f *tokenFlight) {
	var tok *Token
	var err error
	defer close(f.done)
	defer f.cancel()
	defer func() {
		if p := recover(); p != nil {
			tok, err = nil, fmt.Errorf("payos: the token source panicked: %v", p)
		}
		if err == nil && (tok == nil || tok.AccessToken == "") {
			tok, err = nil, &payout.Error{Code: payout.CodeUnauthorized, Provider: ProviderName,
				Message: "the token source returned no access token"}
		}
		c.mu.Lock()
		if err == nil {
			c.red.AddRotating(tok.AccessToken)
			c.tok, c.obtained = tok, c.now()
		}
		if c.flight == f {
			c.flight = nil
		}
		f.tok, f.err = tok, err
		c.mu.Unlock()
	}()
	tok, err = c.src.Token(ctx)
}

// invalidate drops t if it is still the cached token: a 401 answered to a
// call that carried t. A token another call already replaced stays.
func (c *tokenCache) invalidate(t *Token) {
	c.mu.Lock()
	if t != nil && c.tok == t {
		c.tok = nil
	}
	c.mu.Unlock()
}

// String describes the cache without its token.
func (c *tokenCache) String() string { return "payos.tokenCache" }

// tokenPath is the client-credentials token endpoint.
const tokenPath = "/api/v1/auth/oauth2/token"

// clientCredentials exchanges the merchant id and client secret for an
// access token.
type clientCredentials struct {
	eng        *httpx.Engine
	merchantID string
	secret     string
	now        func() time.Time
}

// String describes the source without its secret.
func (s *clientCredentials) String() string {
	return "payos.clientCredentials{merchantID: " + strconv.Quote(s.merchantID) + "}"
}

// GoString is String.
func (s *clientCredentials) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *clientCredentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

type tokenRequest struct {
	MerchantID   string `json:"merchantId"`
	ClientSecret string `json:"clientSecret"`
}

// tokenResponse accepts both spellings PayOS has documented: camelCase and
// RFC 6749's snake_case, optionally wrapped in "data".
type tokenResponse struct {
	AccessToken      string          `json:"accessToken"`
	AccessTokenSnake string          `json:"access_token"`
	ExpiresIn        json.RawMessage `json:"expiresIn"`
	ExpiresInSnake   json.RawMessage `json:"expires_in"`
	TokenType        string          `json:"tokenType"`
	TokenTypeSnake   string          `json:"token_type"`
	Data             *tokenResponse  `json:"data"`
}

// Token POSTs the credentials to the token endpoint. Its failures are never
// an unknown outcome (nothing is created); a refusal (400, 401, 403, or an
// RFC 6749 error code) is CodeUnauthorized with the provider's code kept.
func (s *clientCredentials) Token(ctx context.Context) (*Token, error) {
	resp, err := s.eng.Do(ctx, httpx.Request{
		Method: http.MethodPost,
		Path:   tokenPath,
		Body:   tokenRequest{MerchantID: s.merchantID, ClientSecret: s.secret},
		NoAuth: true,
	})
	if err != nil {
		var pe *payout.Error
		if !errors.As(err, &pe) {
			return nil, err
		}
		cp := *pe
		switch cp.HTTPStatus {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			cp.Code = payout.CodeUnauthorized
		}
		if cp.Code == payout.CodeOutcomeUnknown {
			cp.Code = payout.CodeProviderError
		}
		cp.Message = "obtaining an access token: " + cp.Message
		return nil, &cp
	}
	var tr tokenResponse
	if err := json.Unmarshal(resp.Body, &tr); err != nil {
		return nil, &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			Message: "the token endpoint's answer is not the JSON expected", RequestID: s.eng.RequestID(resp.Header)}
	}
	tok, ok := tr.token(s.now())
	if !ok && tr.Data != nil {
		tok, ok = tr.Data.token(s.now())
	}
	if !ok {
		return nil, &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			Message: "the token endpoint's answer carries no access token", RequestID: s.eng.RequestID(resp.Header)}
	}
	return tok, nil
}

func (tr *tokenResponse) token(now time.Time) (*Token, bool) {
	t := &Token{AccessToken: firstNonEmpty(tr.AccessToken, tr.AccessTokenSnake),
		TokenType: firstNonEmpty(tr.TokenType, tr.TokenTypeSnake)}
	if t.AccessToken == "" {
		return nil, false
	}
	exp := tr.ExpiresIn
	if len(exp) == 0 || string(exp) == "null" {
		exp = tr.ExpiresInSnake
	}
	if d, ok := parseExpiresIn(exp); ok {
		t.Expiry = now.Add(d)
	}
	return t, true
}

// parseExpiresIn reads expires_in as a JSON number or a string of one, in
// seconds. Absent, zero, negative or unreadable values report false: the
// token is then kept until the API refuses it.
func parseExpiresIn(raw json.RawMessage) (time.Duration, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f <= 0 || f > float64(366*24*3600) {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
