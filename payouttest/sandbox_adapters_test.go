package payouttest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// adapterOptions points an adapter at base, with no keep-alive (no idle
// connection outlives the test) and no retries.
func adapterOptions(base string) []payout.Option {
	return []payout.Option{payout.WithBaseURL(base), payout.WithMaxRetries(0),
		payout.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}})}
}

// TestAdaptersSeeAccountStatesAndNeverSentOutcomes drives the real adapters
// against the Sandbox: PalPluss's account refusals reach the caller as
// payout.ErrForbidden and payout.ErrUnauthorized, and cancelled and expired
// payouts read back as payout.StatusCancelled and payout.StatusExpired on
// both providers.
func TestAdaptersSeeAccountStatesAndNeverSentOutcomes(t *testing.T) {
	ctx := context.Background()
	s := payouttest.NewSandbox()
	t.Cleanup(s.Close)
	pal, err := palpluss.New(s.PalPlussAPIKey(), adapterOptions(s.PalPlussURL())...)
	require.NoError(t, err)
	pos, err := payos.New(s.PayOSMerchantID(), s.PayOSClientSecret(), adapterOptions(s.PayOSURL())...)
	require.NoError(t, err)

	req := func(ref, phone string) payout.Request {
		return payout.Request{Reference: ref, Amount: money.New(2000_00, money.KES),
			Recipient: payout.Recipient{Name: "John Doe", Phone: phone},
			Sender: &payout.Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Nationality: "ZAF",
				Identity: payout.IdentityPassport, IdentityNumber: "A12345678", DateOfBirth: "1990-01-15",
				PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"}}
	}

	for _, tc := range []struct {
		phone string
		want  payout.Status
	}{{payouttest.SandboxPhoneCancelled, payout.StatusCancelled}, {payouttest.SandboxPhoneExpired, payout.StatusExpired}} {
		for _, c := range []struct {
			name     string
			client   payout.Client
			provider string
		}{{"palpluss", pal, payouttest.SandboxPalPluss}, {"payos", pos, payouttest.SandboxPayOS}} {
			p, err := c.client.Send(ctx, req("E2E-"+c.name+"-"+string(tc.want), tc.phone))
			require.NoError(t, err, c.name)
			require.NoError(t, s.Settle(c.provider, p.ID))
			got, err := c.client.Get(ctx, p.ID)
			require.NoError(t, err, c.name)
			assert.Equal(t, tc.want, got.Status, c.name)
		}
	}

	// A held payout, accepted while the account was active, cancelled while
	// the tenant's KYC is pending: Get still works, Send does not.
	held, err := pal.Send(ctx, req("E2E-held", payouttest.SandboxPhoneHeld))
	require.NoError(t, err)
	require.NoError(t, s.SetPalPlussAccountState(payouttest.PalPlussKYCNotVerified))
	_, err = pal.Send(ctx, req("E2E-kyc", "0712345678"))
	assert.ErrorIs(t, err, payout.ErrForbidden)
	require.NoError(t, s.SettleAs(payouttest.SandboxPalPluss, held.ID, payouttest.SandboxOutcomeCancelled))
	got, err := pal.Get(ctx, held.ID)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusCancelled, got.Status)

	require.NoError(t, s.SetPalPlussAccountState(payouttest.PalPlussAccountInactive))
	_, err = pal.Send(ctx, req("E2E-inactive", "0712345678"))
	assert.ErrorIs(t, err, payout.ErrForbidden)
	_, err = pal.Get(ctx, held.ID)
	assert.ErrorIs(t, err, payout.ErrForbidden)

	require.NoError(t, s.SetPalPlussAccountState(payouttest.PalPlussTenantInactive))
	_, err = pal.Send(ctx, req("E2E-tenant", "0712345678"))
	assert.ErrorIs(t, err, payout.ErrUnauthorized)
	_, err = pal.Get(ctx, held.ID)
	assert.ErrorIs(t, err, payout.ErrUnauthorized)
	for _, ref := range []string{"E2E-kyc", "E2E-inactive", "E2E-tenant"} {
		assert.Zero(t, s.CreatedCount(payouttest.SandboxPalPluss, ref), ref)
	}
}
