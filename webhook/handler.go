package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/payoutkit/payout"
)

// ParseFunc turns a verified webhook body into an Event: a provider's
// parser, such as palpluss.ParseWebhook or payos.ParseWebhook. It returns an
// error for a malformed body or one missing required fields (the Handler
// answers 400) and an Event, never an error, for an event type it does not
// know.
type ParseFunc func(body []byte) (*payout.Event, error)

// HandleFunc is the application's part: it acts on one event (records the
// payout's final status, notifies someone). A nil error acknowledges the
// event; an error (or a panic) makes the provider deliver it again later.
//
// Deduplication is best effort (a store's entries expire, a process that
// dies between acting and acknowledging is redelivered): a HandleFunc must
// be idempotent, for example by updating a payout's record only while it is
// not yet terminal.
type HandleFunc func(ctx context.Context, ev payout.Event) error

// ConfirmFunc replaces what an event claims by what the provider says: it
// returns the event with its Payout taken from the provider's API. See
// WithConfirm and ConfirmByGet.
type ConfirmFunc func(ctx context.Context, ev *payout.Event) (*payout.Event, error)

// ErrUnconfirmed is returned (wrapped) by a ConfirmFunc when the provider's
// records do not back the event: the transaction is unknown, or is about
// another payout. The Handler answers 422 and does not call its HandleFunc.
// A ConfirmFunc may return an error matching payout.ErrNotFound to the same
// effect.
var ErrUnconfirmed = errors.New("webhook: event not confirmed by the provider")

// Defaults of NewHandler.
const (
	// DefaultMaxBody is the largest body a Handler reads: 1 MiB.
	DefaultMaxBody = 1 << 20
	// DefaultDedupeTTL is how long a processed event id is remembered.
	// Providers redeliver for up to a few days (Svix about 28 hours,
	// PalPluss under 10 minutes).
	DefaultDedupeTTL = 72 * time.Hour
	// DefaultClaimTTL is how long a delivery in progress holds its claim
	// before a redelivery may take over: the longest the HandleFunc (and
	// the confirmation) is expected to take.
	DefaultClaimTTL = 2 * time.Minute
)

// Handler is an http.Handler that receives one provider's webhooks and hands
// each authentic event to a HandleFunc, once. For every request it:
//
//  1. answers 405 (with an Allow header) to anything but POST;
//  2. reads the body, at most the WithMaxBody limit (1 MiB): 413 beyond;
//  3. verifies the request with the WithVerifier verifier: 401 on failure;
//  4. parses the body with the ParseFunc: 400 when malformed;
//  5. claims the event id in the WithStore store: a duplicate of a
//     processed event is answered 200 without calling the HandleFunc, a
//     duplicate of an event still in progress 409 (see below); 503 when
//     the store fails;
//  6. with WithConfirm, replaces the event's payout by the provider's
//     answer: 422 when the provider does not know it, 503 when it cannot
//     be asked;
//  7. calls the HandleFunc: 200 when it returns nil; 500 when it returns an
//     error or panics, and the claim is released so that the provider's
//     redelivery is processed.
//
// The event id is the svix-id (or webhook-id) header when the request was
// verified by a StandardVerifier or when no verifier is configured, else
// the parser's Event.ID; the Event handed on carries it. An event without
// an id is processed without deduplication.
//
// Why 409 for a duplicate in progress: providers redeliver when the first
// delivery's answer is late, and then no longer listen for it. Answering
// the duplicate 200 would lose the event if the first delivery then failed;
// a non-2xx makes the provider try again later, when the first has either
// finished (200, duplicate) or failed and released its claim (processed).
//
// Events of types the parser does not know are passed to the HandleFunc
// like any other: it decides. Response bodies are a few fixed words; they
// never echo the request or a secret. The Handler logs only to the
// WithLogger logger.
type Handler struct {
	parse     ParseFunc
	handle    HandleFunc
	verifier  RequestVerifier
	store     Store
	dedupeTTL time.Duration
	claimTTL  time.Duration
	confirm   ConfirmFunc
	log       *slog.Logger
	maxBody   int64
}

