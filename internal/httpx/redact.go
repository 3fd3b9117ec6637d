package httpx

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/phone"
)

// Redactor removes secrets and masks phone numbers in text bound for logs
// or errors. Adapters register their secrets (API keys, client secrets,
// tokens as they are issued); it is safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	secrets  []string
	rotating []string // the latest short-lived secrets (access tokens)
}

// MaxRotating is how many short-lived secrets AddRotating remembers: a
// token that many refreshes old has long expired.
const MaxRotating = 8

// Placeholder replaces every secret.
const Placeholder = "[REDACTED]"

// Add registers secrets to remove from now on. Every non-empty value is
// registered, however short: a garbled log line is better than a leaked key.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" && !contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
}

// AddRotating registers a short-lived secret, such as an access token that
// is replaced on every refresh; only the latest MaxRotating are kept, so a
// long-running process does not accumulate them.
func (r *Redactor) AddRotating(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if secret == "" || contains(r.rotating, secret) {
		return
	}
	if len(r.rotating) == MaxRotating {
		r.rotating = append(r.rotating[:0], r.rotating[1:]...)
	}
	r.rotating = append(r.rotating, secret)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// phoneRun finds Kenyan mobile numbers as they appear in requests,
// responses and people's typing: 2547XXXXXXXX, 2541XXXXXXXX, 07XXXXXXXX,
// 01XXXXXXXX, with or without "+" and with single spaces, dashes or dots
// between the groups ("0712 345 678", "+254 712-345-678").
var phoneRun = regexp.MustCompile(`(?:\+?254[ .-]?|\b0)[17]\d{2}[ .-]?\d{3}[ .-]?\d{3}\b`)

// String returns s with every registered secret replaced and every phone
// number masked (first four and last four digits kept).
func (r *Redactor) String(s string) string {
	r.mu.RLock()
	for _, list := range [2][]string{r.secrets, r.rotating} {
		for _, sec := range list {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Placeholder)
			}
		}
	}
	r.mu.RUnlock()
	return phoneRun.ReplaceAllStringFunc(s, maskPhone)
}

// maskPhone masks a number found in text with phone.Mask, its digits only
// and a leading "+" kept outside the mask: "+254712345678" becomes
// "+2547****5678", "0712 345 678" becomes "0712**5678".
func maskPhone(p string) string {
	plus := strings.HasPrefix(p, "+")
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p)
	if plus {
		return "+" + phone.Mask(digits)
	}
	return phone.Mask(digits)
}

// redactHandler passes records to the caller's handler with every string
// (message, attribute values, nested groups, errors) redacted.
type redactHandler struct {
	next slog.Handler
	r    *Redactor
}

// NewLogger returns a logger that writes to l's handler through r, or one
// that discards everything when l is nil.
func NewLogger(l *slog.Logger, r *Redactor) *slog.Logger {
	if l == nil {
		return slog.New(discard{})
	}
	return slog.New(&redactHandler{next: l.Handler(), r: r})
}

func (h *redactHandler) Enabled(ctx context.Context, lvl slog.Level) bool {
	return h.next.Enabled(ctx, lvl)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(clean), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), r: h.r}
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Render anything else (errors, structs, byte slices) as text first,
		// so that no secret can hide inside a value's own formatting.
		return slog.String(a.Key, h.r.String(v.String()))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }

// leveled adapts a *slog.Logger to retryablehttp's LeveledLogger.
type leveled struct{ l *slog.Logger }

func (l leveled) Error(msg string, kv ...any) { l.l.Error("retryablehttp: "+msg, kv...) }
func (l leveled) Warn(msg string, kv ...any)  { l.l.Warn("retryablehttp: "+msg, kv...) }
func (l leveled) Info(msg string, kv ...any)  { l.l.Info("retryablehttp: "+msg, kv...) }
func (l leveled) Debug(msg string, kv ...any) { l.l.Debug("retryablehttp: "+msg, kv...) }

// Error returns err with the provider's text in it cleaned (String): when
// err is a *payout.Error, a copy whose Message, ProviderCode and RequestID
// are redacted, and whose Err is replaced by its redacted text when that
// text holds a secret. Any other error is returned as it is.
//
// Adapters pass every error of their public calls through it: an error
// built from a 2xx answer (another Reference, another transaction id,
// echoed by a hostile proxy that copies the Authorization header there)
// carries provider text the engine never saw as an error.
func (r *Redactor) Error(err error) error {
	pe, ok := err.(*payout.Error)
	if !ok || pe == nil {
		return err
	}
	cp := *pe
	cp.Message, cp.ProviderCode, cp.RequestID = r.String(cp.Message), r.String(cp.ProviderCode), r.String(cp.RequestID)
	if cp.Err != nil {
		if msg := cp.Err.Error(); r.String(msg) != msg {
			cp.Err = errors.New(r.String(msg))
		}
	}
	return &cp
}

// Payout cleans, in place, the provider text a payout carries
// (ProviderStatus, Receipt, FailureCode, FailureMessage) as String does,
// and returns p: a proxy echoing a credential into a successful answer
// must not hand it to the caller, who logs and stores these fields.
func (r *Redactor) Payout(p *payout.Payout) *payout.Payout {
	if p != nil {
		p.ProviderStatus, p.Receipt = r.String(p.ProviderStatus), r.String(p.Receipt)
		p.FailureCode, p.FailureMessage = r.String(p.FailureCode), r.String(p.FailureMessage)
	}
	return p
}
