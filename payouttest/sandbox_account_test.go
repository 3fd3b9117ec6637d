package payouttest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/webhook"
)

func TestPalPlussAccountStateString(t *testing.T) {
	assert.Equal(t, "active", PalPlussAccountActive.String())
	assert.Equal(t, "kyc_not_verified", PalPlussKYCNotVerified.String())
	assert.Equal(t, "account_inactive", PalPlussAccountInactive.String())
	assert.Equal(t, "tenant_inactive", PalPlussTenantInactive.String())
	assert.Equal(t, "PalPlussAccountState(9)", PalPlussAccountState(9).String())
	_, err := StartSandbox(WithPalPlussAccountState(PalPlussAccountState(9)))
	assert.Error(t, err)
	s := newTestSandbox(t)
	assert.Error(t, s.SetPalPlussAccountState(PalPlussAccountState(-1)))
}

func TestPalPlussKYCNotVerifiedRefusesB2COnly(t *testing.T) {
	s := newTestSandbox(t)
	id := palCreate(t, s, palPayout(500, "0712345678", "KYC-0"))
	b2c, service := s.PalPlussBalances()
	require.NoError(t, s.SetPalPlussAccountState(PalPlussKYCNotVerified))

	r := call(t, "POST", s.PalPlussURL()+"/b2c/payouts", palAuth(s, "Idempotency-Key", "KYC-1"), palPayout(500, "0712345678", "KYC-1"))
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "KYC_NOT_VERIFIED", palErrorCode(t, r))
	assert.Equal(t, r.json(t)["requestId"], r.header.Get("X-Request-Id"))
	assert.Zero(t, s.CreatedCount(SandboxPalPluss, "KYC-1"), "nothing created")
	b2c2, service2 := s.PalPlussBalances()
	assert.Equal(t, b2c, b2c2, "nothing debited")
	assert.Equal(t, service, service2)

	// GETs still work.
	assert.Equal(t, "PENDING", palGet(t, s, id)["status"])
	r = call(t, "GET", s.PalPlussURL()+"/transactions", palAuth(s), nil)
	assert.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	r = call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s), nil)
	assert.Equal(t, http.StatusOK, r.status, "body: %s", r.body)

	// A wrong key is still a wrong key.
	r = call(t, "POST", s.PalPlussURL()+"/b2c/payouts", map[string]string{"Authorization": basic("nope")}, palPayout(500, "0712345678", "KYC-2"))
	assert.Equal(t, "INVALID_API_KEY", palErrorCode(t, r))

	// Back to active: the same key is accepted, as it was not remembered.
	require.NoError(t, s.SetPalPlussAccountState(PalPlussAccountActive))
	palCreate(t, s, palPayout(500, "0712345678", "KYC-1"), "Idempotency-Key", "KYC-1")
}

func TestPalPlussInactiveAccountAndTenantRefuseEveryCall(t *testing.T) {
	for _, tc := range []struct {
		state  PalPlussAccountState
		status int
		code   string
	}{
		{PalPlussAccountInactive, http.StatusForbidden, "ACCOUNT_INACTIVE"},
		{PalPlussTenantInactive, http.StatusUnauthorized, "TENANT_INACTIVE"},
	} {
		t.Run(tc.state.String(), func(t *testing.T) {
			s := newTestSandbox(t, WithPalPlussAccountState(tc.state))
			for _, req := range []struct {
				method, path string
				body         any
			}{
				{"POST", "/b2c/payouts", palPayout(500, "0712345678", "ACC-1")},
				{"GET", "/transactions/0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b", nil},
				{"GET", "/transactions", nil},
				{"GET", "/wallets/service/balance", nil},
			} {
				r := call(t, req.method, s.PalPlussURL()+req.path, palAuth(s), req.body)
				assert.Equal(t, tc.status, r.status, "%s %s: %s", req.method, req.path, r.body)
				assert.Equal(t, tc.code, palErrorCode(t, r), "%s %s", req.method, req.path)
				var env struct {
					Error struct {
						Message string         `json:"message"`
						Details map[string]any `json:"details"`
					} `json:"error"`
				}
				require.NoError(t, json.Unmarshal(r.body, &env))
				assert.NotEmpty(t, env.Error.Message)
				assert.NotNil(t, env.Error.Details)
			}
			assert.Empty(t, s.Payouts(SandboxPalPluss))
			b2c, _ := s.PalPlussBalances()
			assert.Equal(t, money.New(10_000_000_00, money.KES), b2c)
		})
	}
}

