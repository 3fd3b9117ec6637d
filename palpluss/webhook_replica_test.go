package palpluss_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// uniqueSink stands for the application's table with a unique key on
// (payout, status): an insert of a key already there changes nothing, as
// INSERT ... ON CONFLICT DO NOTHING.
type uniqueSink struct {
	mu       sync.Mutex
	rows     map[string]payout.Event
	attempts int
}

func (s *uniqueSink) insert(ev payout.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	key := ev.Payout.ID + ":" + string(ev.Payout.Status)
	if _, ok := s.rows[key]; !ok {
		s.rows[key] = ev
	}
}

// countingStore counts what the replicas' shared store saw.
type countingStore struct {
	webhook.Store
	acquired, lost atomic.Int32
}

func (c *countingStore) Claim(ctx context.Context, key string, lease time.Duration) (webhook.Lease, webhook.ClaimResult, error) {
	l, r, err := c.Store.Claim(ctx, key, lease)
	if r == webhook.ClaimAcquired {
		c.acquired.Add(1)
	}
	return l, r, err
}

func (c *countingStore) Release(ctx context.Context, l webhook.Lease) error {
	err := c.Store.Release(ctx, l)
	if errors.Is(err, webhook.ErrLeaseLost) {
		c.lost.Add(1)
	}
	return err
}

// TestWebhookReplicas runs three Handlers, each with its own client, behind
// a round-robin front, sharing one MemoryStore with 10 ms leases. The
// Sandbox gives up on a delivery after 15 ms and redelivers it, while the
// first delivery of every event takes 40 ms to handle: each redelivery
// lands on another replica after the lease ran out, takes the claim over
// and runs beside the first; a fifth of the calls fail besides. Every
// event's effect must land in the unique-keyed sink, once, with the status
// PalPluss reports.
func TestWebhookReplicas(t *testing.T) {
	const payouts, replicas, lease = 24, 3, 10 * time.Millisecond
	retries := make([]time.Duration, 30)
	for i := range retries {
		retries[i] = 5 * time.Millisecond
	}
	sb := payouttest.NewSandbox(payouttest.WithSandboxWebhookRetries(retries...), payouttest.WithSandboxWebhookTimeout(15*time.Millisecond))
	defer sb.Close()
	signer, err := webhook.NewCallbackSigner("0123456789abcdef0123456789abcdef")
	require.NoError(t, err)

	sink := &uniqueSink{rows: map[string]payout.Event{}}
	store := &countingStore{Store: webhook.NewMemoryStore(0)}
	var calls, failures atomic.Int32
	var firstSeen sync.Map
	handle := func(_ context.Context, ev payout.Event) error {
		calls.Add(1)
		if _, seen := firstSeen.LoadOrStore(ev.ID, true); !seen {
			time.Sleep(4 * lease) // the first delivery outlives its lease and the Sandbox's patience
		}
		if rand.IntN(5) == 0 {
			failures.Add(1)
			return errors.New("database busy")
		}
		sink.insert(ev)
		return nil
	}
	var handlers []http.Handler
	for range replicas {
		c, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()),
			payout.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
		require.NoError(t, err)
		handlers = append(handlers, c.WebhookHandler(handle, webhook.WithVerifier(signer.Verifier()),
			webhook.WithStore(store), webhook.WithClaimTTL(lease),
			webhook.WithConfirmLimits(webhook.ConfirmLimits{Rate: -1, PerPayout: -1})))
	}
	var next atomic.Uint32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers[int(next.Add(1))%replicas].ServeHTTP(w, r)
	}))
	defer front.Close()

	client, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()))
	require.NoError(t, err)
	ids := map[string]bool{} // id -> ends reversed
	for i := range payouts {
		ref := fmt.Sprintf("REPLICA-%02d", i)
		cb, err := signer.CallbackURL(front.URL+"/hooks/palpluss", ref)
		require.NoError(t, err)
		ph := "0712345678"
		if i%4 == 3 {
			ph = payouttest.SandboxPhoneInvalidAccount // FAILED, then REVERSED
		}
		p, err := client.Send(context.Background(), payout.Request{Reference: ref, Amount: money.New(100_00, money.KES),
			Recipient: payout.Recipient{Phone: ph}, CallbackURL: cb})
		require.NoError(t, err)
		ids[p.ID] = i%4 == 3
	}
	sb.SettleAll()

	final := func(id string, reversed bool) string {
		if reversed {
			return id + ":" + string(payout.StatusReversed)
		}
		return id + ":" + string(payout.StatusSucceeded)
	}
	require.Eventually(t, func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for id, rev := range ids {
			if _, ok := sink.rows[final(id, rev)]; !ok {
				return false
			}
		}
		return true
	}, 20*time.Second, 10*time.Millisecond, "every payout's final status reached the sink")
	// Let the redeliveries still on their way land: they must change nothing.
	time.Sleep(300 * time.Millisecond)

	sink.mu.Lock()
	defer sink.mu.Unlock()
	for key, ev := range sink.rows {
		assert.Equal(t, key, ev.Payout.ID+":"+string(ev.Payout.Status))
		want := map[payout.Status]string{payout.StatusSucceeded: palpluss.EventSuccess, payout.StatusFailed: palpluss.EventFailed}[ev.Payout.Status]
		if want != "" {
			assert.Equal(t, want, ev.Type, "%s: the type agrees with the confirmed status", key)
		}
		_, known := ids[ev.Payout.ID]
		assert.True(t, known, key)
		claimed, err := palpluss.ParseWebhook(ev.Raw)
		require.NoError(t, err)
		assert.Equal(t, claimed.Payout.Status, ev.Payout.Status, "%s: handed on only when PalPluss confirms what the body claims", key)
	}
	// FAILED may be superseded by REVERSED before it is confirmed: at most
	// one row more per reversed payout than the final statuses.
	reversed := 0
	for _, rev := range ids {
		if rev {
			reversed++
		}
	}
	assert.GreaterOrEqual(t, len(sink.rows), payouts)
	assert.LessOrEqual(t, len(sink.rows), payouts+reversed)
	deliveries := sb.Deliveries(payouttest.SandboxPalPluss)
	t.Logf("replicas %d, payouts %d, events in the sink %d; deliveries %d, HandleFunc calls %d (failed %d), inserts tried %d, claims acquired %d, releases refused after a takeover %d",
		replicas, payouts, len(sink.rows), len(deliveries), calls.Load(), failures.Load(), sink.attempts, store.acquired.Load(), store.lost.Load())
	assert.Greater(t, int(calls.Load()), len(sink.rows), "takeovers ran events twice: the sink's unique key absorbed them")
}
