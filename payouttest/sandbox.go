package payouttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/payoutkit/payout/money"
)

// The provider names a Sandbox answers for. They are the values of
// payout.Payout.Provider for the two adapters, and the provider argument of
// every Sandbox method and FaultFunc.
const (
	// SandboxPalPluss names the PalPluss side of a Sandbox.
	SandboxPalPluss = "palpluss"
	// SandboxPayOS names the PayOS side of a Sandbox.
	SandboxPayOS = "payos"
)

// Default credentials of a Sandbox. They are fake and public: a Sandbox is
// a test double and prints them freely. The PayOS ones are those of the
// provider's documented examples, so documented request bodies work as is.
const (
	// DefaultSandboxPalPlussAPIKey is the PalPluss API key a Sandbox accepts
	// unless WithPalPlussAPIKey sets another.
	DefaultSandboxPalPlussAPIKey = "pk_test_payouttest_sandbox"
	// DefaultSandboxPayOSMerchantID is the PayOS merchant id a Sandbox
	// accepts unless WithPayOSCredentials sets another.
	DefaultSandboxPayOSMerchantID = "8b6f0c2e-6a4d-4c1e-9f3a-2d7e5b1c9a40"
	// DefaultSandboxPayOSClientSecret is the PayOS client secret a Sandbox
	// accepts unless WithPayOSCredentials sets another.
	DefaultSandboxPayOSClientSecret = "cs_test_4f9a2b7c1d8e"
	// DefaultSandboxPayOSWebhookSecret is the Standard Webhooks secret a
	// Sandbox signs PayOS webhooks with unless WithPayOSWebhookSecret sets
	// another.
	DefaultSandboxPayOSWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

// Defaults of the other Sandbox settings.
const (
	// DefaultSandboxTokenTTL is how long a PayOS access token lives: the
	// provider's documented expiresIn of 3600 seconds.
	DefaultSandboxTokenTTL = time.Hour
	// DefaultSandboxWebhookTimeout is how long a webhook receiver has to
	// answer one delivery: PalPluss documents 30 seconds.
	DefaultSandboxWebhookTimeout = 30 * time.Second
	// DefaultSandboxPalPlussFee is the fee PalPluss charges per payout
	// unless WithPalPlussFee says otherwise, in KES minor units (KES 15, as
	// in the provider's documented example).
	DefaultSandboxPalPlussFee = 1500
)

// DefaultSandboxPalPlussRetries is PalPluss's documented webhook redelivery
// schedule: after a non-2xx answer, again after 10 s, 30 s, 1 min, 2 min and
// 5 min. It is a function so that no caller can change the default.
func DefaultSandboxPalPlussRetries() []time.Duration {
	return []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}
}

// DefaultSandboxPayOSRetries is the redelivery schedule of Svix, which
// delivers PayOS's webhooks: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
func DefaultSandboxPayOSRetries() []time.Duration {
	return []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
}

// Sandbox is a pair of real HTTP servers on loopback that behave like the
// PalPluss and PayOS APIs as their documents describe them: authentication,
// validation with the providers' own error codes and bodies, wallets that
// move, idempotency, asynchronous settlement, webhooks, lookups, rate
// limits, and injectable network faults. The package documentation lists
// what it does in full, with the magic values that choose an outcome.
//
// A Sandbox is safe for concurrent use. Close it when done: Close stops the
// servers and every goroutine the Sandbox started.
//
//	s := payouttest.NewSandbox()
//	t.Cleanup(s.Close)
//	client, _ := palpluss.New(s.PalPlussAPIKey(), payout.WithBaseURL(s.PalPlussURL()))
type Sandbox struct {
	cfg sandboxConfig
	log *slog.Logger

	palpluss *palplussState
	payos    *payosState

	servers  []*httptest.Server
	palURL   string
	payosURL string

	fault  atomic.Pointer[FaultFunc]
	faults sandboxFaultCounts
	limits map[string]*sandboxLimiter

	hooks *sandboxWebhooks
	bg    sandboxGroup
	ctl   sandboxControl

	closeOnce sync.Once
}

