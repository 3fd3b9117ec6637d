package payouttest

import (
	"crypto/subtle"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payoutkit/payout/money"
)

// PayOS's errorCode and message for each failed outcome.
var sandboxPayOSFailures = map[SandboxOutcome][2]string{
	SandboxOutcomeInvalidAccount: {"PAYOUT_RECIPIENT_INVALID_ACCOUNT", "The recipient phone number is not registered with M-Pesa"},
	SandboxOutcomeLimitExceeded:  {"PAYOUT_RECIPIENT_LIMIT_EXCEEDED", "The recipient's M-Pesa wallet or transaction limit would be exceeded"},
}

// payosIdem is what an Idempotency-Key remembers: the request it came with
// and the response it got.
type payosIdem struct {
	hash     [32]byte
	response []byte
}

// payosState is the PayOS side: payouts, access tokens, idempotency keys
// and the merchant's webhook endpoint, all guarded by the ledger's mutex.
type payosState struct {
	sandboxLedger
	s *Sandbox

	tokens     map[string]time.Time // access token -> expiry
	idem       map[string]payosIdem
	byRef      map[string]*sandboxRecord
	webhookURL string
}

func newPayOSState(s *Sandbox) *payosState {
	return &payosState{
		sandboxLedger: newSandboxLedger(SandboxPayOS),
		s:             s,
		tokens:        map[string]time.Time{},
		idem:          map[string]payosIdem{},
		byRef:         map[string]*sandboxRecord{},
		webhookURL:    s.cfg.payosWebhookURL,
	}
}

func (p *payosState) ledger() *sandboxLedger { return &p.sandboxLedger }
func (p *payosState) reverses() bool         { return false }

func (p *payosState) statusName(st sandboxStage) string {
	return [...]string{"RECEIVED", "PROCESSING", "COMPLETED", "FAILED", "REVERSED", "CANCELLED", "EXPIRED"}[st]
}

// payosEventTypes are the webhook types of the final statuses.
var payosEventTypes = map[sandboxStage]string{
	stageSucceeded: "payout.completed", stageFailed: "payout.failed",
	stageCancelled: "payout.cancelled", stageExpired: "payout.expired",
}

// enter applies a status change: a processor reference on success, the
// errorCode on failure, a message on cancellation or expiry, and a signed
// webhook to the merchant's endpoint for each of them.
func (p *payosState) enter(rec *sandboxRecord, st sandboxStage, _ time.Time) []sandboxEvent {
	switch st {
	case stageSucceeded:
		rec.receipt = sandboxReceipt()
	case stageFailed:
		f := sandboxPayOSFailures[rec.outcome]
		rec.failureCode, rec.failureMessage = f[0], f[1]
	case stageCancelled:
		rec.failureMessage = "Payout cancelled"
	case stageExpired:
		rec.failureMessage = "Payout expired"
	default:
		return nil
	}
	if p.webhookURL == "" {
		return nil
	}
	typ := payosEventTypes[st]
	body, _ := json.Marshal(map[string]any{"type": typ, "payload": p.view(rec)})
	return []sandboxEvent{{provider: SandboxPayOS, url: p.webhookURL, id: "msg_" + sandboxToken(sandboxBase62, 27),
		eventType: typ, payoutID: rec.id, body: body}}
}

func (p *payosState) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/oauth2/token", p.token)
	mux.HandleFunc("POST /api/v1/payout/initiate", p.bearer(p.initiate))
	mux.HandleFunc("GET /api/v1/payout/search", p.bearer(p.search))
	mux.HandleFunc("GET /api/v1/payout/{id}", p.bearer(p.get))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		payosNest(w, http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// payosNest writes a NestJS-style error: {"message","error","statusCode"};
// message is a string or, for validation, a list of strings.
func payosNest(w http.ResponseWriter, status int, message any) {
	sandboxJSON(w, status, struct {
		Message    any    `json:"message"`
		Error      string `json:"error"`
		StatusCode int    `json:"statusCode"`
	}{message, http.StatusText(status), status})
}

// payosCoded writes PayOS's coded business error:
// {"error":{"code","message","details"}}.
func payosCoded(w http.ResponseWriter, status int, code, message string) {
	sandboxJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message, "details": map[string]any{}}})
}

