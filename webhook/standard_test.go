package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vector is testdata/webhook_signature_vector.json, a copy of the shared
// PayOS fixture.
type vector struct {
	Secret       string            `json:"secret"`
	Headers      map[string]string `json:"headers"`
	BodyFile     string            `json:"body_file"`
	VerifyAtUnix int64             `json:"verify_at_unix"`
	Expect       string            `json:"expect"`
	body         []byte
}

func loadVector(t testing.TB) vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/webhook_signature_vector.json")
	require.NoError(t, err)
	var v vector
	require.NoError(t, json.Unmarshal(raw, &v))
	require.Equal(t, "valid", v.Expect)
	v.body, err = os.ReadFile("testdata/" + v.BodyFile)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(v.body, []byte("}\n")), "the fixture body ends with its newline")
	return v
}

func (v vector) header() http.Header {
	h := http.Header{}
	for k, val := range v.Headers {
		h.Set(k, val)
	}
	return h
}

func (v vector) at() time.Time { return time.Unix(v.VerifyAtUnix, 0) }

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newVerifierAt(t testing.TB, at time.Time, secrets ...string) *StandardVerifier {
	t.Helper()
	v, err := NewStandardVerifierWithOptions(secrets, WithClock(fixedClock(at)))
	require.NoError(t, err)
	return v
}

