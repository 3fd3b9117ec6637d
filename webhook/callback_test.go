package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

const (
	cbSecret    = "0123456789abcdef-callback-secret-one"
	cbSecretOld = "fedcba9876543210-callback-secret-old"
)

func newSigner(t testing.TB, secrets ...string) *CallbackSigner {
	t.Helper()
	s, err := NewCallbackSigner(secrets...)
	require.NoError(t, err)
	return s
}

func callbackRequest(t testing.TB, u string) *http.Request {
	t.Helper()
	return httptest.NewRequest(http.MethodPost, u, strings.NewReader("{}"))
}

func TestCallbackRoundTrip(t *testing.T) {
	s := newSigner(t, cbSecret)
	for _, ref := range []string{"WD-2024-001", "a b&c=d?e#f", "ünïcødé/ref", "x", strings.Repeat("r", 200), "ref%20with%escapes", "+plus+"} {
		u, err := s.CallbackURL("https://example.com/hooks/palpluss", ref)
		require.NoError(t, err)
		got, err := s.VerifyRequest(callbackRequest(t, u))
		require.NoError(t, err, u)
		assert.Equal(t, ref, got)
	}
}

func TestCallbackTokenIsTheDocumentedHMAC(t *testing.T) {
	s := newSigner(t, cbSecret)
	u, err := s.CallbackURL("https://example.com/cb", "WD-2024-001")
	require.NoError(t, err)
	m := hmac.New(sha256.New, []byte(cbSecret))
	m.Write([]byte("payout-callback-v1\x00WD-2024-001"))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	assert.Equal(t, "https://example.com/cb?ref=WD-2024-001&token="+want, u)
}

func TestCallbackURLKeepsQueryAndChecksBase(t *testing.T) {
	s := newSigner(t, cbSecret)
	u, err := s.CallbackURL("https://example.com/hooks?tenant=7&x=a%26b", "R1")
	require.NoError(t, err)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	assert.Equal(t, "7", pu.Query().Get("tenant"))
	assert.Equal(t, "a&b", pu.Query().Get("x"))
	assert.Equal(t, "R1", pu.Query().Get("ref"))
	assert.Equal(t, "/hooks", pu.Path)
	ref, err := s.VerifyRequest(callbackRequest(t, u))
	require.NoError(t, err)
	assert.Equal(t, "R1", ref)

	for _, ok := range []string{
		"https://example.com", "http://localhost:8080/cb", "http://127.0.0.1/cb", "http://[::1]:9000/cb", "http://LOCALHOST/cb", "http://127.0.0.2/cb",
	} {
		_, err := s.CallbackURL(ok, "R1")
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{
		"http://example.com/cb", "ftp://example.com/cb", "/relative/cb", "example.com/cb", "https:///nohost", "",
		"https://example.com/cb?ref=other", "https://example.com/cb?token=x", "http://localhost.evil.com/cb", "http://10.0.0.1/cb",
		"https://example.com/cb?a=%zz", "mailto:someone@example.com",
	} {
		_, err := s.CallbackURL(bad, "R1")
		assert.Error(t, err, bad)
	}
	_, err = s.CallbackURL("https://example.com/cb", "")
	assert.Error(t, err)
}

func TestCallbackVerifyRequestRejects(t *testing.T) {
	s := newSigner(t, cbSecret)
	u, err := s.CallbackURL("https://example.com/cb", "REF-A")
	require.NoError(t, err)
	pu, _ := url.Parse(u)
	tok := pu.Query().Get("token")
	uB, _ := s.CallbackURL("https://example.com/cb", "REF-B")
	pB, _ := url.Parse(uB)
	tokB := pB.Query().Get("token")
	flipped := []byte(tok)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}

	tests := []struct {
		name  string
		query string
		want  error
	}{
		{"no query", "", ErrMissingToken},
		{"no token", "ref=REF-A", ErrMissingToken},
		{"no ref", "token=" + tok, ErrMissingToken},
		{"empty token", "ref=REF-A&token=", ErrMissingToken},
		{"empty ref", "ref=&token=" + tok, ErrMissingToken},
		{"tampered ref", "ref=REF-B&token=" + tok, ErrInvalidToken},
		{"ref with suffix", "ref=REF-A1&token=" + tok, ErrInvalidToken},
		{"tampered token", "ref=REF-A&token=" + string(flipped), ErrInvalidToken},
		{"another payout's token", "ref=REF-A&token=" + tokB, ErrInvalidToken},
		{"truncated token", "ref=REF-A&token=" + tok[:len(tok)-1], ErrInvalidToken},
		{"padded token", "ref=REF-A&token=" + tok + "=", ErrInvalidToken},
		{"standard base64 token", "ref=REF-A&token=" + base64.StdEncoding.EncodeToString([]byte("x")), ErrInvalidToken},
		{"repeated ref", "ref=REF-A&ref=REF-B&token=" + tok, ErrInvalidToken},
		{"repeated token", "ref=REF-A&token=" + tok + "&token=" + tok, ErrInvalidToken},
		{"malformed query", "ref=REF-A&token=" + tok + "&x=%zz", ErrInvalidToken},
		{"semicolon", "ref=REF-A;token=" + tok, ErrMissingToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "https://example.com/cb", nil)
			r.URL.RawQuery = tt.query
			ref, err := s.VerifyRequest(r)
			assert.ErrorIs(t, err, tt.want)
			assert.Empty(t, ref)
			if err != nil {
				assert.NotContains(t, err.Error(), cbSecret)
			}
		})
	}
	_, err = s.VerifyRequest(nil)
	assert.ErrorIs(t, err, ErrMissingToken)
}

