package payouttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ControlPath is the path under which the control API answers (see
// ControlHandler), on the Sandbox's own listeners with WithSandboxControl.
const ControlPath = "/_sandbox/"

// maxControlBody caps a control request's body.
const maxControlBody = 64 << 10

// WithSandboxControl serves the control API (ControlHandler) under
// ControlPath on the Sandbox's listeners, beside the providers' APIs, so
// that tests written in any language can inspect and drive the Sandbox over
// HTTP; ControlURL is then its base. Control requests are never faulted
// nor rate limited. The payout-sandbox command turns it on.
func WithSandboxControl() SandboxOption {
	return func(c *sandboxConfig) { c.control = true }
}

// ControlURL is the base URL of the control API ("http://127.0.0.1:8080/_sandbox")
// when the Sandbox serves it (WithSandboxControl), else "". With two
// listeners (WithSandboxAddrs) both serve it; this is the PayOS one.
func (s *Sandbox) ControlURL() string {
	if !s.cfg.control {
		return ""
	}
	return s.payosURL + strings.TrimSuffix(ControlPath, "/")
}

// ControlHandler returns the Sandbox's control API: a small JSON API over
// HTTP for tests that cannot call the Sandbox's Go methods, mounted at
// ControlPath (its routes include that prefix: mount it with
// mux.Handle(payouttest.ControlPath, s.ControlHandler()), or let
// WithSandboxControl do it). Every answer is JSON; an error is
// {"error": "..."} with a 4xx status.
//
//	GET    /_sandbox/payouts[?provider=palpluss|payos][&reference=R]
//	       every payout (as Payouts: oldest first, PalPluss first), each
//	       {"provider","id","reference","idempotencyKey","status",
//	       "providerStatus","amountMinor","currency","feeMinor","phone",
//	       "receipt","failureCode","failureMessage","callbackUrl",
//	       "history":[{"status","providerStatus","at"}],"createdAt","updatedAt"}
//	GET    /_sandbox/payouts/{provider}/{id}
//	       one payout, or 404
//	POST   /_sandbox/payouts/{provider}/{id}/settle
//	       settle it now (Settle), or with {"outcome": "success" |
//	       "invalid_account" | "limit_exceeded" | "cancelled" | "expired"}
//	       as SettleAs (409 if it has already settled); answers the payout
//	POST   /_sandbox/settle-all
//	       SettleAll; answers {"settled": n}
//	GET    /_sandbox/webhooks[?provider=palpluss|payos]
//	       every webhook delivery attempt (as Deliveries): {"provider","id",
//	       "event","payoutId","url","attempt","statusCode","error","body","at"}
//	PUT    /_sandbox/fault
//	       install a fault (replacing any other, as SetFault):
//	       {"kind": "reset-before-read" | "status" | "rate-limit" |
//	       "reset-after-process" | "status-after-process" | "delay" |
//	       "truncate", "status": 503, "retryAfter": "2s", "delay": "3s",
//	       "provider": "palpluss" | "payos" (default both), "method": "POST",
//	       "path": "/b2c/payouts" (the request path ends with it),
//	       "times": 1 (strike the next N matching requests; 0: every one)}
//	GET    /_sandbox/fault
//	       the fault installed through this API, with "struck": how many
//	       requests it has struck; 404 when there is none
//	DELETE /_sandbox/fault
//	       remove the fault hook (204)
//
// For example, with payout-sandbox on 127.0.0.1:8080:
//
//	curl -s 127.0.0.1:8080/_sandbox/payouts?provider=palpluss
//	curl -s -X POST -d '{"outcome":"invalid_account"}' 127.0.0.1:8080/_sandbox/payouts/palpluss/ID/settle
//	curl -s -X PUT -d '{"kind":"status-after-process","status":502,"path":"/b2c/payouts","times":1}' 127.0.0.1:8080/_sandbox/fault
func (s *Sandbox) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sandbox/payouts", s.ctlListPayouts)
	mux.HandleFunc("GET /_sandbox/payouts/{provider}/{id}", s.ctlGetPayout)
	mux.HandleFunc("POST /_sandbox/payouts/{provider}/{id}/settle", s.ctlSettle)
	mux.HandleFunc("POST /_sandbox/settle-all", s.ctlSettleAll)
	mux.HandleFunc("GET /_sandbox/webhooks", s.ctlWebhooks)
	mux.HandleFunc("PUT /_sandbox/fault", s.ctlPutFault)
	mux.HandleFunc("GET /_sandbox/fault", s.ctlGetFault)
	mux.HandleFunc("DELETE /_sandbox/fault", s.ctlDeleteFault)
	mux.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		ctlError(w, http.StatusNotFound, "no control route %s %s (see payouttest.Sandbox.ControlHandler)", r.Method, r.URL.Path)
	})
	return mux
}