// token is POST /auth/oauth2/token. It takes {"merchantId","clientSecret"},
// or the older clientId / client_id / client_secret spellings, as JSON or
// as a form, and answers with a bearer token valid for the token TTL.
func (p *payosState) token(w http.ResponseWriter, r *http.Request) {
	var id, secret string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err == nil {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
	} else if body, err := sandboxReadBody(r); err == nil {
		if m, ok := sandboxObject(body); ok {
			id = payosFirstString(m, "merchantId", "clientId", "client_id")
			secret = payosFirstString(m, "clientSecret", "client_secret")
		}
	}
	if id == "" || secret == "" {
		sandboxJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request",
			"error_description": "merchantId and clientSecret are required"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(p.s.cfg.payosMerchant)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(p.s.cfg.payosSecret)) != 1 {
		sandboxJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "Client authentication failed"})
		return
	}
	ttl := p.s.cfg.tokenTTL
	tok := sandboxToken(sandboxBase62, 43)
	now := time.Now()
	p.mu.Lock()
	for t, exp := range p.tokens {
		if now.After(exp) {
			delete(p.tokens, t)
		}
	}
	p.tokens[tok] = now.Add(ttl)
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	sandboxJSON(w, http.StatusOK, map[string]any{"accessToken": tok,
		"expiresIn": int64(math.Ceil(ttl.Seconds())), "tokenType": "Bearer"})
}

func payosFirstString(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		if raw, ok := sandboxField(m, k); ok {
			if s, ok := sandboxString(raw); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

// bearer requires a valid, unexpired access token.
func (p *payosState) bearer(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		tok = strings.TrimSpace(tok)
		msg := ""
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			msg = "Missing bearer token"
		} else {
			p.mu.Lock()
			exp, ok := p.tokens[tok]
			p.mu.Unlock()
			switch {
			case !ok:
				msg = "Invalid access token"
			case time.Now().After(exp):
				msg = "Access token expired"
			}
		}
		if msg != "" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			payosNest(w, http.StatusUnauthorized, msg)
			return
		}
		next(w, r)
	}
}

// initiate is POST /payout/initiate: validate, replay or refuse an
// Idempotency-Key, refuse a duplicate merchantReference, then accept.
func (p *payosState) initiate(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if utf8.RuneCountInString(key) > 255 {
		payosNest(w, http.StatusBadRequest, []string{"Idempotency-Key must be shorter than or equal to 255 characters"})
		return
	}
	body, err := sandboxReadBody(r)
	if err != nil {
		payosNest(w, http.StatusBadRequest, "The request body could not be read")
		return
	}
	req, msgs := p.parse(body)
	if len(msgs) > 0 {
		payosNest(w, http.StatusBadRequest, msgs)
		return
	}
	hash := sandboxCanonicalHash(body)
	now := time.Now()
	p.mu.Lock()
	if key != "" {
		if prev, ok := p.idem[key]; ok {
			p.mu.Unlock()
			if prev.hash != hash {
				payosCoded(w, http.StatusUnprocessableEntity, "IDEMPOTENCY_CONFLICT", "Idempotency-Key was already used with a different request body")
				return
			}
			w.Header().Set("Idempotent-Replayed", "true")
			sandboxRaw(w, http.StatusOK, "application/json; charset=utf-8", prev.response)
			return
		}
	}
	if _, dup := p.byRef[req.reference]; dup {
		p.mu.Unlock()
		payosCoded(w, http.StatusUnprocessableEntity, "DUPLICATE_MERCHANT_REFERENCE", "merchantReference already exists")
		return
	}
	if req.amount.Minor == SandboxInsufficientFundsKES*100 {
		p.mu.Unlock()
		payosCoded(w, http.StatusUnprocessableEntity, "PAYOUT_INSUFFICIENT_FUNDS", "Insufficient funds in the payout source account")
		return
	}
	outcome, held := sandboxMagic(req.phone)
	rec := &sandboxRecord{
		id: sandboxUUIDv7(), reference: req.reference, idemKey: key, amount: req.amount, fee: money.New(0, money.KES),
		phone: req.phone, outcome: outcome, held: held, createdAt: now, updatedAt: now,
		sessionID: sandboxUUIDv7(), attemptID: sandboxUUIDv7(), recipientName: req.name,
	}
	p.add(rec, p.statusName(stageAccepted))
	p.byRef[rec.reference] = rec
	resp, _ := json.Marshal(struct {
		TransactionID     string            `json:"transactionId"`
		Status            string            `json:"status"`
		Message           string            `json:"message"`
		MerchantReference string            `json:"merchantReference"`
		Identifiers       struct{}          `json:"identifiers"`
		PaymentAttributes map[string]string `json:"paymentAttributes"`
		PaymentMethodID   string            `json:"paymentMethodId"`
	}{rec.id, "RECEIVED", "Transaction queried successfully", rec.reference, struct{}{},
		map[string]string{"merchant_type": "sandbox"}, "mobilemoney"})
	if key != "" {
		p.idem[key] = payosIdem{hash: hash, response: resp}
	}
	p.mu.Unlock()
	sandboxRaw(w, http.StatusOK, "application/json; charset=utf-8", resp)
	p.s.log.Info("payouttest: payos payout created", "id", rec.id, "reference", rec.reference, "amount", rec.amount.String())
	p.s.scheduleSettlement(p, rec.id)
}