func TestCallbackSignerRotation(t *testing.T) {
	old := newSigner(t, cbSecretOld)
	rotated := newSigner(t, cbSecret, cbSecretOld)
	fresh := newSigner(t, cbSecret)

	uOld, err := old.CallbackURL("https://example.com/cb", "R-OLD")
	require.NoError(t, err)
	uNew, err := rotated.CallbackURL("https://example.com/cb", "R-NEW")
	require.NoError(t, err)

	ref, err := rotated.VerifyRequest(callbackRequest(t, uOld))
	require.NoError(t, err)
	assert.Equal(t, "R-OLD", ref)
	_, err = rotated.VerifyRequest(callbackRequest(t, uNew))
	require.NoError(t, err)

	// The rotated signer signs with its first secret...
	_, err = fresh.VerifyRequest(callbackRequest(t, uNew))
	require.NoError(t, err)
	_, err = old.VerifyRequest(callbackRequest(t, uNew))
	assert.ErrorIs(t, err, ErrInvalidToken)
	// ...and once the old secret is dropped its URLs stop working.
	_, err = fresh.VerifyRequest(callbackRequest(t, uOld))
	assert.ErrorIs(t, err, ErrInvalidToken)
}

func TestNewCallbackSignerSecrets(t *testing.T) {
	for _, bad := range [][]string{nil, {""}, {"short"}, {cbSecret, "fifteen-bytes!!"}} {
		s, err := NewCallbackSigner(bad...)
		assert.ErrorIs(t, err, ErrInvalidSecret, "%q", bad)
		assert.Nil(t, s)
		if err != nil {
			assert.NotContains(t, err.Error(), "fifteen-bytes")
		}
	}
	_, err := NewCallbackSigner("sixteen-bytes!!!")
	assert.NoError(t, err)
	var nilSigner *CallbackSigner
	_, err = nilSigner.CallbackURL("https://example.com", "r")
	assert.Error(t, err)
	_, err = nilSigner.VerifyRequest(callbackRequest(t, "https://example.com/?ref=a&token=b"))
	assert.Error(t, err)
}

func TestCallbackSignerPrintsNoSecret(t *testing.T) {
	s := newSigner(t, cbSecret, cbSecretOld)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, *s))
	}
	outs = append(outs, fmt.Sprintf("%+v", s.Verifier()), fmt.Sprintf("%#v", s.Verifier()))
	js, err := json.Marshal(s)
	require.NoError(t, err)
	outs = append(outs, string(js))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "s", s, "v", *s)
	outs = append(outs, logs.String())
	for _, out := range outs {
		assert.NotContains(t, out, cbSecret)
		assert.NotContains(t, out, cbSecretOld)
		assert.NotContains(t, out, fmt.Sprintf("%x", cbSecret))
		assert.NotContains(t, out, fmt.Sprint([]byte(cbSecret)))
	}
	assert.Equal(t, "webhook.CallbackSigner{secrets: 2}", fmt.Sprintf("%+v", s))
}

func TestCallbackVerifierBindsEventToReference(t *testing.T) {
	s := newSigner(t, cbSecret)
	v := s.Verifier()
	ev, ok := v.(EventVerifier)
	require.True(t, ok, "the callback verifier checks events too")
	u, err := s.CallbackURL("https://example.com/cb", "REF-A")
	require.NoError(t, err)
	r := callbackRequest(t, u)
	require.NoError(t, v.VerifyRequest(r, nil))

	assert.NoError(t, ev.VerifyEvent(r, &payout.Event{Payout: &payout.Payout{Reference: "REF-A"}}))
	assert.ErrorIs(t, ev.VerifyEvent(r, &payout.Event{Payout: &payout.Payout{Reference: "REF-B"}}), ErrReferenceMismatch)
	assert.ErrorIs(t, ev.VerifyEvent(r, &payout.Event{Payout: &payout.Payout{Reference: "ref-a"}}), ErrReferenceMismatch)
	assert.ErrorIs(t, ev.VerifyEvent(r, &payout.Event{}), ErrReferenceMismatch)
	assert.ErrorIs(t, ev.VerifyEvent(r, nil), ErrReferenceMismatch)

	bad := callbackRequest(t, "https://example.com/cb?ref=REF-A&token=AAAA")
	assert.ErrorIs(t, v.VerifyRequest(bad, nil), ErrInvalidToken)
	assert.ErrorIs(t, ev.VerifyEvent(bad, &payout.Event{Payout: &payout.Payout{Reference: "REF-A"}}), ErrInvalidToken)
}

// The three places that let a secret travel to a URL (a client's base URL,
// a payout's callback URL, the signer's base for it) apply one loopback
// rule: they accept and refuse the same hosts.
func TestCallbackURLAppliesTheRuleOfWithBaseURL(t *testing.T) {
	s := newSigner(t, cbSecret)
	for raw, want := range map[string]bool{
		"https://example.com/cb": true, "http://localhost:8080/cb": true, "http://LOCALHOST/cb": true,
		"http://127.0.0.1/cb": true, "http://127.200.0.9/cb": true, "http://[::1]:9000/cb": true,
		"http://example.com/cb": false, "http://10.0.0.1/cb": false, "http://128.0.0.1/cb": false,
		"http://localhost.evil.com/cb": false, "http://[::2]/cb": false, "ftp://127.0.0.1/cb": false,
	} {
		_, signErr := s.CallbackURL(raw, "R1")
		_, baseErr := payout.NewConfig(payout.WithBaseURL(raw))
		cbErr := payout.ValidateCallbackURL(raw)
		assert.Equal(t, want, signErr == nil, "CallbackURL %s: %v", raw, signErr)
		assert.Equal(t, want, baseErr == nil, "WithBaseURL %s: %v", raw, baseErr)
		assert.Equal(t, want, cbErr == nil, "ValidateCallbackURL %s: %v", raw, cbErr)
	}
}
