package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/ratelimit"
)

// Hooks are what an adapter plugs into the engine.
type Hooks struct {
	// Authorize sets the credentials on each attempt of a call (it runs again
	// before every retry, so a refreshed token is picked up).
	Authorize func(ctx context.Context, r *http.Request) error
	// DecodeError turns a non-2xx response into an error. The engine fills
	// in what the hook leaves empty: Provider, HTTPStatus, RetryAfter,
	// RequestID (from X-Request-Id) and a Code derived from the status.
	DecodeError func(status int, h http.Header, body []byte) *payout.Error
	// Observe, when set, is handed the header of every response, of every
	// attempt, as it arrives (PalPluss reads its x-ratelimit-* headers
	// there). It is called in the engine's transport, so that no further
	// RoundTripper is needed for it.
	Observe func(h http.Header)
}

// Engine sends an adapter's calls. It is safe for concurrent use.
type Engine struct {
	provider  string
	base      string
	rc        *retryablehttp.Client
	limiter   payout.Limiter
	log       *slog.Logger
	redactor  *Redactor
	userAgent string
	uaValue   []string // userAgent as a header value, shared by every request
	hooks     Hooks
}

// MaxBody bounds how much of a response the engine reads.
const MaxBody = 4 << 20

// New builds an engine for provider from cfg; defaultBase is used when
// cfg.BaseURL is empty. The Redactor is shared with the adapter, which
// registers its secrets on it.
func New(provider, defaultBase string, cfg payout.Config, red *Redactor, hooks Hooks) *Engine {
	base := cfg.BaseURL
	if base == "" {
		base = defaultBase
	}
	if red == nil {
		red = &Redactor{}
	}
	red.Add(userinfoSecrets(base)...) // net/http's errors quote the URL, user name included
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewLimiter(cfg.RateLimit, cfg.RatePer)
	}
	e := &Engine{
		provider:  provider,
		base:      strings.TrimRight(base, "/"),
		limiter:   cfg.Limiter,
		log:       NewLogger(cfg.Logger, red).With("provider", provider),
		redactor:  red,
		userAgent: UserAgent(cfg.UserAgent),
		hooks:     hooks,
	}
	e.uaValue = []string{e.userAgent}
	inner := http.DefaultTransport
	var jar http.CookieJar
	var redirect func(*http.Request, []*http.Request) error
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			inner = cfg.HTTPClient.Transport
		}
		jar, redirect = cfg.HTTPClient.Jar, cfg.HTTPClient.CheckRedirect
	}
	if redirect == nil {
		// A redirect would resend a payout to a host the caller did not
		// configure, and drop its body: refuse them.
		redirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	e.rc = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport:     &transport{next: inner, limiter: e.limiter, timeout: cfg.Timeout, log: e.log, observe: hooks.Observe},
			Jar:           jar,
			CheckRedirect: redirect,
		},
		RetryWaitMin:   cfg.RetryWaitMin,
		RetryWaitMax:   cfg.RetryWaitMax,
		RetryMax:       cfg.MaxRetries,
		CheckRetry:     e.checkRetry,
		Backoff:        Backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: e.beforeAttempt,
		PrepareRetry:   e.authorize,
	}
	if cfg.Logger != nil {
		e.rc.Logger = leveled{e.log}
	}
	return e
}

// UserAgent is "payout-go/<version> (<go version>)", followed by extra when
// given.
func UserAgent(extra string) string {
	ua := "payout-go/" + payout.Version + " (" + runtime.Version() + ")"
	if extra = strings.TrimSpace(extra); extra != "" {
		ua += " " + extra
	}
	return ua
}

// Logger is the engine's redacting logger, for the adapter's own lines.
func (e *Engine) Logger() *slog.Logger { return e.log }

// Redactor is the engine's redactor.
func (e *Engine) Redactor() *Redactor { return e.redactor }

// Request is one call to the provider.
type Request struct {
	Method string
	// Path is appended to the base URL; the caller escapes its segments.
	Path  string
	Query url.Values
	// Body is encoded as JSON when not nil.
	Body any
	// IdempotencyKey, when set, is sent as Idempotency-Key on every attempt
	// and makes the call safe to retry whatever its method.
	IdempotencyKey string
	// Reference is the payout reference the call is about; it is put on
	// errors (ErrOutcomeUnknown tells the caller what to send again).
	Reference string
	// NoAuth marks a credentials call (a token request): it skips
	// Hooks.Authorize, and since it creates nothing at the provider its
	// failures are never reported as an unknown outcome.
	NoAuth bool
	// Header holds extra headers.
	Header http.Header
}

