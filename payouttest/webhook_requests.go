package payouttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/webhook"
)

// PalPlussWebhookRequest returns the request PalPluss would POST to
// callbackURL to report p's status: its callback body ({"event",
// "event_type", "transaction"}) with p's id, reference, status, amount,
// fee, phone, receipt and failure, as palpluss.ParseWebhook reads it.
// callbackURL is the payout's Request.CallbackURL: one made by a
// webhook.CallbackSigner carries the token the signer's Verifier checks, so
// that the request is "correctly tokened" exactly when your code gave the
// payout the right URL.
//
// Feed it to your route's handler through httptest.NewRecorder: no
// listener is needed. The event type follows the status
// (transaction.success, transaction.failed, transaction.cancelled,
// transaction.expired; transaction.updated otherwise).
func PalPlussWebhookRequest(callbackURL string, p *payout.Payout) (*http.Request, error) {
	if p == nil || p.ID == "" {
		return nil, errors.New("payouttest: PalPlussWebhookRequest: a payout with an ID is required")
	}
	st, ok := palplussWireStatus[p.Status]
	if !ok {
		return nil, fmt.Errorf("payouttest: PalPlussWebhookRequest: status %q has no PalPluss name", p.Status)
	}
	typ := palplussEventType[p.Status]
	if typ == "" {
		typ = "transaction.updated"
	}
	var resultCode any
	resultDesc := "B2C payout queued"
	switch p.Status {
	case payout.StatusSucceeded:
		resultCode, resultDesc = "0", "The service request is processed successfully."
	case payout.StatusFailed, payout.StatusReversed, payout.StatusCancelled, payout.StatusExpired:
		if p.FailureCode != "" {
			resultCode = p.FailureCode
		}
		resultDesc = p.FailureMessage
	}
	var receipt any
	if p.Receipt != "" {
		receipt = p.Receipt
	}
	body, err := json.Marshal(map[string]any{
		"event":      "transaction.updated",
		"event_type": typ,
		"transaction": map[string]any{
			"id":                 p.ID,
			"type":               "B2C",
			"status":             st,
			"amount":             json.Number(major(p.Amount)),
			"currency":           string(currencyOf(p.Amount)),
			"phone_number":       p.Phone,
			"external_reference": p.Reference,
			"provider":           "m-pesa",
			"mpesa_receipt":      receipt,
			"transaction_fee":    json.Number(major(p.Fee)),
			"result_code":        resultCode,
			"result_desc":        resultDesc,
			"created_at":         wireTime(p.CreatedAt),
			"updated_at":         wireTime(p.UpdatedAt),
		},
	})
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequest(http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("payouttest: PalPlussWebhookRequest: %w", err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "PalPluss-Webhooks/1.0 (payouttest)")
	return r, nil
}

// PayOSWebhookRequest returns the request PayOS would POST to url to report
// p's status: a {"type", "payload"} body as payos.ParseWebhook reads it,
// signed with Standard Webhooks headers (svix-id, svix-timestamp,
// svix-signature) under secret, the endpoint's "whsec_..." secret, at the
// current time. The svix-id is derived from p's id and status, so that two
// requests for one status are a delivery and its redelivery.
//
// The type follows the status (payout.completed, payout.failed,
// payout.cancelled, payout.expired; payout.processing, payout.pending and
// payout.reversed, which PayOS does not document, otherwise).
func PayOSWebhookRequest(url, secret string, p *payout.Payout) (*http.Request, error) {
	if p == nil || p.ID == "" {
		return nil, errors.New("payouttest: PayOSWebhookRequest: a payout with an ID is required")
	}
	st, ok := payosWireStatus[p.Status]
	if !ok {
		return nil, fmt.Errorf("payouttest: PayOSWebhookRequest: status %q has no PayOS name", p.Status)
	}
	payload := map[string]any{
		"transactionId":     p.ID,
		"status":            st,
		"message":           payosMessageFor(p),
		"merchantReference": p.Reference,
		"paymentMethodId":   "mobilemoney",
		"processorName":     "mpesa",
		"collection":        map[string]string{"amount": major(p.Amount), "currency": string(currencyOf(p.Amount))},
	}
	if p.Receipt != "" {
		payload["processorReference"] = p.Receipt
	}
	if p.FailureCode != "" {
		payload["errorCode"] = p.FailureCode
	}
	body, err := json.Marshal(map[string]any{"type": "payout." + payosTypeSuffix[p.Status], "payload": payload})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(p.ID + "\x00" + string(p.Status)))
	h, err := webhook.Sign(secret, "msg_"+hex.EncodeToString(sum[:])[:27], time.Now(), body)
	if err != nil {
		return nil, fmt.Errorf("payouttest: PayOSWebhookRequest: %w", err)
	}
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("payouttest: PayOSWebhookRequest: %w", err)
	}
	for k, v := range h {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "Svix-Webhooks/1.0 (payouttest)")
	return r, nil
}

// PalPlussWebhookRequest returns the callback PalPluss would make about
// the Fake's payout id in its current status (see the package function
// PalPlussWebhookRequest), to the CallbackURL of the Send that created it.
// It fails when that Send gave no CallbackURL.
func (f *Fake) PalPlussWebhookRequest(id string) (*http.Request, error) {
	p, cb, err := f.payoutAndCallback(id)
	if err != nil {
		return nil, err
	}
	if cb == "" {
		return nil, fmt.Errorf("payouttest: the Send of payout %s gave no CallbackURL", id)
	}
	return PalPlussWebhookRequest(cb, p)
}