// statusPath lists a payout's provider statuses, oldest first.
func statusPath(p SandboxPayout) []string {
	var out []string
	for _, h := range p.History {
		out = append(out, h.ProviderStatus)
	}
	return out
}

func TestPalPlussCancelledAndExpired(t *testing.T) {
	for _, tc := range []struct {
		name, phone, status, event string
		outcome                    SandboxOutcome
		want                       payout.Status
	}{
		{"cancelled", SandboxPhoneCancelled, "CANCELLED", "transaction.cancelled", SandboxOutcomeCancelled, payout.StatusCancelled},
		{"expired", "+254700000005", "EXPIRED", "transaction.expired", SandboxOutcomeExpired, payout.StatusExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSandbox(t)
			rc := newReceiver(t)
			start, startService := s.PalPlussBalances()

			// By magic number, through Settle.
			body := palPayout(500, tc.phone, "NS-1")
			body["callbackUrl"] = rc.srv.URL + "/hooks"
			id := palCreate(t, s, body)
			afterCreate, _ := s.PalPlussBalances()
			assert.Equal(t, start.Minor-50000, afterCreate.Minor, "debited at acceptance")
			require.NoError(t, s.Settle(SandboxPalPluss, id))
			p, _ := s.Payout(SandboxPalPluss, id)
			assert.Equal(t, []string{"PENDING", tc.status}, statusPath(p), "never PROCESSING, never REVERSED")
			assert.Equal(t, tc.want, p.Status)
			b2c, service := s.PalPlussBalances()
			assert.Equal(t, start, b2c, "the amount is credited back")
			assert.Equal(t, startService.Minor-DefaultSandboxPalPlussFee, service.Minor, "the fee is kept")
			got := palGet(t, s, id)
			assert.Equal(t, tc.status, got["status"])
			assert.Nil(t, got["resultCode"])
			assert.Nil(t, got["mpesaReceipt"])
			assert.NotEmpty(t, got["resultDesc"])
			r := call(t, "GET", s.PalPlussURL()+"/transactions?status="+tc.status, palAuth(s), nil)
			assert.Len(t, r.json(t)["data"].(map[string]any)["items"], 1)

			ev := rc.events(t, 1)
			var hook struct {
				Event       string         `json:"event"`
				EventType   string         `json:"event_type"`
				Transaction map[string]any `json:"transaction"`
			}
			require.NoError(t, json.Unmarshal(ev[0].body, &hook))
			assert.Equal(t, "transaction.updated", hook.Event)
			assert.Equal(t, tc.event, hook.EventType)
			assert.Equal(t, id, hook.Transaction["id"])
			assert.Equal(t, tc.status, hook.Transaction["status"])
			assertShape(t, fixture(t, "palpluss/webhook_b2c_success.json"), ev[0].body)
			eventually(t, func() bool { return len(s.Deliveries(SandboxPalPluss)) == 1 }, "the delivery is recorded")
			d := s.Deliveries(SandboxPalPluss)
			assert.Equal(t, tc.event, d[0].Event)
			assert.Equal(t, id+"/"+tc.status, d[0].ID)

			// By SettleAs, from PROCESSING (a held payout).
			held := palCreate(t, s, palPayout(700, SandboxPhoneHeld, "NS-2"))
			assert.Equal(t, 0, s.SettleAll(), "the held one only moves to PROCESSING")
			require.NoError(t, s.SettleAs(SandboxPalPluss, held, tc.outcome))
			p, _ = s.Payout(SandboxPalPluss, held)
			assert.Equal(t, []string{"PENDING", "PROCESSING", tc.status}, statusPath(p))
			b2c, _ = s.PalPlussBalances()
			assert.Equal(t, start, b2c, "credited back again")
			assert.ErrorIs(t, s.SettleAs(SandboxPalPluss, held, SandboxOutcomeSuccess), ErrSandboxPayoutFinal)
		})
	}
}

