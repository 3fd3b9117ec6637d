package palpluss

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
)

// Documented length limits of a B2C payout.
const (
	// MaxReferenceLen is the longest Request.Reference PalPluss accepts, in
	// characters.
	MaxReferenceLen = 120
	// MaxDescriptionLen is the longest Request.Description, in characters.
	MaxDescriptionLen = 255
	// maxIdempotencyKeyLen is the longest Idempotency-Key PalPluss accepts.
	maxIdempotencyKeyLen = 120
)

// IdempotencyKey returns the Idempotency-Key header Send sends for a payout
// with the given reference: the reference itself when it is at most 120
// printable ASCII characters without spaces or '"', ',', ';', '\' and is not
// shaped like a derived key ("ref-" and 64 hex digits), else "ref-"
// followed by the hex SHA-256 of the reference (68 characters). The mapping
// is injective, so two References never share a key, and depends on
// nothing but the reference, so every attempt of a Send, every later Send
// with the same Reference, and every Client in every process send the same
// key, and PalPluss answers a repeat with the original payout instead of
// paying twice.
func IdempotencyKey(reference string) string {
	return httpx.IdempotencyKey(reference, maxIdempotencyKeyLen)
}

// payoutBody is the JSON body of POST /b2c/payouts. Optional members are
// left out when empty; currency is always "KES".
type payoutBody struct {
	Amount      int64  `json:"amount"`
	Phone       string `json:"phone"`
	Reference   string `json:"reference,omitempty"`
	Currency    string `json:"currency"`
	Description string `json:"description,omitempty"`
	CallbackURL string `json:"callbackUrl,omitempty"`
}

// validate checks req against payout.Request.Validate and PalPluss's own
// rules, and builds the wire body. Errors are *payout.Error with Code
// CodeInvalidRequest (CodeInvalidRecipient for the phone) and Field set.
func (c *Client) validate(req payout.Request) (*payoutBody, error) {
	common := req
	common.Sender = nil // PayOS's KYC record: PalPluss ignores it
	if err := common.Validate(); err != nil {
		var pe *payout.Error
		if errors.As(err, &pe) && pe.Reference == "" && pe.Field != "reference" {
			cp := *pe
			cp.Reference = req.Reference
			return nil, &cp
		}
		return nil, err
	}
	invalid := func(field, format string, args ...any) error {
		e := payout.InvalidField(field, format, args...)
		if field != "reference" {
			e.Reference = req.Reference
		}
		return e
	}
	if n := utf8.RuneCountInString(req.Reference); n > MaxReferenceLen {
		return nil, invalid("reference", "is %d characters long; PalPluss accepts at most %d", n, MaxReferenceLen)
	}
	if n := utf8.RuneCountInString(req.Description); n > MaxDescriptionLen {
		return nil, invalid("description", "is %d characters long; PalPluss accepts at most %d", n, MaxDescriptionLen)
	}
	if req.Amount.Currency != money.KES {
		return nil, invalid("amount", "PalPluss pays KES only, got %s", req.Amount.Currency)
	}
	whole, err := req.Amount.WholeMajor()
	if err != nil {
		return nil, invalid("amount", "M-Pesa pays whole shillings only, got %s", req.Amount)
	}
	if req.Amount.Minor < minAmount.Minor {
		return nil, invalid("amount", "%s is below PalPluss's minimum of %s", req.Amount, minAmount)
	}
	if req.Amount.Minor > c.maxAmount.Minor {
		return nil, invalid("amount", "%s is above the maximum of %s", req.Amount, c.maxAmount)
	}
	n, err := phone.Parse(req.Recipient.Phone)
	if err != nil { // Validate already checked it; kept for safety
		e := invalid("recipient.phone", "%s", err.Error()).(*payout.Error)
		e.Code, e.Err = payout.CodeInvalidRecipient, err
		return nil, e
	}
	return &payoutBody{
		Amount:      whole,
		Phone:       n.National(),
		Reference:   req.Reference,
		Currency:    string(money.KES),
		Description: req.Description,
		CallbackURL: req.CallbackURL,
	}, nil
}