// PayOSWebhookRequest returns the delivery PayOS would make about the
// Fake's payout id in its current status, to url, signed under secret (see
// the package function PayOSWebhookRequest).
func (f *Fake) PayOSWebhookRequest(id, url, secret string) (*http.Request, error) {
	p, _, err := f.payoutAndCallback(id)
	if err != nil {
		return nil, err
	}
	return PayOSWebhookRequest(url, secret, p)
}

// payoutAndCallback returns a copy of payout id and the CallbackURL of the
// Send that created it.
func (f *Fake) payoutAndCallback(id string) (*payout.Payout, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.get(id)
	if err != nil {
		return nil, "", err
	}
	cb := ""
	for _, r := range f.requests {
		if r.Reference == p.Reference {
			cb = r.CallbackURL
		}
	}
	cp := *p
	return &cp, cb, nil
}

// Request returns the delivery as an *http.Request, to replay into a
// handler without a listener: point the Sandbox's webhooks at an address
// nobody listens on, let a payout settle, and hand Deliveries' request to
// your route. Its URL, headers (the signature for PayOS) and body are the
// delivery's own; a PayOS signature is good for five minutes after At.
func (d SandboxDelivery) Request() (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return nil, err
	}
	r.Header = d.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r, nil
}

var palplussWireStatus = map[payout.Status]string{
	payout.StatusPending: "PENDING", payout.StatusProcessing: "PROCESSING", payout.StatusSucceeded: "SUCCESS",
	payout.StatusFailed: "FAILED", payout.StatusCancelled: "CANCELLED", payout.StatusExpired: "EXPIRED",
	payout.StatusReversed: "REVERSED",
}

var palplussEventType = map[payout.Status]string{
	payout.StatusSucceeded: "transaction.success", payout.StatusFailed: "transaction.failed",
	payout.StatusCancelled: "transaction.cancelled", payout.StatusExpired: "transaction.expired",
}

var payosWireStatus = map[payout.Status]string{
	payout.StatusPending: "RECEIVED", payout.StatusProcessing: "PROCESSING", payout.StatusSucceeded: "COMPLETED",
	payout.StatusFailed: "FAILED", payout.StatusCancelled: "CANCELLED", payout.StatusExpired: "EXPIRED",
	payout.StatusReversed: "REVERSED",
}

var payosTypeSuffix = map[payout.Status]string{
	payout.StatusPending: "pending", payout.StatusProcessing: "processing", payout.StatusSucceeded: "completed",
	payout.StatusFailed: "failed", payout.StatusCancelled: "cancelled", payout.StatusExpired: "expired",
	payout.StatusReversed: "reversed",
}

func payosMessageFor(p *payout.Payout) string {
	if p.FailureMessage != "" {
		return p.FailureMessage
	}
	return "Payout " + payosTypeSuffix[p.Status]
}

// currencyOf is a's currency, KES when unset.
func currencyOf(a money.Amount) money.Currency {
	if a.Currency == "" {
		return money.KES
	}
	return a.Currency
}

// major is a in major units, as the providers write amounts ("500",
// "20.5" is written "20.50").
func major(a money.Amount) string {
	a.Currency = currencyOf(a)
	return a.MajorString()
}

func wireTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// WebhookRequest returns the webhook provider (SandboxPalPluss or
// SandboxPayOS) would deliver now about the payout id the Sandbox knows, in
// its current status, as an *http.Request to feed a handler without a
// listener: PalPluss's callback to the payout's CallbackURL (an error when
// the Send gave none), or PayOS's delivery to url, signed now under
// PayOSWebhookSecret (url "" means the endpoint set with
// WithPayOSWebhookURL or SetPayOSWebhookURL). The body is built as
// PalPlussWebhookRequest and PayOSWebhookRequest build it. It panics if
// provider is neither.
func (s *Sandbox) WebhookRequest(provider, id, url string) (*http.Request, error) {
	sp, ok := s.Payout(provider, id)
	if !ok {
		return nil, &payout.Error{Code: payout.CodeNotFound, Provider: provider, Message: "the Sandbox has no payout " + id}
	}
	p := &payout.Payout{ID: sp.ID, Reference: sp.Reference, Provider: provider, Status: sp.Status,
		ProviderStatus: sp.ProviderStatus, Amount: sp.Amount, Fee: sp.Fee, Phone: sp.Phone, Receipt: sp.Receipt,
		FailureCode: sp.FailureCode, FailureMessage: sp.FailureMessage, CreatedAt: sp.CreatedAt, UpdatedAt: sp.UpdatedAt}
	if provider == SandboxPalPluss {
		if sp.CallbackURL == "" {
			return nil, fmt.Errorf("payouttest: the PalPluss Send of payout %s gave no callbackUrl", id)
		}
		return PalPlussWebhookRequest(sp.CallbackURL, p)
	}
	if url == "" {
		s.payos.mu.Lock()
		url = s.payos.webhookURL
		s.payos.mu.Unlock()
		if url == "" {
			return nil, errors.New("payouttest: no PayOS webhook URL given or set")
		}
	}
	return PayOSWebhookRequest(url, s.PayOSWebhookSecret(), p)
}
