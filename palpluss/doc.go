// Package palpluss is the PalPluss adapter of package payout: M-Pesa B2C
// payouts in Kenya through PalPluss's API (https://api.palpluss.com/v1).
//
//	client, err := palpluss.NewFromEnv() // PALPLUSS_API_KEY, PALPLUSS_BASE_URL
//	p, err := client.Send(ctx, payout.Request{
//		Reference:   "WD-2024-001",
//		Amount:      money.New(500_00, money.KES),
//		Recipient:   payout.Recipient{Phone: "0712345678"},
//		CallbackURL: "https://example.com/hooks/palpluss",
//	})
//
// # What it sends
//
// Send is POST /b2c/payouts with HTTP Basic authentication (the API key as
// user name, no password), the amount as a JSON integer of whole shillings,
// the phone in national form, currency "KES", and an Idempotency-Key derived
// from the Reference alone (IdempotencyKey): the same on every attempt, on
// every later Send with that Reference and from every client, so that no
// retry, crash or restart can pay twice. Get is GET /transactions/{id}.
//
// Requests are checked before they leave: KES only, whole shillings, KES 10
// up to a configurable maximum (WithMaxAmount, default KES 150,000), a
// Kenyan mobile number, a reference of at most 120 characters, a
// description of at most 255, an https callback URL. Client.Validate runs
// exactly these checks without sending (it makes a Client a
// payout.Validator, for payout.Check and dry runs).
//
// # What it reads
//
// PalPluss's contract spells transactions in snake_case, its documentation
// in camelCase; every field is read in both spellings. Amounts are converted
// exactly (never through a float). The seven statuses map to payout.Status
// (PENDING, PROCESSING, SUCCESS, FAILED, CANCELLED, EXPIRED, REVERSED;
// case-insensitive); an unknown one maps to payout.StatusPending, with
// Payout.ProviderStatus keeping it.
//
// # Errors
//
// Every documented error code maps to a payout.Code, keeping the raw code
// (Error.ProviderCode), the HTTP status and PalPluss's requestId in the
// *payout.Error:
//
//	401 AUTH_HEADER_INVALID, INVALID_API_KEY, TENANT_INACTIVE  unauthorized
//	403 ACCOUNT_INACTIVE, KYC_NOT_VERIFIED                     forbidden
//	400 INVALID_PHONE                                          invalid recipient
//	400 CHANNEL_NOT_FOUND, INVALID_IDEMPOTENCY_KEY,
//	    INVALID_CURSOR, INVALID_UUID, UNSUPPORTED_CURRENCY     invalid request
//	402 INSUFFICIENT_SERVICE_BALANCE                           insufficient fee balance
//	400 INSUFFICIENT_BALANCE (the SDK usage guide)             insufficient fee balance
//	404 CREDENTIAL_NOT_FOUND, TRANSACTION_NOT_FOUND,
//	    WALLET_NOT_FOUND                                       not found
//	409 INSUFFICIENT_FUNDS                                     insufficient funds
//	409 WALLET_INACTIVE, CREDENTIAL_INACTIVE                   forbidden (account state)
//	429 RATE_LIMIT_EXCEEDED                                    rate limited, with RetryAfter
//	500 PLATFORM_CREDENTIALS_NOT_CONFIGURED                    provider error
//
// Codes match case-insensitively. An undocumented code maps by HTTP status
// (400/422 invalid request, 401 unauthorized, 402 insufficient fee balance,
// 403 forbidden, 404 not found, 409 conflict, 429 rate limited, 5xx provider
// error); a body that is not JSON (a proxy's HTML page) still gives a typed
// error with the status. A 2xx answer with "success": false is an error
// too (an undocumented code there is a provider error).
//
// Retries follow package payout's rules: 429 waits out Retry-After, 5xx and
// network errors are retried with the same Idempotency-Key, and a wait ends
// the moment the context does. When a payout may have reached PalPluss but
// no answer could be read, the error matches payout.ErrOutcomeUnknown and
// carries the Reference: Send again with the same Reference to learn what
// happened. A 5xx answer to a payout is always such an unknown outcome,
// whatever its code, and so is any later answer that does not settle an
// attempt that may have been processed (401, 403, 402, 409, 429, 5xx): the
// account switched off between two attempts must not turn a payout that
// exists into a refusal.
//
// Every field PalPluss's answer echoes is compared with the request. A
// Reference reused for another amount or phone gets PalPluss's stored
// answer for its Idempotency-Key, which is reported as
// payout.ErrDuplicateReference naming what differs, never as the earlier
// payout; an answer about another Reference or currency is
// payout.ErrProviderError and also matches payout.ErrOutcomeUnknown. Get
// takes PalPluss's ids as they come (UUIDs or others such as
// "tx_01j8abc123"), refusing only what cannot be one path segment, and
// refuses an answer about another transaction.
//
// # Rate limit
//
// PalPluss allows 60 requests a minute per key. The client reads the
// x-ratelimit-* headers of every response (Client.RateLimit) and holds its
// requests while the window is exhausted; WithDocumentedRateLimit makes it
// pace itself to one request a second so as never to reach the limit.
//
// # Beyond payout.Client
//
// ServiceBalance reads the service (fee) wallet's balance. PalPluss
// documents no API for the B2C wallet the payouts are paid from, so there is
// no method for it. ListTransactions and Transactions (a Go iterator) page
// through the transaction list with its cursor. FindByReference finds a
// payout by reference with a bounded scan of that list, since PalPluss has
// no filter by reference.
//
// # Webhooks
//
// ParseWebhook reads PalPluss's callback body into a payout.Event.
// PalPluss does not sign callbacks: authenticate the callback URL (package
// webhook's CallbackSigner) and confirm the status with Get before acting
// on it.
//
// # Secrets
//
// The API key and the Basic credential derived from it never appear in an
// error, a log line or the formatted Client: they are registered with the
// engine's redactor, and Client prints without them.
package palpluss
