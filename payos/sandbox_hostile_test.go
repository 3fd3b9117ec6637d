package payos_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

// Issue 10, item 2: the first initiate is processed and answered 502; from
// then on the credentials are refused: the API answers the retry 401 (or
// 403), the client refreshes its token and PayOS refuses to issue one. The
// payout exists. The old client lost the engine's "may have been served"
// record in the refresh-and-retry and reported unauthorized.
func TestSandboxCredentialsRevokedMidRetryIsUnknown(t *testing.T) {
	for name, apiStatus := range map[string]int{"api 401": http.StatusUnauthorized, "api 403": http.StatusForbidden} {
		t.Run(name, func(t *testing.T) {
			var initiates atomic.Int32
			var revoked atomic.Bool
			var tokenRefusals atomic.Int32
			sb := payouttest.NewSandbox(payouttest.WithSandboxFault(func(_ string, r *http.Request) payouttest.Fault {
				switch {
				case r.URL.Path == "/api/v1/auth/oauth2/token" && revoked.Load():
					tokenRefusals.Add(1)
					return payouttest.FaultStatus(http.StatusUnauthorized)
				case revoked.Load():
					return payouttest.FaultStatus(apiStatus)
				case r.URL.Path == "/api/v1/payout/initiate" && initiates.Add(1) == 1:
					revoked.Store(true) // for every later request: this one is processed
					return payouttest.FaultStatusAfterProcess(http.StatusBadGateway)
				}
				return payouttest.FaultNone()
			}))
			defer sb.Close()
			c := sandboxClient(t, sb, payout.WithMaxRetries(1))
			req := sandboxRequest("REVOKED-1", "0712345678", 500_00)

			_, err := c.Send(context.Background(), req)
			require.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPayOS, "REVOKED-1"), "the first attempt created it")
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
			assert.NotErrorIs(t, err, payout.ErrUnauthorized)
			assert.NotErrorIs(t, err, payout.ErrForbidden)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "REVOKED-1", pe.Reference)
			assert.True(t, payout.IsRetryable(err))
			if apiStatus == http.StatusUnauthorized {
				assert.Positive(t, tokenRefusals.Load(), "the refresh was refused")
			}

			revoked.Store(false) // credentials restored
			p, err := c.Send(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, sb.Payouts(payouttest.SandboxPayOS)[0].ID, p.ID)
		})
	}
}

// Issue 10, item 5: the same Reference for another phone (or amount). PayOS
// refuses the reused Idempotency-Key; the old client reported ErrConflict,
// which names no cause and says nothing of the payout holding the
// Reference.
func TestSandboxReferenceReusedForAnotherPayoutIsDuplicate(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	ctx := context.Background()
	first, err := c.Send(ctx, sandboxRequest("REUSE-1", "0712345678", 500_00))
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		req   payout.Request
		names string
	}{
		"phone":  {sandboxRequest("REUSE-1", "0798765432", 500_00), "phone"},
		"amount": {sandboxRequest("REUSE-1", "0712345678", 600_00), "amount KES 500.00, not KES 600.00"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := c.Send(ctx, tc.req)
			assert.Nil(t, p)
			require.ErrorIs(t, err, payout.ErrDuplicateReference)
			assert.Contains(t, err.Error(), tc.names)
			assert.Contains(t, err.Error(), first.ID)
			assert.False(t, payout.IsRetryable(err))
		})
	}
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPayOS, "REUSE-1"))
}

// Issue 10, item 3 on PayOS: a Reference shaped like another's derived key
// is its own payout.
func TestSandboxReferenceShapedLikeADerivedKeyIsItsOwnPayout(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	x := sandboxRequest("salary march #7", "0712345678", 500_00)
	lookalike := sandboxRequest(payos.IdempotencyKey(x.Reference), "0712345678", 500_00)
	px, err := c.Send(context.Background(), x)
	require.NoError(t, err)
	pl, err := c.Send(context.Background(), lookalike)
	require.NoError(t, err, "the old key mapping answered IDEMPOTENCY_CONFLICT or X's payout")
	assert.NotEqual(t, px.ID, pl.ID)
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPayOS, lookalike.Reference))
}

// Issue 10, item 9: ids that are not one path segment, or that name another
// endpoint, never leave; opaque ones do, escaped.
func TestSandboxGetRefusesIDsThatReachOtherEndpoints(t *testing.T) {
	var requests atomic.Int32
	sb := payouttest.NewSandbox(payouttest.WithSandboxFault(func(string, *http.Request) payouttest.Fault {
		requests.Add(1)
		return payouttest.FaultNone()
	}))
	defer sb.Close()
	c := sandboxClient(t, sb)
	for _, id := range []string{"search", "initiate", "..", ".", "a/b", "../auth/oauth2/token", ""} {
		_, err := c.Get(context.Background(), id)
		var pe *payout.Error
		require.ErrorAs(t, err, &pe, id)
		assert.Equal(t, "id", pe.Field, id)
	}
	assert.Zero(t, requests.Load(), "nothing was sent")
	_, err := c.Get(context.Background(), "tx_01j8abc123")
	require.ErrorIs(t, err, payout.ErrNotFound, "an opaque id is asked for")
}
