package leaktest

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
	"sort"
	"strings"
	"sync"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/phone"
)

// secret is a value that must never appear in anything the SDK produces.
type secret struct{ name, value string }

// item is one piece of SDK output: a log line, an error string, a
// formatted value.
type item struct{ label, text string }

// finding is one secret (or unmasked phone number) found in one item.
type finding struct{ what, label, excerpt string }

func (f finding) String() string {
	return fmt.Sprintf("%s in %s: …%s…", f.what, f.label, f.excerpt)
}

// encodings returns v and the forms it takes once embedded in JSON or in
// a URL query, so that an escaped copy is found too.
func encodings(v string) []string {
	out := []string{v}
	if b, err := json.Marshal(v); err == nil {
		out = append(out, strings.Trim(string(b), `"`))
	}
	out = append(out, url.QueryEscape(v), url.PathEscape(v))
	sort.Strings(out)
	uniq := out[:0]
	for i, s := range out {
		if i == 0 || s != out[i-1] {
			uniq = append(uniq, s)
		}
	}
	return uniq
}

// scanSecrets reports every secret, in any of its encodings, found in any
// item.
func scanSecrets(secrets []secret, items []item) []finding {
	var out []finding
	for _, s := range secrets {
		if s.value == "" {
			continue
		}
		for _, enc := range encodings(s.value) {
			for _, it := range items {
				if i := strings.Index(it.text, enc); i >= 0 {
					out = append(out, finding{what: s.name, label: it.label, excerpt: excerpt(it.text, i, len(enc))})
				}
			}
		}
	}
	return out
}

// phoneForms returns every spelling of the number raw that must not appear
// in a log line: as given, international (2547XXXXXXXX), national
// (07XXXXXXXX), E.164 and the bare subscriber number.
func phoneForms(raw string) []string {
	forms := []string{raw}
	if n, err := phone.Parse(raw); err == nil {
		intl := n.International()
		forms = append(forms, intl, n.National(), n.E164(), intl[3:])
	}
	return forms
}

// scanPhones reports every full phone number of numbers, in any spelling,
// found in a log line, also where the line spells it with separators
// ("0712 345 678", "+254-712-345-678").
func scanPhones(numbers []string, logs []item) []finding {
	var out []finding
	for _, it := range logs {
		joined := joinDigits(it.text)
		for _, raw := range numbers {
			for _, form := range phoneForms(raw) {
				if i := strings.Index(it.text, form); i >= 0 {
					out = append(out, finding{what: "unmasked phone " + form, label: it.label, excerpt: excerpt(it.text, i, len(form))})
				} else if i := strings.Index(joined, form); i >= 0 {
					out = append(out, finding{what: "unmasked phone " + form, label: it.label, excerpt: excerpt(joined, i, len(form))})
				}
			}
		}
	}
	return out
}