// Response is a provider's 2xx answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Attempts is how many HTTP attempts the call took.
	Attempts int
	// MaybeServed reports that an earlier attempt may have been processed
	// before this answer (it failed with a 5xx or lost its connection after
	// writing): an adapter that finds an error inside a 2xx answer to a
	// payout POST must then treat the outcome as unknown.
	MaybeServed bool
}

// callInfo is what the hooks of one call need to know of it; it travels
// with the attempts record in the call's context.
type callInfo struct {
	method     string
	idempotent bool
	noAuth     bool
}

// Do sends r, retrying as the policy allows, and returns the 2xx response or
// an error, always a *payout.Error except for a context that ended before
// anything was sent (then the context's error, wrapped).
func (e *Engine) Do(ctx context.Context, r Request) (*Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = json.Marshal(r.Body); err != nil {
			return nil, &payout.Error{Code: payout.CodeInvalidRequest, Provider: e.provider, Reference: r.Reference, Message: "encoding the request body", Err: err}
		}
	}
	u := e.base + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	// Only a call that can create something needs to prove what it did not
	// send; the trace is spared for the others.
	ctx, att := withAttempts(ctx, callInfo{method: r.Method, idempotent: r.IdempotencyKey != "", noAuth: r.NoAuth}, r.MayCreate())
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, u, raw)
	if err != nil {
		return nil, &payout.Error{Code: payout.CodeInvalidRequest, Provider: e.provider, Reference: r.Reference, Message: "building the request", Err: err}
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	// The fixed values are shared slices: net/http only reads a request's
	// header, and Header.Set or Add replaces a value, never writes into it.
	req.Header["Accept"] = jsonValue
	req.Header["User-Agent"] = e.uaValue
	if body != nil {
		req.Header["Content-Type"] = jsonValue
	}
	if r.IdempotencyKey != "" {
		req.Header["Idempotency-Key"] = []string{r.IdempotencyKey}
	}
	if err := e.authorize(req.Request); err != nil {
		return nil, e.wrapAuthErr(r, err)
	}

	start := time.Now()
	resp, doErr := e.rc.Do(req)
	attempts, maybeServed := att.snapshot()
	if doErr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, e.transportError(ctx, r, doErr, attempts, maybeServed)
	}
	defer resp.Body.Close()
	data, readErr := readBody(resp.Body, resp.ContentLength)
	if e.log.Enabled(ctx, slog.LevelDebug) { // spare the attributes when nobody listens
		e.log.LogAttrs(ctx, slog.LevelDebug, "payout http call",
			slog.String("method", r.Method), slog.String("path", r.Path),
			slog.Int("status", resp.StatusCode), slog.Int("attempts", attempts),
			slog.Duration("elapsed", time.Since(start)))
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if readErr != nil && ok {
		// The status line arrived, the body did not: the provider processed
		// the request but its answer is lost.
		code := payout.CodeProviderError
		if r.MayCreate() {
			code = payout.CodeOutcomeUnknown
		}
		return nil, &payout.Error{Code: code, Provider: e.provider, HTTPStatus: resp.StatusCode, Reference: r.Reference,
			Message: "reading the response body", RequestID: e.RequestID(resp.Header), Err: readErr}
	}
	if ok {
		return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data, Attempts: attempts, MaybeServed: maybeServed}, nil
	}
	return nil, e.statusError(r, resp.StatusCode, resp.Header, data, maybeServed)
}

// jsonValue is the value of Accept and Content-Type; len == cap, so that
// an append makes a copy.
var jsonValue = []string{"application/json"}[:1:1]

// readBody reads a response body up to MaxBody bytes, in one allocation
// when the response declares its length (io.ReadAll grows its buffer from
// 512 bytes, copying as it goes). It reads to the end, so that net/http sees
// the end of the body and keeps the connection.
func readBody(body io.Reader, n int64) ([]byte, error) {
	lr := io.LimitedReader{R: body, N: MaxBody}
	if n < 0 || n > MaxBody {
		n = 512
	}
	buf := make([]byte, 0, n+1) // the extra byte reads the end without growing
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// MayCreate reports whether r can change state at the provider (create a
// payout), so that losing its answer leaves the outcome unknown.
func (r Request) MayCreate() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return !r.NoAuth
}

func (e *Engine) authorize(r *http.Request) error {
	att := attemptsFrom(r.Context())
	if e.hooks.Authorize == nil || (att != nil && att.info.noAuth) {
		return nil
	}
	return e.hooks.Authorize(r.Context(), r)
}

