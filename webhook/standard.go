package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors of StandardVerifier.Verify, NewStandardVerifier and Sign. Match them
// with errors.Is; none of them ever carries a secret or a signature.
var (
	// ErrMissingHeaders: the request lacks one of the id, timestamp and
	// signature headers (svix-* or webhook-*), or one of them is empty.
	ErrMissingHeaders = errors.New("webhook: missing signature headers")
	// ErrInvalidTimestamp: the timestamp header is not a decimal count of
	// unix seconds.
	ErrInvalidTimestamp = errors.New("webhook: invalid signature timestamp")
	// ErrTimestampTooOld: the timestamp is further in the past than the
	// tolerance: a replay, or a delivery that waited too long.
	ErrTimestampTooOld = errors.New("webhook: signature timestamp too old")
	// ErrTimestampTooNew: the timestamp is further in the future than the
	// tolerance (check the server's clock).
	ErrTimestampTooNew = errors.New("webhook: signature timestamp too far in the future")
	// ErrNoMatchingSignature: no v1 signature of the header matches the
	// request under any of the secrets.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
	// ErrInvalidSecret: a secret given to a constructor or to Sign is empty,
	// too short, or (for Standard Webhooks) not base64.
	ErrInvalidSecret = errors.New("webhook: invalid secret")
)

// The header names of Standard Webhooks, in Svix's spelling and in the
// specification's. Both carry the same scheme.
const (
	HeaderSvixID             = "svix-id"
	HeaderSvixTimestamp      = "svix-timestamp"
	HeaderSvixSignature      = "svix-signature"
	HeaderWebhookID          = "webhook-id"
	HeaderWebhookTimestamp   = "webhook-timestamp"
	HeaderWebhookSignature   = "webhook-signature"
	standardSecretPrefix     = "whsec_"
	standardSignatureVersion = "v1"
)

// MinStandardSecretLen is the shortest key NewStandardVerifier and Sign
// accept, in bytes after base64 decoding: an HMAC key shorter than 128 bits
// can be searched for. Standard Webhooks providers issue keys of 24 to 64
// bytes ("whsec_" and 32 to 88 base64 characters).
const MinStandardSecretLen = 16

// DefaultTolerance is how far a signature's timestamp may be from the
// verifier's clock, in either direction, before Verify rejects it.
const DefaultTolerance = 5 * time.Minute

// StandardVerifier checks Standard Webhooks signatures (the scheme Svix
// delivers, used by PayOS): an HMAC-SHA256 over "id.timestamp.body" keyed by
// the endpoint's secret, sent in the svix-signature (or webhook-signature)
// header.
//
// It holds one or more secrets so that a secret can be rotated without
// losing deliveries: a request is authentic if any v1 signature it carries
// matches under any secret. A StandardVerifier is safe for concurrent use.
// Printing it (fmt, slog) shows how many secrets it holds, never the secrets.
type StandardVerifier struct {
	s *standardState
}

type standardState struct {
	keys      [][]byte
	tolerance time.Duration
	now       func() time.Time
	pool      sync.Pool // of *standardScratch
}

// standardScratch is the per-call state of Verify, pooled so that verifying
// allocates nothing in the steady state.
type standardScratch struct {
	macs []hash.Hash
	sigs [][]byte
	hdr  []byte
	pre  []byte
	sum  [sha256.Size]byte
	enc  [44]byte // base64.StdEncoding.EncodedLen(sha256.Size)
}

// VerifierOption configures a StandardVerifier built with
// NewStandardVerifierWithOptions.
type VerifierOption func(*verifierOptions)

type verifierOptions struct {
	tolerance time.Duration
	now       func() time.Time
	errs      []error
}

// WithTolerance sets how far a signature's timestamp may be from now, in
// either direction (default DefaultTolerance, 5 minutes). It must be
// positive: the timestamp check is what stops a captured delivery from
// being replayed later.
func WithTolerance(d time.Duration) VerifierOption {
	return func(o *verifierOptions) {
		if d <= 0 {
			o.errs = append(o.errs, fmt.Errorf("webhook: WithTolerance: %v is not positive", d))
			return
		}
		o.tolerance = d
	}
}

