package payouttest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/payoutkit/payout/webhook"
)

// SandboxDelivery is one attempt to deliver a webhook, as the Sandbox
// made it.
type SandboxDelivery struct {
	// Provider is SandboxPalPluss or SandboxPayOS.
	Provider string
	// ID identifies the event across its redeliveries: the svix-id for
	// PayOS; for PalPluss, which sends no id, the payout id and status
	// ("<id>/SUCCESS").
	ID string
	// Event is the event type: PalPluss's event_type
	// ("transaction.success"), PayOS's type ("payout.completed").
	Event string
	// PayoutID is the provider's id of the payout the event is about.
	PayoutID string
	// URL is where it was sent.
	URL string
	// Attempt counts the attempts at this event, from 1.
	Attempt int
	// StatusCode is the receiver's answer; 0 if there was none.
	StatusCode int
	// Err is why the attempt failed without an answer (connection refused,
	// timeout); empty otherwise.
	Err string
	// Header holds the request headers sent (the signature for PayOS).
	Header http.Header
	// Body is the request body sent.
	Body []byte
	// At is when the attempt started.
	At time.Time
}

// OK reports whether the receiver accepted the delivery with a 2xx.
func (d SandboxDelivery) OK() bool { return d.StatusCode >= 200 && d.StatusCode < 300 }

// sandboxEvent is one webhook to deliver, built when the payout's status
// changed, so that it reports the status of that moment.
type sandboxEvent struct {
	provider, url, id, eventType, payoutID string
	body                                   []byte
}

// sandboxWebhooks delivers webhooks, with redelivery, and records every
// attempt.
type sandboxWebhooks struct {
	s         *Sandbox
	transport *http.Transport
	client    *http.Client

	mu       sync.Mutex
	attempts []SandboxDelivery
}

func newSandboxWebhooks(s *Sandbox) *sandboxWebhooks {
	// No keep-alive: a delivery leaves no idle connection (and no goroutine)
	// behind once it is done.
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true, ResponseHeaderTimeout: s.cfg.webhookTimeout}
	return &sandboxWebhooks{s: s, transport: tr, client: &http.Client{
		Transport:     tr,
		Timeout:       s.cfg.webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (h *sandboxWebhooks) close() { h.transport.CloseIdleConnections() }

// Deliveries returns every webhook delivery attempt made for provider so
// far, oldest first. Attempts of one event share an ID.
func (s *Sandbox) Deliveries(provider string) []SandboxDelivery {
	s.backend(provider) // panics on an unknown provider
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	var out []SandboxDelivery
	for _, d := range s.hooks.attempts {
		if d.Provider == provider {
			d.Header = d.Header.Clone()
			d.Body = append([]byte(nil), d.Body...)
			out = append(out, d)
		}
	}
	return out
}

// deliver sends events in the background, in order: each event's first
// attempt is made after the previous event's first attempt, and an event
// that is not accepted is redelivered on the provider's schedule.
func (h *sandboxWebhooks) deliver(events []sandboxEvent) {
	if len(events) == 0 {
		return
	}
	h.s.bg.spawn(func(ctx context.Context) {
		for _, ev := range events {
			if h.attempt(ctx, ev, 1) || ctx.Err() != nil {
				continue
			}
			h.s.bg.spawn(func(ctx context.Context) { h.redeliver(ctx, ev) })
		}
	})
}

func (h *sandboxWebhooks) redeliver(ctx context.Context, ev sandboxEvent) {
	schedule := h.s.cfg.palRetries
	if ev.provider == SandboxPayOS {
		schedule = h.s.cfg.payosRetries
	}
	for i, wait := range schedule {
		if !sandboxSleep(ctx, wait) {
			return
		}
		if h.attempt(ctx, ev, i+2) {
			return
		}
	}
	h.s.log.Warn("payouttest: webhook abandoned", "provider", ev.provider, "event", ev.eventType, "id", ev.id)
}

// attempt makes one delivery and reports whether the receiver answered 2xx.
func (h *sandboxWebhooks) attempt(ctx context.Context, ev sandboxEvent, n int) bool {
	at := time.Now()
	d := SandboxDelivery{Provider: ev.provider, ID: ev.id, Event: ev.eventType, PayoutID: ev.payoutID,
		URL: ev.url, Attempt: n, Body: ev.body, At: at}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ev.url, bytes.NewReader(ev.body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if ev.provider == SandboxPayOS {
			req.Header.Set("User-Agent", "Svix-Webhooks/1.0 (payouttest sandbox)")
			var sig http.Header
			sig, err = webhook.Sign(h.s.cfg.payosWebhookSecret, ev.id, at, ev.body)
			for k, v := range sig {
				req.Header[k] = v
			}
		} else {
			req.Header.Set("User-Agent", "PalPluss-Webhooks/1.0 (payouttest sandbox)")
		}
		d.Header = req.Header.Clone()
	}
	if err == nil {
		var resp *http.Response
		resp, err = h.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			d.StatusCode = resp.StatusCode
		}
	}
	if err != nil {
		d.Err = err.Error()
	}
	h.mu.Lock()
	h.attempts = append(h.attempts, d)
	h.mu.Unlock()
	h.s.log.Info("payouttest: webhook", "provider", ev.provider, "event", ev.eventType, "id", ev.id,
		"attempt", n, "status", d.StatusCode, "error", d.Err)
	return d.OK()
}
