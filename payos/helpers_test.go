package payos

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
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

const (
	testMerchant = "8b6f0c2e-6a4d-4c1e-9f3a-2d7e5b1c9a40"
	testSecret   = "cs_test_4f9a2b7c1d8e"
	testToken    = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4YjZmMGMyZSJ9.c2lnbmF0dXJl"
	testBase     = "https://api.payos.test"
	refIndiv     = "PAYOUT_550e8400-e29b-41d4-a716-446655440000"
	refCompany   = "PAYOUT_660e8400-e29b-41d4-a716-446655440001"
	txID         = "019b024f-8c57-777f-a97c-fa21a2bdbb40"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// call is one request as the mock saw it.
type call struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// mock is an httpmock transport that records every request.
type mock struct {
	t  testing.TB
	mt *httpmock.MockTransport
	hc *http.Client

	mu    sync.Mutex
	calls []call
}

func newMock(t testing.TB) *mock {
	m := &mock{t: t, mt: httpmock.NewMockTransport()}
	m.hc = &http.Client{Transport: m.mt}
	return m
}

// on answers method path with the responders in turn; the last repeats.
func (m *mock) on(method, path string, rs ...httpmock.Responder) {
	var mu sync.Mutex
	i := 0
	m.mt.RegisterResponder(method, testBase+path, func(r *http.Request) (*http.Response, error) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		m.mu.Lock()
		m.calls = append(m.calls, call{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), body})
		m.mu.Unlock()
		mu.Lock()
		rsp := rs[min(i, len(rs)-1)]
		i++
		mu.Unlock()
		return rsp(r)
	})
}

// onToken answers the token endpoint with the fixture.
func (m *mock) onToken() {
	m.on(http.MethodPost, tokenPath, jsonResponder(200, fixture(m.t, "token_response.json")))
}

func (m *mock) recorded(path string) []call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []call
	for _, c := range m.calls {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

func jsonResponder(status int, body []byte) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		resp.Header.Set("X-Request-Id", "req-test-1")
		return resp, nil
	}
}

func jsonString(status int, body string) httpmock.Responder {
	return jsonResponder(status, []byte(body))
}

func (m *mock) client(opts ...payout.Option) *Client {
	m.t.Helper()
	base := []payout.Option{payout.WithHTTPClient(m.hc), payout.WithBaseURL(testBase),
		payout.WithRetryWait(time.Millisecond, 5*time.Millisecond)}
	c, err := New(testMerchant, testSecret, append(base, opts...)...)
	require.NoError(m.t, err)
	return c
}

func individualRequest() payout.Request {
	return payout.Request{
		Reference: refIndiv,
		Amount:    money.New(2000, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: "0723 993 187"},
		Sender: &payout.Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Nationality: "ZAF",
			Identity: payout.IdentityPassport, IdentityNumber: "A12345678", DateOfBirth: "1990-01-15",
			PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"},
	}
}

func companyRequest() payout.Request {
	s, err := payout.NewCompanySender("Acme Corporation Ltd", "27110001234", "2020/123456/07", "2015-03-20",
		payout.Funds{Purpose: "vendor payment", Source: "business revenue", Relationship: "business"})
	if err != nil {
		panic(err)
	}
	s.Nationality = "ZAF"
	return payout.Request{
		Reference: refCompany,
		Amount:    money.New(50000, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: "+254723993187"},
		Sender:    s,
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// initiated answers an initiate like the documented response, with the
// merchantReference of the request it answers.
func initiated(t testing.TB, status int) httpmock.Responder {
	base := fixture(t, "initiate_response.json")
	return func(r *http.Request) (*http.Response, error) {
		var in, out map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(base, &out); err != nil {
			return nil, err
		}
		out["merchantReference"] = in["merchantReference"]
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return jsonResponder(status, b)(r)
	}
}
