package payouttest

import "encoding/json"

// The spellings of a transaction.
type palplussViewKind int

const (
	palplussCreateView  palplussViewKind = iota // POST /b2c/payouts data
	palplussCamelView                           // GET, as the docs show it
	palplussSnakeView                           // GET, as the OpenAPI contract has it
	palplussWebhookView                         // the webhook's transaction
)

func (p *palplussState) casing() palplussViewKind {
	if p.s.cfg.snake {
		return palplussSnakeView
	}
	return palplussCamelView
}

// view renders rec in one of PalPluss's spellings, with the documented
// fields in the documented order. The ledger's mutex is held.
func (p *palplussState) view(rec *sandboxRecord, kind palplussViewKind) any {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var resultCode *string
	resultDesc := "B2C payout queued"
	switch rec.stage {
	case stageProcessing:
		resultDesc = "B2C payout submitted to M-Pesa"
	case stageSucceeded:
		r := sandboxPalPlussResults[SandboxOutcomeSuccess]
		resultCode, resultDesc = &r[0], r[1]
	case stageFailed, stageReversed, stageCancelled, stageExpired:
		resultCode, resultDesc = opt(rec.failureCode), rec.failureMessage
	}
	st, amount, fee := p.statusName(rec.stage), sandboxKESNumber(rec.amount), sandboxKESNumber(rec.fee)
	created, updated := sandboxTime(rec.createdAt), sandboxTime(rec.updatedAt)
	switch kind {
	case palplussCreateView:
		return struct {
			TransactionID      string      `json:"transactionId"`
			TenantID           string      `json:"tenantId"`
			ChannelID          *string     `json:"channelId"`
			Type               string      `json:"type"`
			Status             string      `json:"status"`
			Amount             json.Number `json:"amount"`
			Currency           string      `json:"currency"`
			Phone              string      `json:"phone"`
			Reference          *string     `json:"reference"`
			Description        *string     `json:"description"`
			ProviderRequestID  *string     `json:"providerRequestId"`
			ProviderCheckoutID *string     `json:"providerCheckoutId"`
			ResultCode         *string     `json:"resultCode"`
			ResultDescription  string      `json:"resultDescription"`
			IdempotencyKey     *string     `json:"idempotencyKey"`
			TransactionFee     json.Number `json:"transactionFee"`
			CreatedAt          string      `json:"createdAt"`
			UpdatedAt          string      `json:"updatedAt"`
		}{rec.id, sandboxPalPlussTenant, opt(rec.channelID), "B2C", st, amount, "KES", rec.phone, opt(rec.reference),
			opt(rec.description), nil, nil, nil, resultDesc, opt(rec.idemKey), fee, created, updated}
	case palplussCamelView:
		return struct {
			TransactionID      string      `json:"transactionId"`
			TenantID           string      `json:"tenantId"`
			Type               string      `json:"type"`
			Status             string      `json:"status"`
			Amount             json.Number `json:"amount"`
			Currency           string      `json:"currency"`
			Phone              string      `json:"phone"`
			ChannelID          *string     `json:"channelId"`
			Reference          *string     `json:"reference"`
			Provider           string      `json:"provider"`
			ProviderRequestID  *string     `json:"providerRequestId"`
			ProviderCheckoutID *string     `json:"providerCheckoutId"`
			MpesaReceipt       *string     `json:"mpesaReceipt"`
			TransactionFee     json.Number `json:"transactionFee"`
			ResultCode         *string     `json:"resultCode"`
			ResultDesc         string      `json:"resultDesc"`
			CreatedAt          string      `json:"createdAt"`
			UpdatedAt          string      `json:"updatedAt"`
		}{rec.id, sandboxPalPlussTenant, "B2C", st, amount, "KES", rec.phone, opt(rec.channelID), opt(rec.reference),
			"m-pesa", opt(rec.providerRequestID), nil, opt(rec.receipt), fee, resultCode, resultDesc, created, updated}
	case palplussSnakeView:
		return struct {
			TransactionID      string      `json:"transaction_id"`
			TenantID           string      `json:"tenant_id"`
			Type               string      `json:"type"`
			Status             string      `json:"status"`
			Amount             json.Number `json:"amount"`
			Currency           string      `json:"currency"`
			PhoneNumber        string      `json:"phone_number"`
			ChannelID          *string     `json:"channel_id"`
			ExternalReference  *string     `json:"external_reference"`
			CustomerName       *string     `json:"customer_name"`
			CallbackURL        *string     `json:"callback_url"`
			Provider           string      `json:"provider"`
			ProviderRequestID  *string     `json:"provider_request_id"`
			ProviderCheckoutID *string     `json:"provider_checkout_id"`
			MpesaReceipt       *string     `json:"mpesa_receipt"`
			TransactionFee     json.Number `json:"transaction_fee"`
			ResultCode         *string     `json:"result_code"`
			ResultDesc         string      `json:"result_desc"`
			CreatedAt          string      `json:"created_at"`
			UpdatedAt          string      `json:"updated_at"`
		}{rec.id, sandboxPalPlussTenant, "B2C", st, amount, "KES", rec.phone, opt(rec.channelID), opt(rec.reference),
			nil, opt(rec.callbackURL), "m-pesa", opt(rec.providerRequestID), nil, opt(rec.receipt),
			fee, resultCode, resultDesc, created, updated}
	default:
		return struct {
			ID                 string      `json:"id"`
			TenantID           string      `json:"tenant_id"`
			Type               string      `json:"type"`
			Status             string      `json:"status"`
			Amount             json.Number `json:"amount"`
			Currency           string      `json:"currency"`
			PhoneNumber        string      `json:"phone_number"`
			ExternalReference  *string     `json:"external_reference"`
			Provider           string      `json:"provider"`
			ProviderRequestID  *string     `json:"provider_request_id"`
			ProviderCheckoutID *string     `json:"provider_checkout_id"`
			MpesaReceipt       *string     `json:"mpesa_receipt"`
			TransactionFee     json.Number `json:"transaction_fee"`
			ResultCode         *string     `json:"result_code"`
			ResultDesc         string      `json:"result_desc"`
			CreatedAt          string      `json:"created_at"`
			UpdatedAt          string      `json:"updated_at"`
		}{rec.id, sandboxPalPlussTenant, "B2C", st, amount, "KES", rec.phone, opt(rec.reference), "m-pesa",
			opt(rec.providerRequestID), nil, opt(rec.receipt), fee, resultCode, resultDesc, created, updated}
	}
}
