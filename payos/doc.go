// Package payos is the PayOS adapter of package payout: M-Pesa payouts in
// Kenya through PayOS (payos.money, the "mobilemoney" payment method). It
// has nothing to do with the Vietnamese payOS.
//
// # Client
//
// New (or NewFromEnv: PAYOS_MERCHANT_ID, PAYOS_CLIENT_SECRET,
// PAYOS_BASE_URL) returns a *Client, which implements payout.Client:
//
//   - Send POSTs /api/v1/payout/initiate with merchantReference set to
//     Request.Reference and an Idempotency-Key derived from it. PayOS
//     requires a KYC Sender for Kenya (an individual with a passport or
//     government id, or a company with its registration number and
//     incorporation date); Send validates it, the amount (KES 10 to
//     150,000, cents allowed) and the recipient before any request and
//     names the field at fault; Client.Validate runs the same checks
//     without sending (a payout.Validator, for payout.Check). A duplicate
//     Reference is answered with the existing payout (found by
//     FindByReference) when it is this payout; a Reference reused for
//     another one (another amount or phone, or PayOS's
//     IDEMPOTENCY_CONFLICT) is payout.ErrDuplicateReference naming what
//     differs. An ambiguous outcome is looked up by reference, and the
//     payout found confirmed by a replay under the same Idempotency-Key,
//     before Send gives up with payout.ErrOutcomeUnknown.
//   - Every field an answer echoes is compared with the request; an answer
//     about another payout is never a success.
//   - Get reads /api/v1/payout/{id}; FindByReference searches by reference.
//     Statuses map case-insensitively (MapStatus); a failed payout keeps
//     PayOS's code in FailureCode, classified by FailureCode().
//
// # Tokens
//
// The client exchanges the merchant id and client secret for an access
// token at /api/v1/auth/oauth2/token, caches it until a minute (or a tenth
// of its lifetime) before it expires, fetches at most one at a time however
// many goroutines need one, and on a 401 from the API fetches a new one and
// repeats the call once; when an earlier attempt of the call may have been
// processed, a refused repeat (or a refused token) is still an unknown
// outcome. WithTokenSource plugs in another TokenSource. The secret and
// tokens never appear in errors, logs, formatted values or encoded Tokens.
//
// # Errors
//
// Errors are *payout.Error. PayOS answers errors in three shapes (NestJS
// {"message","error","statusCode"}, {"error":{"code","message"}}, RFC 6749
// {"error","error_description"}); all are read, the code kept in
// ProviderCode and mapped to payout.Code.
//
// # Webhooks
//
// ParseWebhook parses a delivery ({"type","payload"} or Svix's
// {"type","data"}) into a payout.Event. It does not verify signatures: PayOS
// signs with Standard Webhooks, which package webhook verifies.
package payos