// Send asks PalPluss to pay req (POST /b2c/payouts) and returns the
// accepted payout, StatusPending: the final status arrives by webhook or
// Get.
//
// Before anything is sent, req must pass payout.Request.Validate and
// PalPluss's rules (the checks of Validate): amount in KES, whole shillings, from KES 10
// (MinAmountKES) to the maximum (WithMaxAmount, default KES 150,000);
// reference at most 120 characters, description at most 255; callback URL
// https (http only for loopback hosts, for tests). Recipient.Name and Sender
// are neither sent nor checked: PalPluss's B2C call has no place for them.
// The phone is sent in the national form "07XXXXXXXX".
//
// Every attempt carries the same Idempotency-Key (see IdempotencyKey), so
// Send retries 5xx answers, network errors and 429 (honouring Retry-After)
// without risk of paying twice, and stops waiting the moment ctx ends. When
// the request may have reached PalPluss but no answer could be read
// (retries ran out, the connection dropped, the answer was cut or lacks a
// transaction id), the error matches payout.ErrOutcomeUnknown and carries
// the Reference: call Send again with the same Reference to learn the
// outcome. (An answer that arrives unreadable is first asked for once more
// under the same key, which PalPluss replays.) Because PalPluss replays the original answer for a known key, a
// definite failure (insufficient funds, say) is repeated as long as the key
// is remembered: send a corrected payout under a new Reference.
func (c *Client) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	// Errors built from a 2xx answer carry provider text the engine
	// never cleaned (a hostile proxy may echo a credential there).
	p, err := c.send(ctx, req)
	return c.eng.Redactor().Payout(p), c.eng.Redactor().Error(err)
}

func (c *Client) send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	body, err := c.validate(req)
	if err != nil {
		return nil, err
	}
	call := httpx.Request{
		Method:         http.MethodPost,
		Path:           "/b2c/payouts",
		Body:           body,
		IdempotencyKey: IdempotencyKey(req.Reference),
		Reference:      req.Reference,
	}
	var p *payout.Payout
	var answer *httpx.Response
	// An answer that arrives unreadable (cut short, garbled) is asked for
	// once more: the same Idempotency-Key makes PalPluss replay it.
	for replay := 0; ; replay++ {
		// A replay follows a 2xx answer: the payout probably exists, and
		// the replay is a new engine call that knows nothing of it.
		replayed := replay > 0
		resp, err := c.eng.Do(ctx, call)
		if err != nil {
			if replayed {
				return nil, sendError(err, true, req.Reference)
			}
			return nil, err // the engine already reports unknown outcomes
		}
		p, err = c.readSend(resp, req)
		if err == nil {
			answer = resp
			break
		}
		var pe *payout.Error
		if !replayed && errors.As(err, &pe) && pe.Code == payout.CodeOutcomeUnknown && ctx.Err() == nil {
			c.eng.Logger().LogAttrs(ctx, slog.LevelInfo, "palpluss payout answer unreadable; asking for its replay",
				slog.String("reference", req.Reference))
			continue
		}
		return nil, sendError(err, resp.MaybeServed || replayed, req.Reference)
	}
	if err := checkAnswer(p, req); err != nil {
		err.HTTPStatus, err.RequestID = answer.StatusCode, c.eng.RequestID(answer.Header)
		return nil, err
	}
	fill(p, req)
	if log := c.eng.Logger(); log.Enabled(ctx, slog.LevelDebug) { // spare the masking when nobody listens
		log.LogAttrs(ctx, slog.LevelDebug, "palpluss payout accepted",
			slog.String("reference", p.Reference), slog.String("id", p.ID),
			slog.String("status", string(p.Status)), slog.String("phone", phone.Mask(p.Phone)))
	}
	return p, nil
}

