package payouttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/webhook"
)

// receiver is a webhook endpoint that records what it receives and
// answers the statuses it is told to, then 200.
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), body})
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// events waits for n deliveries and returns them.
func (rc *receiver) events(t *testing.T, n int) []received {
	t.Helper()
	eventually(t, func() bool { return len(rc.received()) >= n }, "waiting for %d deliveries, got %d", n, len(rc.received()))
	return rc.received()
}

func TestPalPlussWebhookRedeliveredAfterNon2xx(t *testing.T) {
	s := newTestSandbox(t, WithSandboxWebhookRetries(20*time.Millisecond, 20*time.Millisecond))
	rc := newReceiver(t, http.StatusInternalServerError)
	body := palPayout(500, "0712345678", "WD-2024-001")
	body["callbackUrl"] = rc.srv.URL + "/hooks/b2c"
	id := palCreate(t, s, body)
	assert.Empty(t, rc.received(), "nothing is sent before settlement")

	require.NoError(t, s.Settle(SandboxPalPluss, id))
	got := rc.events(t, 2)
	assert.Equal(t, got[0].body, got[1].body, "the same event, again")
	assertShape(t, fixture(t, "palpluss/webhook_b2c_success.json"), got[1].body)
	var ev struct {
		Event       string         `json:"event"`
		EventType   string         `json:"event_type"`
		Transaction map[string]any `json:"transaction"`
	}
	require.NoError(t, json.Unmarshal(got[1].body, &ev))
	assert.Equal(t, "transaction.updated", ev.Event)
	assert.Equal(t, "transaction.success", ev.EventType)
	assert.Equal(t, id, ev.Transaction["id"])
	assert.Equal(t, "SUCCESS", ev.Transaction["status"])
	assert.Equal(t, "0", ev.Transaction["result_code"])
	assert.Equal(t, "WD-2024-001", ev.Transaction["external_reference"])
	assert.Empty(t, got[1].header.Get("svix-signature"), "PalPluss signs nothing")
	assert.Equal(t, "application/json", got[1].header.Get("Content-Type"))

	d := s.Deliveries(SandboxPalPluss)
	require.Len(t, d, 2)
	assert.Equal(t, []int{1, 2}, []int{d[0].Attempt, d[1].Attempt})
	assert.Equal(t, []int{500, 200}, []int{d[0].StatusCode, d[1].StatusCode})
	assert.Equal(t, d[0].ID, d[1].ID)
	assert.True(t, d[1].OK())
	assert.Equal(t, "transaction.success", d[0].Event)
	assert.Equal(t, rc.srv.URL+"/hooks/b2c", d[0].URL)
}

func TestPalPlussWebhookFailedThenReversed(t *testing.T) {
	s := newTestSandbox(t)
	rc := newReceiver(t)
	body := palPayout(2500, SandboxPhoneLimitExceeded, "WD-2024-003")
	body["callbackUrl"] = rc.srv.URL
	id := palCreate(t, s, body)
	require.NoError(t, s.Settle(SandboxPalPluss, id))

	got := rc.events(t, 2)
	byType := map[string]map[string]any{}
	for _, g := range got {
		assertShape(t, fixture(t, "palpluss/webhook_b2c_failed.json"), g.body)
		var ev struct {
			EventType   string         `json:"event_type"`
			Transaction map[string]any `json:"transaction"`
		}
		require.NoError(t, json.Unmarshal(g.body, &ev))
		byType[ev.EventType] = ev.Transaction
	}
	require.Contains(t, byType, "transaction.failed")
	require.Contains(t, byType, "transaction.updated", "no transaction.reversed event type exists")
	assert.Equal(t, "FAILED", byType["transaction.failed"]["status"])
	assert.Equal(t, "8", byType["transaction.failed"]["result_code"])
	assert.Equal(t, "REVERSED", byType["transaction.updated"]["status"])
	assert.Nil(t, byType["transaction.failed"]["mpesa_receipt"])
}

func TestPalPlussWebhookGivesUpAfterSchedule(t *testing.T) {
	s := newTestSandbox(t, WithSandboxWebhookRetries(time.Millisecond, time.Millisecond))
	rc := newReceiver(t, 500, 502, 503, 504)
	body := palPayout(100, "0712345678", "G-1")
	body["callbackUrl"] = rc.srv.URL
	require.NoError(t, s.Settle(SandboxPalPluss, palCreate(t, s, body)))
	rc.events(t, 3)
	time.Sleep(50 * time.Millisecond)
	assert.Len(t, rc.received(), 3, "one delivery and two redeliveries, then no more")
}