// withControl serves the control API beside h when WithSandboxControl is
// on, ahead of faults and rate limits.
func (s *Sandbox) withControl(h http.Handler) http.Handler {
	if !s.cfg.control {
		return h
	}
	ctl := s.ControlHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, ControlPath) || r.URL.Path == strings.TrimSuffix(ControlPath, "/") {
			ctl.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// controlPayout is a SandboxPayout on the control API's wire.
type controlPayout struct {
	Provider       string              `json:"provider"`
	ID             string              `json:"id"`
	Reference      string              `json:"reference"`
	IdempotencyKey string              `json:"idempotencyKey"`
	Status         string              `json:"status"`
	ProviderStatus string              `json:"providerStatus"`
	AmountMinor    int64               `json:"amountMinor"`
	Currency       string              `json:"currency"`
	FeeMinor       int64               `json:"feeMinor"`
	Phone          string              `json:"phone"`
	Receipt        string              `json:"receipt"`
	FailureCode    string              `json:"failureCode"`
	FailureMessage string              `json:"failureMessage"`
	CallbackURL    string              `json:"callbackUrl"`
	History        []controlTransition `json:"history"`
	CreatedAt      time.Time           `json:"createdAt"`
	UpdatedAt      time.Time           `json:"updatedAt"`
}

type controlTransition struct {
	Status         string    `json:"status"`
	ProviderStatus string    `json:"providerStatus"`
	At             time.Time `json:"at"`
}

func toControlPayout(p SandboxPayout) controlPayout {
	out := controlPayout{Provider: p.Provider, ID: p.ID, Reference: p.Reference, IdempotencyKey: p.IdempotencyKey,
		Status: string(p.Status), ProviderStatus: p.ProviderStatus, AmountMinor: p.Amount.Minor,
		Currency: string(p.Amount.Currency), FeeMinor: p.Fee.Minor, Phone: p.Phone, Receipt: p.Receipt,
		FailureCode: p.FailureCode, FailureMessage: p.FailureMessage, CallbackURL: p.CallbackURL,
		History: make([]controlTransition, len(p.History)), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for i, t := range p.History {
		out.History[i] = controlTransition{string(t.Status), t.ProviderStatus, t.At}
	}
	return out
}

// ctlProviders returns the providers a request names (?provider= or the
// {provider} path segment), or both when it names none; an unknown name is
// answered 400 and reported false.
func ctlProviders(w http.ResponseWriter, name string) ([]string, bool) {
	switch name {
	case "":
		return []string{SandboxPalPluss, SandboxPayOS}, true
	case SandboxPalPluss, SandboxPayOS:
		return []string{name}, true
	}
	ctlError(w, http.StatusBadRequest, "unknown provider %q: want %q or %q", name, SandboxPalPluss, SandboxPayOS)
	return nil, false
}

func (s *Sandbox) ctlListPayouts(w http.ResponseWriter, r *http.Request) {
	providers, ok := ctlProviders(w, r.URL.Query().Get("provider"))
	if !ok {
		return
	}
	ref, byRef := r.URL.Query().Get("reference"), r.URL.Query().Has("reference")
	out := []controlPayout{}
	for _, p := range providers {
		for _, sp := range s.Payouts(p) {
			if !byRef || sp.Reference == ref {
				out = append(out, toControlPayout(sp))
			}
		}
	}
	sandboxJSON(w, http.StatusOK, out)
}

// ctlPayout answers the payout the path names, or an error, reporting
// whether it found one.
func (s *Sandbox) ctlPayout(w http.ResponseWriter, r *http.Request) (string, SandboxPayout, bool) {
	provider := r.PathValue("provider")
	if provider == "" {
		ctlError(w, http.StatusBadRequest, "the path names no provider")
		return "", SandboxPayout{}, false
	}
	if _, ok := ctlProviders(w, provider); !ok {
		return "", SandboxPayout{}, false
	}
	p, ok := s.Payout(provider, r.PathValue("id"))
	if !ok {
		ctlError(w, http.StatusNotFound, "%s has no payout %q", provider, r.PathValue("id"))
	}
	return provider, p, ok
}

func (s *Sandbox) ctlGetPayout(w http.ResponseWriter, r *http.Request) {
	if _, p, ok := s.ctlPayout(w, r); ok {
		sandboxJSON(w, http.StatusOK, toControlPayout(p))
	}
}

func (s *Sandbox) ctlSettle(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Outcome string `json:"outcome"`
	}
	if !ctlDecode(w, r, &body, true) {
		return
	}
	provider, p, ok := s.ctlPayout(w, r)
	if !ok {
		return
	}
	var err error
	if body.Outcome == "" {
		err = s.Settle(provider, p.ID)
	} else {
		o, known := parseOutcome(body.Outcome)
		if !known {
			ctlError(w, http.StatusBadRequest, "unknown outcome %q: want success, invalid_account, limit_exceeded, cancelled or expired", body.Outcome)
			return
		}
		err = s.SettleAs(provider, p.ID, o)
	}
	switch {
	case errors.Is(err, ErrSandboxPayoutFinal):
		ctlError(w, http.StatusConflict, "%v", err)
		return
	case err != nil:
		ctlError(w, http.StatusNotFound, "%v", err)
		return
	}
	s.log.Info("payouttest: control: settled", "provider", provider, "id", p.ID, "outcome", body.Outcome)
	p, _ = s.Payout(provider, p.ID)
	sandboxJSON(w, http.StatusOK, toControlPayout(p))
}

func parseOutcome(name string) (SandboxOutcome, bool) {
	for o := SandboxOutcomeSuccess; o <= SandboxOutcomeExpired; o++ {
		if o.String() == name {
			return o, true
		}
	}
	return 0, false
}

func (s *Sandbox) ctlSettleAll(w http.ResponseWriter, r *http.Request) {
	n := s.SettleAll()
	s.log.Info("payouttest: control: settled all", "settled", n)
	sandboxJSON(w, http.StatusOK, map[string]int{"settled": n})
}

// controlDelivery is a SandboxDelivery on the control API's wire.
type controlDelivery struct {
	Provider   string    `json:"provider"`
	ID         string    `json:"id"`
	Event      string    `json:"event"`
	PayoutID   string    `json:"payoutId"`
	URL        string    `json:"url"`
	Attempt    int       `json:"attempt"`
	StatusCode int       `json:"statusCode"`
	Err        string    `json:"error"`
	Body       string    `json:"body"`
	At         time.Time `json:"at"`
}

func (s *Sandbox) ctlWebhooks(w http.ResponseWriter, r *http.Request) {
	providers, ok := ctlProviders(w, r.URL.Query().Get("provider"))
	if !ok {
		return
	}
	out := []controlDelivery{}
	for _, p := range providers {
		for _, d := range s.Deliveries(p) {
			out = append(out, controlDelivery{d.Provider, d.ID, d.Event, d.PayoutID, d.URL, d.Attempt,
				d.StatusCode, d.Err, string(d.Body), d.At})
		}
	}
	sandboxJSON(w, http.StatusOK, out)
}

// controlFault is a fault on the control API's wire.
type controlFault struct {
	Kind       string `json:"kind"`
	Status     int    `json:"status,omitempty"`
	RetryAfter string `json:"retryAfter,omitempty"`
	Delay      string `json:"delay,omitempty"`
	Provider   string `json:"provider,omitempty"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	Times      int    `json:"times,omitempty"`
	Struck     int64  `json:"struck"`
}

// sandboxControl is the state of the fault installed through the control
// API.
type sandboxControl struct {
	mu     sync.Mutex
	fn     *FaultFunc // what was stored in Sandbox.fault; stale once SetFault replaced it
	spec   controlFault
	struck *atomic.Int64
}

// fault builds the Fault a spec describes, or says what is wrong with it.
func (c controlFault) fault() (Fault, error) {
	dur := func(name, v string) (time.Duration, error) {
		if v == "" {
			return 0, nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%s %q is not a duration such as \"2s\"", name, v)
		}
		return d, nil
	}
	status := func() error {
		if c.Status < 400 || c.Status > 599 {
			return fmt.Errorf("kind %q needs a status from 400 to 599, got %d", c.Kind, c.Status)
		}
		return nil
	}
	switch c.Kind {
	case FaultKindResetBeforeRead.String():
		return FaultResetBeforeRead(), nil
	case FaultKindResetAfterProcess.String():
		return FaultResetAfterProcess(), nil
	case FaultKindTruncate.String():
		return FaultTruncate(), nil
	case FaultKindStatus.String():
		if err := status(); err != nil {
			return Fault{}, err
		}
		return FaultStatus(c.Status), nil
	case FaultKindStatusAfterProcess.String():
		if err := status(); err != nil {
			return Fault{}, err
		}
		return FaultStatusAfterProcess(c.Status), nil
	case FaultKindRateLimit.String():
		d, err := dur("retryAfter", c.RetryAfter)
		return FaultRateLimit(d), err
	case FaultKindDelay.String():
		d, err := dur("delay", c.Delay)
		return FaultDelay(d), err
	}
	return Fault{}, fmt.Errorf("unknown kind %q: want one of %s", c.Kind, strings.Join(faultKindNames[1:], ", "))
}

func (s *Sandbox) ctlPutFault(w http.ResponseWriter, r *http.Request) {
	var spec controlFault
	if !ctlDecode(w, r, &spec, false) {
		return
	}
	f, err := spec.fault()
	if err == nil && spec.Times < 0 {
		err = fmt.Errorf("times must not be negative, got %d", spec.Times)
	}
	if err != nil {
		ctlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if spec.Provider != "" {
		if _, ok := ctlProviders(w, spec.Provider); !ok {
			return
		}
	}
	spec.Struck = 0
	struck := new(atomic.Int64)
	times := int64(spec.Times)
	fn := FaultFunc(func(provider string, r *http.Request) Fault {
		if spec.Provider != "" && provider != spec.Provider ||
			spec.Method != "" && !strings.EqualFold(r.Method, spec.Method) ||
			spec.Path != "" && !strings.HasSuffix(r.URL.Path, spec.Path) {
			return Fault{}
		}
		if n := struck.Add(1); times > 0 && n > times {
			struck.Add(-1)
			return Fault{}
		}
		return f
	})
	s.ctl.mu.Lock()
	s.ctl.fn, s.ctl.spec, s.ctl.struck = &fn, spec, struck
	s.fault.Store(&fn)
	s.ctl.mu.Unlock()
	s.log.Info("payouttest: control: fault installed", "fault", f.String(), "provider", spec.Provider,
		"method", spec.Method, "path", spec.Path, "times", spec.Times)
	sandboxJSON(w, http.StatusOK, spec)
}

func (s *Sandbox) ctlGetFault(w http.ResponseWriter, r *http.Request) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if s.ctl.fn == nil || s.fault.Load() != s.ctl.fn {
		ctlError(w, http.StatusNotFound, "no fault installed through the control API")
		return
	}
	spec := s.ctl.spec
	spec.Struck = s.ctl.struck.Load()
	sandboxJSON(w, http.StatusOK, spec)
}

func (s *Sandbox) ctlDeleteFault(w http.ResponseWriter, r *http.Request) {
	s.ctl.mu.Lock()
	s.ctl.fn = nil
	s.SetFault(nil)
	s.ctl.mu.Unlock()
	s.log.Info("payouttest: control: fault removed")
	w.WriteHeader(http.StatusNoContent)
}

// ctlDecode reads a JSON body into v, unknown fields refused so that a
// misspelt one is not silently ignored; an empty body is allowed when
// optional. It answers 400 and reports false on error.
func ctlDecode(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil || optional && errors.Is(err, io.EOF) {
		return true
	}
	ctlError(w, http.StatusBadRequest, "the body is not the JSON expected: %v", err)
	return false
}

func ctlError(w http.ResponseWriter, status int, format string, args ...any) {
	sandboxJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}