// referenceSignature is an independent, naive computation of a Standard
// Webhooks v1 signature, to check the verifier against.
func referenceSignature(secret, id, ts string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

const otherSecret = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkhIQ=="

func TestStandardVerifierFixtureVector(t *testing.T) {
	v := loadVector(t)
	ver := newVerifierAt(t, v.at(), v.Secret)
	require.NoError(t, ver.Verify(v.header(), v.body))

	// The vector is what the naive computation gives, and what Sign gives.
	ts, _ := strconv.ParseInt(v.Headers["svix-timestamp"], 10, 64)
	assert.Equal(t, "v1,"+referenceSignature(v.Secret, v.Headers["svix-id"], v.Headers["svix-timestamp"], v.body), v.Headers["svix-signature"])
	h, err := Sign(v.Secret, v.Headers["svix-id"], time.Unix(ts, 0), v.body)
	require.NoError(t, err)
	assert.Equal(t, v.Headers["svix-signature"], h.Get("svix-signature"))
	assert.Equal(t, v.Headers["svix-timestamp"], h.Get("svix-timestamp"))

	// Without its trailing newline the body is another body.
	assert.ErrorIs(t, ver.Verify(v.header(), bytes.TrimSuffix(v.body, []byte("\n"))), ErrNoMatchingSignature)
}

func TestStandardVerifierRejects(t *testing.T) {
	v := loadVector(t)
	ts := v.at().Add(-time.Minute) // the vector's timestamp
	tamperedBody := bytes.Replace(v.body, []byte("COMPLETED"), []byte("COMPLETEd"), 1)
	require.NotEqual(t, v.body, tamperedBody)

	tests := []struct {
		name    string
		secrets []string
		now     time.Time
		header  func(h http.Header)
		body    []byte
		want    error
	}{
		{name: "tampered body", body: tamperedBody, want: ErrNoMatchingSignature},
		{name: "body with extra byte", body: append(append([]byte{}, v.body...), ' '), want: ErrNoMatchingSignature},
		{name: "empty body", body: []byte{}, want: ErrNoMatchingSignature},
		{name: "tampered id", header: func(h http.Header) { h.Set("svix-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4X") }, want: ErrNoMatchingSignature},
		{name: "tampered timestamp", header: func(h http.Header) { h.Set("svix-timestamp", "1767225601") }, want: ErrNoMatchingSignature},
		{name: "wrong secret", secrets: []string{otherSecret}, want: ErrNoMatchingSignature},
		{name: "older than 5 minutes", now: ts.Add(5*time.Minute + time.Second), want: ErrTimestampTooOld},
		{name: "older by a hair", now: ts.Add(5*time.Minute + time.Millisecond), want: ErrTimestampTooOld},
		{name: "a day old", now: ts.Add(24 * time.Hour), want: ErrTimestampTooOld},
		{name: "more than 5 minutes ahead", now: ts.Add(-5*time.Minute - time.Second), want: ErrTimestampTooNew},
		{name: "far future", now: ts.Add(-365 * 24 * time.Hour), want: ErrTimestampTooNew},
		{name: "no id", header: func(h http.Header) { h.Del("svix-id") }, want: ErrMissingHeaders},
		{name: "no timestamp", header: func(h http.Header) { h.Del("svix-timestamp") }, want: ErrMissingHeaders},
		{name: "no signature", header: func(h http.Header) { h.Del("svix-signature") }, want: ErrMissingHeaders},
		{name: "empty signature", header: func(h http.Header) { h.Set("svix-signature", "") }, want: ErrMissingHeaders},
		{name: "no headers", header: func(h http.Header) { clear(h) }, want: ErrMissingHeaders},
		{name: "timestamp not a number", header: func(h http.Header) { h.Set("svix-timestamp", "yesterday") }, want: ErrInvalidTimestamp},
		{name: "timestamp in milliseconds", header: func(h http.Header) { h.Set("svix-timestamp", "1767225600000") }, want: ErrTimestampTooNew},
		{name: "timestamp with fraction", header: func(h http.Header) { h.Set("svix-timestamp", "1767225600.0") }, want: ErrInvalidTimestamp},
		{name: "negative timestamp", header: func(h http.Header) { h.Set("svix-timestamp", "-1") }, want: ErrTimestampTooOld},
		{name: "timestamp overflowing int64", header: func(h http.Header) { h.Set("svix-timestamp", "9999999999999999999") }, want: ErrInvalidTimestamp},
		{name: "only another version", header: func(h http.Header) { h.Set("svix-signature", "v1a,"+v.Headers["svix-signature"][3:]) }, want: ErrNoMatchingSignature},
		{name: "version v2", header: func(h http.Header) { h.Set("svix-signature", "v2,"+v.Headers["svix-signature"][3:]) }, want: ErrNoMatchingSignature},
		{name: "no version", header: func(h http.Header) { h.Set("svix-signature", v.Headers["svix-signature"][3:]) }, want: ErrNoMatchingSignature},
		{name: "unpadded base64", header: func(h http.Header) { h.Set("svix-signature", strings.TrimRight(v.Headers["svix-signature"], "=")) }, want: ErrNoMatchingSignature},
		{name: "extra field", header: func(h http.Header) { h.Set("svix-signature", v.Headers["svix-signature"]+",x") }, want: ErrNoMatchingSignature},
		{name: "upper-case version", header: func(h http.Header) { h.Set("svix-signature", "V1,"+v.Headers["svix-signature"][3:]) }, want: ErrNoMatchingSignature},
		{name: "raw HMAC in hex", header: func(h http.Header) {
			raw, _ := base64.StdEncoding.DecodeString(v.Headers["svix-signature"][3:])
			h.Set("svix-signature", fmt.Sprintf("v1,%x", raw))
		}, want: ErrNoMatchingSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets := tt.secrets
			if secrets == nil {
				secrets = []string{v.Secret}
			}
			now := tt.now
			if now.IsZero() {
				now = v.at()
			}
			h := v.header()
			if tt.header != nil {
				tt.header(h)
			}
			body := tt.body
			if body == nil {
				body = v.body
			}
			err := newVerifierAt(t, now, secrets...).Verify(h, body)
			require.ErrorIs(t, err, tt.want)
			assertNoSecret(t, err.Error(), v)
		})
	}
}