// joinDigits removes the separators people put inside numbers (spaces,
// dashes, dots, parentheses) where they stand between two digits.
func joinDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(" -.()", s[i]) >= 0 && b.Len() > 0 && isDigit(b.String()[b.Len()-1]) {
			j := i
			for j < len(s) && strings.IndexByte(" -.()", s[j]) >= 0 {
				j++
			}
			if j < len(s) && isDigit(s[j]) {
				i = j - 1
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func excerpt(s string, i, n int) string {
	lo, hi := max(i-40, 0), min(i+n+40, len(s))
	return s[lo:hi]
}

// collector gathers SDK output. It is safe for concurrent use: webhook
// handlers add to it from the server's goroutines.
type collector struct {
	mu    sync.Mutex
	items []item
}

func (c *collector) text(label, s string) {
	c.mu.Lock()
	c.items = append(c.items, item{label, s})
	c.mu.Unlock()
}

// value adds v as every fmt verb shows it, and its JSON encoding.
func (c *collector) value(label string, v any) {
	c.formatted(label, v)
	if b, err := json.Marshal(v); err == nil {
		c.text(label+" json", string(b))
	}
}

// formatted adds v as every fmt verb shows it.
func (c *collector) formatted(label string, v any) {
	c.text(label+" %v", fmt.Sprintf("%v", v))
	c.text(label+" %+v", fmt.Sprintf("%+v", v))
	c.text(label+" %#v", fmt.Sprintf("%#v", v))
	c.text(label+" %s", fmt.Sprintf("%s", v))
}

// err adds err's string, its formatting, its JSON encoding and those of
// every error it wraps.
func (c *collector) err(label string, err error) {
	for depth := 0; err != nil && depth < 10; depth++ {
		c.text(label+" Error()", err.Error())
		c.value(label, err)
		var pe *payout.Error
		if errors.As(err, &pe) {
			c.value(label+" *payout.Error", *pe)
		}
		err = errors.Unwrap(err)
	}
}

func (c *collector) snapshot() []item {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]item(nil), c.items...)
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers: handlers log
// from the webhook server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the non-empty lines written so far, labelled.
func (l *lockedBuffer) lines(label string) []item {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []item
	for i, ln := range strings.Split(l.b.String(), "\n") {
		if ln != "" {
			out = append(out, item{fmt.Sprintf("%s line %d", label, i+1), ln})
		}
	}
	return out
}

// tee is a slog.Handler that hands every record to each of its handlers:
// the SDK's lines go to a text and a JSON handler at once.
type tee []slog.Handler

func (t tee) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t tee) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (t tee) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(tee, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t tee) WithGroup(name string) slog.Handler {
	out := make(tee, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}

// logSink is a debug-level logger writing text and JSON to two buffers.
type logSink struct {
	text, json lockedBuffer
	logger     *slog.Logger
}

func newLogSink() *logSink {
	s := &logSink{}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	s.logger = slog.New(tee{slog.NewTextHandler(&s.text, opts), slog.NewJSONHandler(&s.json, opts)})
	return s
}

func (s *logSink) lines() []item {
	return append(s.text.lines("text log"), s.json.lines("json log")...)
}

// wireSpy is the RoundTripper under the SDK's clients: it records every
// credential sent (Authorization headers) and every access token issued
// (token endpoint answers), which are the secrets to look for.
type wireSpy struct {
	next http.RoundTripper

	mu    sync.Mutex
	creds map[string]string // credential -> scheme
}

func (w *wireSpy) record(scheme, cred string) {
	cred = strings.TrimSpace(cred)
	if cred == "" {
		return
	}
	w.mu.Lock()
	if w.creds == nil {
		w.creds = map[string]string{}
	}
	w.creds[cred] = scheme
	w.mu.Unlock()
}

// credentials returns the credentials seen, by scheme ("Basic", "Bearer").
func (w *wireSpy) credentials() map[string][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]string{}
	for c, s := range w.creds {
		out[s] = append(out[s], c)
	}
	for _, cs := range out {
		sort.Strings(cs)
	}
	return out
}

func (w *wireSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, cred, ok := strings.Cut(a, " ")
		if !ok {
			scheme, cred = "raw", a
		}
		w.record(scheme, cred)
	}
	resp, err := w.next.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/auth/oauth2/token") {
		return resp, err
	}
	// Read the token answer to learn the token, then hand the client the
	// same bytes, and the same read error if the answer was cut short.
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tr struct {
		AccessToken      string `json:"accessToken"`
		AccessTokenSnake string `json:"access_token"`
		Data             *struct {
			AccessToken string `json:"accessToken"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &tr) == nil {
		w.record("Bearer", tr.AccessToken)
		w.record("Bearer", tr.AccessTokenSnake)
		if tr.Data != nil {
			w.record("Bearer", tr.Data.AccessToken)
		}
	}
	var rest io.Reader = bytes.NewReader(body)
	if rerr != nil {
		rest = io.MultiReader(rest, errReader{rerr})
	}
	resp.Body = io.NopCloser(rest)
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