func TestPalPlussExpiredSettlesOnItsOwn(t *testing.T) {
	s := newTestSandbox(t, WithSandboxSettleDelay(20*time.Millisecond))
	start, _ := s.PalPlussBalances()
	id := palCreate(t, s, palPayout(500, SandboxPhoneExpired, "NS-3"))
	eventually(t, func() bool { p, _ := s.Payout(SandboxPalPluss, id); return p.Status == payout.StatusExpired }, "expires")
	time.Sleep(30 * time.Millisecond)
	p, _ := s.Payout(SandboxPalPluss, id)
	assert.Equal(t, []string{"PENDING", "EXPIRED"}, statusPath(p))
	b2c, _ := s.PalPlussBalances()
	assert.Equal(t, start, b2c)
}

func TestPayOSCancelledAndExpired(t *testing.T) {
	for _, tc := range []struct {
		name, phone, status, event string
		outcome                    SandboxOutcome
		want                       payout.Status
	}{
		{"cancelled", "254700000004", "CANCELLED", "payout.cancelled", SandboxOutcomeCancelled, payout.StatusCancelled},
		{"expired", "254700000005", "EXPIRED", "payout.expired", SandboxOutcomeExpired, payout.StatusExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t)
			s := newTestSandbox(t, WithPayOSWebhookURL(rc.srv.URL+"/hooks"))
			tok := payosToken(t, s)

			id := payosCreate(t, s, tok, payosPayout(t, "NS-P1", 200000, tc.phone))
			require.NoError(t, s.Settle(SandboxPayOS, id))
			p, _ := s.Payout(SandboxPayOS, id)
			assert.Equal(t, []string{"RECEIVED", tc.status}, statusPath(p))
			assert.Equal(t, tc.want, p.Status)
			got := payosGet(t, s, tok, id)
			assert.Equal(t, tc.status, got["status"])
			assert.NotContains(t, got, "errorCode")
			assert.NotContains(t, got, "processorReference")
			assert.NotEmpty(t, got["message"])

			ev := rc.events(t, 1)
			var hook struct {
				Type    string         `json:"type"`
				Payload map[string]any `json:"payload"`
			}
			require.NoError(t, json.Unmarshal(ev[0].body, &hook))
			assert.Equal(t, tc.event, hook.Type)
			assert.Equal(t, id, hook.Payload["transactionId"])
			assert.Equal(t, tc.status, hook.Payload["status"])
			assertStandardSignature(t, s, ev[0])

			// By SettleAs, from RECEIVED, whatever the number says.
			other := payosCreate(t, s, tok, payosPayout(t, "NS-P2", 200000, "254712345678"))
			require.NoError(t, s.SettleAs(SandboxPayOS, other, tc.outcome))
			p, _ = s.Payout(SandboxPayOS, other)
			assert.Equal(t, []string{"RECEIVED", tc.status}, statusPath(p))
			ev = rc.events(t, 2)
			require.NoError(t, json.Unmarshal(ev[1].body, &hook))
			assert.Equal(t, tc.event, hook.Type)
			assertStandardSignature(t, s, ev[1])
		})
	}
}

// assertStandardSignature checks that a PayOS delivery is signed under the
// Sandbox's webhook secret, by the SDK's verifier and independently.
func assertStandardSignature(t *testing.T, s *Sandbox, got received) {
	t.Helper()
	v, err := webhook.NewStandardVerifier(s.PayOSWebhookSecret())
	require.NoError(t, err)
	assert.NoError(t, v.Verify(got.header, got.body))
	assert.NoError(t, verifyIndependently(s.PayOSWebhookSecret(), got.header, got.body))
}
