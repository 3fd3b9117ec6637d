package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
	"github.com/payoutkit/payout/webhook"
)

// The proofs of issue 12: several replicas, each with its own pool as
// separate processes would have, against the Sandbox, with the figures
// logged (go test -v -run Proof).

const replicas = 4

// statusCounter is a RoundTripper that counts the answers by status.
type statusCounter struct {
	next     http.RoundTripper
	mu       sync.Mutex
	byStatus map[int]int
}

func (c *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if resp != nil {
		c.mu.Lock()
		c.byStatus[resp.StatusCode]++
		c.mu.Unlock()
	}
	return resp, err
}

func (c *statusCounter) count(status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byStatus[status]
}

// limiterRun sends perClient payouts through each of the replicas' clients
// at once, the client of replica i paced by limiterFor(i), against a
// Sandbox that allows n requests per window per; it returns how many
// answers were 429 and how many Sends failed.
func limiterRun(t *testing.T, n int, per time.Duration, perClient int, limiterFor func(i int) payout.Limiter) (tooMany, failed int, took time.Duration) {
	t.Helper()
	sb := payouttest.NewSandbox(payouttest.WithSandboxRateLimit(n, per))
	t.Cleanup(sb.Close)
	counters := make([]*statusCounter, replicas)
	var wg sync.WaitGroup
	var failures atomic.Int32
	start := time.Now()
	for i := range replicas {
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		counters[i] = &statusCounter{next: tr, byStatus: map[int]int{}}
		c, err := palpluss.New(sb.PalPlussAPIKey(), payout.WithBaseURL(sb.PalPlussURL()), payout.WithMaxRetries(0),
			payout.WithHTTPClient(&http.Client{Transport: counters[i]}), payout.WithLimiter(limiterFor(i)))
		require.NoError(t, err)
		for j := range perClient {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.Send(context.Background(), payout.Request{Reference: fmt.Sprintf("RL-%d-%d", i, j),
					Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}})
				if err != nil {
					failures.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	for _, c := range counters {
		tooMany += c.count(http.StatusTooManyRequests)
	}
	return tooMany, int(failures.Load()), time.Since(start)
}

// TestProofSharedLimiterKeepsReplicasUnderTheProviderLimit: 4 clients,
// each on its own pool, share one pgstore Limiter at 600 a minute (scaled:
// 20 per 2 s) against the Sandbox's server-side limit of the same: no
// request is answered 429. The same run with a per-process limiter in each
// client at the same limit gets 429s, so the proof is not vacuous.
func TestProofSharedLimiterKeepsReplicasUnderTheProviderLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("proof: several seconds of paced traffic")
	}
	const n, per, perClient = 20, 2 * time.Second, 12
	db := pgstoretest.New(t)

	shared429, sharedFailed, took := limiterRun(t, n, per, perClient, func(int) payout.Limiter {
		l, err := pgstore.NewLimiter(db.Pool(), "palpluss:proof", n, per, db.Options()...)
		require.NoError(t, err)
		return l
	})
	t.Logf("shared pgstore limiter: %d requests, %d answered 429, %d failed, %v", replicas*perClient, shared429, sharedFailed, took.Round(time.Millisecond))
	assert.Zero(t, shared429, "one shared pace keeps every replica under the provider's limit")
	assert.Zero(t, sharedFailed)

	local429, localFailed, took := limiterRun(t, n, per, perClient, func(int) payout.Limiter {
		l, err := payout.NewLimiter(n, per)
		require.NoError(t, err)
		return l
	})
	t.Logf("per-process limiters: %d requests, %d answered 429, %d failed, %v", replicas*perClient, local429, localFailed, took.Round(time.Millisecond))
	assert.Positive(t, local429, "four paces of 600/min against one limit of 600/min must be refused")
}

// webhookStats are the figures of one webhookProof run.
type webhookStats struct {
	events, landed, deliveries    int
	calls, failedCalls, slowCalls int
	takeovers, absorbed, copies   int64
	byStatus                      map[int]int // the Sandbox's deliveries, by answer
	copyStatus                    map[int]int // the front's copies, by answer
}