func TestPayOSWebhookSignedAndRedelivered(t *testing.T) {
	rc := newReceiver(t, http.StatusServiceUnavailable)
	s := newTestSandbox(t, WithPayOSWebhookURL(rc.srv.URL+"/payos"), WithSandboxWebhookRetries(20*time.Millisecond))
	tok := payosToken(t, s)
	id := payosCreate(t, s, tok, payosPayout(t, "W-1", 2000, "254712345678"))
	require.NoError(t, s.Settle(SandboxPayOS, id))

	got := rc.events(t, 2)
	verifier, err := webhook.NewStandardVerifier(s.PayOSWebhookSecret())
	require.NoError(t, err)
	for _, g := range got {
		require.NoError(t, verifier.Verify(g.header, g.body), "signed under PayOSWebhookSecret")
		require.NoError(t, verifyIndependently(s.PayOSWebhookSecret(), g.header, g.body))
		assertShape(t, fixture(t, "payos/webhook_payout_completed.json"), g.body, "*")
	}
	assert.Equal(t, got[0].header.Get("svix-id"), got[1].header.Get("svix-id"), "the message id is stable across redeliveries")
	assert.True(t, strings.HasPrefix(got[0].header.Get("svix-id"), "msg_"))

	var ev struct {
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(got[1].body, &ev))
	assert.Equal(t, "payout.completed", ev.Type)
	assert.Equal(t, id, ev.Payload["transactionId"])
	assert.Equal(t, "COMPLETED", ev.Payload["status"])
	assert.Equal(t, "W-1", ev.Payload["merchantReference"])

	tampered := append([]byte(nil), got[1].body...)
	tampered[len(tampered)-3] ^= 1
	assert.Error(t, verifier.Verify(got[1].header, tampered))
	other, err := webhook.NewStandardVerifier("whsec_" + base64.StdEncoding.EncodeToString([]byte("another webhook secret")))
	require.NoError(t, err)
	assert.Error(t, other.Verify(got[1].header, got[1].body))
}

func TestPayOSWebhookFailedAndURLFromDashboard(t *testing.T) {
	s := newTestSandbox(t)
	tok := payosToken(t, s)
	quiet := payosCreate(t, s, tok, payosPayout(t, "Q-1", 2000, "254712345678"))
	require.NoError(t, s.Settle(SandboxPayOS, quiet))
	assert.Empty(t, s.Deliveries(SandboxPayOS), "no endpoint configured, no webhook")

	rc := newReceiver(t)
	require.NoError(t, s.SetPayOSWebhookURL(rc.srv.URL))
	require.Error(t, s.SetPayOSWebhookURL("ftp://x"))
	id := payosCreate(t, s, tok, payosPayout(t, "Q-2", 2000, "254"+SandboxPhoneInvalidAccount[1:]))
	require.NoError(t, s.Settle(SandboxPayOS, id))
	got := rc.events(t, 1)
	var ev struct {
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(got[0].body, &ev))
	assert.Equal(t, "payout.failed", ev.Type)
	assert.Equal(t, "PAYOUT_RECIPIENT_INVALID_ACCOUNT", ev.Payload["errorCode"])
	assert.Equal(t, "FAILED", ev.Payload["status"])
}

