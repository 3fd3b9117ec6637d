package payouttest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
)

// The ids PalPluss's documented examples use for the tenant and its service
// wallet; a Sandbox has one of each.
const (
	sandboxPalPlussTenant = "b6fbe75f-ce87-4d44-b318-6cfdb8b7de4d"
	sandboxPalPlussWallet = "e3f2a1b0-0000-0000-0000-000000000001"
)

// PalPluss's M-Pesa result codes and texts for each outcome.
var sandboxPalPlussResults = map[SandboxOutcome][2]string{
	SandboxOutcomeSuccess:        {"0", "The service request is processed successfully."},
	SandboxOutcomeInvalidAccount: {"2001", "The initiator information is invalid."},
	SandboxOutcomeLimitExceeded:  {"8", "Declined: the recipient's account balance would exceed its maximum."},
}

// PalPluss's result description of a payout that never went out. It has no
// M-Pesa result code: M-Pesa never saw it.
var sandboxPalPlussNeverSent = map[sandboxStage]string{
	stageCancelled: "B2C payout cancelled before it was submitted to M-Pesa",
	stageExpired:   "B2C payout expired before it was submitted to M-Pesa",
}

// palplussState is the PalPluss side: payouts, wallets and idempotency
// keys, all guarded by the ledger's mutex.
type palplussState struct {
	sandboxLedger
	s *Sandbox

	b2c, service   int64 // KES minor units
	serviceUpdated time.Time
	idem           map[string][]byte // Idempotency-Key -> the original response body
	requests       int               // M-Pesa request counter, for providerRequestId
	account        atomic.Int32      // a PalPlussAccountState; not guarded by mu
}

func newPalPlussState(s *Sandbox) *palplussState {
	p := &palplussState{
		sandboxLedger:  newSandboxLedger(SandboxPalPluss),
		s:              s,
		b2c:            s.cfg.b2c.Minor,
		service:        s.cfg.service.Minor,
		serviceUpdated: time.Now(),
		idem:           map[string][]byte{},
	}
	p.account.Store(int32(s.cfg.palAccount))
	return p
}

func (p *palplussState) ledger() *sandboxLedger { return &p.sandboxLedger }
func (p *palplussState) reverses() bool         { return true }

func (p *palplussState) statusName(st sandboxStage) string {
	return [...]string{"PENDING", "PROCESSING", "SUCCESS", "FAILED", "REVERSED", "CANCELLED", "EXPIRED"}[st]
}

// enter applies a status change: an M-Pesa request id on processing, a
// receipt on success, the result code on failure, the B2C amount credited
// back on reversal and on cancellation or expiry (never the fee); and a
// webhook for every final status.
func (p *palplussState) enter(rec *sandboxRecord, st sandboxStage, now time.Time) []sandboxEvent {
	switch st {
	case stageProcessing:
		p.requests++
		rec.providerRequestID = fmt.Sprintf("29115-%08d-1", 34620560+p.requests)
		return nil
	case stageSucceeded:
		rec.receipt = sandboxReceipt()
	case stageFailed:
		r := sandboxPalPlussResults[rec.outcome]
		rec.failureCode, rec.failureMessage = r[0], r[1]
	case stageReversed:
		p.b2c += rec.amount.Minor
	case stageCancelled, stageExpired:
		// The B2C wallet was debited at acceptance and the money never went
		// out: credit it back, in the same status (there is no REVERSED
		// after these), as for a reversal. The fee stays spent.
		rec.failureMessage = sandboxPalPlussNeverSent[st]
		p.b2c += rec.amount.Minor
	}
	if rec.callbackURL == "" {
		return nil
	}
	eventType := map[sandboxStage]string{stageSucceeded: "transaction.success", stageFailed: "transaction.failed",
		stageReversed: "transaction.updated", stageCancelled: "transaction.cancelled", stageExpired: "transaction.expired"}[st]
	body, _ := json.Marshal(map[string]any{
		"event":       "transaction.updated",
		"event_type":  eventType,
		"transaction": p.view(rec, palplussWebhookView),
	})
	return []sandboxEvent{{provider: SandboxPalPluss, url: rec.callbackURL, id: rec.id + "/" + p.statusName(st),
		eventType: eventType, payoutID: rec.id, body: body}}
}

