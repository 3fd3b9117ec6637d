package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
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
	// DefaultReadTimeout is how long a Handler waits for a request's body
	// to arrive in full.
	DefaultReadTimeout = 10 * time.Second
	// MaxKeyLen is the longest Store key a Handler uses, in bytes: a longer
	// event id is replaced by its SHA-256 (see dedupeKey).
	MaxKeyLen = 128
)

// Handler is an http.Handler that receives one provider's webhooks and hands
// each authentic event to a HandleFunc, once. For every request it:
//
//  1. answers 405 (with an Allow header) to anything but POST;
//  2. reads the body, at most the WithMaxBody limit (1 MiB): 413 beyond;
//     within the WithReadTimeout deadline (10 s): 408 beyond;
//  3. verifies the request with the WithVerifier verifier: 401 on failure;
//  4. parses the body with the ParseFunc: 400 when malformed;
//  5. claims the event id in the WithStore store: a duplicate of a
//     processed event is answered 200 without calling the HandleFunc, a
//     duplicate of an event still in progress 409 (see below); 503 when
//     the store fails;
//  6. with WithConfirm, replaces the event's payout by the provider's
//     record, within the ConfirmLimits budget (503 with Retry-After beyond
//     it): 422 when the provider does not know the transaction or its
//     record contradicts the event (another reference, another
//     transaction, another status), 200 without handing on when the record
//     has moved past the status claimed, 503 when the provider cannot be
//     asked; in each case the claim is released;
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
	limits    ConfirmLimits
	gate      *confirmGate
	log       *slog.Logger
	maxBody   int64
	readTime  time.Duration
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
// payout.Client's Get). The HandleFunc then sees the provider's record,
// and only when it backs what the event claims: a forged "succeeded"
// callback for a pending payout is answered 422 and never handed on, nor
// remembered under the key of the status it claims.
//
// The Handler calls confirm with a copy of the event whose Payout names
// only the transaction (ID), the Reference and the Provider it claims, and
// keeps of the answer only its Payout: one answer then serves every
// delivery naming the same transaction and reference (concurrent ones
// wait for it; later ones reuse it for ConfirmLimits.CacheTTL), and the
// Handler itself compares it with each delivery's claims. An event without
// a payout is passed to confirm as it is.
//
// When confirm fails with an error matching ErrUnconfirmed or
// payout.ErrNotFound (the provider does not know the transaction, or it is
// about another payout), the Handler answers 422 and drops the event: a
// forgery gets nothing, and a genuine event the provider cannot show yet is
// delivered again later. Any other error (network, provider down, rate
// limit, wrong credentials) answers 503, with the provider's Retry-After
// when it gave one, so that the provider redelivers once the confirmation
// can succeed. In every case the claim is released. What confirmations may
// cost is bounded by WithConfirmLimits.
func WithConfirm(confirm ConfirmFunc) Option { return func(h *Handler) { h.confirm = confirm } }

// WithConfirmLimits sets what confirming events may cost (default: the
// zero ConfirmLimits, that is DefaultConfirmRate a minute, a burst of
// DefaultConfirmBurst, DefaultConfirmPerPayout a minute for one payout with
// a burst of DefaultConfirmPayoutBurst, and answers reused for
// DefaultConfirmCacheTTL). It has no effect without
// WithConfirm.
func WithConfirmLimits(l ConfirmLimits) Option { return func(h *Handler) { h.limits = l } }

// WithReadTimeout sets how long the Handler waits for a request's body
// (default DefaultReadTimeout), through http.ResponseController: a client
// that sends its body slowly, to hold a connection and its buffer, is
// answered 408. It does not replace http.Server's own timeouts (see the
// package doc), which also cover the headers and the answer.
func WithReadTimeout(d time.Duration) Option {
	return func(h *Handler) {
		if d > 0 {
			h.readTime = d
		}
	}
}

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
		readTime:  DefaultReadTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	if h.confirm != nil {
		h.gate = newConfirmGate(h.confirm, h.limits)
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
		if errors.Is(err, os.ErrDeadlineExceeded) {
			h.warn(r, "webhook body too slow", slog.Duration("read_timeout", h.readTime))
			w.Header().Set("Connection", "close")
			reply(w, http.StatusRequestTimeout, "request timeout")
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

	if h.gate != nil {
		confirmed, status, retryAfter, err := h.confirmEvent(ctx, ev)
		if err != nil {
			release()
			h.warn(r, "webhook event not confirmed", slog.String("error", err.Error()),
				slog.String("event_id", ev.ID), slog.Int("status", status))
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			switch status {
			case http.StatusOK:
				reply(w, status, "superseded")
			case http.StatusUnprocessableEntity:
				reply(w, status, "not confirmed")
			default:
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

// readBody reads the request body, at most h.maxBody bytes, within
// h.readTime. Its buffer grows with the data that arrived, never ahead of
// it: a Content-Length only pre-sizes it up to preSize.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	if r.ContentLength > h.maxBody {
		return nil, &http.MaxBytesError{Limit: h.maxBody}
	}
	rc := http.NewResponseController(w)
	// The server's own ReadTimeout, when stricter, stands as it is.
	if srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server); srv == nil || srv.ReadTimeout <= 0 || srv.ReadTimeout > h.readTime {
		_ = rc.SetReadDeadline(time.Now().Add(h.readTime)) // unsupported by some writers (httptest.ResponseRecorder)
	}
	// Lift the deadline once the body is in: past it net/http would cancel
	// the request's context while the HandleFunc runs. The server sets its
	// deadlines again for the next request on the connection.
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	body := http.MaxBytesReader(w, r.Body, h.maxBody)
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength+1, preSize))) // +1: EOF is seen without growing
	}
	if _, err := buf.ReadFrom(body); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// preSize is the most a Handler allocates for a body before its bytes
