package payoutriver_test

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payoutriver"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
)

// env is one test's world: a schema of its own with River's and pgstore's
// tables, a Sandbox for both providers, a webhook receiver (its own
// process, in effect: its own pool and clients) and any number of
// replicas, each with its own pool, clients and River client.
type env struct {
	t    *testing.T
	db   *pgstoretest.DB
	sb   *payouttest.Sandbox
	hook *httptest.Server
	opts envOptions

	requests map[string]*atomic.Int64 // provider API requests by provider
	got429   map[string]*atomic.Int64 // 429 answers of the Sandbox's rate limit, by provider
	dropped  atomic.Int64             // webhooks the receiver dropped
	hooksIn  atomic.Int64             // webhooks the receiver passed on

	receiver *payoutriver.Service
	admin    *pgxpool.Pool
}

type envOptions struct {
	// rate is each provider's client-side limit per second (shared by every
	// replica); 0: none.
	rate int
	// serverRate is the Sandbox's own limit per second, counted in fixed
	// windows of serverWindow seconds (default 1); 0: none.
	serverRate, serverWindow int
	// settle is the Sandbox's settle delay.
	settle time.Duration
	// faults, when set, is the Sandbox's fault hook.
	faults payouttest.FaultFunc
	// dropWebhooks drops (answers 200 without applying) the webhooks for
	// which it returns true.
	dropWebhooks func(body []byte) bool
	// config adjusts every replica's Config.
	config func(*payoutriver.Config)
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, db: pgstoretest.New(t), opts: o,
		requests: map[string]*atomic.Int64{"palpluss": {}, "payos": {}},
		got429:   map[string]*atomic.Int64{"palpluss": {}, "payos": {}}}
	ctx := context.Background()
	e.admin = e.db.Pool()
	require.NoError(t, payoutriver.Migrate(ctx, e.admin, e.db.Schema, e.db.Options()...))

	var handler atomic.Pointer[http.Handler]
	e.hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	t.Cleanup(e.hook.Close)

	sopts := []payouttest.SandboxOption{payouttest.WithSandboxSettleDelay(o.settle),
		payouttest.WithSandboxWebhookRetries(), // a dropped webhook is lost for good
		payouttest.WithPayOSWebhookURL(e.hook.URL + "/payos"),
		payouttest.WithPalPlussBalances(money.New(1_000_000_000_00, money.KES), money.New(1_000_000_00, money.KES))}
	if o.serverRate > 0 {
		w := max(o.serverWindow, 1)
		sopts = append(sopts, payouttest.WithSandboxRateLimit(o.serverRate*w, time.Duration(w)*time.Second))
	}
	if o.faults != nil {
		sopts = append(sopts, payouttest.WithSandboxFault(o.faults))
	}
	sb, err := payouttest.StartSandbox(sopts...)
	require.NoError(t, err)
	e.sb = sb
	t.Cleanup(sb.Close)

	e.receiver = e.service(e.admin)
	clients := e.clients(e.admin)
	palHook := clients["palpluss"].(*palpluss.Client).WebhookHandler(e.receiver.HandleEvent)
	payosHook, err := payos.NewWebhookHandler(sb.PayOSWebhookSecret(), e.receiver.HandleEvent)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/palpluss", e.front(palHook))
	mux.Handle("/payos", e.front(payosHook))
	var h http.Handler = mux
	handler.Store(&h)
	return e
}