func (p *palplussState) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/b2c/payouts", p.auth(p.kyc(p.createPayout)))
	mux.HandleFunc("GET /v1/transactions/{id}", p.auth(p.getTransaction))
	mux.HandleFunc("GET /v1/transactions", p.auth(p.listTransactions))
	mux.HandleFunc("GET /v1/wallets/service/balance", p.auth(p.serviceBalance))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		palplussError(w, http.StatusNotFound, "NOT_FOUND", "Route "+r.Method+" "+r.URL.Path+" not found.", nil)
	})
	return mux
}

// palplussError writes PalPluss's error envelope.
func palplussError(w http.ResponseWriter, status int, code, message string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	id := sandboxUUID()
	w.Header().Set("X-Request-Id", id)
	sandboxJSON(w, status, map[string]any{
		"success":   false,
		"error":     map[string]any{"message": message, "code": code, "details": details},
		"requestId": id,
	})
}

// palplussOK writes PalPluss's success envelope around data.
func palplussOK(w http.ResponseWriter, data any) []byte {
	id := sandboxUUID()
	b, err := json.Marshal(struct {
		Success   bool   `json:"success"`
		Data      any    `json:"data"`
		RequestID string `json:"requestId"`
	}{true, data, id})
	if err != nil {
		panic("payouttest: marshal response: " + err.Error())
	}
	w.Header().Set("X-Request-Id", id)
	sandboxRaw(w, http.StatusOK, "application/json; charset=utf-8", b)
	return b
}

// auth checks the documented Basic credentials (the API key as user name,
// empty password), or the raw key, which PalPluss also accepts.
func (p *palplussState) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := palplussKey(r.Header.Get("Authorization"))
		if !ok {
			palplussError(w, http.StatusUnauthorized, "AUTH_HEADER_INVALID", "Authorization header is missing or malformed.", nil)
			return
		}
		if subtle.ConstantTimeCompare([]byte(key), []byte(p.s.cfg.palKey)) != 1 {
			palplussError(w, http.StatusUnauthorized, "INVALID_API_KEY", "Invalid or revoked API key.", nil)
			return
		}
		if p.accountRefusal(w, false) {
			return
		}
		next(w, r)
	}
}

// kyc refuses a B2C payout while the tenant's KYC is not verified, before
// reading the request: nothing is validated, replayed or created.
func (p *palplussState) kyc(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p.accountRefusal(w, true) {
			return
		}
		next(w, r)
	}
}

func palplussKey(h string) (string, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", false
	}
	scheme, rest, spaced := strings.Cut(h, " ")
	if !spaced {
		return h, true // the raw key
	}
	if !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", false
	}
	user, _, _ := strings.Cut(string(dec), ":")
	return user, user != ""
}

// palplussPhone is the shape PalPluss documents: 07.., 01.., +254.., 254..
var palplussPhone = regexp.MustCompile(`^(?:\+?254|0)[17][0-9]{8}$`)

// palplussRequest is a validated B2C payout request.
type palplussRequest struct {
	amount                                                money.Amount
	phone, reference, description, callbackURL, channelID string
}

