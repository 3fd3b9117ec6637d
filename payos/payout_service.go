package payos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
	"github.com/payoutkit/payout/phone"
)

// API paths under the base URL.
const (
	initiatePath = "/api/v1/payout/initiate"
	payoutPath   = "/api/v1/payout/"
	searchPath   = "/api/v1/payout/search"
)

// Send initiates an M-Pesa payout: POST /api/v1/payout/initiate with
// merchantReference = req.Reference and an Idempotency-Key derived from it
// (see IdempotencyKey).
//
// Before any request, Send checks what PayOS requires (see Validate): amount
// in KES from 10.00 to 150,000.00, a Kenyan mobile number, the recipient's
// name, and a complete Sender (individual or company; see
// payout.Sender.Validate). A failed check is a CodeInvalidRequest
// *payout.Error whose Field names the field. req.Description and req.CallbackURL are not sent: PayOS delivers
// webhooks to the endpoints configured in its dashboard.
//
// The returned Payout is usually StatusPending ("RECEIVED"): accepted, not
// paid. Its Amount and Phone are the request's. Send is idempotent per
// Reference: when PayOS rejects the Reference as a duplicate, Send finds the
// existing payout by reference and returns it with a nil error (whatever its
// status). When the outcome is ambiguous after retries (the request may have
// been processed), Send searches by reference before answering; since the
// search does not show the recipient, a payout it finds is confirmed by
// asking PayOS once more under the same Idempotency-Key (a replay is this
// payout; IDEMPOTENCY_CONFLICT means the Reference holds another one, an
// error matching payout.ErrDuplicateReference). Send returns an error
// matching payout.ErrOutcomeUnknown when the payout is still not found, or
// not confirmed; call Send again with the same Reference then.
//
// Every field PayOS's answer echoes (merchantReference, amount, currency,
// phone) is compared with req: an answer about another payout is never a
// success (see httpx.ForeignAnswer and payout.ErrDuplicateReference).
func (c *Client) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	// Errors built from a 2xx answer carry provider text the engine
	// never cleaned (a hostile proxy may echo a credential there).
	p, err := c.send(ctx, req)
	return c.eng.Redactor().Payout(p), c.eng.Redactor().Error(err)
}

func (c *Client) send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	body, intl, err := c.build(req) // the checks of Validate
	if err != nil {
		return nil, err
	}
	call := httpx.Request{
		Method:         http.MethodPost,
		Path:           initiatePath,
		Body:           body,
		IdempotencyKey: IdempotencyKey(req.Reference),
		Reference:      req.Reference,
	}
	resp, err := c.do(ctx, call)
	if err != nil {
		return c.resolve(ctx, call, req, intl, err)
	}
	w, derr := readPayout(resp.Body)
	if derr != nil || w.id() == "" {
		// The payout was probably created but its id is lost.
		msg := "the provider accepted the payout but its answer carries no transactionId"
		if derr != nil {
			msg = "the provider accepted the payout but its answer is not the JSON expected"
		}
		return c.resolve(ctx, call, req, intl, &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: ProviderName,
			HTTPStatus: resp.StatusCode, Reference: req.Reference, RequestID: c.eng.RequestID(resp.Header),
			Message: msg, Err: derr})
	}
	if perr := checkWire(w, req); perr != nil {
		perr.HTTPStatus, perr.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
		return nil, perr
	}
	return fill(w.toPayout(), req, intl), nil
}

// checkWire is checkAnswer for an initiate answer as PayOS sent it. An
// echoed amount or phone that is present but cannot be read would be
// left out of the Payout (toPayout reads leniently), and so never
// compared: an answer about another payout would pass. Such an answer
// says nothing sure of this payout: CodeProviderError, matching
// payout.ErrOutcomeUnknown.
func checkWire(w *wirePayout, req payout.Request) *payout.Error {
	if field := unreadableEcho(w); field != "" {
		return httpx.UncheckableAnswer(ProviderName, req, field)
	}
	return checkAnswer(w.toPayout(), req)
}

// unreadableEcho names the first member of w that echoes the request but
// cannot be read: "" when there is none.
func unreadableEcho(w *wirePayout) string {
	if d := w.DestinationValue; d != nil {
		if _, err := strconv.ParseInt(unquote(d.MinorAmount), 10, 64); err != nil && present(d.MinorAmount) {
			return "destinationValue.minorAmount"
		}
		if !currency(d.Currency).Valid() {
			return "destinationValue.currency"
		}
	}
	if present(w.Amount) {
		if _, ok := decimalAmount(w.Amount, w.Currency); !ok {
			return "amount"
		}
	}
	if r := w.Recipient; r != nil && strings.TrimSpace(r.PhoneNumber) != "" {
		if _, err := phone.Parse(r.PhoneNumber); err != nil {
			return "recipient.phoneNumber"
		}
	}
	return ""
}