// front drops the webhooks dropWebhooks chooses, as a network that loses
// them would: the provider sees a 200 and never redelivers.
func (e *env) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if e.opts.dropWebhooks != nil && e.opts.dropWebhooks(body) {
			e.dropped.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		e.hooksIn.Add(1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// countingTransport counts a provider's requests and its 429 answers.
type countingTransport struct {
	requests, got429 *atomic.Int64
	base             http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	resp, err := c.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "0" {
		// The Sandbox's own limit answers Retry-After of at least 1; the
		// injected 429 faults of the proof say 0, and are not counted.
		c.got429.Add(1)
	}
	return resp, err
}

// clients builds one process's clients, on pgstore limiters (one per
// provider account, shared through the database by every process) when
// the env has a rate.
func (e *env) clients(pool *pgxpool.Pool) map[string]payout.Client {
	e.t.Helper()
	base := &http.Transport{MaxIdleConnsPerHost: 64}
	e.t.Cleanup(base.CloseIdleConnections)
	common := func(p string) []payout.Option {
		var l payout.Limiter
		if e.opts.rate > 0 {
			pl, err := pgstore.NewLimiter(pool, p+":sandbox", e.opts.rate, time.Second, e.db.Options()...)
			require.NoError(e.t, err)
			l = pl
		} else {
			nl, err := payout.NewLimiter(0, 0)
			require.NoError(e.t, err)
			l = nl
		}
		return []payout.Option{
			payout.WithHTTPClient(&http.Client{Transport: countingTransport{e.requests[p], e.got429[p], base}}),
			payout.WithLimiter(l),
			payout.WithRetryWait(20*time.Millisecond, 200*time.Millisecond),
			payout.WithMaxRetries(2),
			payout.WithTimeout(2 * time.Second),
		}
	}
	pal, err := palpluss.New(e.sb.PalPlussAPIKey(), append(common("palpluss"), payout.WithBaseURL(e.sb.PalPlussURL()))...)
	require.NoError(e.t, err)
	pos, err := payos.New(e.sb.PayOSMerchantID(), e.sb.PayOSClientSecret(), append(common("payos"), payout.WithBaseURL(e.sb.PayOSURL()))...)
	require.NoError(e.t, err)
	return map[string]payout.Client{"palpluss": pal, "payos": pos}
}

// service builds one process's Service on pool.
func (e *env) service(pool *pgxpool.Pool) *payoutriver.Service {
	e.t.Helper()
	cfg := payoutriver.Config{
		Pool: pool, StoreOptions: e.db.Options(), Clients: e.clients(pool),
		FirstCheck: 300 * time.Millisecond, MaxCheckInterval: 2 * time.Second,
		UnknownCheck: 3 * time.Second, SweepInterval: time.Second,
		RetryMin: 50 * time.Millisecond, RetryMax: time.Second, JobTimeout: 30 * time.Second,
	}
	if e.opts.config != nil {
		e.opts.config(&cfg)
	}
	svc, err := payoutriver.New(cfg)
	require.NoError(e.t, err)
	return svc
}

// replica is one process running the workers.
type replica struct {
	pool *pgxpool.Pool
	svc  *payoutriver.Service
	rc   *river.Client[pgx.Tx]
}

// startReplica starts a process: its own pool, clients, Service and
// River client. It is stopped when the test ends, unless stopped before.
func (e *env) startReplica(workers int) *replica {
	e.t.Helper()
	pool := e.db.PoolConfig(func(c *pgxpool.Config) { c.MaxConns = int32(workers + 8) })
	svc := e.service(pool)
	rc, err := svc.NewRiverClient(&river.Config{
		Schema:            e.db.Schema,
		Queues:            map[string]river.QueueConfig{"payouts": {MaxWorkers: workers}},
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		JobTimeout:        30 * time.Second,
	})
	require.NoError(e.t, err)
	require.NoError(e.t, rc.Start(context.Background()))
	r := &replica{pool: pool, svc: svc, rc: rc}
	e.t.Cleanup(func() { r.stop(false) })
	return r
}

// stop stops the replica's River client: gracefully, or hard (every
// running job's context cancelled at once).
func (r *replica) stop(hard bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if hard {
		_ = r.rc.StopAndCancel(ctx)
		return
	}
	_ = r.rc.Stop(ctx)
}

// insertOnly returns a Service with an insert-only River client on its own
// pool, as a web process that only enqueues would have.
func (e *env) insertOnly() (*payoutriver.Service, *pgxpool.Pool) {
	e.t.Helper()
	pool := e.db.Pool()
	svc := e.service(pool)
	_, err := svc.NewRiverClient(&river.Config{Schema: e.db.Schema})
	require.NoError(e.t, err)
	return svc, pool
}

// request returns the i-th payout of a batch: provider alternating, a
// recipient that makes about one in seven end unpaid (failed, cancelled
// or expired), and a few refused by the provider (insufficient funds).
func request(i int, batch string) (payout.Request, string) {
	provider := "palpluss"
	if i%2 == 1 {
		provider = "payos"
	}
	ph := fmt.Sprintf("07%08d", 10_000_000+i)
	switch i % 21 {
	case 3:
		ph = payouttest.SandboxPhoneInvalidAccount
	case 7:
		ph = payouttest.SandboxPhoneCancelled
	case 11:
		ph = payouttest.SandboxPhoneExpired
	}
	amount := money.New(int64(100+i%900)*100, money.KES)
	if i%97 == 5 {
		amount = money.New(payouttest.SandboxInsufficientFundsKES*100, money.KES)
	}
	req := payout.Request{
		Reference: fmt.Sprintf("%s-%05d", batch, i),
		Amount:    amount,
		Recipient: payout.Recipient{Name: "Worker", Phone: ph},
	}
	if provider == "payos" {
		req.Sender = &payout.Sender{FullName: "Acme Payroll", PhoneNumber: "27821234567", Nationality: "ZAF",
			Identity: payout.IdentityPassport, IdentityNumber: "A12345678", DateOfBirth: "1990-01-15",
			PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"}
	}
	return req, provider
}

// enqueue enqueues n payouts of batch, per transactions of chunk, with the
// PalPluss ones given the receiver's callback URL.
func (e *env) enqueue(svc *payoutriver.Service, pool *pgxpool.Pool, batch string, n, chunk int) {
	e.t.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += chunk {
		tx, err := pool.Begin(ctx)
		require.NoError(e.t, err)
		for i := start; i < min(n, start+chunk); i++ {
			req, provider := request(i, batch)
			if provider == "palpluss" {
				req.CallbackURL = e.hook.URL + "/palpluss"
			}
			_, err := svc.EnqueueTx(ctx, tx, req, payoutriver.EnqueueOptions{Provider: provider, BatchID: batch})
			require.NoError(e.t, err)
		}
		require.NoError(e.t, tx.Commit(ctx))
	}
}

// waitDone waits until every payout of batch is final in the ledger, or
// timeout, and returns how long it took.
func (e *env) waitDone(svc *payoutriver.Service, batch string, timeout time.Duration, each func(c int)) time.Duration {
	e.t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		c, err := svc.Progress(context.Background(), batch)
		require.NoError(e.t, err)
		if c.Done() {
			return time.Since(start)
		}
		if each != nil {
			each(c.Succeeded + c.Failed + c.Refused)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("batch %s not done after %v: %+v", batch, timeout, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// halfByBody drops about half of the webhooks, chosen by their body.
func halfByBody(body []byte) bool {
	h := fnv.New32a()
	_, _ = h.Write(body)
	return h.Sum32()%2 == 0
}
