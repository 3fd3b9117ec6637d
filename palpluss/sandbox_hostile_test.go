package palpluss_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
)

// afterEach calls hook with every response the client receives, on its way
// back from the real transport.
type afterEach struct {
	next http.RoundTripper
	hook func(r *http.Request, resp *http.Response)
}

func (a afterEach) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err == nil {
		a.hook(r, resp)
	}
	return resp, err
}

// firstPayoutPost is a Sandbox fault that answers the first payout POST 502
// after processing it: the payout exists, the client cannot know.
func firstPayoutPost() payouttest.FaultFunc {
	var n atomic.Int32
	return func(_ string, r *http.Request) payouttest.Fault {
		if r.Method == http.MethodPost && n.Add(1) == 1 {
			return payouttest.FaultStatusAfterProcess(http.StatusBadGateway)
		}
		return payouttest.FaultNone()
	}
}

// Issue 10, item 1: the Sandbox created the payout and answered, and the
// caller's deadline passed as the answer arrived. The old engine dropped
// the answer and returned the bare context error ("never sent") for a
// payout that exists.
func TestSandboxDeadlineAsTheAnswerArrivesIsNeverABareContextError(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: afterEach{next: tr, hook: func(*http.Request, *http.Response) { cancel() }}}
	c := sandboxClient(t, sb, payout.WithHTTPClient(hc))
	req := payout.Request{Reference: "LATE-1", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}

	p, err := c.Send(ctx, req)
	require.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "LATE-1"))
	if err != nil {
		var pe *payout.Error
		require.ErrorAs(t, err, &pe, "never the bare context error: %v", err)
		assert.ErrorIs(t, err, payout.ErrOutcomeUnknown)
		assert.Equal(t, "LATE-1", pe.Reference)
		assert.True(t, payout.IsRetryable(err))
		p, err = sandboxClient(t, sb).Send(context.Background(), req)
		require.NoError(t, err, "sending again with the same Reference resolves it")
	}
	got := sb.Payouts(payouttest.SandboxPalPluss)
	require.Len(t, got, 1)
	assert.Equal(t, got[0].ID, p.ID)
}

// Issue 10, item 2: the first attempt is processed and answered 502; before
// the retry the account is deactivated (401 TENANT_INACTIVE, 403
// ACCOUNT_INACTIVE). The payout exists: Send must say the outcome is
// unknown, never unauthorized or forbidden, or the caller pays again under
// a new Reference.
func TestSandboxCredentialsRevokedMidRetryIsUnknown(t *testing.T) {
	for _, state := range []payouttest.PalPlussAccountState{payouttest.PalPlussTenantInactive, payouttest.PalPlussAccountInactive} {
		t.Run(state.String(), func(t *testing.T) {
			sb := payouttest.NewSandbox(payouttest.WithSandboxFault(firstPayoutPost()))
			defer sb.Close()
			tr := http.DefaultTransport.(*http.Transport).Clone()
			defer tr.CloseIdleConnections()
			var revoked atomic.Bool
			hc := &http.Client{Transport: afterEach{next: tr, hook: func(_ *http.Request, resp *http.Response) {
				if resp.StatusCode == http.StatusBadGateway && !revoked.Swap(true) {
					require.NoError(t, sb.SetPalPlussAccountState(state))
				}
			}}}
			c := sandboxClient(t, sb, payout.WithHTTPClient(hc), payout.WithMaxRetries(1))
			req := payout.Request{Reference: "REVOKED-1", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}

			_, err := c.Send(context.Background(), req)
			require.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "REVOKED-1"), "the first attempt created it")
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
			assert.NotErrorIs(t, err, payout.ErrUnauthorized)
			assert.NotErrorIs(t, err, payout.ErrForbidden)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "REVOKED-1", pe.Reference)
			assert.Contains(t, []int{401, 403}, pe.HTTPStatus, "the last answer is kept")
			assert.True(t, payout.IsRetryable(err))

			require.NoError(t, sb.SetPalPlussAccountState(payouttest.PalPlussAccountActive))
			p, err := c.Send(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, sb.Payouts(payouttest.SandboxPalPluss)[0].ID, p.ID, "the payout the first attempt made")
		})
	}
}