func (e *Engine) wrapAuthErr(r Request, err error) error {
	var pe *payout.Error
	if errors.As(err, &pe) {
		if pe.Reference == "" && r.Reference != "" {
			cp := *pe
			cp.Reference = r.Reference
			return &cp
		}
		return pe
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &payout.Error{Code: payout.CodeUnauthorized, Provider: e.provider, Reference: r.Reference,
		Message: "obtaining credentials", Err: errors.New(e.redactor.String(err.Error()))}
}

// beforeAttempt runs before each attempt: it starts the attempt's record.
func (e *Engine) beforeAttempt(_ retryablehttp.Logger, r *http.Request, n int) {
	if a := attemptsFrom(r.Context()); a != nil {
		a.start()
	}
}

// checkRetry is the retryablehttp.CheckRetry: Decide, fed with what the
// trace saw, with the reason logged.
func (e *Engine) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	att := attemptsFrom(ctx)
	if att == nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	// Record what this attempt may have done before anything else: a
	// caller that gives up while the provider is answering still needs to
	// know the request may have been processed.
	written := true
	if err != nil {
		if written = att.written(err); written {
			att.served("connection failed or the call was abandoned after the request was written")
		}
	} else if resp.StatusCode >= 500 {
		att.served(fmt.Sprintf("status %d", resp.StatusCode))
	}
	if ctx.Err() != nil {
		if resp != nil {
			// An answer arrived as the caller gave up: it is read, not
			// dropped. Dropping it would turn a payout the provider just
			// accepted into a bare context error, which says nothing was
			// sent.
			return false, nil
		}
		return false, ctx.Err()
	}
	if errors.As(err, new(notSent)) {
		// The limiter refused the attempt (its storage failed): fail
		// closed and at once, rather than retry against it.
		return false, nil
	}
	// A credentials call creates nothing, so it is as safe to repeat as a
	// request with an idempotency key.
	info := att.info
	d := Decide(info.method, info.idempotent || info.noAuth, resp, err, written)
	if d.Retry {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.log.LogAttrs(ctx, slog.LevelInfo, "payout http retry",
			slog.String("method", info.method), slog.Int("status", status), slog.String("reason", d.Reason))
	}
	return d.Retry, nil
}

// transportError classifies a call that ended without a response.
func (e *Engine) transportError(ctx context.Context, r Request, err error, attempts int, maybeServed bool) error {
	msg := e.redactor.String(err.Error())
	var hookErr *payout.Error
	if errors.As(err, &hookErr) {
		// Obtaining credentials for a retry failed (Hooks.Authorize): keep
		// that error, unless an earlier attempt may have been processed.
		cp := *hookErr
		if cp.Reference == "" {
			cp.Reference = r.Reference
		}
		if maybeServed && r.MayCreate() {
			cp.Code = payout.CodeOutcomeUnknown
			cp.Message = "an earlier attempt may have been processed; then obtaining credentials failed: " + cp.Message
		}
		return &cp
	}
	cause := errors.New(msg)
	if ctx.Err() != nil {
		cause = ctx.Err()
	}
	var held notSent
	refused := errors.As(err, &held) && ctx.Err() == nil
	if refused {
		cause = held.err // the Limiter's own error, matchable with errors.Is
	}
	pe := &payout.Error{Provider: e.provider, Reference: r.Reference, Err: cause}
	switch {
	case maybeServed && r.MayCreate():
		pe.Code = payout.CodeOutcomeUnknown
		pe.Message = fmt.Sprintf("the provider may have processed the request (%d attempts)", attempts)
	case ctx.Err() != nil:
		// Nothing reached the provider; the caller gave up.
		return fmt.Errorf("payout: %s: %s %s: %w", e.provider, r.Method, r.Path, ctx.Err())
	case refused:
		pe.Code = payout.CodeNetwork
		pe.Message = "the rate limiter refused the request, so it was not sent"
	default:
		pe.Code = payout.CodeNetwork
		pe.Message = fmt.Sprintf("the request did not reach the provider (%d attempts)", attempts)
	}
	e.log.LogAttrs(ctx, slog.LevelWarn, "payout http call failed",
		slog.String("method", r.Method), slog.String("path", r.Path),
		slog.String("code", string(pe.Code)), slog.Int("attempts", attempts), slog.String("error", msg))
	return pe
}