// Option configures a Handler.
type Option func(*Handler)

// WithVerifier sets how requests are authenticated: a *StandardVerifier
// for providers that sign (PayOS), CallbackSigner.Verifier for callback
// URLs with a token (PalPluss). Without one, every request is accepted as
// authentic: that is unsafe on the public internet unless WithConfirm
// checks every event with the provider.
func WithVerifier(v RequestVerifier) Option { return func(h *Handler) { h.verifier = v } }

// WithStore sets where event ids are remembered for deduplication (default:
// a NewMemoryStore(0) of this Handler's own). Share a Store backed by
// Redis or SQL between replicas (see Store). nil disables deduplication.
func WithStore(s Store) Option { return func(h *Handler) { h.store = s } }

// WithDedupeTTL sets how long a processed event id is remembered (default
// DefaultDedupeTTL). Make it longer than the provider's redelivery window.
func WithDedupeTTL(d time.Duration) Option {
	return func(h *Handler) {
		if d > 0 {
			h.dedupeTTL = d
		}
	}
}

// WithClaimTTL sets how long a delivery in progress holds its event's claim
// (default DefaultClaimTTL). Make it longer than the HandleFunc takes.
func WithClaimTTL(d time.Duration) Option {
	return func(h *Handler) {
		if d > 0 {
			h.claimTTL = d
		}
	}
}

// WithConfirm makes the Handler confirm each event with the provider
// before its HandleFunc sees it: confirm returns the event with the payout
// as the provider's API reports it (ConfirmByGet does this with a
// payout.Client's Get). A forged "succeeded" callback then reaches the
// HandleFunc with the provider's true status, or not at all.
//
// When confirm fails with an error matching ErrUnconfirmed or
// payout.ErrNotFound (the provider does not know the transaction, or it is
// about another payout), the Handler answers 422 and drops the event: a
// forgery gets nothing, and a genuine event the provider cannot show yet is
// delivered again later. Any other error (network, provider down, rate
// limit, wrong credentials) answers 503, so that the provider redelivers
// once the confirmation can succeed. In both cases the claim is released.
func WithConfirm(confirm ConfirmFunc) Option { return func(h *Handler) { h.confirm = confirm } }

// WithLogger sets where the Handler logs (rejections at Warn, failures of
// the HandleFunc at Error, accepted events at Debug). nil, the default,
// logs nothing. Logs never contain the body, secrets or signatures.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithMaxBody sets the largest body the Handler reads, in bytes (default
// DefaultMaxBody, 1 MiB); a larger body is answered 413.
func WithMaxBody(n int64) Option {
	return func(h *Handler) {
		if n > 0 {
			h.maxBody = n
		}
	}
}

// NewHandler returns a Handler that parses bodies with parse and hands each
// authentic, new event to handle. It panics if parse or handle is nil.
func NewHandler(parse ParseFunc, handle HandleFunc, opts ...Option) *Handler {
	if parse == nil || handle == nil {
		panic("webhook: NewHandler: nil parse or handle function")
	}
	h := &Handler{
		parse:     parse,
		handle:    handle,
		store:     NewMemoryStore(0),
		dedupeTTL: DefaultDedupeTTL,
		claimTTL:  DefaultClaimTTL,
		maxBody:   DefaultMaxBody,
	}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	return h
}