// WithClock replaces time.Now as the verifier's clock (for tests, or to
// verify a recorded delivery at the time it was received).
func WithClock(now func() time.Time) VerifierOption {
	return func(o *verifierOptions) {
		if now == nil {
			o.errs = append(o.errs, errors.New("webhook: WithClock: nil clock"))
			return
		}
		o.now = now
	}
}

// NewStandardVerifier returns a verifier for the given endpoint secrets, as
// the provider shows them ("whsec_" followed by base64) or as bare base64.
// Pass several secrets while rotating: the new one and the old one. It fails
// with an error matching ErrInvalidSecret when a secret is empty, not
// base64 or a key shorter than MinStandardSecretLen bytes, and when no
// secret is given.
func NewStandardVerifier(secrets ...string) (*StandardVerifier, error) {
	return NewStandardVerifierWithOptions(secrets)
}

// NewStandardVerifierWithOptions is NewStandardVerifier with options: the
// timestamp tolerance (WithTolerance) and the clock (WithClock).
func NewStandardVerifierWithOptions(secrets []string, opts ...VerifierOption) (*StandardVerifier, error) {
	o := verifierOptions{tolerance: DefaultTolerance, now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if len(o.errs) > 0 {
		return nil, errors.Join(o.errs...)
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret given", ErrInvalidSecret)
	}
	keys := make([][]byte, 0, len(secrets))
	for i, s := range secrets {
		k, err := decodeStandardSecret(s)
		if err != nil {
			return nil, fmt.Errorf("%w (secret #%d)", err, i+1)
		}
		keys = append(keys, k)
	}
	st := &standardState{keys: keys, tolerance: o.tolerance, now: o.now}
	st.pool.New = func() any {
		sc := &standardScratch{macs: make([]hash.Hash, len(st.keys))}
		for i, k := range st.keys {
			sc.macs[i] = hmac.New(sha256.New, k)
		}
		return sc
	}
	return &StandardVerifier{s: st}, nil
}

// decodeStandardSecret returns the HMAC key of a Standard Webhooks secret.
// Its errors say what is wrong, never what the secret is.
func decodeStandardSecret(s string) ([]byte, error) {
	s = strings.TrimPrefix(s, standardSecretPrefix)
	if s == "" {
		return nil, fmt.Errorf("%w: empty secret", ErrInvalidSecret)
	}
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: the secret (after any %q prefix) is not base64", ErrInvalidSecret, standardSecretPrefix)
	}
	if len(k) == 0 {
		return nil, fmt.Errorf("%w: empty secret", ErrInvalidSecret)
	}
	if len(k) < MinStandardSecretLen {
		return nil, fmt.Errorf("%w: the key is %d bytes, shorter than %d", ErrInvalidSecret, len(k), MinStandardSecretLen)
	}
	return k, nil
}

