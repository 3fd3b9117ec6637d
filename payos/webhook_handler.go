package payos

import (
	"github.com/payoutkit/payout/webhook"
)

// NewWebhookHandler returns a webhook.Handler for PayOS deliveries: each
// request is verified with Standard Webhooks (svix-* or webhook-* headers)
// under secret, the endpoint's "whsec_..." secret from the PayOS dashboard,
// parsed with ParseWebhook, deduplicated by its svix-id, and handed to
// handle once. opts are applied after the verifier, so a
// webhook.WithVerifier among them replaces it (for instance to accept two
// secrets while rotating). To act on PayOS's own record rather than the
// body, add webhook.WithConfirm(webhook.ConfirmByGet(client)).
//
// It fails when secret is not a valid Standard Webhooks secret; the error
// never shows the secret.
func NewWebhookHandler(secret string, handle webhook.HandleFunc, opts ...webhook.Option) (*webhook.Handler, error) {
	v, err := webhook.NewStandardVerifier(secret)
	if err != nil {
		return nil, err
	}
	opts = append([]webhook.Option{webhook.WithVerifier(v)}, opts...)
	return webhook.NewHandler(ParseWebhook, handle, opts...), nil
}