// present reports a JSON member that is there and not null.
func present(raw rawText) bool {
	s := strings.TrimSpace(string(raw))
	return len(s) > 0 && s != "null"
}

// checkAnswer compares what PayOS's answer to an initiate echoes with what
// was sent. An answer about another merchantReference or in another
// currency is no answer about this payout (httpx.ForeignAnswer); one under
// this Reference of another amount or phone is the payout PayOS holds for
// the Reference, which is not this one (httpx.DuplicateReference).
func checkAnswer(p *payout.Payout, req payout.Request) *payout.Error {
	return httpx.CheckAnswer(ProviderName, "merchantReference", p, req)
}

// fill completes a payout with what the request says and PayOS's answer
// leaves out.
func fill(p *payout.Payout, req payout.Request, intl string) *payout.Payout {
	if p.Reference == "" {
		p.Reference = req.Reference
	}
	if p.Amount.Currency == "" {
		p.Amount = req.Amount
	}
	if p.Phone == "" {
		p.Phone = intl
	}
	return p
}

// matching returns the payout found under req.Reference when it is the
// payout req describes. One of another amount or phone means the Reference
// was reused for a different payout: returning it as req's would tell the
// caller a payout was accepted that was never made, so that is a
// CodeDuplicateReference error naming what differs, with the HTTP details
// of cause (the answer that sent Send looking).
func (c *Client) matching(p *payout.Payout, req payout.Request, intl string, cause *payout.Error) (*payout.Payout, error) {
	if perr := checkAnswer(p, req); perr != nil {
		return nil, withCause(perr, cause)
	}
	return fill(p, req, intl), nil
}

// withCause gives e the HTTP details of the provider's answer cause.
func withCause(e, cause *payout.Error) *payout.Error {
	e.HTTPStatus, e.ProviderCode, e.RequestID = cause.HTTPStatus, cause.ProviderCode, cause.RequestID
	return e
}

// conflicting answers PayOS's IDEMPOTENCY_CONFLICT: the Reference's
// Idempotency-Key already holds another request. Every Send of one
// payout.Request sends the same body, so the key's holder is another
// payout under this Reference, and this one was not made:
// CodeDuplicateReference, naming what differs when the search shows it (the
// amount; PayOS's search carries no phone, so a difference there is named
// as "recipient or sender details").
func (c *Client) conflicting(ctx context.Context, req payout.Request, cause *payout.Error) error {
	var other *payout.Payout
	var diffs []string
	if p, err := c.FindByReference(ctx, req.Reference); err == nil {
		other, diffs = p, httpx.Differences(req, p)
	}
	if len(diffs) == 0 {
		diffs = []string{"another recipient (phone or name) or sender (PayOS refused this Reference's Idempotency-Key for a request that differs; its search does not show which)"}
	}
	return withCause(httpx.DuplicateReference(ProviderName, req, other, diffs), cause)
}

