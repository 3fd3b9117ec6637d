package payouttest

import (
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

func TestSandboxCloseLeavesNoGoroutines(t *testing.T) {
	rc := newReceiver(t, 500, 500, 500, 500) // refuses, so redeliveries wait on their schedule
	before := runtime.NumGoroutine()

	s := NewSandbox(WithSandboxSettleDelay(time.Hour), WithPayOSWebhookURL(rc.srv.URL)) // default, hours-long retry schedules
	tok := payosToken(t, s)
	for i := 0; i < 5; i++ {
		body := palPayout(100, "0712345678", "G")
		body["callbackUrl"] = rc.srv.URL
		palCreate(t, s, body) // a settlement timer each
		payosCreate(t, s, tok, payosPayout(t, "G-"+string(rune('a'+i)), 2000, "254712345678"))
	}
	s.SetFault(faultOnHeader(FaultDelay(time.Hour)))
	go func() { _, _ = try("GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s, "X-Fault", "1"), nil) }()
	require.Equal(t, 10, s.SettleAll())
	eventually(t, func() bool { return len(rc.received()) >= 4 }, "first deliveries made, redeliveries pending")
	assert.Greater(t, runtime.NumGoroutine(), before+10, "timers, deliveries and the slow request are running")

	start := time.Now()
	s.Close()
	assert.Less(t, time.Since(start), 2*time.Second, "Close does not wait for timers, retries or slow answers")
	noGoroutinesAbove(t, before)
	s.Close() // idempotent

	_, err := try("GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s), nil)
	assert.Error(t, err, "the servers are gone")
}

func TestSandboxSharedAddr(t *testing.T) {
	s := newTestSandbox(t, WithSandboxAddr("127.0.0.1:0"))
	assert.True(t, strings.HasSuffix(s.PalPlussURL(), "/v1"))
	assert.Equal(t, s.PayOSURL()+"/v1", s.PalPlussURL(), "one host serves both")
	palCreate(t, s, palPayout(100, "0712345678", "SH-1"))
	payosCreate(t, s, payosToken(t, s), payosPayout(t, "SH-2", 2000, "254712345678"))
	assert.Equal(t, 1, s.CreatedCount(SandboxPalPluss, "SH-1"))
	assert.Equal(t, 1, s.CreatedCount(SandboxPayOS, "SH-2"))

	r := call(t, "GET", s.PayOSURL()+"/nowhere", nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "NOT_FOUND", palErrorCode(t, r))
	r = call(t, "GET", s.PayOSURL()+"/api/v1/nowhere", nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, 404.0, r.json(t)["statusCode"])
}

func TestSandboxSeparateHostsByDefault(t *testing.T) {
	s := newTestSandbox(t)
	assert.NotEqual(t, strings.TrimSuffix(s.PalPlussURL(), "/v1"), s.PayOSURL())
	assert.True(t, strings.HasPrefix(s.PayOSURL(), "http://127.0.0.1:"))
	r := call(t, "POST", s.PalPlussURL()+"/../api/v1/auth/oauth2/token", nil, map[string]string{})
	assert.Equal(t, http.StatusNotFound, r.status, "the PalPluss host does not answer PayOS paths")
}

func TestSandboxOptions(t *testing.T) {
	s := newTestSandbox(t, WithPalPlussAPIKey("pk_live_abc"), WithPayOSCredentials("m-1", "secret-1"),
		WithPayOSWebhookSecret("whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkhIQ=="))
	assert.Equal(t, "pk_live_abc", s.PalPlussAPIKey())
	assert.Equal(t, "m-1", s.PayOSMerchantID())
	assert.Equal(t, "secret-1", s.PayOSClientSecret())
	assert.Equal(t, "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkhIQ==", s.PayOSWebhookSecret())
	assert.Equal(t, 401, call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", map[string]string{"Authorization": basic(DefaultSandboxPalPlussAPIKey)}, nil).status)
	assert.Equal(t, 200, call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", map[string]string{"Authorization": basic("pk_live_abc")}, nil).status)
	payosToken(t, s)

	for name, opt := range map[string]SandboxOption{
		"negative settle delay": WithSandboxSettleDelay(-time.Second),
		"empty key":             WithPalPlussAPIKey(""),
		"balances not KES":      WithPalPlussBalances(money.New(1, money.USD), money.New(1, money.KES)),
		"nil fee":               WithPalPlussFee(nil),
		"empty credentials":     WithPayOSCredentials("", "x"),
		"secret without whsec_": WithPayOSWebhookSecret("c2VjcmV0"),
		"secret not base64":     WithPayOSWebhookSecret("whsec_***"),
		"webhook URL":           WithPayOSWebhookURL("/relative"),
		"token TTL":             WithPayOSTokenTTL(0),
		"rate limit":            WithSandboxRateLimit(0, time.Minute),
		"negative retry":        WithSandboxWebhookRetries(-time.Second),
		"webhook timeout":       WithSandboxWebhookTimeout(0),
		"bad address":           WithSandboxAddr("256.0.0.1:0"),
	} {
		_, err := StartSandbox(opt)
		assert.Error(t, err, name)
		assert.Panics(t, func() { NewSandbox(opt) }, name)
	}
	assert.Error(t, s.SetPalPlussBalances(money.New(-1, money.KES), money.New(0, money.KES)))
}

func TestSandboxAddrInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	before := runtime.NumGoroutine()
	_, err = StartSandbox(WithSandboxAddrs("127.0.0.1:0", l.Addr().String()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen")
	noGoroutinesAbove(t, before) // the first server was stopped again
}

func TestSandboxUnknownProviderPanics(t *testing.T) {
	s := newTestSandbox(t)
	for _, f := range []func(){
		func() { s.Payouts("PayOS") },
		func() { s.CreatedCount("mpesa", "x") },
		func() { s.Deliveries("") },
		func() { s.FaultCounts("fake") },
	} {
		assert.Panics(t, f)
	}
	assert.Empty(t, s.Payouts(SandboxPayOS))
	_, ok := s.Payout(SandboxPalPluss, "nope")
	assert.False(t, ok)
}

func TestSandboxOutcomeString(t *testing.T) {
	assert.Equal(t, "success", SandboxOutcomeSuccess.String())
	assert.Equal(t, "invalid_account", SandboxOutcomeInvalidAccount.String())
	assert.Equal(t, "limit_exceeded", SandboxOutcomeLimitExceeded.String())
	assert.Equal(t, "SandboxOutcome(7)", SandboxOutcome(7).String())
	assert.Equal(t, "FaultKind(99)", FaultKind(99).String())
}

// noGoroutinesAbove waits up to 5 seconds for the number of goroutines to
// fall to n, polling from the test's own goroutine (testify's Eventually
// would add one), and fails with their stacks if it does not.
func noGoroutinesAbove(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