// sendError reports an error (found inside a 2xx answer, success:false, or
// ending the replay of one) as an unknown outcome when an earlier attempt
// may have reached PalPluss and the error does not settle it (see
// httpx.Settles).
func sendError(err error, maybeServed bool, reference string) error {
	if !maybeServed {
		return err
	}
	var pe *payout.Error
	if !errors.As(err, &pe) {
		// The caller gave up before the call left: the earlier one may
		// still have created the payout.
		return &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: ProviderName, Reference: reference,
			Message: "an earlier attempt may have created the payout; then the call was abandoned", Err: err}
	}
	if httpx.Settles(pe) {
		return err
	}
	cp := *pe
	cp.Code = payout.CodeOutcomeUnknown
	if cp.Reference == "" {
		cp.Reference = reference
	}
	cp.Message = "an earlier attempt may have created the payout; the last answer was: " + pe.Message
	return &cp
}

// checkAnswer compares what PalPluss's answer to a payout POST echoes with
// what was sent. An answer about another Reference or in another currency
// is no answer about this payout (httpx.ForeignAnswer). One under this
// Reference (or none) but of another amount or phone is the answer PalPluss
// stored for this Reference's Idempotency-Key, replayed: the Reference was
// used before for another payout, and this one was not made.
func checkAnswer(p *payout.Payout, req payout.Request) *payout.Error {
	return httpx.CheckAnswer(ProviderName, "reference", p, req)
}

// fill completes an accepted payout with what was asked where PalPluss's
// answer is silent.
func fill(p *payout.Payout, req payout.Request) {
	if p.Reference == "" {
		p.Reference = req.Reference
	}
	if p.Amount.Currency == "" {
		p.Amount = req.Amount
	}
	if p.Phone == "" {
		n, _ := phone.Parse(req.Recipient.Phone)
		p.Phone = n.International()
	}
}

// readSend reads a 2xx answer to a payout POST, as PalPluss sent it (Send
// checks it, then fills what it leaves out). Once PalPluss answered 2xx
// the payout probably exists, so an answer that cannot be read, or lacks the
// transaction id, is an unknown outcome, never a plain failure.
func (c *Client) readSend(resp *httpx.Response, req payout.Request) (*payout.Payout, error) {
	unknown := func(msg string, cause error) error {
		return &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			Reference: req.Reference, RequestID: c.eng.RequestID(resp.Header), Message: msg, Err: cause}
	}
	env, err := readTxEnvelope(resp.Body)
	if err != nil {
		return nil, unknown("PalPluss accepted the payout but its answer could not be read; send again with the same Reference", err)
	}
	if env.failed() {
		return nil, c.envelopeError(resp, &env.wireError, req.Reference)
	}
	if env.Data != nil {
		if key := string(first(env.Data.IdempotencyKey, env.Data.IdempotencyKeySn)); key != "" && key != IdempotencyKey(req.Reference) {
			pe := httpx.ForeignAnswer(ProviderName, req, "Idempotency-Key "+strconv.Quote(key))
			pe.HTTPStatus, pe.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
			return nil, pe
		}
	}
	if env.Data == nil || env.Data.id() == "" {
		return nil, unknown("PalPluss accepted the payout but its answer has no transaction id; send again with the same Reference", nil)
	}
	if what := contradiction(env.Data); what != "" {
		pe := httpx.ForeignAnswer(ProviderName, req, what)
		pe.HTTPStatus, pe.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
		return nil, pe
	}
	p, err := env.Data.toPayout()
	if err != nil {
		// The payout exists (it has an id); an amount or fee it states
		// unreadably is left out (Send fills in the amount asked), but
		// the rest is kept, so that what identifies the payout (its
		// Reference, its phone) is still checked against the request.
		c.eng.Logger().Warn("palpluss payout answer has an unreadable field", slog.String("id", env.Data.id()), slog.String("error", err.Error()))
		w := *env.Data
		w.Amount, w.TransactionFee, w.FeeSnake = "", "", ""
		if p, err = w.toPayout(); err != nil {
			// An unknown currency: not the KES this payout was sent in.
			pe := httpx.ForeignAnswer(ProviderName, req, "currency "+strconv.Quote(string(w.Currency)))
			pe.HTTPStatus, pe.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
			return nil, pe
		}
	}
	return p, nil
}