// resolve handles a failed initiate: a duplicate Reference or an unknown
// outcome is answered by searching for the payout by reference.
func (c *Client) resolve(ctx context.Context, call httpx.Request, req payout.Request, intl string, err error) (*payout.Payout, error) {
	var pe *payout.Error
	if !errors.As(err, &pe) {
		return nil, err
	}
	log := c.eng.Logger()
	if strings.EqualFold(pe.ProviderCode, CodeIdempotencyConflict) {
		return nil, c.conflicting(ctx, req, pe)
	}
	dup, sure := isDuplicate(pe)
	switch {
	case dup:
		log.LogAttrs(ctx, slog.LevelInfo, "payos: duplicate reference, looking the payout up",
			slog.String("reference", req.Reference), slog.Int("status", pe.HTTPStatus))
		p, serr := c.FindByReference(ctx, req.Reference)
		if serr == nil {
			if p.Phone == "" && (unreadable422(pe) || p.Amount.Currency == "") {
				// The unreadable 422 may be IDEMPOTENCY_CONFLICT cut
				// short, and a search result without an amount shows
				// nothing to compare: whether the payout found is this
				// one is unknown.
				return c.confirm(ctx, call, req, intl, p, pe)
			}
			return c.matching(p, req, intl, pe)
		}
		if payout.IsRetryable(serr) || ctx.Err() != nil {
			// PayOS has a payout under this Reference (or may have) and
			// the search could not say which: not a refusal.
			cp := *pe
			cp.Code = payout.CodeOutcomeUnknown
			cp.Message = "PayOS reports this Reference as taken and looking it up failed: call Send again with the same Reference"
			cp.Err = serr
			return nil, &cp
		}
		if !sure {
			return nil, err // a 422 about the reference that was not a duplicate after all
		}
		cp := *pe
		cp.Code = payout.CodeDuplicateReference
		cp.Message = "PayOS already has a payout with this Reference and searching for it failed"
		if pe.Message != "" {
			cp.Message += "; PayOS says: " + pe.Message
		}
		cp.Err = serr
		return nil, &cp
	case pe.Code == payout.CodeOutcomeUnknown:
		if ctx.Err() != nil {
			return nil, err
		}
		log.LogAttrs(ctx, slog.LevelWarn, "payos: outcome unknown, looking the payout up",
			slog.String("reference", req.Reference))
		p, serr := c.FindByReference(ctx, req.Reference)
		if serr == nil {
			if p.Phone != "" {
				return c.matching(p, req, intl, pe)
			}
			return c.confirm(ctx, call, req, intl, p, pe)
		}
		cp := *pe
		if errors.Is(serr, payout.ErrNotFound) {
			cp.Message = strings.TrimSuffix(pe.Message, ".") +
				"; no payout with this Reference was found, but a request still in flight may create it: call Send again with the same Reference"
		}
		return nil, &cp
	}
	return nil, err
}

// confirm settles an unknown outcome for which the search found a payout
// under req.Reference without saying whom it pays (PayOS's search carries
// no phone): it may be this request's, or another payout's under a reused
// Reference (another phone, same amount). Send asks PayOS once more under
// the same Idempotency-Key: PayOS replays the original answer for the same
// request, and refuses with IDEMPOTENCY_CONFLICT a key that holds another.
// An answer that settles neither leaves the outcome unknown: returning
// found as this payout could tell the caller a recipient was paid who was
// not.
func (c *Client) confirm(ctx context.Context, call httpx.Request, req payout.Request, intl string, found *payout.Payout, cause *payout.Error) (*payout.Payout, error) {
	if perr := checkAnswer(found, req); perr != nil {
		return nil, withCause(perr, cause)
	}
	resp, err := c.do(ctx, call)
	var pe *payout.Error
	switch {
	case err == nil:
		if w, derr := readPayout(resp.Body); derr == nil && w.id() != "" {
			if perr := checkWire(w, req); perr != nil {
				perr.HTTPStatus, perr.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
				return nil, perr
			}
			return fill(w.toPayout(), req, intl), nil
		}
	case !errors.As(err, &pe):
	case strings.EqualFold(pe.ProviderCode, CodeIdempotencyConflict):
		return nil, c.conflicting(ctx, req, pe)
	default:
		if dup, _ := isDuplicate(pe); dup && !unreadable422(pe) && (found.Phone != "" || found.Amount.Currency != "") {
			// PayOS holds no key for the payout (it was made without
			// one): the Reference, and what the search shows, are all
			// there is to go by. A search that shows nothing to compare
			// confirms nothing.
			return c.matching(found, req, intl, pe)
		}
	}
	cp := *cause
	cp.Code = payout.CodeOutcomeUnknown
	cp.Message = "PayOS holds payout " + found.ID + " under this Reference, but it could not be confirmed to be this one " +
		"(the search does not show the recipient): call Send again with the same Reference"
	return nil, &cp
}

// unreadable422 reports a 422 whose body said nothing readable (cut short,
// empty): it may be the duplicate answer, or IDEMPOTENCY_CONFLICT.
func unreadable422(pe *payout.Error) bool {
	return pe.HTTPStatus == http.StatusUnprocessableEntity && pe.ProviderCode == "" && pe.Message == http.StatusText(pe.HTTPStatus)
}