// parse validates a B2C payout body; on failure it returns the HTTP status,
// the code and the message to answer.
func (p *palplussState) parse(body []byte) (req palplussRequest, status int, code, msg, field string) {
	bad := func(field, msg string) (palplussRequest, int, string, string, string) {
		return palplussRequest{}, http.StatusBadRequest, "VALIDATION_ERROR", msg, field
	}
	m, ok := sandboxObject(body)
	if !ok {
		return bad("", "Request body must be a JSON object.")
	}
	raw, ok := sandboxField(m, "amount")
	if !ok {
		return bad("amount", "amount is required.")
	}
	n, ok := sandboxNumber(raw)
	if !ok {
		return bad("amount", "amount must be a number.")
	}
	r, ok := new(big.Rat).SetString(string(n))
	switch {
	case !ok:
		return bad("amount", "amount must be a number.")
	case !r.IsInt():
		return bad("amount", "amount must be a whole number of shillings.")
	case r.Cmp(big.NewRat(10, 1)) < 0:
		return bad("amount", "amount must be at least 10.")
	case r.Cmp(big.NewRat(1_000_000_000, 1)) > 0:
		return bad("amount", "amount is too large.")
	}
	req.amount = money.New(r.Num().Int64()*100, money.KES)

	strs := map[string]string{}
	for _, f := range []struct {
		key, alt string
		max      int
	}{{"phone", "", 32}, {"currency", "", 8}, {"reference", "", 120}, {"description", "", 255},
		{"callbackUrl", "callback_url", 2048}, {"channelId", "channel_id", 64}} {
		raw, ok := sandboxField(m, f.key)
		if !ok && f.alt != "" {
			raw, ok = sandboxField(m, f.alt)
		}
		if !ok {
			continue
		}
		v, isStr := sandboxString(raw)
		if !isStr {
			return bad(f.key, f.key+" must be a string.")
		}
		if utf8.RuneCountInString(v) > f.max {
			return bad(f.key, fmt.Sprintf("%s must be at most %d characters.", f.key, f.max))
		}
		strs[f.key] = v
	}
	if c, ok := strs["currency"]; ok && c != "KES" {
		return palplussRequest{}, http.StatusBadRequest, "UNSUPPORTED_CURRENCY", "Only KES is supported.", "currency"
	}
	ph := strings.TrimSpace(strs["phone"])
	num, err := phone.Parse(ph)
	if ph == "" || !palplussPhone.MatchString(ph) || err != nil {
		return palplussRequest{}, http.StatusBadRequest, "INVALID_PHONE",
			"phone must be a Kenyan mobile number (07XXXXXXXX, 01XXXXXXXX, +254XXXXXXXXX or 254XXXXXXXXX).", "phone"
	}
	req.phone = num.International()
	if u, ok := strs["callbackUrl"]; ok && u != "" {
		if err := sandboxCheckURL(u); err != nil {
			return bad("callbackUrl", "callbackUrl must be an absolute URL.")
		}
		req.callbackURL = u
	}
	if c, ok := strs["channelId"]; ok && c != "" {
		if _, err := uuid.Parse(c); err != nil {
			return bad("channelId", "channelId must be a UUID.")
		}
		req.channelID = c
	}
	req.reference, req.description = strs["reference"], strs["description"]
	return req, 0, "", "", ""
}

// createPayout is POST /b2c/payouts: validate, replay an Idempotency-Key,
// check both wallets, debit them and queue the payout.
func (p *palplussState) createPayout(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if utf8.RuneCountInString(key) > 120 {
		palplussError(w, http.StatusBadRequest, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be at most 120 characters.", nil)
		return
	}
	body, err := sandboxReadBody(r)
	if err != nil {
		palplussError(w, http.StatusBadRequest, "VALIDATION_ERROR", "The request body could not be read.", nil)
		return
	}
	req, status, code, msg, field := p.parse(body)
	if status != 0 {
		var details map[string]any
		if field != "" {
			details = map[string]any{"field": field}
		}
		palplussError(w, status, code, msg, details)
		return
	}

	now := time.Now()
	p.mu.Lock()
	if key != "" {
		if orig, ok := p.idem[key]; ok {
			p.mu.Unlock()
			w.Header().Set("Idempotent-Replayed", "true")
			sandboxRaw(w, http.StatusOK, "application/json; charset=utf-8", orig)
			return
		}
	}
	fee := p.s.cfg.fee(req.amount)
	switch {
	case req.amount.Minor == SandboxInsufficientFundsKES*100 || p.b2c < req.amount.Minor:
		p.mu.Unlock()
		palplussError(w, http.StatusConflict, "INSUFFICIENT_FUNDS", "Insufficient B2C wallet balance.", nil)
		return
	case fee.Currency != money.KES || fee.IsNegative():
		p.mu.Unlock()
		palplussError(w, http.StatusInternalServerError, "SANDBOX_INVALID_FEE", "WithPalPlussFee returned "+fee.String()+".", nil)
		return
	case p.service < fee.Minor:
		p.mu.Unlock()
		palplussError(w, http.StatusPaymentRequired, "INSUFFICIENT_SERVICE_BALANCE", "Service wallet balance is too low for the transaction fee.", nil)
		return
	}
	p.b2c -= req.amount.Minor
	p.service -= fee.Minor
	p.serviceUpdated = now
	outcome, held := sandboxMagic(req.phone)
	rec := &sandboxRecord{
		id: sandboxUUID(), reference: req.reference, idemKey: key, amount: req.amount, fee: fee,
		phone: req.phone, outcome: outcome, held: held, createdAt: now, updatedAt: now,
		callbackURL: req.callbackURL, description: req.description, channelID: req.channelID,
	}
	p.add(rec, p.statusName(stageAccepted))
	data := p.view(rec, palplussCreateView)
	resp := palplussOK(w, data)
	if key != "" {
		p.idem[key] = resp
	}
	p.mu.Unlock()
	p.s.log.Info("payouttest: palpluss payout created", "id", rec.id, "reference", rec.reference, "amount", rec.amount.String())
	p.s.scheduleSettlement(p, rec.id)
}

// getTransaction is GET /transactions/{id}.
func (p *palplussState) getTransaction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		palplussError(w, http.StatusBadRequest, "INVALID_UUID", "Transaction id must be a valid UUID.", nil)
		return
	}
	p.mu.Lock()
	rec, ok := p.byID[strings.ToLower(id)]
	var data any
	if ok {
		data = p.view(rec, p.casing())
	}
	p.mu.Unlock()
	if !ok {
		palplussError(w, http.StatusNotFound, "TRANSACTION_NOT_FOUND", "Transaction not found.", nil)
		return
	}
	palplussOK(w, data)
}