// webhookProof runs 4 webhook Handlers, each with its own pool and pgstore
// Store, behind a round-robin front that also copies 70% of the deliveries
// to 1 to 3 other replicas (duplicate storms: half of the copies within
// the lease or 150 ms, half after), fed by the Sandbox's PayOS webhooks
// for payouts settled payouts and its redeliveries of every non-2xx answer.
// 15% of the handler calls fail (their claims are released, and the
// redelivery must process the event); a share slow of them take 400 ms.
// Each call that does not fail inserts the event into a sink keyed by
// event id (ON CONFLICT DO NOTHING, counting what the key absorbed). It
// checks that every event is in the sink, once, and returns the figures.
func webhookProof(t *testing.T, payouts int, lease time.Duration, slow float64) webhookStats {
	t.Helper()
	const slowCall = 400 * time.Millisecond
	db := pgstoretest.New(t)
	ctx := context.Background()
	sinkPool := db.Pool()
	sink := pgx.Identifier{db.Schema, "sink"}.Sanitize()
	_, err := sinkPool.Exec(ctx, `CREATE TABLE `+sink+` (event_id text PRIMARY KEY, payout_id text NOT NULL, status text NOT NULL, replica int NOT NULL)`)
	require.NoError(t, err)

	var (
		mu    sync.Mutex
		rng   = rand.New(rand.NewPCG(12, 2026))
		st    = webhookStats{byStatus: map[int]int{}, copyStatus: map[int]int{}}
		calls = map[string]int{} // handler calls per event id
	)
	roll := func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return rng.Float64()
	}
	handlers := make([]http.Handler, replicas)
	for i := range handlers {
		pool := db.PoolConfig(func(c *pgxpool.Config) { c.MaxConns = 8 })
		store, err := pgstore.NewStore(pool, db.Options()...)
		require.NoError(t, err)
		h, err := payos.NewWebhookHandler(payouttest.DefaultSandboxPayOSWebhookSecret, func(ctx context.Context, ev payout.Event) error {
			r := roll()
			mu.Lock()
			calls[ev.ID]++
			st.calls++
			switch {
			case r < 0.15:
				st.failedCalls++
			case r < 0.15+slow:
				st.slowCalls++
			}
			mu.Unlock()
			switch {
			case r < 0.15:
				return errors.New("replica failed mid-event")
			case r < 0.15+slow:
				time.Sleep(slowCall) // may outlive its claim: a duplicate takes it over
			}
			tag, err := pool.Exec(context.WithoutCancel(ctx), `INSERT INTO `+sink+` (event_id, payout_id, status, replica) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`,
				ev.ID, ev.Payout.ID, string(ev.Payout.Status), i)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				mu.Lock()
				st.absorbed++
				mu.Unlock()
			}
			return nil
		}, webhook.WithStore(store), webhook.WithClaimTTL(lease))
		require.NoError(t, err)
		handlers[i] = h
	}

	// The front: the Sandbox gets the primary's answer once every copy
	// has finished.
	var next, copies atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		primary := int(next.Add(1)) % replicas
		extra := 0
		if roll() < 0.7 {
			extra = 1 + int(roll()*3)
		}
		copies.Add(int64(extra))
		var wg sync.WaitGroup
		for k := 1; k <= extra; k++ {
			dup := r.Clone(context.WithoutCancel(r.Context()))
			dup.Body = io.NopCloser(bytes.NewReader(body))
			spread := min(lease, 150*time.Millisecond)
			delay := time.Duration(roll() * float64(spread))
			if roll() < 0.5 {
				delay += spread + 20*time.Millisecond
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(delay)
				rec := httptest.NewRecorder()
				handlers[(primary+k)%replicas].ServeHTTP(rec, dup)
				mu.Lock()
				st.copyStatus[rec.Code]++
				mu.Unlock()
			}()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		handlers[primary].ServeHTTP(w, r)
		wg.Wait()
	}))
	t.Cleanup(front.Close)

	waits := []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}
	for range 16 {
		waits = append(waits, 300*time.Millisecond)
	}
	sb := payouttest.NewSandbox(payouttest.WithPayOSWebhookURL(front.URL), payouttest.WithSandboxWebhookRetries(waits...))
	t.Cleanup(sb.Close)
	client, err := payos.New(sb.PayOSMerchantID(), sb.PayOSClientSecret(), payout.WithBaseURL(sb.PayOSURL()))
	require.NoError(t, err)
	sender, err := payout.NewCompanySender("Acme Corporation Ltd", "27110001234", "2020/123456/07", "2015-03-20",
		payout.Funds{Purpose: "vendor payment", Source: "business revenue", Relationship: "business"})
	require.NoError(t, err)
	for i := range payouts {
		phone := "0723993187"
		if i%5 == 4 {
			phone = payouttest.SandboxPhoneInvalidAccount // a failed payout: another event type
		}
		_, err := client.Send(ctx, payout.Request{Reference: fmt.Sprintf("WH-%02d", i), Amount: money.New(500_00, money.KES),
			Recipient: payout.Recipient{Name: "John Doe", Phone: phone}, Sender: sender})
		require.NoError(t, err)
	}
	sb.SettleAll()

	// Wait until every event the Sandbox sent was acknowledged with a 2xx
	// (then it stops redelivering it).
	var events map[string]bool
	deadline := time.Now().Add(60 * time.Second)
	for {
		events = map[string]bool{}
		for _, d := range sb.Deliveries(payouttest.SandboxPayOS) {
			events[d.ID] = events[d.ID] || d.OK()
		}
		pending := 0
		for _, ok := range events {
			if !ok {
				pending++
			}
		}
		if len(events) >= payouts && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events still unacknowledged after 60s", pending, len(events))
		}
		time.Sleep(50 * time.Millisecond)
	}
	sb.Close() // no more redeliveries; the front has answered every delivery

	rows, err := sinkPool.Query(ctx, `SELECT event_id FROM `+sink)
	require.NoError(t, err)
	landed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	landedSet := map[string]bool{}
	for _, id := range landed {
		landedSet[id] = true
	}
	for id := range events {
		assert.True(t, landedSet[id], "event %s was acknowledged but its effect never landed: lost", id)
	}
	assert.Len(t, landed, len(events), "one effect per event, no stray ones")

	require.NoError(t, sinkPool.QueryRow(ctx, `SELECT coalesce(sum(claims - 1), 0) FROM `+tableName(db, "webhook_events")).Scan(&st.takeovers))
	deliveries := sb.Deliveries(payouttest.SandboxPayOS)
	for _, d := range deliveries {
		st.byStatus[d.StatusCode]++
	}
	st.events, st.landed, st.deliveries, st.copies = len(events), len(landed), len(deliveries), copies.Load()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("lease %v: events %d, Sandbox deliveries %d (by answer %v), front copies %d (by answer %v), handler calls %d (failed %d, slow %d), "+
		"claim takeovers %d, second processings absorbed by the sink's key %d, effects landed %d",
		lease, st.events, st.deliveries, st.byStatus, st.copies, st.copyStatus, st.calls, st.failedCalls, st.slowCalls, st.takeovers, st.absorbed, st.landed)
	return st
}