// statusError turns a non-2xx response into a *payout.Error through the
// adapter's decoder, then fills what it left out. maybeServed says whether
// an earlier attempt of the call may have been processed: a call that can
// create a payout and ends on an answer that settles nothing (a 5xx, a 429,
// an unexplained conflict) then has an unknown outcome, whatever the last
// answer was.
func (e *Engine) statusError(r Request, status int, h http.Header, body []byte, maybeServed bool) error {
	var pe *payout.Error
	if e.hooks.DecodeError != nil {
		pe = e.hooks.DecodeError(status, h, body)
	}
	if pe == nil {
		pe = &payout.Error{}
	}
	pe.Provider = e.provider
	pe.HTTPStatus = status
	if pe.Reference == "" {
		pe.Reference = r.Reference
	}
	if pe.RequestID == "" {
		pe.RequestID = h.Get("X-Request-Id")
	}
	if d, ok := RetryAfter(h, time.Now()); ok && pe.RetryAfter == 0 {
		pe.RetryAfter = d
	}
	if pe.Code == "" {
		pe.Code = CodeForStatus(status)
	}
	if pe.Message == "" {
		pe.Message = http.StatusText(status)
	}
	// Whatever the provider sent back is untrusted text that may echo a
	// credential: clean every field of it.
	// Redact first, then truncate: a cut made first could split a secret
	// and leave a prefix of it that no longer matches.
	pe.Message = clip(e.redactor.String(pe.Message), MaxMessage)
	pe.RequestID = clip(e.redactor.String(pe.RequestID), MaxCode)
	pe.ProviderCode = clip(e.redactor.String(pe.ProviderCode), MaxCode)
	if r.MayCreate() {
		switch {
		case status >= 500:
			// The provider may have created the payout before it failed.
			pe.Code = payout.CodeOutcomeUnknown
		case maybeServed && !Settles(pe):
			pe.Code = payout.CodeOutcomeUnknown
			pe.Message = "an earlier attempt may have been processed; the last answer was: " + pe.Message
		}
	}
	return pe
}

// Settles reports whether pe, answered to a later attempt of a call whose
// earlier attempt may have been processed, still settles the call: only
// the provider's own word about the request itself does, the same whatever
// the earlier attempt did (a malformed request, an invalid recipient, a
// Reference it says is taken), with the provider's code to show it is the
// provider speaking and not a proxy. Everything else may describe the state
// the earlier attempt left (credentials revoked since, the funds it spent,
// a rate limit or conflict its own processing caused) and leaves the
// outcome unknown: a caller told "unauthorized" or "insufficient funds"
// would send again under a new Reference and pay twice.
func Settles(pe *payout.Error) bool {
	switch pe.Code {
	case payout.CodeInvalidRequest, payout.CodeInvalidRecipient, payout.CodeDuplicateReference:
		return pe.ProviderCode != ""
	}
	return false
}

// Bounds of the provider text an error keeps, applied after redaction.
const (
	// MaxMessage bounds Error.Message, in bytes.
	MaxMessage = 500
	// MaxCode bounds Error.ProviderCode and Error.RequestID, in bytes.
	MaxCode = 100
)

// clip cuts s to at most max bytes, on a rune boundary.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// RequestID is the provider's id of a response (X-Request-Id), redacted:
// a proxy that echoes a credential there must not leak it.
func (e *Engine) RequestID(h http.Header) string {
	return clip(e.redactor.String(h.Get("X-Request-Id")), MaxCode)
}

// CodeForStatus is the taxonomy's fallback for a status whose body names no
// known code.
func CodeForStatus(status int) payout.Code {
	switch {
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return payout.CodeInvalidRequest
	case status == http.StatusUnauthorized:
		return payout.CodeUnauthorized
	case status == http.StatusPaymentRequired:
		return payout.CodeInsufficientFeeBalance
	case status == http.StatusForbidden:
		return payout.CodeForbidden
	case status == http.StatusNotFound:
		return payout.CodeNotFound
	case status == http.StatusConflict:
		return payout.CodeConflict
	case status == http.StatusTooManyRequests:
		return payout.CodeRateLimited
	case status >= 500:
		return payout.CodeProviderError
	default:
		return payout.CodeInvalidRequest
	}
}

// DecodeJSON decodes a response body into v, turning malformed JSON into a
// typed error that names the provider but not the body.
func (e *Engine) DecodeJSON(resp *Response, v any, reference string) error {
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &payout.Error{Code: payout.CodeProviderError, Provider: e.provider, HTTPStatus: resp.StatusCode,
			Reference: reference, RequestID: e.RequestID(resp.Header),
			Message: "the provider's response is not the JSON expected", Err: err}
	}
	return nil
}
