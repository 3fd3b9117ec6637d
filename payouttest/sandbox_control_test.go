package payouttest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// list decodes a JSON array answer.
func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &l), "body: %s", r.body)
	return l
}

func TestControlListsAndSettlesPayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  SandboxOption
	}{{"one listener", WithSandboxAddr("127.0.0.1:0")}, {"two listeners", WithSandboxAddrs("127.0.0.1:0", "127.0.0.1:0")}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSandbox(t, tc.opt, WithSandboxControl())
			ctl := s.ControlURL()
			require.NotEmpty(t, ctl)
			palID := palCreate(t, s, palPayout(500, "0712345678", "CTL-1"), "Idempotency-Key", "key-CTL-1")
			tok := payosToken(t, s)
			posID := payosCreate(t, s, tok, payosPayout(t, "CTL-2", 2000, "254723993187"))

			r := call(t, "GET", ctl+"/payouts", nil, nil)
			require.Equal(t, 200, r.status)
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			all := r.list(t)
			require.Len(t, all, 2)
			p := all[0]
			assert.Equal(t, "palpluss", p["provider"])
			assert.Equal(t, palID, p["id"])
			assert.Equal(t, "CTL-1", p["reference"])
			assert.Equal(t, "key-CTL-1", p["idempotencyKey"])
			assert.Equal(t, "pending", p["status"])
			assert.Equal(t, "PENDING", p["providerStatus"])
			assert.Equal(t, 50000.0, p["amountMinor"])
			assert.Equal(t, "KES", p["currency"])
			assert.Equal(t, "254712345678", p["phone"])
			assert.Equal(t, posID, all[1]["id"])
			assert.Equal(t, 2000.0, all[1]["amountMinor"])

			r = call(t, "GET", ctl+"/payouts?provider=payos", nil, nil)
			assert.Len(t, r.list(t), 1)
			r = call(t, "GET", ctl+"/payouts?reference=CTL-1", nil, nil)
			require.Len(t, r.list(t), 1)
			assert.Equal(t, palID, r.list(t)[0]["id"])
			r = call(t, "GET", ctl+"/payouts?reference=nobody", nil, nil)
			assert.Equal(t, "[]", string(r.body), "an empty list, not null")

			// Settle with a chosen outcome: the provider's API shows it.
			r = call(t, "POST", ctl+"/payouts/palpluss/"+palID+"/settle", nil, `{"outcome":"invalid_account"}`)
			require.Equal(t, 200, r.status, "%s", r.body)
			assert.Equal(t, "reversed", r.json(t)["status"])
			assert.Equal(t, "REVERSED", palGet(t, s, palID)["status"])
			hist := r.json(t)["history"].([]any)
			assert.Len(t, hist, 4, "PENDING, PROCESSING, FAILED, REVERSED")
			r = call(t, "POST", ctl+"/payouts/palpluss/"+palID+"/settle", nil, `{"outcome":"success"}`)
			assert.Equal(t, http.StatusConflict, r.status, "already final")

			// Settle by the magic values (no body).
			r = call(t, "POST", ctl+"/payouts/payos/"+posID+"/settle", nil, nil)
			require.Equal(t, 200, r.status, "%s", r.body)
			assert.Equal(t, "COMPLETED", payosGet(t, s, tok, posID)["status"])

			r = call(t, "GET", ctl+"/payouts/payos/"+posID, nil, nil)
			require.Equal(t, 200, r.status)
			assert.Equal(t, "succeeded", r.json(t)["status"])
			assert.NotEmpty(t, r.json(t)["receipt"])
		})
	}
}

func TestControlSettleAllAndWebhooks(t *testing.T) {
	got := make(chan string, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Path
	}))
	t.Cleanup(receiver.Close)
	s := newTestSandbox(t, WithSandboxControl())
	body := palPayout(500, "0712345678", "CTL-3")
	body["callbackUrl"] = receiver.URL + "/hook"
	id := palCreate(t, s, body)
	palCreate(t, s, palPayout(600, SandboxPhoneHeld, "CTL-4"))

	r := call(t, "POST", s.ControlURL()+"/settle-all", nil, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, map[string]any{"settled": 1.0}, r.json(t), "the held payout only moves to processing")
	assert.Equal(t, "/hook", <-got)

	require.Eventually(t, func() bool {
		return len(call(t, "GET", s.ControlURL()+"/webhooks?provider=palpluss", nil, nil).list(t)) == 1
	}, 5*time.Second, 10*time.Millisecond)
	d := call(t, "GET", s.ControlURL()+"/webhooks", nil, nil).list(t)[0]
	assert.Equal(t, "palpluss", d["provider"])
	assert.Equal(t, id, d["payoutId"])
	assert.Equal(t, "transaction.success", d["event"])
	assert.Equal(t, 200.0, d["statusCode"])
	assert.Contains(t, d["body"], id)
}