// ServeHTTP runs the pipeline described on Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.warn(r, "webhook body too large", slog.Int64("limit", h.maxBody))
			reply(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		h.warn(r, "webhook body unreadable", slog.String("error", err.Error()))
		reply(w, http.StatusBadRequest, "bad request")
		return
	}

	if h.verifier != nil {
		if err := h.verifier.VerifyRequest(r, body); err != nil {
			h.warn(r, "webhook rejected: not authentic", slog.String("error", err.Error()))
			reply(w, http.StatusUnauthorized, "unauthorized")
			return
		}
	}

	ev, err := h.parse(body)
	if err == nil && ev == nil {
		err = errors.New("parser returned no event")
	}
	if err != nil {
		h.warn(r, "webhook rejected: malformed", slog.String("error", err.Error()))
		reply(w, http.StatusBadRequest, "bad request")
		return
	}
	if ev.Raw == nil {
		ev.Raw = body
	}
	if id := h.headerID(r); id != "" {
		ev.ID = id
	}
	if ev2, ok := h.verifier.(EventVerifier); ok {
		if err := ev2.VerifyEvent(r, ev); err != nil {
			h.warn(r, "webhook rejected: event not covered by the credentials", slog.String("error", err.Error()),
				slog.String("event_id", ev.ID), slog.String("type", ev.Type))
			reply(w, http.StatusUnauthorized, "unauthorized")
			return
		}
	}

	// From here on the work must finish even if the provider hangs up: a
	// claim left behind would hold back the redelivery until it expires.
	ctx := r.Context()
	storeCtx := context.WithoutCancel(ctx)
	key := dedupeKey(ev)
	var lease Lease // zero unless this delivery owns the event's claim
	if h.store != nil && key != "" {
		l, res, err := h.store.Claim(ctx, key, h.claimTTL)
		switch {
		case err != nil:
			h.error(r, "webhook deduplication store failed", slog.String("error", err.Error()), slog.String("event_id", ev.ID))
			reply(w, http.StatusServiceUnavailable, "try again later")
			return
		case res == ClaimDone:
			h.debug(r, "webhook duplicate of a processed event", slog.String("event_id", ev.ID))
			reply(w, http.StatusOK, "ok")
			return
		case res == ClaimInProgress:
			h.debug(r, "webhook duplicate of an event in progress", slog.String("event_id", ev.ID))
			w.Header().Set("Retry-After", "10")
			reply(w, http.StatusConflict, "in progress")
			return
		case res != ClaimAcquired || l.IsZero():
			h.error(r, "webhook deduplication store answered "+res.String()+" without a lease", slog.String("event_id", ev.ID))
			reply(w, http.StatusServiceUnavailable, "try again later")
			return
		}
		lease = l
	} else if key == "" {
		h.debug(r, "webhook event without id: not deduplicated", slog.String("type", ev.Type))
	}
	release := func() {
		if lease.IsZero() {
			return
		}
		if err := h.store.Release(storeCtx, lease); err != nil {
			// ErrLeaseLost: the lease ran out and another delivery owns the
			// claim now, or completed it; either way it is not ours to drop.
			h.warn(r, "webhook claim not released", slog.String("error", err.Error()), slog.String("event_id", ev.ID))
		}
	}

	if h.confirm != nil {
		confirmed, status, err := h.confirmEvent(ctx, ev)
		if err != nil {
			release()
			h.warn(r, "webhook event not confirmed", slog.String("error", err.Error()),
				slog.String("event_id", ev.ID), slog.Int("status", status))
			if status == http.StatusUnprocessableEntity {
				reply(w, status, "not confirmed")
			} else {
				reply(w, status, "try again later")
			}
			return
		}
		ev = confirmed
	}

	if abort, err := h.call(ctx, *ev); err != nil {
		release()
		if abort {
			panic(http.ErrAbortHandler) // the HandleFunc asked net/http to abort the response
		}
		h.error(r, "webhook handler failed", slog.String("error", err.Error()),
			slog.String("event_id", ev.ID), slog.String("type", ev.Type))
		reply(w, http.StatusInternalServerError, "handler failed")
		return
	}
	if !lease.IsZero() {
		if err := h.store.Complete(storeCtx, lease, h.dedupeTTL); err != nil {
			// The event was processed: acknowledge it. A redelivery may be
			// processed again, which the HandleFunc tolerates.
			h.error(r, "webhook event not marked processed", slog.String("error", err.Error()), slog.String("event_id", ev.ID))
		}
	}
	h.debug(r, "webhook event processed", slog.String("event_id", ev.ID), slog.String("type", ev.Type))
	reply(w, http.StatusOK, "ok")
}