// contradiction names what a payout answer says twice, in two of PalPluss's
// spellings (camelCase and snake_case, or another name for the same
// member), with two different values: "" when every spelling present
// agrees. An answer that contradicts itself is no answer Send can check:
// reading only the first spelling would accept another payout's answer.
// accountReference is left out: it is M-Pesa's own member, read only as a
// fallback for the Reference.
func contradiction(w *wireTx) string {
	groups := []struct {
		name  string
		phone bool
		vals  []flexString
	}{
		{"reference", false, []flexString{w.Reference, w.ExternalRefCamel, w.ExternalRef}},
		{"phone", true, []flexString{w.Phone, w.PhoneNumber, w.PhoneNumberCamel}},
		{"idempotency key", false, []flexString{w.IdempotencyKey, w.IdempotencyKeySn}},
		{"transaction id", false, []flexString{w.TransactionID, w.TransactionIDSnake, w.ID}},
	}
	for _, g := range groups {
		var seen string
		for _, v := range g.vals {
			s := string(v)
			switch {
			case s == "":
			case seen == "":
				seen = s
			case g.phone && !httpx.SamePhone(s, seen), !g.phone && s != seen:
				return "its " + g.name + " spellings disagree"
			}
		}
	}
	return ""
}

// Get returns PalPluss's current record of the transaction with the given
// id (GET /transactions/{id}), in either of the provider's spellings. The id
// is PalPluss's and opaque (a UUID, or another form such as "tx_01j8abc123"):
// only an id that cannot be one path segment is refused before sending
// (Field "id"; see httpx.PathSegment). An unknown id is payout.ErrNotFound;
// an answer about another transaction is payout.ErrProviderError.
func (c *Client) Get(ctx context.Context, id string) (*payout.Payout, error) {
	// Errors built from a 2xx answer carry provider text the engine
	// never cleaned (a hostile proxy may echo a credential there).
	p, err := c.get(ctx, id)
	return c.eng.Redactor().Payout(p), c.eng.Redactor().Error(err)
}

func (c *Client) get(ctx context.Context, id string) (*payout.Payout, error) {
	seg, err := httpx.PathSegment("id", id)
	if err != nil {
		return nil, err
	}
	resp, err := c.eng.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "/transactions/" + seg})
	if err != nil {
		return nil, err
	}
	env, err := readTxEnvelope(resp.Body)
	if err != nil {
		return nil, c.unreadable(resp, "the transaction", err)
	}
	if env.failed() {
		return nil, c.envelopeError(resp, &env.wireError, "")
	}
	if env.Data == nil {
		return nil, c.unreadable(resp, "the transaction", errors.New("no data"))
	}
	p, err := env.Data.toPayout()
	if err != nil {
		return nil, c.unreadable(resp, "the transaction", err)
	}
	switch {
	case p.ID == "":
		p.ID = id
	case !sameID(p.ID, id):
		pe := httpx.WrongID(ProviderName, id, p.ID)
		pe.HTTPStatus, pe.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
		return nil, pe
	}
	return p, nil
}

// sameID reports whether PalPluss's id got is the id asked: exactly, or,
// for two UUIDs, the same hex digits in any case, with or without dashes.
func sameID(got, asked string) bool {
	if got == asked {
		return true
	}
	if !isUUID(got) || !isUUID(asked) {
		return false
	}
	return strings.EqualFold(strings.ReplaceAll(got, "-", ""), strings.ReplaceAll(asked, "-", ""))
}

// unreadable is the error for a 2xx answer that cannot be read.
func (c *Client) unreadable(resp *httpx.Response, what string, cause error) error {
	return &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName, HTTPStatus: resp.StatusCode,
		RequestID: c.eng.RequestID(resp.Header), Message: "PalPluss's answer with " + what + " could not be read", Err: cause}
}

// isUUID reports whether s is a UUID: the canonical 8-4-4-4-12 form or 32
// bare hex digits, of either case.
func isUUID(s string) bool {
	switch len(s) {
	case 32:
		return isHex(s)
	case 36:
		return s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
			isHex(s[:8]) && isHex(s[9:13]) && isHex(s[14:18]) && isHex(s[19:23]) && isHex(s[24:])
	}
	return false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