// get is GET /payout/{transactionId}.
func (p *payosState) get(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	rec, ok := p.byID[r.PathValue("id")]
	var v any
	if ok {
		v = p.view(rec)
	}
	p.mu.Unlock()
	if !ok {
		payosNest(w, http.StatusNotFound, "Payout not found")
		return
	}
	sandboxJSON(w, http.StatusOK, v)
}

// search is GET /payout/search?merchantIds=&merchantReference=: a JSON
// array, empty when nothing matches.
func (p *payosState) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ids, ref := q.Get("merchantIds"), q.Get("merchantReference")
	var msgs []string
	if ids == "" {
		msgs = append(msgs, "merchantIds should not be empty")
	}
	if ref == "" {
		msgs = append(msgs, "merchantReference should not be empty")
	}
	if len(msgs) > 0 {
		payosNest(w, http.StatusBadRequest, msgs)
		return
	}
	out := []any{}
	mine := false
	for _, id := range strings.Split(ids, ",") {
		mine = mine || strings.TrimSpace(id) == p.s.cfg.payosMerchant
	}
	p.mu.Lock()
	if rec, ok := p.byRef[ref]; ok && mine {
		out = append(out, p.searchView(rec))
	}
	p.mu.Unlock()
	sandboxJSON(w, http.StatusOK, out)
}

// payosMessage is the human text of a payout's status.
func payosMessage(rec *sandboxRecord) string {
	switch rec.stage {
	case stageProcessing:
		return "Payout is being processed"
	case stageSucceeded:
		return "Payout completed"
	case stageFailed, stageCancelled, stageExpired:
		return rec.failureMessage
	}
	return "Payout received"
}

// view renders rec as GET /payout/{id} does (and as webhooks carry it),
// fields in the documented order. The ledger's mutex is held.
func (p *payosState) view(rec *sandboxRecord) any {
	type authState struct {
		State          string `json:"state"`
		TransitionedAt string `json:"transitionedAt"`
		TransactionID  string `json:"transactionId"`
	}
	var auth *authState
	if rec.stage == stageFailed {
		auth = &authState{"errorState", rec.updatedAt.UTC().Format(time.RFC3339), rec.id}
	}
	return struct {
		Status                        string            `json:"status"`
		TransactionID                 string            `json:"transactionId"`
		Message                       string            `json:"message"`
		MerchantReference             string            `json:"merchantReference"`
		SessionID                     string            `json:"sessionId"`
		Identifiers                   struct{}          `json:"identifiers"`
		PaymentAttributes             map[string]string `json:"paymentAttributes"`
		PaymentMethodID               string            `json:"paymentMethodId"`
		ProcessorName                 string            `json:"processorName"`
		ProcessorReference            string            `json:"processorReference,omitempty"`
		FinancialTransactionReference string            `json:"financialTransactionReference,omitempty"`
		CurrentAttemptID              string            `json:"currentAttemptId"`
		BatchPayoutID                 *string           `json:"batchPayoutId"`
		Collection                    map[string]string `json:"collection"`
		AuthState                     *authState        `json:"authState,omitempty"`
		ErrorCode                     string            `json:"errorCode,omitempty"`
	}{p.statusName(rec.stage), rec.id, payosMessage(rec), rec.reference, rec.sessionID, struct{}{},
		map[string]string{"merchant_type": "sandbox"}, "mobilemoney", "mpesa", rec.receipt, rec.receipt, rec.attemptID, nil,
		map[string]string{"amount": rec.amount.MajorString(), "currency": "KES"}, auth, rec.failureCode}
}

// searchView renders rec as an item of the search array. The ledger's
// mutex is held.
func (p *payosState) searchView(rec *sandboxRecord) any {
	type state struct {
		State     string `json:"state"`
		CreatedAt string `json:"createdAt"`
	}
	states := make([]state, 0, len(rec.history))
	for _, h := range rec.history {
		states = append(states, state{h.ProviderStatus, sandboxTime(h.At)})
	}
	return struct {
		TransactionID      string            `json:"transactionId"`
		MerchantReference  string            `json:"merchantReference"`
		CurrentState       string            `json:"currentState"`
		TransactionStates  []state           `json:"transactionStates"`
		TransactionType    string            `json:"transactionType"`
		PaymentMethodID    string            `json:"paymentMethodId"`
		Amount             json.Number       `json:"amount"`
		Currency           string            `json:"currency"`
		Processor          string            `json:"processor"`
		ProcessorReference string            `json:"processorReference,omitempty"`
		ErrorCode          string            `json:"errorCode,omitempty"`
		Identifiers        struct{}          `json:"identifiers"`
		PaymentAttributes  map[string]string `json:"paymentAttributes"`
	}{rec.id, rec.reference, p.statusName(rec.stage), states, "payout", "mobilemoney",
		json.Number(rec.amount.MajorString()), "KES", "mpesa", rec.receipt, rec.failureCode, struct{}{},
		map[string]string{"merchant_type": "sandbox"}}
}