// NewSandbox starts a Sandbox, with both servers listening on 127.0.0.1,
// and panics if it cannot (an invalid option, an address in use), like
// httptest.NewServer. Use StartSandbox to get the error instead.
func NewSandbox(opts ...SandboxOption) *Sandbox {
	s, err := StartSandbox(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// StartSandbox starts a Sandbox like NewSandbox and returns an error,
// instead of panicking, when an option is invalid or a listener cannot be
// opened.
func StartSandbox(opts ...SandboxOption) (*Sandbox, error) {
	cfg := sandboxConfig{
		palKey:             DefaultSandboxPalPlussAPIKey,
		b2c:                money.New(10_000_000_00, money.KES),
		service:            money.New(1_000_000_00, money.KES),
		fee:                func(money.Amount) money.Amount { return money.New(DefaultSandboxPalPlussFee, money.KES) },
		payosMerchant:      DefaultSandboxPayOSMerchantID,
		payosSecret:        DefaultSandboxPayOSClientSecret,
		payosWebhookSecret: DefaultSandboxPayOSWebhookSecret,
		tokenTTL:           DefaultSandboxTokenTTL,
		palRetries:         DefaultSandboxPalPlussRetries(),
		payosRetries:       DefaultSandboxPayOSRetries(),
		webhookTimeout:     DefaultSandboxWebhookTimeout,
		palAddr:            "127.0.0.1:0",
		payosAddr:          "127.0.0.1:0",
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	log := cfg.logger
	if log == nil {
		log = slog.New(discardHandler{})
	}
	s := &Sandbox{cfg: cfg, log: log, limits: map[string]*sandboxLimiter{}}
	s.bg.init()
	s.palpluss = newPalPlussState(s)
	s.payos = newPayOSState(s)
	s.hooks = newSandboxWebhooks(s)
	if cfg.fault != nil {
		s.SetFault(cfg.fault)
	}
	if cfg.rateN > 0 {
		s.limits[SandboxPalPluss] = &sandboxLimiter{n: cfg.rateN, per: cfg.ratePer}
		s.limits[SandboxPayOS] = &sandboxLimiter{n: cfg.rateN, per: cfg.ratePer}
	}
	pal := s.withControl(s.middleware(SandboxPalPluss, s.palpluss.routes()))
	pay := s.withControl(s.middleware(SandboxPayOS, s.payos.routes()))
	if cfg.sharedAddr != "" {
		both := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				pay.ServeHTTP(w, r)
				return
			}
			pal.ServeHTTP(w, r)
		})
		srv, err := sandboxServe(cfg.sharedAddr, both)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.servers = append(s.servers, srv)
		s.palURL, s.payosURL = srv.URL+"/v1", srv.URL
	} else {
		for _, l := range []struct {
			addr string
			h    http.Handler
			url  *string
			path string
		}{{cfg.palAddr, pal, &s.palURL, "/v1"}, {cfg.payosAddr, pay, &s.payosURL, ""}} {
			srv, err := sandboxServe(l.addr, l.h)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.servers = append(s.servers, srv)
			*l.url = srv.URL + l.path
		}
	}
	s.log.Info("payouttest: sandbox started", "palpluss", s.palURL, "payos", s.payosURL)
	return s, nil
}

// discardHandler drops every record without formatting it: a Sandbox
// without a logger spends nothing on logging, and its timing under test is
// the same whatever it would have logged.
type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }

