package payoutriver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/pgstore"
)

// Finder is implemented by clients that can look a payout up by its
// Reference (palpluss.Client and payos.Client both do). The reconcile
// worker uses it to settle an unknown Send outcome when no provider id is
// known; without it, it sends again with the same Reference, which the
// adapters make idempotent.
type Finder interface {
	FindByReference(ctx context.Context, reference string) (*payout.Payout, error)
}

// RequestLoader reads the request of the payout with the given Reference
// from the caller's own records. q is the database the worker reads the
// ledger from (a pool); reading the caller's row through it keeps the
// request and the ledger in one database.
type RequestLoader func(ctx context.Context, q pgstore.Querier, reference string) (payout.Request, error)

// Config configures a Service.
type Config struct {
	// Pool is the database of the ledger and of River's tables. Required.
	Pool *pgxpool.Pool
	// StoreOptions locate pgstore's tables (pgstore.WithSchema...), as
	// given to pgstore.Migrate.
	StoreOptions []pgstore.Option
	// Clients are the payout clients by provider name ("palpluss",
	// "payos"), built with payout.WithLimiter on a limiter shared by every
	// replica (pgstore.NewLimiter) so that every call, retries and checks
	// included, keeps to the provider's rate limit. Required to work jobs;
	// a process that only enqueues may leave it empty.
	Clients map[string]payout.Client
	// LoadRequest, when set, keeps the request out of river_job: send
	// jobs carry only the Reference, and the worker calls LoadRequest to
	// read the request from the caller's own row. See SendArgs.
	LoadRequest RequestLoader

	// Queue is the River queue the jobs go to (default "payouts").
	Queue string
	// FirstCheck is how long after an acceptance the payout's status is
	// first checked if no webhook has settled it (default 1 minute).
	FirstCheck time.Duration
	// MaxCheckInterval caps the backoff between checks (default 30
	// minutes); the waits double from FirstCheck, with ±20% jitter.
	MaxCheckInterval time.Duration
	// UnknownCheck is how long after an unknown Send outcome, or after an
	// intent is written, the entry is due for the sweep if no retried
	// Send settled it first (default 10 minutes).
	UnknownCheck time.Duration
	// AttentionAfter is the age (since the intent) after which a payout
	// that is not final is flagged as needing attention (default 24
	// hours). Checks go on after it.
	AttentionAfter time.Duration
	// ResendWithin is how long after the intent an unknown Send outcome
	// that a look-up (FindByReference) does not find is still resent with
	// the same Reference (default 24 hours). Past it the payout is not
	// resent but flagged as needing attention, and checks go on: the
	// provider's look-up may not reach that far back, and how long it
	// keeps an Idempotency-Key is undocumented, so a late resend could pay
	// twice. The intent is the ledger's earliest time for the first Send,
	// so the window can only close early.
	ResendWithin time.Duration
	// SweepInterval is how often the elected leader looks for ledger
	// entries due for a check (default 1 minute).
	SweepInterval time.Duration
	// SweepLimit is how many due entries one sweep handles (default 1000).
	SweepLimit int
	// SendMaxAttempts is how many times a send job runs before River
	// discards it (default 25); its ledger entry stays unknown and the
	// sweep picks it up after UnknownCheck.
	SendMaxAttempts int
	// RetryMin and RetryMax bound the jittered exponential wait between a
	// send job's attempts (defaults 1 second and 5 minutes).
	RetryMin, RetryMax time.Duration
	// JobTimeout bounds one job's run, limiter waits and retries included
	// (default 5 minutes).
	JobTimeout time.Duration
	// Logger receives one line per decision, each with the Reference; nil
	// logs nothing. Phone numbers and KYC are never logged.
	Logger *slog.Logger
}

// Service runs durable payouts on River: it enqueues them in the caller's
// transaction, and its workers send them, reconcile them until they are
// final, and sweep the ledger for entries due for a check. Build one per
// process with New, then its River client with NewRiverClient. A Service
// is safe for concurrent use.
type Service struct {
	cfg    Config
	ledger *pgstore.Ledger
	log    *slog.Logger
	client atomic.Pointer[river.Client[pgx.Tx]]
}

