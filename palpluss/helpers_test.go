package palpluss

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// testKey is the API key of the tests; wantAuth the header it must give.
const testKey = "pk_test_9f8e7d6c5b4a3210SECRET"

var (
	testCredential = base64.StdEncoding.EncodeToString([]byte(testKey + ":"))
	wantAuth       = "Basic " + testCredential
)

const (
	baseURL    = "https://api.palpluss.com/v1"
	payoutsURL = baseURL + "/b2c/payouts"
	txID       = "2f9c1e77-0000-0000-0000-000000000001"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// seen is one request as the mock received it.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// recorder records every request that reaches the mock transport.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (r *recorder) add(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body)) // for the responder
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, seen{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), body})
	r.mu.Unlock()
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

// record wraps a responder so that every request it answers is recorded.
func (r *recorder) record(next httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		r.add(req)
		return next(req)
	}
}

// mock is a client whose requests go to an httpmock transport.
type mock struct {
	*recorder
	mt     *httpmock.MockTransport
	client *Client
}

// newMock returns a client on a fresh mock transport (no global state, so
// tests may run in parallel), with fast retries. A request no responder
// matches fails the test.
func newMock(t *testing.T, opts ...payout.Option) *mock {
	t.Helper()
	mt := httpmock.NewMockTransport()
	hc := &http.Client{Transport: mt}
	m := &mock{recorder: &recorder{}, mt: mt}
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		m.add(req)
		t.Errorf("unexpected request %s %s", req.Method, req.URL)
		return httpmock.NewStringResponse(599, "unexpected"), nil
	})
	opts = append([]payout.Option{payout.WithHTTPClient(hc), payout.WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := New(testKey, opts...)
	require.NoError(t, err)
	m.client = c
	return m
}

// on registers responders for method and URL, answered in turn (the last
// one repeats), recording every request.
func (m *mock) on(method, url string, script ...httpmock.Responder) {
	var mu sync.Mutex
	n := 0
	m.mt.RegisterResponder(method, url, m.record(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		if i >= len(script) {
			i = len(script) - 1
		}
		return script[i](req)
	}))
}

// reply answers with status, a JSON body and extra headers (key, value...).
func reply(status int, body []byte, kv ...string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(kv); i += 2 {
			resp.Header.Set(kv[i], kv[i+1])
		}
		resp.Request = req
		return resp, nil
	}
}

// accept answers a payout POST like the documented response, with the
// amount, phone, reference and Idempotency-Key of the request it answers.
func accept(t *testing.T) httpmock.Responder {
	base := fixture(t, "b2c_payout_response.json")
	return func(req *http.Request) (*http.Response, error) {
		var in, out map[string]any
		if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(base, &out); err != nil {
			return nil, err
		}
		data := out["data"].(map[string]any)
		data["amount"], data["reference"], data["phone"] = in["amount"], in["reference"], in["phone"]
		data["idempotencyKey"] = req.Header.Get("Idempotency-Key")
		body, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return reply(200, body)(req)
	}
}

// replyRaw answers with status, a body of the given content type.
func replyRaw(status int, ctype, body string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", ctype)
		resp.Request = req
		return resp, nil
	}
}

// fail answers with a transport error (a connection reset).
func fail(err error) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// fixtureRequest is the payout of b2c_payout_request.json.
func fixtureRequest() payout.Request {
	return payout.Request{
		Reference:   "WD-2024-001",
		Amount:      money.New(500_00, money.KES),
		Recipient:   payout.Recipient{Name: "Jane Doe", Phone: "+254 712 345 678"},
		Description: "Commission payout",
		CallbackURL: "https://yourserver.com/webhooks/b2c",
	}
}

// envelopeOf wraps a transaction object in a success envelope.
func envelopeOf(data string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"success":true,"data":`)
	b.WriteString(data)
	b.WriteString(`,"requestId":"req-1"}`)
	return b.Bytes()
}