func TestControlInjectsFaults(t *testing.T) {
	s := newTestSandbox(t, WithSandboxAddr("127.0.0.1:0"), WithSandboxControl())
	ctl := s.ControlURL()

	r := call(t, "PUT", ctl+"/fault", nil, `{"kind":"status-after-process","status":502,"provider":"palpluss","method":"POST","path":"/b2c/payouts","times":1}`)
	require.Equal(t, 200, r.status, "%s", r.body)

	// A GET is not struck; the next POST is, after it was processed; the one
	// after is served.
	assert.Equal(t, 200, call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s), nil).status)
	r = call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s), palPayout(500, "0712345678", "F-1"))
	assert.Equal(t, 502, r.status)
	assert.Equal(t, 1, s.CreatedCount(SandboxPalPluss, "F-1"), "processed, then answered 502")
	palCreate(t, s, palPayout(500, "0712345678", "F-2"))
	assert.Equal(t, 1, s.FaultCounts(SandboxPalPluss)[FaultKindStatusAfterProcess])

	r = call(t, "GET", ctl+"/fault", nil, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, 1.0, r.json(t)["struck"])
	assert.Equal(t, "status-after-process", r.json(t)["kind"])

	// A fault on every request never reaches the control API itself.
	r = call(t, "PUT", ctl+"/fault", nil, `{"kind":"reset-before-read"}`)
	require.Equal(t, 200, r.status)
	_, err := try("GET", s.PayOSURL()+"/api/v1/payout/x", nil, nil)
	assert.Error(t, err, "the provider's connection is reset")
	assert.Equal(t, 200, call(t, "GET", ctl+"/payouts", nil, nil).status)

	// Replaced from Go: the control API no longer claims it.
	s.SetFault(func(string, *http.Request) Fault { return FaultNone() })
	assert.Equal(t, 404, call(t, "GET", ctl+"/fault", nil, nil).status)

	r = call(t, "PUT", ctl+"/fault", nil, `{"kind":"rate-limit","retryAfter":"3s"}`)
	require.Equal(t, 200, r.status)
	r = call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s), nil)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "3", r.header.Get("Retry-After"))
	assert.Equal(t, 204, call(t, "DELETE", ctl+"/fault", nil, nil).status)
	assert.Equal(t, 200, call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s), nil).status)
	assert.Equal(t, 404, call(t, "GET", ctl+"/fault", nil, nil).status)
}

func TestControlRefusesBadRequests(t *testing.T) {
	s := newTestSandbox(t, WithSandboxControl())
	ctl := s.ControlURL()
	id := palCreate(t, s, palPayout(500, "0712345678", "BAD-1"))
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/payouts?provider=mpesa", "", 400},
		{"GET", "/payouts/mpesa/" + id, "", 400},
		{"GET", "/payouts/palpluss/no-such-id", "", 404},
		{"GET", "/payouts/payos/" + id, "", 404},
		{"POST", "/payouts/palpluss/" + id + "/settle", `{"outcome":"paid"}`, 400},
		{"POST", "/payouts/palpluss/" + id + "/settle", `{"outcom":"success"}`, 400},
		{"POST", "/payouts/palpluss/" + id + "/settle", `not json`, 400},
		{"POST", "/payouts/palpluss/nope/settle", "", 404},
		{"PUT", "/fault", `{"kind":"explode"}`, 400},
		{"PUT", "/fault", `{"kind":"status","status":200}`, 400},
		{"PUT", "/fault", `{"kind":"delay","delay":"soon"}`, 400},
		{"PUT", "/fault", `{"kind":"truncate","provider":"mpesa"}`, 400},
		{"PUT", "/fault", `{"kind":"truncate","times":-1}`, 400},
		{"PUT", "/fault", ``, 400},
		{"GET", "/nothing-here", "", 404},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		r := call(t, tc.method, ctl+tc.path, nil, body)
		assert.Equal(t, tc.status, r.status, "%s %s %s: %s", tc.method, tc.path, tc.body, r.body)
		assert.NotEmpty(t, r.json(t)["error"], "%s %s: the error says why", tc.method, tc.path)
	}
	assert.Equal(t, "pending", call(t, "GET", ctl+"/payouts/palpluss/"+id, nil, nil).json(t)["status"], "no bad request changed anything")
	assert.Empty(t, s.FaultCounts(SandboxPalPluss))
}

func TestControlIsOffByDefaultAndMountable(t *testing.T) {
	s := newTestSandbox(t)
	assert.Empty(t, s.ControlURL())
	r := call(t, "GET", s.PayOSURL()+"/_sandbox/payouts", nil, nil)
	assert.NotEqual(t, 200, r.status, "the providers' servers do not answer it unless asked")

	mux := http.NewServeMux()
	mux.Handle(ControlPath, s.ControlHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	palCreate(t, s, palPayout(500, "0712345678", "MNT-1"))
	r = call(t, "GET", srv.URL+"/_sandbox/payouts", nil, nil)
	require.Equal(t, 200, r.status)
	assert.Len(t, r.list(t), 1)
}