// sandboxServe starts an HTTP/1.1 server for h on a new listener at addr.
func sandboxServe(addr string, h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("payouttest: listen on %s: %w", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // quiet: no "http: ..." lines on stderr
	srv.Start()
	return srv, nil
}

// Close stops both servers, dropping any connection still open, and stops
// every settlement timer and webhook delivery, waiting for them: when Close
// returns, no goroutine of the Sandbox is left. Close is idempotent.
func (s *Sandbox) Close() {
	s.closeOnce.Do(func() {
		s.bg.stop()
		for _, srv := range s.servers {
			srv.CloseClientConnections()
			srv.Close()
		}
		s.bg.wait()
		s.hooks.close()
		s.log.Info("payouttest: sandbox closed")
	})
}

// PalPlussURL is the PalPluss base URL, "/v1" included, as
// payout.WithBaseURL and the PALPLUSS_BASE_URL variable take it.
func (s *Sandbox) PalPlussURL() string { return s.palURL }

// PayOSURL is the PayOS base URL, without a path (PayOS's paths start with
// /api/v1), as payout.WithBaseURL and the PAYOS_BASE_URL variable take it.
func (s *Sandbox) PayOSURL() string { return s.payosURL }

// PalPlussAPIKey is the API key the PalPluss side accepts.
func (s *Sandbox) PalPlussAPIKey() string { return s.cfg.palKey }

// PayOSMerchantID is the merchant id the PayOS side accepts.
func (s *Sandbox) PayOSMerchantID() string { return s.cfg.payosMerchant }

// PayOSClientSecret is the client secret the PayOS token endpoint accepts.
func (s *Sandbox) PayOSClientSecret() string { return s.cfg.payosSecret }

// PayOSWebhookSecret is the Standard Webhooks secret ("whsec_...") PayOS
// webhooks are signed with: give it to webhook.NewStandardVerifier.
func (s *Sandbox) PayOSWebhookSecret() string { return s.cfg.payosWebhookSecret }

// SetPayOSWebhookURL sets (or, with "", clears) the endpoint PayOS webhooks
// are delivered to, as a merchant does in the PayOS dashboard. It applies
// to events from then on.
func (s *Sandbox) SetPayOSWebhookURL(endpoint string) error {
	if endpoint != "" {
		if err := sandboxCheckURL(endpoint); err != nil {
			return fmt.Errorf("payouttest: SetPayOSWebhookURL: %w", err)
		}
	}
	s.payos.mu.Lock()
	s.payos.webhookURL = endpoint
	s.payos.mu.Unlock()
	return nil
}

// PalPlussBalances returns the current balances of the PalPluss B2C wallet
// and service (fee) wallet.
func (s *Sandbox) PalPlussBalances() (b2c, service money.Amount) {
	p := s.palpluss
	p.mu.Lock()
	defer p.mu.Unlock()
	return money.New(p.b2c, money.KES), money.New(p.service, money.KES)
}

// SetPalPlussBalances replaces the balances of the PalPluss wallets, as a
// top-up in the dashboard would. Both must be non-negative KES amounts.
func (s *Sandbox) SetPalPlussBalances(b2c, service money.Amount) error {
	if b2c.Currency != money.KES || service.Currency != money.KES || b2c.IsNegative() || service.IsNegative() {
		return fmt.Errorf("payouttest: SetPalPlussBalances: balances must be non-negative KES amounts, got %s and %s", b2c, service)
	}
	p := s.palpluss
	p.mu.Lock()
	p.b2c, p.service = b2c.Minor, service.Minor
	p.mu.Unlock()
	return nil
}

// sandboxCheckURL accepts an absolute http or https URL. Unlike the real
// providers, which require https, the Sandbox also delivers to plain http,
// so that tests can receive on an httptest server.
func sandboxCheckURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", u)
	}
	return nil
}

// sandboxGroup tracks the Sandbox's background goroutines (settlement
// timers and webhook deliveries) so that Close can stop and wait for them.
type sandboxGroup struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (g *sandboxGroup) init() { g.ctx, g.cancel = context.WithCancel(context.Background()) }

// spawn runs f in a tracked goroutine, unless the group is stopping; f must
// return soon after ctx is done.
func (g *sandboxGroup) spawn(f func(ctx context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f(g.ctx)
	}()
	return true
}

// stop refuses new goroutines and cancels the running ones' context.
func (g *sandboxGroup) stop() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cancel()
}

func (g *sandboxGroup) wait() { g.wg.Wait() }

// sandboxSleep waits d or until ctx is done, and reports whether the whole
// wait elapsed.
func sandboxSleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
