package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/payoutkit/payout/internal/safeurl"
)

// Errors of CallbackSigner.VerifyRequest.
var (
	// ErrMissingToken: the callback URL carries no ref or no token
	// parameter: the request did not come through a URL made by
	// CallbackURL.
	ErrMissingToken = errors.New("webhook: missing callback token")
	// ErrInvalidToken: the token does not match the reference under any of
	// the signer's secrets, or the parameters are malformed or repeated.
	ErrInvalidToken = errors.New("webhook: invalid callback token")
)

// The query parameters CallbackURL adds.
const (
	CallbackRefParam   = "ref"
	CallbackTokenParam = "token"
)

// MinCallbackSecretLen is the shortest secret NewCallbackSigner accepts, in
// bytes. Use 32 random bytes (for example 64 hex digits).
const MinCallbackSecretLen = 16

// callbackDomain separates callback tokens from any other HMAC made with
// the same secret.
const callbackDomain = "payout-callback-v1\x00"

// CallbackSigner authenticates callbacks from a provider that does not sign
// them (PalPluss). Each payout gets its own callback URL carrying its
// reference and a token, an HMAC-SHA256 of the reference under a secret only
// the merchant knows:
//
//	https://example.com/hooks/palpluss?ref=WD-2024-001&token=...
//
// A request to that URL proves that whoever sent it learned the URL from the
// provider (or from the merchant): it cannot be guessed, and it is only good
// for events about that one payout. It does not prove what the body says:
// bind the event to the reference (Verifier does) and confirm its status
// with the provider (WithConfirm) before acting on it.
//
// The first secret signs, all of them verify, so a secret can be rotated:
// put the new one first and keep the old one until the payouts whose URLs it
// signed have settled. A CallbackSigner is safe for concurrent use. Printing
// it shows how many secrets it holds, never the secrets.
type CallbackSigner struct {
	s *callbackState
}

type callbackState struct {
	keys [][]byte
}

// NewCallbackSigner returns a signer with the given secrets: the first signs
// new URLs, every one verifies. Each secret must be at least
// MinCallbackSecretLen bytes; the errors match ErrInvalidSecret.
func NewCallbackSigner(secrets ...string) (*CallbackSigner, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret given", ErrInvalidSecret)
	}
	keys := make([][]byte, 0, len(secrets))
	for i, s := range secrets {
		if len(s) < MinCallbackSecretLen {
			return nil, fmt.Errorf("%w: secret #%d is shorter than %d bytes", ErrInvalidSecret, i+1, MinCallbackSecretLen)
		}
		keys = append(keys, []byte(s))
	}
	return &CallbackSigner{s: &callbackState{keys: keys}}, nil
}

// CallbackURL returns base with the query parameters ref=reference and
// token=<token> added (other parameters of base are kept), to pass as the
// payout's callback URL (payout.Request.CallbackURL). base must be an https
// URL, or http on a loopback host (127.0.0.0/8, ::1, localhost) for local
// development, the rule of payout.WithBaseURL and Request.CallbackURL, and
// must not already have ref or token parameters.
func (s *CallbackSigner) CallbackURL(base, reference string) (string, error) {
	if s == nil || s.s == nil {
		return "", fmt.Errorf("%w: nil CallbackSigner", ErrInvalidSecret)
	}
	if reference == "" {
		return "", errors.New("webhook: CallbackURL: empty reference")
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", errors.New("webhook: CallbackURL: base is not a URL")
	}
	switch {
	case u.Host == "" || u.Opaque != "":
		return "", errors.New("webhook: CallbackURL: base is not an absolute URL")
	case safeurl.Check(u) == safeurl.Allowed:
	default:
		return "", fmt.Errorf("webhook: CallbackURL: base must be https (http only on loopback), not %q", u.Scheme)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", errors.New("webhook: CallbackURL: base has a malformed query")
	}
	if q.Has(CallbackRefParam) || q.Has(CallbackTokenParam) {
		return "", fmt.Errorf("webhook: CallbackURL: base already has a %q or %q parameter", CallbackRefParam, CallbackTokenParam)
	}
	q.Set(CallbackRefParam, reference)
	q.Set(CallbackTokenParam, base64.RawURLEncoding.EncodeToString(callbackMAC(s.s.keys[0], reference)))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func callbackMAC(key []byte, reference string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(callbackDomain))
	m.Write([]byte(reference))
	return m.Sum(nil)
}

// VerifyRequest checks the ref and token parameters of r's URL and returns
// the reference they vouch for. The comparison takes constant time. The
// errors match ErrMissingToken (no ref or no token) or ErrInvalidToken; on
// error the reference is "".
func (s *CallbackSigner) VerifyRequest(r *http.Request) (reference string, err error) {
	if s == nil || s.s == nil {
		return "", fmt.Errorf("%w: nil CallbackSigner", ErrInvalidSecret)
	}
	if r == nil || r.URL == nil {
		return "", ErrMissingToken
	}
	q, perr := url.ParseQuery(r.URL.RawQuery)
	refs, toks := q[CallbackRefParam], q[CallbackTokenParam]
	if len(refs) == 0 || len(toks) == 0 || refs[0] == "" || toks[0] == "" {
		return "", ErrMissingToken
	}
	// A malformed query or a repeated parameter makes "the" reference
	// ambiguous: different parsers could read different ones.
	if perr != nil || len(refs) != 1 || len(toks) != 1 {
		return "", ErrInvalidToken
	}
	tok, derr := base64.RawURLEncoding.DecodeString(toks[0])
	if derr != nil || len(tok) != sha256.Size {
		return "", ErrInvalidToken
	}
	ok := false
	for _, k := range s.s.keys {
		if hmac.Equal(tok, callbackMAC(k, refs[0])) {
			ok = true
		}
	}
	if !ok {
		return "", ErrInvalidToken
	}
	return refs[0], nil
}

// String describes s without its secrets.
func (s CallbackSigner) String() string {
	if s.s == nil {
		return "webhook.CallbackSigner{}"
	}
	return "webhook.CallbackSigner{secrets: " + strconv.Itoa(len(s.s.keys)) + "}"
}

// GoString is String: %#v never shows the secrets either.
func (s CallbackSigner) GoString() string { return s.String() }

// Format prints String for every verb, so that no verb of fmt reaches the
// secrets.
func (s CallbackSigner) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue makes slog print String, never the secrets.
func (s CallbackSigner) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText makes encoders print String, never the secrets.
func (s CallbackSigner) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
