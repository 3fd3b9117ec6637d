package payouttest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestSandbox starts a Sandbox that the test closes.
func newTestSandbox(t *testing.T, opts ...SandboxOption) *Sandbox {
	t.Helper()
	s := NewSandbox(opts...)
	t.Cleanup(s.Close)
	return s
}

// testClient is a plain net/http client without keep-alive, so that no
// request is silently retried on a reused connection and no idle connection
// outlives a test.
func testClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// call sends one request; body is marshalled unless it is []byte or a
// string.
func call(t *testing.T, method, url string, header map[string]string, body any) response {
	t.Helper()
	resp, err := try(method, url, header, body)
	require.NoError(t, err)
	return resp
}

// try sends one request with a fresh testClient.
func try(method, url string, header map[string]string, body any) (response, error) {
	return tryWith(testClient(), method, url, header, body)
}

// tryWith sends one request with c and returns what arrived, even when
// reading the body failed.
func tryWith(c *http.Client, method, url string, header map[string]string, body any) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// basic is PalPluss's documented Authorization value for key.
func basic(key string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":")) }

// palAuth returns the headers of an authenticated PalPluss call, plus the
// given extra header pairs.
func palAuth(s *Sandbox, kv ...string) map[string]string {
	h := map[string]string{"Authorization": basic(s.PalPlussAPIKey())}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// palPayout is a valid PalPluss B2C body.
func palPayout(amount int, phone, reference string) map[string]any {
	return map[string]any{"amount": amount, "phone": phone, "reference": reference, "currency": "KES",
		"description": "test payout"}
}

// palCreate creates a PalPluss payout and returns its transaction id.
func palCreate(t *testing.T, s *Sandbox, body map[string]any, kv ...string) string {
	t.Helper()
	r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s, kv...), body)
	require.Equal(t, 200, r.status, "body: %s", r.body)
	id, _ := r.json(t)["data"].(map[string]any)["transactionId"].(string)
	require.NotEmpty(t, id)
	return id
}

// palGet fetches a PalPluss transaction's data.
func palGet(t *testing.T, s *Sandbox, id string) map[string]any {
	t.Helper()
	r := call(t, "GET", s.PalPlussURL()+"/transactions/"+id, palAuth(s), nil)
	require.Equal(t, 200, r.status, "body: %s", r.body)
	return r.json(t)["data"].(map[string]any)
}

// palErrorCode returns the code of a PalPluss error envelope.
func palErrorCode(t *testing.T, r response) string {
	t.Helper()
	m := r.json(t)
	assert.Equal(t, false, m["success"])
	assert.NotEmpty(t, m["requestId"])
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// payosToken gets a PayOS access token with the Sandbox's credentials.
func payosToken(t *testing.T, s *Sandbox) string {
	t.Helper()
	r := call(t, "POST", s.PayOSURL()+"/api/v1/auth/oauth2/token", nil,
		map[string]string{"merchantId": s.PayOSMerchantID(), "clientSecret": s.PayOSClientSecret()})
	require.Equal(t, 200, r.status, "body: %s", r.body)
	tok, _ := r.json(t)["accessToken"].(string)
	require.NotEmpty(t, tok)
	return tok
}

// bearer returns the headers of an authenticated PayOS call, plus the given
// extra header pairs.
func bearer(tok string, kv ...string) map[string]string {
	h := map[string]string{"Authorization": "Bearer " + tok}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// payosPayout is the documented individual initiate request with another
// reference, amount (minor units) and phone.
func payosPayout(t *testing.T, reference string, minor int, phone string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "payos/initiate_request_individual.json"), &m))
	m["merchantReference"] = reference
	m["destinationValue"].(map[string]any)["minorAmount"] = minor
	m["recipient"].(map[string]any)["phoneNumber"] = phone
	return m
}

// payosCreate initiates a PayOS payout and returns its transaction id.
func payosCreate(t *testing.T, s *Sandbox, tok string, body map[string]any, kv ...string) string {
	t.Helper()
	r := call(t, "POST", s.PayOSURL()+"/api/v1/payout/initiate", bearer(tok, kv...), body)
	require.Equal(t, 200, r.status, "body: %s", r.body)
	id, _ := r.json(t)["transactionId"].(string)
	require.NotEmpty(t, id)
	return id
}

// payosGet fetches a PayOS payout.
func payosGet(t *testing.T, s *Sandbox, tok, id string) map[string]any {
	t.Helper()
	r := call(t, "GET", s.PayOSURL()+"/api/v1/payout/"+id, bearer(tok), nil)
	require.Equal(t, 200, r.status, "body: %s", r.body)
	return r.json(t)
}

// fixture reads a documented payload copied, unchanged, from the shared
// fixtures.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	return b
}

// assertShape checks that got has the shape of the documented payload
// want: every object has the same keys (got may have the keys listed in
// extra too, or any extra key if extra is "*"), and every value has the
// same JSON type (null in either matches anything). Arrays are compared
// element by element against want's first element.
func assertShape(t *testing.T, want, got []byte, extra ...string) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g), "got: %s", got)
	var problems []string
	shape("$", w, g, extra, &problems)
	assert.Empty(t, problems, "got %s", got)
}

func shape(path string, w, g any, extra []string, problems *[]string) {
	if w == nil || g == nil {
		return
	}
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s: want an object, got %T", path, g))
			return
		}
		for k, v := range wv {
			if _, ok := gv[k]; !ok {
				*problems = append(*problems, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			shape(path+"."+k, v, gv[k], extra, problems)
		}
		var unexpected []string
		for k := range gv {
			if _, ok := wv[k]; !ok && !allowed(k, extra) {
				unexpected = append(unexpected, k)
			}
		}
		sort.Strings(unexpected)
		for _, k := range unexpected {
			*problems = append(*problems, fmt.Sprintf("%s.%s: not in the documented payload", path, k))
		}
	case []any:
		gv, ok := g.([]any)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s: want an array, got %T", path, g))
			return
		}
		if len(wv) > 0 {
			for i, e := range gv {
				shape(fmt.Sprintf("%s[%d]", path, i), wv[0], e, extra, problems)
			}
		}
	default:
		if fmt.Sprintf("%T", w) != fmt.Sprintf("%T", g) {
			*problems = append(*problems, fmt.Sprintf("%s: want %T, got %T", path, w, g))
		}
	}
}

func allowed(k string, extra []string) bool {
	for _, e := range extra {
		if e == "*" || e == k {
			return true
		}
	}
	return false
}

// eventually polls cond every few milliseconds for up to 5 seconds.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond, append([]any{msg}, args...)...)
}