// arrive.
const preSize = 4 << 10

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
// name so that two providers sharing a Store never collide. A key that
// would exceed MaxKeyLen bytes, or hold anything but printable ASCII (a
// NUL is no SQL text), becomes the provider's name, '#' and the SHA-256 of
// the id (unpadded base64url), so that a hostile id cannot make the store
// hold large or unstorable keys; ':' and '#' keep the two forms apart.
func dedupeKey(ev *payout.Event) string {
	if ev.ID == "" {
		return ""
	}
	if key := ev.Provider + ":" + ev.ID; len(key) <= MaxKeyLen && printable(key) {
		return key
	}
	sum := sha256.Sum256([]byte(ev.ID))
	provider := ev.Provider
	if len(provider) > MaxKeyLen-44 || !printable(provider) {
		p := sha256.Sum256([]byte(provider))
		provider = base64.RawURLEncoding.EncodeToString(p[:8])
	}
	return provider + "#" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// printable reports whether s is printable ASCII only.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// confirmEvent replaces ev's payout by the provider's record of it (through
// the confirmation gate) and returns the confirmed event, or the status to
// answer, a Retry-After for it, and why.
//
// The provider's record is the truth, and a delivery that contradicts it is
// not handed on: its claimed reference, transaction id or status differ
// from the record's. Handing it on under the status it claims would have
// its key (which names that status) marked done, and the genuine delivery
// of that status, once the payout gets there, would be taken for a
// duplicate and never seen. Its claim is released and it is answered:
//
//   - 200 when the record has moved past the claimed status (a FAILED
//     delivered after the payout was REVERSED): the event is stale, the
//     record's own status has its own delivery, and a redelivery of this
//     one would tell nothing new;
//   - 422 otherwise (the record is behind the claim, or elsewhere): a
//     genuine delivery the provider's API does not show yet is processed
//     when it is delivered again, a forgery never.
func (h *Handler) confirmEvent(ctx context.Context, ev *payout.Event) (_ *payout.Event, status int, retryAfter string, err error) {
	if ev.Payout == nil {
		// Nothing claimed about a payout: the ConfirmFunc decides alone.
		confirmed, err := h.confirmBare(ctx, ev)
		if err != nil {
			return nil, errStatus(err), "", err
		}
		return confirmed, 0, "", nil
	}
	p, err := h.gate.payoutOf(ctx, ev)
	var over *errOverBudget
	switch {
	case errors.As(err, &over):
		return nil, http.StatusServiceUnavailable, retryAfterSeconds(over.retryAfter), err
	case err != nil:
		var pe *payout.Error
		if errors.As(err, &pe) && pe.RetryAfter > 0 {
			retryAfter = retryAfterSeconds(pe.RetryAfter)
		}
		return nil, errStatus(err), retryAfter, err
	}
	if err := contradiction(ev.Payout, p); err != nil {
		if superseded(ev.Payout.Status, p.Status) {
			return nil, http.StatusOK, "", err
		}
		return nil, http.StatusUnprocessableEntity, "", err
	}
	out := *ev
	out.Payout = p
	return &out, 0, "", nil
}

// confirmBare runs the ConfirmFunc on an event that names no payout.
func (h *Handler) confirmBare(ctx context.Context, ev *payout.Event) (_ *payout.Event, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("confirm panicked: %v", p)
		}
	}()
	confirmed, err := h.confirm(ctx, ev)
	if err == nil && confirmed == nil {
		err = errors.New("confirm returned no event")
	}
	if err != nil {
		return nil, err
	}
	if confirmed.ID == "" {
		confirmed.ID = ev.ID
	}
	return confirmed, nil
}

// statusRank orders statuses by how far a payout has gone: a payout only
// moves to a higher rank (a reversal follows a success or a failure).
var statusRank = map[payout.Status]int{
	payout.StatusPending: 1, payout.StatusProcessing: 2,
	payout.StatusSucceeded: 3, payout.StatusFailed: 3, payout.StatusCancelled: 3, payout.StatusExpired: 3,
	payout.StatusReversed: 4,
}

// superseded reports whether a payout whose record says got has moved on
// past the status claimed, so that the event is stale (or a forgery of a
// past status): the record's own status has a delivery of its own, and
// this one has nothing left to tell.
func superseded(claimed, got payout.Status) bool {
	c, g := statusRank[claimed], statusRank[got]
	return c > 0 && g > c
}

// errStatus is the answer to a failed confirmation: 422 when the
// provider's records do not back the event, 503 when it could not be
// asked.
func errStatus(err error) int {
	if unconfirmed(err) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusServiceUnavailable
}

// contradiction returns why the provider's record got contradicts what the
// event claimed, or nil.
func contradiction(claimed, got *payout.Payout) error {
	switch {
	case got.ID != "" && got.ID != claimed.ID:
		return fmt.Errorf("%w: the provider answered about another transaction", ErrUnconfirmed)
	case claimed.Reference != "" && got.Reference != "" && got.Reference != claimed.Reference:
		return fmt.Errorf("%w: the provider's payout has another reference", ErrUnconfirmed)
	case claimed.Status != "" && got.Status != claimed.Status:
		return fmt.Errorf("%w: the event claims status %q, the provider reports %q", ErrUnconfirmed, claimed.Status, got.Status)
	}
	return nil
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