// TestStandardVerifierParsesTimestampsAsTheReferenceDoes: the reference
// implementations parse the timestamp as a number and sign it
// re-formatted, so a signature over "1767225600" verifies under a header
// spelled "+1767225600" or "01767225600".
func TestStandardVerifierParsesTimestampsAsTheReferenceDoes(t *testing.T) {
	v := loadVector(t)
	for _, spelled := range []string{"+1767225600", "01767225600", "0001767225600"} {
		h := v.header()
		h.Set("svix-timestamp", spelled)
		assert.NoError(t, newVerifierAt(t, v.at(), v.Secret).Verify(h, v.body), spelled)
	}
}

// assertNoSecret checks that s shows neither the vector's secret (in any
// encoding) nor its signature.
func assertNoSecret(t *testing.T, s string, v vector) {
	t.Helper()
	enc := strings.TrimPrefix(v.Secret, "whsec_")
	key, _ := base64.StdEncoding.DecodeString(enc)
	for _, secret := range []string{enc, string(key), fmt.Sprintf("%x", key), fmt.Sprint(key), v.Headers["svix-signature"][3:]} {
		assert.NotContains(t, s, secret)
	}
}

func TestStandardVerifierToleranceBoundaries(t *testing.T) {
	v := loadVector(t)
	ts := time.Unix(1767225600, 0)
	for _, now := range []time.Time{
		ts, ts.Add(5 * time.Minute), ts.Add(-5 * time.Minute), ts.Add(4*time.Minute + 999*time.Millisecond),
	} {
		assert.NoError(t, newVerifierAt(t, now, v.Secret).Verify(v.header(), v.body), "at %v", now.Sub(ts))
	}

	ver, err := NewStandardVerifierWithOptions([]string{v.Secret}, WithTolerance(30*time.Second), WithClock(fixedClock(ts.Add(31*time.Second))))
	require.NoError(t, err)
	assert.ErrorIs(t, ver.Verify(v.header(), v.body), ErrTimestampTooOld)
	ver, err = NewStandardVerifierWithOptions([]string{v.Secret}, WithTolerance(time.Hour), WithClock(fixedClock(ts.Add(59*time.Minute))))
	require.NoError(t, err)
	assert.NoError(t, ver.Verify(v.header(), v.body))
}

func TestStandardVerifierUsesTheClockByDefault(t *testing.T) {
	v := loadVector(t)
	ver, err := NewStandardVerifier(v.Secret)
	require.NoError(t, err)
	// The vector is from 2026-01-01: long too old for time.Now.
	assert.ErrorIs(t, ver.Verify(v.header(), v.body), ErrTimestampTooOld)
	h, err := Sign(v.Secret, "msg_now", time.Now(), v.body)
	require.NoError(t, err)
	assert.NoError(t, ver.Verify(h, v.body))
}

func TestStandardVerifierRotation(t *testing.T) {
	v := loadVector(t)
	for _, secrets := range [][]string{
		{v.Secret, otherSecret},
		{otherSecret, v.Secret},
		{otherSecret, strings.TrimPrefix(v.Secret, "whsec_")},
	} {
		assert.NoError(t, newVerifierAt(t, v.at(), secrets...).Verify(v.header(), v.body), "%d secrets", len(secrets))
	}
	// A delivery signed with the new secret only, by a sender that sends
	// both signatures during its own rotation.
	h, err := Sign(otherSecret, "msg_rot", v.at(), v.body)
	require.NoError(t, err)
	old := newVerifierAt(t, v.at(), v.Secret)
	assert.ErrorIs(t, old.Verify(h, v.body), ErrNoMatchingSignature)
	h2, err := Sign(v.Secret, "msg_rot", v.at(), v.body)
	require.NoError(t, err)
	h.Set("svix-signature", h.Get("svix-signature")+" "+h2.Get("svix-signature"))
	assert.NoError(t, old.Verify(h, v.body))
}