// Verify reports whether body, received with headers h, was signed by the
// provider with one of the verifier's secrets, at a time within the
// tolerance of now. It reads svix-id, svix-timestamp and svix-signature
// when all three are present, else webhook-id, webhook-timestamp and
// webhook-signature. body must be the request body exactly as received,
// before any decoding.
//
// A nil error means authentic. The errors match ErrMissingHeaders,
// ErrInvalidTimestamp, ErrTimestampTooOld, ErrTimestampTooNew or
// ErrNoMatchingSignature.
func (v *StandardVerifier) Verify(h http.Header, body []byte) error {
	if v == nil || v.s == nil {
		return fmt.Errorf("%w: nil StandardVerifier", ErrInvalidSecret)
	}
	id, ts, sig, ok := standardHeaders(h)
	if !ok {
		return ErrMissingHeaders
	}
	t, ok := parseTimestamp(ts)
	if !ok {
		return ErrInvalidTimestamp
	}
	ts = canonicalTimestamp(ts, t)
	st := v.s
	now := st.now()
	// The same comparisons as the reference implementations: too old when
	// more than the tolerance has elapsed, too new when the timestamp's
	// second is after the second of now+tolerance.
	if now.Sub(time.Unix(t, 0)) > st.tolerance {
		return ErrTimestampTooOld
	}
	if t > now.Add(st.tolerance).Unix() {
		return ErrTimestampTooNew
	}

	sc := st.pool.Get().(*standardScratch)
	defer st.put(sc)
	sc.hdr = append(sc.hdr[:0], sig...)
	sc.sigs = parseSignatures(sc.hdr, sc.sigs[:0])
	if len(sc.sigs) == 0 {
		return ErrNoMatchingSignature
	}
	matched := false
	for _, mac := range sc.macs {
		expected := standardSign(mac, id, ts, body, sc)
		for _, s := range sc.sigs {
			// hmac.Equal takes constant time for equal lengths; every
			// entry is compared, the first match does not end the loop.
			if hmac.Equal(s, expected) {
				matched = true
			}
		}
	}
	clear(sc.sigs[:cap(sc.sigs)])
	if !matched {
		return ErrNoMatchingSignature
	}
	return nil
}

// maxPooledHeader bounds the signature header buffer kept for reuse, so that
// one oversized header does not pin its memory in the pool.
const maxPooledHeader = 4 << 10

func (st *standardState) put(sc *standardScratch) {
	if cap(sc.hdr) > maxPooledHeader {
		sc.hdr, sc.sigs = nil, nil
	}
	if cap(sc.pre) > maxPooledHeader {
		sc.pre = nil
	}
	st.pool.Put(sc)
}

// VerifyRequest verifies r, whose body has been read into body, with Verify:
// it makes StandardVerifier a RequestVerifier for Handler.
func (v *StandardVerifier) VerifyRequest(r *http.Request, body []byte) error {
	return v.Verify(r.Header, body)
}

// standardSign computes the base64 v1 signature of id.ts.body with mac,
// into sc.enc, and returns it.
func standardSign(mac hash.Hash, id, ts string, body []byte, sc *standardScratch) []byte {
	mac.Reset()
	// hmac's Write takes []byte: id and ts go through a reused buffer
	// rather than conversions that would allocate.
	sc.pre = append(sc.pre[:0], id...)
	sc.pre = append(sc.pre, '.')
	sc.pre = append(sc.pre, ts...)
	sc.pre = append(sc.pre, '.')
	mac.Write(sc.pre)
	mac.Write(body)
	sum := mac.Sum(sc.sum[:0])
	base64.StdEncoding.Encode(sc.enc[:], sum)
	return sc.enc[:]
}