// palplussCursor is what a list cursor encodes: the last item returned.
type palplussCursor struct {
	ID  string `json:"id"`
	Seq int    `json:"seq"`
}

// listTransactions is GET /transactions?limit=&cursor=&status=&type=,
// newest first.
func (p *palplussState) listTransactions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			palplussError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be an integer from 1 to 100.", map[string]any{"field": "limit"})
			return
		}
		limit = n
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	after := len(p.list) + 1
	if v := q.Get("cursor"); v != "" {
		c, ok := p.decodeCursor(v)
		if !ok {
			palplussError(w, http.StatusBadRequest, "INVALID_CURSOR", "The cursor is invalid.", nil)
			return
		}
		after = c.Seq
	}
	status, typ := q.Get("status"), q.Get("type")
	items := []any{}
	var next any // null on the last page
	var last *sandboxRecord
	for i := after - 2; i >= 0; i-- { // list[i].seq == i+1: items older than the cursor
		rec := p.list[i]
		if (status != "" && !strings.EqualFold(status, p.statusName(rec.stage))) || (typ != "" && !strings.EqualFold(typ, "B2C")) {
			continue
		}
		if len(items) == limit { // one more matches: point a cursor at the last one returned
			b, _ := json.Marshal(palplussCursor{ID: last.id, Seq: last.seq})
			next = base64.StdEncoding.EncodeToString(b)
			break
		}
		items = append(items, p.view(rec, p.casing()))
		last = rec
	}
	if p.s.cfg.snake {
		palplussOK(w, map[string]any{"items": items, "next_cursor": next})
		return
	}
	palplussOK(w, map[string]any{"items": items, "nextCursor": next})
}

func (p *palplussState) decodeCursor(v string) (palplussCursor, bool) {
	var c palplussCursor
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(v)
		if err != nil {
			continue
		}
		if json.Unmarshal(b, &c) != nil || c.Seq < 1 || c.Seq > len(p.list) || p.list[c.Seq-1].id != c.ID {
			return c, false
		}
		return c, true
	}
	return c, false
}

// serviceBalance is GET /wallets/service/balance.
func (p *palplussState) serviceBalance(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	bal := sandboxKESNumber(money.New(p.service, money.KES))
	updated := p.serviceUpdated
	p.mu.Unlock()
	palplussOK(w, map[string]any{
		"walletId": sandboxPalPlussWallet, "tenantId": sandboxPalPlussTenant, "currency": "KES",
		"availableBalance": bal, "ledgerBalance": bal, "updatedAt": sandboxTime(updated),
	})
}