func TestStandardVerifierWebhookHeaders(t *testing.T) {
	v := loadVector(t)
	ver := newVerifierAt(t, v.at(), v.Secret)
	h := http.Header{}
	h.Set("webhook-id", v.Headers["svix-id"])
	h.Set("webhook-timestamp", v.Headers["svix-timestamp"])
	h.Set("webhook-signature", v.Headers["svix-signature"])
	assert.NoError(t, ver.Verify(h, v.body))

	// An incomplete svix-* set falls back to the complete webhook-* set.
	h.Set("svix-id", "msg_other")
	assert.NoError(t, ver.Verify(h, v.body))

	// A complete svix-* set is the one read.
	h.Set("svix-timestamp", v.Headers["svix-timestamp"])
	h.Set("svix-signature", "v1,AAAA")
	assert.ErrorIs(t, ver.Verify(h, v.body), ErrNoMatchingSignature)

	// A mixed set is not a set.
	h = http.Header{}
	h.Set("svix-id", v.Headers["svix-id"])
	h.Set("webhook-timestamp", v.Headers["svix-timestamp"])
	h.Set("svix-signature", v.Headers["svix-signature"])
	assert.ErrorIs(t, ver.Verify(h, v.body), ErrMissingHeaders)

	// Header names are case-insensitive, as in HTTP.
	h = http.Header{}
	h["Webhook-Id"] = []string{v.Headers["svix-id"]}
	h["Webhook-Timestamp"] = []string{v.Headers["svix-timestamp"]}
	h["Webhook-Signature"] = []string{v.Headers["svix-signature"]}
	assert.NoError(t, ver.Verify(h, v.body))
	assert.ErrorIs(t, ver.Verify(nil, v.body), ErrMissingHeaders)
}

func TestStandardVerifierSignatureEntries(t *testing.T) {
	v := loadVector(t)
	good := v.Headers["svix-signature"]
	sig := good[3:]
	ver := newVerifierAt(t, v.at(), v.Secret)
	tests := []struct {
		header string
		ok     bool
	}{
		{good, true},
		{"v1,AAAA " + good, true},
		{good + " v1,AAAA", true},
		{"v1a,abc v2,def " + good + " v1,AAAA", true},
		{"   " + good + "   ", true},
		{"v1,AAAA  v1,BBBB     " + good, true},
		{"v1," + sig + ",v1," + sig, false},
		{"v1a," + sig, false},
		{"v1a," + sig + " v2," + sig, false},
		{"v1, " + sig, false},
		{"v1,AAAA v1,BBBB", false},
		{"v1,", false},
		{",", false},
		{"v1", false},
		{"v1 " + sig, false},
		{"v1\t" + sig, false},
		{strings.Repeat(" ", 64), false},
		{good + "\t", true}, // trailing tabs are trimmed from HTTP header values before Verify sees them
	}
	for _, tt := range tests {
		h := v.header()
		h.Set("svix-signature", strings.TrimRight(tt.header, "\t"))
		err := ver.Verify(h, v.body)
		if tt.ok {
			assert.NoError(t, err, "%q", tt.header)
		} else {
			assert.ErrorIs(t, err, ErrNoMatchingSignature, "%q", tt.header)
		}
	}
}