// standardHeaders returns the id, timestamp and signature headers: Svix's
// when all three are non-empty, else the specification's.
func standardHeaders(h http.Header) (id, ts, sig string, ok bool) {
	if h == nil {
		return "", "", "", false
	}
	// The canonical spellings, as http.Header stores them: h.Get would
	// canonicalize the lower-case names with an allocation on every call.
	id, ts, sig = first(h["Svix-Id"]), first(h["Svix-Timestamp"]), first(h["Svix-Signature"])
	if id != "" && ts != "" && sig != "" {
		return id, ts, sig, true
	}
	id, ts, sig = first(h["Webhook-Id"]), first(h["Webhook-Timestamp"]), first(h["Webhook-Signature"])
	if id != "" && ts != "" && sig != "" {
		return id, ts, sig, true
	}
	return "", "", "", false
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// messageID returns the id header Verify would read, or "" when the request
// does not carry a complete set of signature headers.
func messageID(h http.Header) string {
	id, _, _, ok := standardHeaders(h)
	if !ok {
		return ""
	}
	return id
}

// parseTimestamp parses a timestamp header as decimal unix seconds, as the
// reference implementations do (strconv.ParseInt: an optional sign and
// leading zeros are accepted). The signed content then carries the number
// re-formatted (canonicalTimestamp), as theirs does.
func parseTimestamp(s string) (int64, bool) {
	t, err := strconv.ParseInt(s, 10, 64)
	return t, err == nil
}

// canonicalTimestamp is the timestamp as signed: the parsed number in
// plain decimal. It returns s itself when s is already that, the common
// case, so that nothing is allocated.
func canonicalTimestamp(s string, t int64) string {
	if len(s) > 0 && s[0] != '+' && s[0] != '0' || s == "0" {
		return s
	}
	return strconv.FormatInt(t, 10)
}

// parseSignatures appends to dst the signatures of the v1 entries of a
// signature header and returns it. The header is a space-separated list of
// "version,signature" entries; empty entries (repeated spaces), entries
// without a comma and entries of other versions (v1a, v2, ...) are skipped.
// The signature is everything after the first comma, so an entry with a
// second comma never matches. The results alias hdr.
func parseSignatures(hdr []byte, dst [][]byte) [][]byte {
	for len(hdr) > 0 {
		var entry []byte
		if i := indexByte(hdr, ' '); i >= 0 {
			entry, hdr = hdr[:i], hdr[i+1:]
		} else {
			entry, hdr = hdr, nil
		}
		c := indexByte(entry, ',')
		if c < 0 {
			continue
		}
		if string(entry[:c]) != standardSignatureVersion {
			continue
		}
		dst = append(dst, entry[c+1:])
	}
	return dst
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// Sign returns the headers a Standard Webhooks sender would attach to body:
// svix-id, svix-timestamp and svix-signature, and the same values under
// webhook-id, webhook-timestamp and webhook-signature. secret is given as
// to NewStandardVerifier. It is meant for tests, including tests of code
// that receives webhooks:
//
//	h, _ := webhook.Sign(secret, "msg_1", time.Now(), body)
//	req.Header = h
func Sign(secret, msgID string, ts time.Time, body []byte) (http.Header, error) {
	k, err := decodeStandardSecret(secret)
	if err != nil {
		return nil, err
	}
	if msgID == "" {
		return nil, errors.New("webhook: Sign: empty message id")
	}
	if ts.Unix() < 0 {
		return nil, errors.New("webhook: Sign: timestamp before 1970")
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	sc := &standardScratch{}
	sig := standardSignatureVersion + "," + string(standardSign(hmac.New(sha256.New, k), msgID, t, body, sc))
	h := make(http.Header, 6)
	h.Set(HeaderSvixID, msgID)
	h.Set(HeaderSvixTimestamp, t)
	h.Set(HeaderSvixSignature, sig)
	h.Set(HeaderWebhookID, msgID)
	h.Set(HeaderWebhookTimestamp, t)
	h.Set(HeaderWebhookSignature, sig)
	return h, nil
}

// String describes v without its secrets: how many it holds and its
// tolerance.
func (v StandardVerifier) String() string {
	if v.s == nil {
		return "webhook.StandardVerifier{}"
	}
	return "webhook.StandardVerifier{secrets: " + strconv.Itoa(len(v.s.keys)) +
		", tolerance: " + v.s.tolerance.String() + "}"
}

// GoString is String: %#v never shows the secrets either.
func (v StandardVerifier) GoString() string { return v.String() }

// Format prints String for every verb, so that no verb of fmt (%v, %+v,
// %#v, %s, %x, ...) reaches the secrets.
func (v StandardVerifier) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.String())) }

// LogValue makes slog print String, never the secrets.
func (v StandardVerifier) LogValue() slog.Value { return slog.StringValue(v.String()) }

// MarshalText makes encoders (JSON, slog's handlers) print String, never
// the secrets.
func (v StandardVerifier) MarshalText() ([]byte, error) { return []byte(v.String()), nil }