// isDuplicate reports PayOS rejecting a payout for its merchantReference
// (never an idempotency conflict): sure for a code or message saying so
// (decodeError classified it); not sure for a 409 that names no code (it
// may be about the payout's state) nor for a 422 that merely mentions the
// reference, which may be a validation message. Send resolves every one of
// them by searching; one that is not sure and finds nothing keeps its own
// error (ErrConflict, or ErrOutcomeUnknown after a possibly-served
// attempt).
func isDuplicate(pe *payout.Error) (dup, sure bool) {
	if strings.EqualFold(pe.ProviderCode, CodeIdempotencyConflict) {
		return false, false
	}
	switch {
	case pe.Code == payout.CodeDuplicateReference:
		return true, true
	case pe.HTTPStatus == http.StatusConflict && pe.Code == payout.CodeConflict:
		// Unless it is about an idempotency key still in use.
		return !strings.Contains(strings.ToLower(pe.Message), "idempotency"), false
	case unreadable422(pe):
		// A 422 whose body said nothing readable (cut short, empty):
		// it may be the duplicate answer, so look.
		return true, false
	case pe.HTTPStatus == http.StatusUnprocessableEntity && pe.Code == payout.CodeInvalidRequest:
		return strings.Contains(strings.ToLower(pe.ProviderCode+" "+pe.Message), "reference"), false
	}
	return false, false
}

// reservedIDs are the names beside {id} under /api/v1/payout/: an id of
// that name would reach another endpoint.
var reservedIDs = map[string]bool{"search": true, "initiate": true}

// Get returns the payout with PayOS transaction id id: GET
// /api/v1/payout/{id}. A failed payout is returned with a nil error, its
// FailureCode and FailureMessage set; classify the code with FailureCode.
//
// The id is PayOS's and opaque; what cannot be one path segment is refused
// before sending (Field "id"; see httpx.PathSegment), as are "search" and
// "initiate", which name PayOS's other endpoints. An answer about another
// payout is payout.ErrProviderError.
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
	if reservedIDs[strings.ToLower(id)] {
		return nil, payout.InvalidField("id", "%q names another PayOS endpoint, not a payout", id)
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: payoutPath + seg})
	if err != nil {
		return nil, err
	}
	w, err := readPayout(resp.Body)
	if err != nil {
		return nil, &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			RequestID: c.eng.RequestID(resp.Header), Message: "the provider's answer is not the payout JSON expected", Err: err}
	}
	p := w.toPayout()
	switch {
	case p.ID == "":
		p.ID = id
	case p.ID != id:
		pe := httpx.WrongID(ProviderName, id, p.ID)
		pe.HTTPStatus, pe.RequestID = resp.StatusCode, c.eng.RequestID(resp.Header)
		return nil, pe
	}
	return p, nil
}

// FindByReference returns the payout whose merchantReference is reference:
// GET /api/v1/payout/search?merchantIds=<merchant>&merchantReference=<ref>.
// It answers a CodeNotFound *payout.Error when PayOS has none. Search
// results carry less than Get (no phone, and the amount as a JSON number,
// read exactly).
func (c *Client) FindByReference(ctx context.Context, reference string) (*payout.Payout, error) {
	if strings.TrimSpace(reference) == "" {
		return nil, payout.InvalidField("reference", "is required")
	}
	q := url.Values{}
	q.Set("merchantIds", c.merchantID)
	q.Set("merchantReference", reference)
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: searchPath, Query: q, Reference: reference})
	if err != nil {
		return nil, err
	}
	list, err := decodeSearch(resp.Body)
	if err != nil {
		return nil, &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			Reference: reference, RequestID: c.eng.RequestID(resp.Header),
			Message: "the search answer is not the JSON expected", Err: err}
	}
	var found *wirePayout
	for i := range list {
		w := &list[i]
		if w.id() == "" {
			continue
		}
		if w.MerchantReference == reference {
			found = w
			break
		}
		if w.MerchantReference == "" && found == nil {
			found = w
		}
	}
	if found == nil {
		return nil, &payout.Error{Code: payout.CodeNotFound, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			Reference: reference, Message: "no payout with this reference"}
	}
	p := c.eng.Redactor().Payout(found.toPayout())
	if p.Reference == "" {
		p.Reference = reference
	}
	return p, nil
}

// decodeSearch reads a search answer: a JSON array, or the array wrapped
// in an object under data, items, results or transactions.
func decodeSearch(body []byte) ([]wirePayout, error) {
	body = bytes.TrimSpace(body)
	var list []wirePayout
	if len(body) > 0 && body[0] == '{' {
		var wrap map[string]json.RawMessage
		if err := json.Unmarshal(body, &wrap); err != nil {
			return nil, err
		}
		for _, k := range []string{"data", "items", "results", "transactions", "payouts"} {
			if v, ok := wrap[k]; ok {
				err := json.Unmarshal(v, &list)
				return list, err
			}
		}
		var one wirePayout
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, err
		}
		if one.id() != "" {
			list = append(list, one)
		}
		return list, nil
	}
	err := json.Unmarshal(body, &list)
	return list, err
}