func TestParseSignatures(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"v1,abc", []string{"abc"}},
		{"v1,abc v1,def", []string{"abc", "def"}},
		{"  v1,abc   v1a,xyz v2,q v1,def  ", []string{"abc", "def"}},
		{"v1,a,b", []string{"a,b"}},
		{"v1,", []string{""}},
		{"v1 abc", nil},
		{"garbage", nil},
		{"v1a,abc", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range parseSignatures([]byte(tt.in), nil) {
			got = append(got, string(s))
		}
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

// TestStandardVerifierAgreesWithReference checks random deliveries against
// the naive reference computation: valid ones verify, and changing any one
// part makes them fail.
func TestStandardVerifierAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Unix(1767225600, 0)
	for i := range 300 {
		key := make([]byte, MinStandardSecretLen+rng.IntN(64-MinStandardSecretLen+1))
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		secret := base64.StdEncoding.EncodeToString(key)
		if i%2 == 0 {
			secret = "whsec_" + secret
		}
		id := fmt.Sprintf("msg_%d_%x", i, rng.Uint64())
		ts := strconv.FormatInt(now.Unix()+int64(rng.IntN(600))-300, 10)
		body := make([]byte, rng.IntN(2048))
		for j := range body {
			body[j] = byte(rng.Uint32())
		}
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", "v1,"+referenceSignature(secret, id, ts, body))
		ver := newVerifierAt(t, now, secret)
		require.NoError(t, ver.Verify(h, body), "delivery %d", i)

		bad := bytes.Clone(body)
		if len(bad) > 0 {
			bad[rng.IntN(len(bad))] ^= 1 << rng.IntN(8)
		} else {
			bad = []byte{0}
		}
		require.ErrorIs(t, ver.Verify(h, bad), ErrNoMatchingSignature)
		h2 := h.Clone()
		h2.Set("webhook-id", id+"x")
		require.ErrorIs(t, ver.Verify(h2, body), ErrNoMatchingSignature)
	}
}

func TestNewStandardVerifierSecrets(t *testing.T) {
	v := loadVector(t)
	raw := strings.TrimPrefix(v.Secret, "whsec_")
	for _, s := range []string{v.Secret, raw} {
		_, err := NewStandardVerifier(s)
		assert.NoError(t, err)
	}
	for _, bad := range [][]string{
		nil,
		{},
		{""},
		{"whsec_"},
		{"whsec_not base64!"},
		{v.Secret, "%%%"},
		{"whsec_" + raw[:len(raw)-1]},
		{"whsec_AA=="},                 // 1 byte
		{"whsec_c2VjcmV0"},             // "secret": 6 bytes
		{"whsec_MDEyMzQ1Njc4OWFiY2Rl"}, // 15 bytes
	} {
		ver, err := NewStandardVerifier(bad...)
		assert.ErrorIs(t, err, ErrInvalidSecret, "%q", bad)
		assert.Nil(t, ver)
		if err != nil {
			assertNoSecret(t, err.Error(), v)
			if len(bad) > 0 && len(bad[len(bad)-1]) > 8 {
				assert.NotContains(t, err.Error(), bad[len(bad)-1])
			}
		}
	}
	_, err := NewStandardVerifierWithOptions([]string{v.Secret}, WithTolerance(0))
	assert.Error(t, err)
	_, err = NewStandardVerifierWithOptions([]string{v.Secret}, WithTolerance(-time.Second))
	assert.Error(t, err)
	_, err = NewStandardVerifierWithOptions([]string{v.Secret}, WithClock(nil))
	assert.Error(t, err)
	var nilVer *StandardVerifier
	assert.Error(t, nilVer.Verify(v.header(), v.body))
}

func TestSignRoundTrip(t *testing.T) {
	v := loadVector(t)
	at := time.Unix(1767225600, 123456789)
	h, err := Sign(v.Secret, "msg_round", at, []byte(`{"a":1}`))
	require.NoError(t, err)
	assert.Equal(t, "msg_round", h.Get("svix-id"))
	assert.Equal(t, "1767225600", h.Get("svix-timestamp"))
	assert.True(t, strings.HasPrefix(h.Get("svix-signature"), "v1,"))
	for _, k := range []string{"id", "timestamp", "signature"} {
		assert.Equal(t, h.Get("svix-"+k), h.Get("webhook-"+k))
	}
	ver := newVerifierAt(t, at, v.Secret)
	assert.NoError(t, ver.Verify(h, []byte(`{"a":1}`)))
	assert.ErrorIs(t, ver.Verify(h, []byte(`{"a":2}`)), ErrNoMatchingSignature)

	only := http.Header{}
	for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		only.Set(k, h.Get(k))
	}
	assert.NoError(t, ver.Verify(only, []byte(`{"a":1}`)))

	_, err = Sign("", "msg", at, nil)
	assert.ErrorIs(t, err, ErrInvalidSecret)
	_, err = Sign("whsec_***", "msg", at, nil)
	assert.ErrorIs(t, err, ErrInvalidSecret)
	_, err = Sign(v.Secret, "", at, nil)
	assert.Error(t, err)
	_, err = Sign(v.Secret, "msg", time.Unix(-1, 0), nil)
	assert.Error(t, err)
}

