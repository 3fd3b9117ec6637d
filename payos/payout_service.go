package payos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
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
// been processed), Send searches by reference before answering, and returns
// an error matching payout.ErrOutcomeUnknown only if the payout is still not
// found; call Send again with the same Reference then.
func (c *Client) Send(ctx context.Context, req payout.Request) (*payout.Payout, error) {
	body, intl, err := c.build(req) // the checks of Validate
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, httpx.Request{
		Method:         http.MethodPost,
		Path:           initiatePath,
		Body:           body,
		IdempotencyKey: IdempotencyKey(req.Reference),
		Reference:      req.Reference,
	})
	if err != nil {
		return c.resolve(ctx, req, intl, err)
	}
	w, derr := decodePayout(resp.Body)
	if derr != nil || w.TransactionID == "" {
		// The payout was probably created but its id is lost.
		msg := "the provider accepted the payout but its answer carries no transactionId"
		if derr != nil {
			msg = "the provider accepted the payout but its answer is not the JSON expected"
		}
		return c.resolve(ctx, req, intl, &payout.Error{Code: payout.CodeOutcomeUnknown, Provider: ProviderName,
			HTTPStatus: resp.StatusCode, Reference: req.Reference, RequestID: c.eng.Redactor().String(resp.Header.Get("X-Request-Id")),
			Message: msg, Err: derr})
	}
	return fill(w.toPayout(), req, intl), nil
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
// payout req describes. One of another amount means the Reference was
// reused for a different payout: returning it as req's would tell the
// caller a payout was accepted that was never made, so that is a
// CodeDuplicateReference error instead.
func (c *Client) matching(p *payout.Payout, req payout.Request, intl string, cause *payout.Error) (*payout.Payout, error) {
	if p.Amount.Currency != "" && p.Amount != req.Amount {
		cp := *cause
		cp.Code = payout.CodeDuplicateReference
		cp.Message = "this Reference belongs to an earlier payout of " + p.Amount.String() + " (" + p.ID +
			"), not to this one of " + req.Amount.String() + ": use a new Reference for a new payout"
		return nil, &cp
	}
	return fill(p, req, intl), nil
}

// resolve handles a failed initiate: a duplicate Reference or an unknown
// outcome is answered by searching for the payout by reference.
func (c *Client) resolve(ctx context.Context, req payout.Request, intl string, err error) (*payout.Payout, error) {
	var pe *payout.Error
	if !errors.As(err, &pe) {
		return nil, err
	}
	log := c.eng.Logger()
	dup, sure := isDuplicate(pe)
	switch {
	case dup:
		log.LogAttrs(ctx, slog.LevelInfo, "payos: duplicate reference, looking the payout up",
			slog.String("reference", req.Reference), slog.Int("status", pe.HTTPStatus))
		p, serr := c.FindByReference(ctx, req.Reference)
		if serr == nil {
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
			return c.matching(p, req, intl, pe)
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

// isDuplicate reports PayOS rejecting a payout for its merchantReference
// (never an idempotency conflict): sure for a code or message saying so
// (decodeError classified it) and for a 409 that names no code; not sure
// for a 422 that merely mentions the reference, which may be a validation
// message.
func isDuplicate(pe *payout.Error) (dup, sure bool) {
	if strings.EqualFold(pe.ProviderCode, CodeIdempotencyConflict) {
		return false, false
	}
	switch {
	case pe.Code == payout.CodeDuplicateReference:
		return true, true
	case pe.HTTPStatus == http.StatusConflict && pe.Code == payout.CodeConflict:
		// Unless it is about an idempotency key still in use.
		ok := !strings.Contains(strings.ToLower(pe.Message), "idempotency")
		return ok, ok
	case pe.HTTPStatus == http.StatusUnprocessableEntity &&
		pe.ProviderCode == "" && pe.Message == http.StatusText(pe.HTTPStatus):
		// A 422 whose body said nothing readable (cut short, empty):
		// it may be the duplicate answer, so look.
		return true, false
	case pe.HTTPStatus == http.StatusUnprocessableEntity && pe.Code == payout.CodeInvalidRequest:
		return strings.Contains(strings.ToLower(pe.ProviderCode+" "+pe.Message), "reference"), false
	}
	return false, false
}

// Get returns the payout with PayOS transaction id id: GET
// /api/v1/payout/{id}. A failed payout is returned with a nil error, its
// FailureCode and FailureMessage set; classify the code with FailureCode.
func (c *Client) Get(ctx context.Context, id string) (*payout.Payout, error) {
	if strings.TrimSpace(id) == "" {
		return nil, payout.InvalidField("id", "is required")
	}
	resp, err := c.do(ctx, httpx.Request{Method: http.MethodGet, Path: payoutPath + url.PathEscape(id)})
	if err != nil {
		return nil, err
	}
	w, err := decodePayout(resp.Body)
	if err != nil {
		return nil, &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName, HTTPStatus: resp.StatusCode,
			RequestID: resp.Header.Get("X-Request-Id"), Message: "the provider's answer is not the payout JSON expected", Err: err}
	}
	if w.TransactionID == "" {
		w.TransactionID = id
	}
	return w.toPayout(), nil
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
			Reference: reference, RequestID: resp.Header.Get("X-Request-Id"),
			Message: "the search answer is not the JSON expected", Err: err}
	}
	var found *wirePayout
	for i := range list {
		w := &list[i]
		if w.TransactionID == "" {
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
	p := found.toPayout()
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
		if one.TransactionID != "" {
			list = append(list, one)
		}
		return list, nil
	}
	err := json.Unmarshal(body, &list)
	return list, err
}