// readBody reads the request body, at most h.maxBody bytes.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	if r.ContentLength > h.maxBody {
		return nil, &http.MaxBytesError{Limit: h.maxBody}
	}
	body := http.MaxBytesReader(w, r.Body, h.maxBody)
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1) // +1: EOF is seen without growing
	}
	if _, err := buf.ReadFrom(body); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// headerID returns the message id header when it identifies the event: the
// request was verified by a verifier whose signature covers it, or no
// verifier is configured (then nothing is authenticated anyway).
func (h *Handler) headerID(r *http.Request) string {
	switch v := h.verifier.(type) {
	case nil:
		return messageID(r.Header)
	case messageIDSource:
		return v.messageID(r.Header)
	}
	return ""
}

// dedupeKey is the Store key of ev: its id, prefixed with the provider's
// name so that two providers sharing a Store never collide.
func dedupeKey(ev *payout.Event) string {
	if ev.ID == "" {
		return ""
	}
	if ev.Provider == "" {
		return ev.ID
	}
	return ev.Provider + ":" + ev.ID
}

// confirmEvent runs the ConfirmFunc and returns the confirmed event, or the
// status to answer and why.
func (h *Handler) confirmEvent(ctx context.Context, ev *payout.Event) (_ *payout.Event, status int, err error) {
	defer func() {
		if p := recover(); p != nil {
			status, err = http.StatusServiceUnavailable, fmt.Errorf("confirm panicked: %v", p)
		}
	}()
	confirmed, err := h.confirm(ctx, ev)
	switch {
	case errors.Is(err, ErrUnconfirmed) || errors.Is(err, payout.ErrNotFound):
		return nil, http.StatusUnprocessableEntity, err
	case err != nil:
		return nil, http.StatusServiceUnavailable, err
	case confirmed == nil:
		return nil, http.StatusServiceUnavailable, errors.New("confirm returned no event")
	}
	// The provider's record is the truth; an event whose claimed reference
	// it contradicts is not the event it says it is.
	if ev.Payout != nil && confirmed.Payout != nil && ev.Payout.Reference != "" &&
		confirmed.Payout.Reference != "" && confirmed.Payout.Reference != ev.Payout.Reference {
		return nil, http.StatusUnprocessableEntity, fmt.Errorf("%w: the provider's payout has another reference", ErrUnconfirmed)
	}
	if confirmed.ID == "" {
		confirmed.ID = ev.ID
	}
	return confirmed, 0, nil
}

// call runs the HandleFunc, turning a panic into an error; abort reports a
// panic with http.ErrAbortHandler, which ServeHTTP re-panics.
func (h *Handler) call(ctx context.Context, ev payout.Event) (abort bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				abort, err = true, http.ErrAbortHandler
				return
			}
			if h.log != nil {
				h.log.Error("webhook handler panicked", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			}
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return false, h.handle(ctx, ev)
}

// reply writes a short plain-text answer.
func reply(w http.ResponseWriter, status int, msg string) {
	hd := w.Header()
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

func (h *Handler) debug(r *http.Request, msg string, attrs ...slog.Attr) {
	h.logAt(r, slog.LevelDebug, msg, attrs)
}

func (h *Handler) warn(r *http.Request, msg string, attrs ...slog.Attr) {
	h.logAt(r, slog.LevelWarn, msg, attrs)
}

func (h *Handler) error(r *http.Request, msg string, attrs ...slog.Attr) {
	h.logAt(r, slog.LevelError, msg, attrs)
}

func (h *Handler) logAt(r *http.Request, level slog.Level, msg string, attrs []slog.Attr) {
	if h.log == nil {
		return
	}
	attrs = append(attrs, slog.String("remote_addr", r.RemoteAddr))
	h.log.LogAttrs(r.Context(), level, msg, attrs...)
}