// TestProofWebhooksAcrossReplicasLandExactlyOnce: with claims of 150 ms
// and a quarter of the calls taking 400 ms, expired claims are taken over
// by duplicates: the event is processed a second time, which the sink's
// key absorbs, and no event is lost, none lands twice.
func TestProofWebhooksAcrossReplicasLandExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("proof: seconds of webhook traffic")
	}
	st := webhookProof(t, 40, 150*time.Millisecond, 0.25)
	assert.Positive(t, st.takeovers, "leases shorter than slow calls must force takeovers, or the proof proves nothing about them")
	assert.Positive(t, st.failedCalls, "failed calls must release their claims for the redelivery")
	assert.Positive(t, st.copies)
}

// TestProofWebhooksAcrossReplicasProcessedOnceWithinTheirLease: the same
// storms with claims that outlast every call: the shared Store alone
// keeps each event to one successful processing across the 4 replicas,
// without the sink's key having to absorb anything.
func TestProofWebhooksAcrossReplicasProcessedOnceWithinTheirLease(t *testing.T) {
	if testing.Short() {
		t.Skip("proof: seconds of webhook traffic")
	}
	st := webhookProof(t, 30, time.Minute, 0.10)
	assert.Zero(t, st.takeovers)
	assert.Zero(t, st.absorbed, "no event processed twice")
	assert.Equal(t, st.events, st.calls-st.failedCalls, "one successful call per event")
	assert.Positive(t, st.copies)
	assert.Positive(t, st.copyStatus[http.StatusConflict], "copies arrived while a claim held, and were turned away")
	assert.Positive(t, st.copyStatus[http.StatusOK], "copies arrived after completion, and were acknowledged without processing")
}