func TestStandardVerifierPrintsNoSecret(t *testing.T) {
	v := loadVector(t)
	ver, err := NewStandardVerifier(v.Secret, otherSecret)
	require.NoError(t, err)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, ver), fmt.Sprintf(verb, *ver))
	}
	outs = append(outs, fmt.Sprint(ver), fmt.Sprintln(*ver), ver.String(), ver.GoString(),
		fmt.Sprintf("%v", struct{ V *StandardVerifier }{ver}), fmt.Sprintf("%+v", []any{ver}))
	js, err := json.Marshal(map[string]any{"v": ver, "w": *ver})
	require.NoError(t, err)
	outs = append(outs, string(js))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "v", ver, "w", *ver)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "v", ver)
	outs = append(outs, logs.String())
	for _, out := range outs {
		assertNoSecret(t, out, v)
		assert.NotContains(t, out, strings.TrimPrefix(otherSecret, "whsec_"))
	}
	assert.Equal(t, "webhook.StandardVerifier{secrets: 2, tolerance: 5m0s}", fmt.Sprintf("%+v", ver))
	assert.Contains(t, logs.String(), "secrets: 2")
}

func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	v := loadVector(t)
	ver := newVerifierAt(t, v.at(), v.Secret, otherSecret)
	h := v.header()
	allocs := testing.AllocsPerRun(200, func() {
		if err := ver.Verify(h, v.body); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per Verify")
}

func BenchmarkVerify(b *testing.B) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := bytes.Repeat([]byte(`{"k":"v"},`), 103) // ~1 KiB
	at := time.Unix(1767225600, 0)
	h, err := Sign(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", at, body)
	if err != nil {
		b.Fatal(err)
	}
	ver, err := NewStandardVerifierWithOptions([]string{secret}, WithClock(fixedClock(at)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := ver.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCanonicalHeaderKeys(t *testing.T) {
	for _, k := range []string{"Svix-Id", "Svix-Timestamp", "Svix-Signature", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
		assert.Equal(t, http.CanonicalHeaderKey(k), k)
	}
	for _, k := range []string{HeaderSvixID, HeaderSvixTimestamp, HeaderSvixSignature, HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature} {
		h := http.Header{}
		h.Set(k, "x")
		assert.Len(t, h[http.CanonicalHeaderKey(k)], 1)
	}
}

// Regression (issue 11, item 6): a 1-byte key was accepted although
// ErrInvalidSecret documents "too short".
func TestStandardVerifierRefusesShortKeys(t *testing.T) {
	for _, short := range []string{"whsec_AA==", "AA==", "whsec_MDEyMzQ1Njc4OWFiY2Rl"} {
		v, err := NewStandardVerifier(short)
		assert.ErrorIs(t, err, ErrInvalidSecret, "%q", short)
		assert.Nil(t, v)
		_, err = Sign(short, "msg_1", time.Unix(1767225600, 0), []byte("{}"))
		assert.ErrorIs(t, err, ErrInvalidSecret, "Sign refuses %q too", short)
	}
	sixteen := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	v, err := NewStandardVerifier(sixteen)
	require.NoError(t, err, "16 bytes is enough")
	h, err := Sign(sixteen, "msg_1", time.Now(), []byte("{}"))
	require.NoError(t, err)
	assert.NoError(t, v.Verify(h, []byte("{}")))
	// The fixture's secret (24 bytes) is a valid one.
	_, err = NewStandardVerifier(loadVector(t).Secret)
	assert.NoError(t, err)
}