// New checks cfg, fills in its defaults and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Pool == nil {
		return nil, errors.New("payoutriver: Config.Pool is required")
	}
	for name, c := range cfg.Clients {
		if name == "" || c == nil || reflect.ValueOf(c).Kind() == reflect.Pointer && reflect.ValueOf(c).IsNil() {
			return nil, fmt.Errorf("payoutriver: Config.Clients: provider %q has no client", name)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.Queue == "" {
		cfg.Queue = "payouts"
	}
	def(&cfg.FirstCheck, time.Minute)
	def(&cfg.MaxCheckInterval, 30*time.Minute)
	def(&cfg.UnknownCheck, 10*time.Minute)
	def(&cfg.AttentionAfter, 24*time.Hour)
	def(&cfg.ResendWithin, 24*time.Hour)
	def(&cfg.SweepInterval, time.Minute)
	def(&cfg.RetryMin, time.Second)
	def(&cfg.RetryMax, 5*time.Minute)
	def(&cfg.JobTimeout, 5*time.Minute)
	if cfg.MaxCheckInterval < cfg.FirstCheck {
		cfg.MaxCheckInterval = cfg.FirstCheck
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = cfg.RetryMin
	}
	if cfg.SweepLimit <= 0 {
		cfg.SweepLimit = 1000
	}
	if cfg.SendMaxAttempts <= 0 {
		cfg.SendMaxAttempts = 25
	}
	ledger, err := pgstore.NewLedger(cfg.Pool, cfg.StoreOptions...)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, ledger: ledger, log: log}, nil
}

// Ledger returns the ledger the Service writes.
func (s *Service) Ledger() *pgstore.Ledger { return s.ledger }

// AddWorkers registers the send, reconcile and sweep workers on w.
func (s *Service) AddWorkers(w *river.Workers) error {
	return errors.Join(
		river.AddWorkerSafely(w, &sendWorker{s: s}),
		river.AddWorkerSafely(w, &reconcileWorker{s: s}),
		river.AddWorkerSafely(w, &sweepWorker{s: s}),
	)
}

// PeriodicJobs returns the sweep, every SweepInterval, for
// river.Config.PeriodicJobs.
func (s *Service) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(s.cfg.SweepInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return SweepArgs{}, &river.InsertOpts{Queue: s.cfg.Queue}
		}, &river.PeriodicJobOpts{ID: KindSweep, RunOnStart: true})}
}

// NewRiverClient builds this process's River client on Config.Pool from
// rc (nil for River's defaults): it registers the workers (into
// rc.Workers, created when nil), adds the sweep to rc.PeriodicJobs, and
// a queue Config.Queue of 10 workers when rc.Queues lacks one. Pass a
// config without Queues to get an insert-only client (it must not be
// started). The Service enqueues through the client returned.
func (s *Service) NewRiverClient(rc *river.Config) (*river.Client[pgx.Tx], error) {
	cfg := river.Config{}
	if rc != nil {
		cfg = *rc
	}
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	if err := s.AddWorkers(cfg.Workers); err != nil {
		return nil, err
	}
	if cfg.Queues != nil {
		if _, ok := cfg.Queues[s.cfg.Queue]; !ok {
			queues := map[string]river.QueueConfig{s.cfg.Queue: {MaxWorkers: 10}}
			for k, v := range cfg.Queues {
				queues[k] = v
			}
			cfg.Queues = queues
		}
		cfg.PeriodicJobs = append(append([]*river.PeriodicJob(nil), cfg.PeriodicJobs...), s.PeriodicJobs()...)
	}
	if cfg.Logger == nil {
		cfg.Logger = s.cfg.Logger
	}
	if cfg.Logger == nil {
		cfg.Logger = s.log
	}
	c, err := river.NewClient(riverpgxv5.New(s.cfg.Pool), &cfg)
	if err != nil {
		return nil, fmt.Errorf("payoutriver: %w", err)
	}
	s.client.Store(c)
	return c, nil
}

// river returns the client jobs are inserted through: the one running
// the current job when there is one, else NewRiverClient's.
func (s *Service) river(ctx context.Context) (*river.Client[pgx.Tx], error) {
	if c, err := river.ClientFromContextSafely[pgx.Tx](ctx); err == nil {
		return c, nil
	}
	if c := s.client.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("payoutriver: no River client: call NewRiverClient first")
}

// Progress counts the payouts of batchID by where they stand: queued or
// in flight (Intent), unknown, accepted, succeeded, failed, refused and
// needing attention.
func (s *Service) Progress(ctx context.Context, batchID string) (pgstore.BatchCounts, error) {
	return s.ledger.Counts(ctx, batchID)
}