func TestSettlementAfterDelay(t *testing.T) {
	rc := newReceiver(t)
	s := newTestSandbox(t, WithSandboxSettleDelay(60*time.Millisecond), WithPayOSWebhookURL(rc.srv.URL))
	ok := palCreate(t, s, palPayout(100, "0712345678", "A-1"))
	failed := palCreate(t, s, palPayout(100, SandboxPhoneInvalidAccount, "A-2"))
	held := palCreate(t, s, palPayout(100, SandboxPhoneHeld, "A-3"))
	tok := payosToken(t, s)
	pos := payosCreate(t, s, tok, payosPayout(t, "A-4", 2000, "254712345678"))

	status := func(provider, id string) payout.Status {
		p, _ := s.Payout(provider, id)
		return p.Status
	}
	eventually(t, func() bool { return status(SandboxPalPluss, ok) == payout.StatusSucceeded }, "palpluss settles")
	eventually(t, func() bool { return status(SandboxPalPluss, failed) == payout.StatusReversed }, "and reverses")
	eventually(t, func() bool { return status(SandboxPayOS, pos) == payout.StatusSucceeded }, "payos settles")
	rc.events(t, 1)
	p, _ := s.Payout(SandboxPalPluss, ok)
	assert.Equal(t, []string{"PENDING", "PROCESSING", "SUCCESS"}, providerStatuses(p))
	assert.NotEmpty(t, p.Receipt)
	p, _ = s.Payout(SandboxPayOS, pos)
	assert.Equal(t, []string{"RECEIVED", "PROCESSING", "COMPLETED"}, providerStatuses(p))
	assert.Equal(t, "COMPLETED", payosGet(t, s, tok, pos)["status"])

	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, payout.StatusProcessing, status(SandboxPalPluss, held), "a held payout waits")
	assert.Equal(t, 0, s.SettleAll(), "SettleAll leaves it")
	assert.Equal(t, payout.StatusProcessing, status(SandboxPalPluss, held))
	require.NoError(t, s.Settle(SandboxPalPluss, held))
	assert.Equal(t, payout.StatusSucceeded, status(SandboxPalPluss, held))
}

func TestSettleAllAndSettleAs(t *testing.T) {
	s := newTestSandbox(t)
	tok := payosToken(t, s)
	a := palCreate(t, s, palPayout(100, "0712345678", "S-1"))
	b := palCreate(t, s, palPayout(100, SandboxPhoneHeld, "S-2"))
	c := payosCreate(t, s, tok, payosPayout(t, "S-3", 2000, "254"+SandboxPhoneLimitExceeded[1:]))
	d := payosCreate(t, s, tok, payosPayout(t, "S-4", 2000, "254712345678"))

	require.NoError(t, s.SettleAs(SandboxPayOS, d, SandboxOutcomeInvalidAccount))
	assert.Equal(t, 2, s.SettleAll(), "a and c; b is held, d already settled")
	pa, _ := s.Payout(SandboxPalPluss, a)
	pb, _ := s.Payout(SandboxPalPluss, b)
	pc, _ := s.Payout(SandboxPayOS, c)
	pd, _ := s.Payout(SandboxPayOS, d)
	assert.Equal(t, payout.StatusSucceeded, pa.Status)
	assert.Equal(t, payout.StatusProcessing, pb.Status)
	assert.Equal(t, payout.StatusFailed, pc.Status)
	assert.Equal(t, "PAYOUT_RECIPIENT_LIMIT_EXCEEDED", pc.FailureCode)
	assert.Equal(t, "PAYOUT_RECIPIENT_INVALID_ACCOUNT", pd.FailureCode)

	require.NoError(t, s.SettleAs(SandboxPalPluss, b, SandboxOutcomeLimitExceeded))
	pb, _ = s.Payout(SandboxPalPluss, b)
	assert.Equal(t, payout.StatusReversed, pb.Status)
	assert.Equal(t, "8", pb.FailureCode)

	assert.ErrorIs(t, s.SettleAs(SandboxPalPluss, a, SandboxOutcomeSuccess), ErrSandboxPayoutFinal)
	assert.NoError(t, s.Settle(SandboxPalPluss, a), "settling a settled payout does nothing")
	assert.ErrorIs(t, s.Settle(SandboxPayOS, "nope"), ErrSandboxPayoutNotFound)
	assert.Error(t, s.SettleAs(SandboxPayOS, c, SandboxOutcome(9)))
	assert.Panics(t, func() { _ = s.Settle("PalPluss", a) }, "provider names are exact")
}

// verifyIndependently checks a Standard Webhooks signature without the
// webhook package, first proving itself on the documented test vector.
func verifyIndependently(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("svix-id") + "." + h.Get("svix-timestamp") + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("svix-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return webhook.ErrNoMatchingSignature
}

func TestIndependentVerifierAgreesWithTheDocumentedVector(t *testing.T) {
	var v struct {
		Secret  string            `json:"secret"`
		Headers map[string]string `json:"headers"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "payos/webhook_signature_vector.json"), &v))
	h := http.Header{}
	for k, val := range v.Headers {
		h.Set(k, val)
	}
	body := fixture(t, "payos/webhook_payout_completed.json")
	require.NoError(t, verifyIndependently(v.Secret, h, body))
	assert.Error(t, verifyIndependently(v.Secret, h, append(body, ' ')))
	assert.Equal(t, v.Secret, DefaultSandboxPayOSWebhookSecret, "the default secret is the documented vector's")
}