// Issue 10, item 5: the same Reference with the same amount to another
// phone. The old client returned the earlier payout with a nil error: the
// caller believed phone B was paid.
func TestSandboxReferenceReusedForAnotherPhoneIsRefused(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	ctx := context.Background()
	first := payout.Request{Reference: "REUSE-1", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}
	p, err := c.Send(ctx, first)
	require.NoError(t, err)

	for name, change := range map[string]func(*payout.Request){
		"phone":  func(r *payout.Request) { r.Recipient.Phone = "0798765432" },
		"amount": func(r *payout.Request) { r.Amount = money.New(600_00, money.KES) },
	} {
		t.Run(name, func(t *testing.T) {
			second := first
			change(&second)
			got, err := c.Send(ctx, second)
			assert.Nil(t, got)
			require.ErrorIs(t, err, payout.ErrDuplicateReference)
			assert.Contains(t, err.Error(), name+" ", "names what differs")
			assert.Contains(t, err.Error(), p.ID, "names the payout that holds the Reference")
			assert.False(t, payout.IsRetryable(err))
			var pe *payout.Error
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, "REUSE-1", pe.Reference)
		})
	}
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, "REUSE-1"))
}

// Issue 10, item 3: the literal Reference "ref-<sha256 of X>" used to share
// X's Idempotency-Key: PalPluss replayed X's payout, the second payout was
// never made, and Send reported it accepted.
func TestSandboxReferenceShapedLikeADerivedKeyIsItsOwnPayout(t *testing.T) {
	sb := payouttest.NewSandbox()
	defer sb.Close()
	c := sandboxClient(t, sb)
	ctx := context.Background()
	x := payout.Request{Reference: "salary march #7", Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}
	lookalike := x
	lookalike.Reference = palpluss.IdempotencyKey(x.Reference)
	require.Regexp(t, `^ref-[0-9a-f]{64}$`, lookalike.Reference)

	px, err := c.Send(ctx, x)
	require.NoError(t, err)
	pl, err := c.Send(ctx, lookalike)
	require.NoError(t, err)
	assert.NotEqual(t, px.ID, pl.ID)
	assert.Equal(t, lookalike.Reference, pl.Reference)
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, x.Reference))
	assert.Equal(t, 1, sb.CreatedCount(payouttest.SandboxPalPluss, lookalike.Reference), "the second payout was made")
	assert.NotEqual(t, palpluss.IdempotencyKey(x.Reference), palpluss.IdempotencyKey(lookalike.Reference))
}

// Issue 10, item 1, as reported: Sends with deadlines of 100µs to 1ms
// against the Sandbox. About 1% of them used to end on a bare context
// error (which says nothing was sent) for a payout the Sandbox created. A
// bare context error must now always mean no payout.
func TestSandboxTinyDeadlinesNeverHideAPayout(t *testing.T) {
	sb := payouttest.NewSandbox()
	closed := false
	defer func() {
		if !closed {
			sb.Close()
		}
	}()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	c := sandboxClient(t, sb, payout.WithHTTPClient(&http.Client{Transport: tr}))
	const n = 2000
	var bare []string
	outcomes := map[string]int{}
	for i := 0; i < n; i++ {
		ref := "TINY-" + strconv.Itoa(i)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(100+(i*37)%900)*time.Microsecond)
		_, err := c.Send(ctx, payout.Request{Reference: ref, Amount: money.New(500_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}})
		cancel()
		var pe *payout.Error
		switch {
		case err == nil:
			outcomes["accepted"]++
		case errors.As(err, &pe):
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown, "the only typed error a deadline may cause")
			assert.Equal(t, ref, pe.Reference)
			assert.True(t, payout.IsRetryable(err))
			outcomes["unknown"]++
		default:
			require.ErrorIs(t, err, context.DeadlineExceeded)
			bare = append(bare, ref)
			outcomes["bare context error"]++
		}
	}
	// Close waits for every request still being served: nothing can be
	// created after the count.
	tr.CloseIdleConnections()
	sb.Close()
	closed = true
	for _, ref := range bare {
		assert.Zero(t, sb.CreatedCount(payouttest.SandboxPalPluss, ref), "%s: a bare context error, yet the payout exists", ref)
	}
	t.Logf("%d Sends: %v", n, outcomes)
	assert.Less(t, outcomes["accepted"], n, "the deadlines cut some Sends short")
}
