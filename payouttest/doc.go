// Package payouttest helps test code that sends payouts with this module.
//
// Fake is an in-memory payout.Client with scripted outcomes, for unit tests
// of code that pays through the payout.Client interface. Sandbox is the
// integration double: real HTTP servers that speak the providers' APIs, for
// tests of the adapters, of webhook receivers and of services in any
// language. Both build the webhooks the providers would send about their
// payouts, to test a webhook route without a listener (see Webhook
// requests).
//
// # Sandbox
//
// Sandbox runs real HTTP servers on loopback that behave like the PalPluss
// and PayOS APIs as their documentation describes them, so that a client
// (this SDK's adapters, or any HTTP client in any language through the
// payout-sandbox command) can be tested end to end:
//
//	s := payouttest.NewSandbox(payouttest.WithSandboxSettleDelay(50 * time.Millisecond))
//	defer s.Close()
//	pal, _ := palpluss.New(s.PalPlussAPIKey(), payout.WithBaseURL(s.PalPlussURL()))
//	pos, _ := payos.New(s.PayOSMerchantID(), s.PayOSClientSecret(), payout.WithBaseURL(s.PayOSURL()))
//
// PalPluss (base PalPlussURL(), which ends in /v1):
//
//   - POST /b2c/payouts, GET /transactions/{id}, GET /transactions
//     (limit, cursor, status, type; newest first), GET
//     /wallets/service/balance.
//   - Auth: "Authorization: Basic base64(key:)" or the raw key; otherwise
//     401 AUTH_HEADER_INVALID (missing or malformed) or INVALID_API_KEY,
//     in the provider's envelope {"success":false,"error":{...},"requestId"}.
//   - Account state (WithPalPlussAccountState, SetPalPlussAccountState):
//     with PalPlussKYCNotVerified, POST /b2c/payouts answers 403
//     KYC_NOT_VERIFIED and the GETs still work; with
//     PalPlussAccountInactive every call answers 403 ACCOUNT_INACTIVE, with
//     PalPlussTenantInactive 401 TENANT_INACTIVE. These come after the key
//     check and before anything else: nothing is validated, replayed,
//     created or debited.
//   - Validation: amount a JSON number of whole shillings, at least 10
//     (400 VALIDATION_ERROR otherwise; the provider leaves this code
//     undocumented); phone 07.., 01.., +254.., 254.. Kenyan mobile (400
//     INVALID_PHONE); currency only "KES" (400 UNSUPPORTED_CURRENCY);
//     Idempotency-Key at most 120 characters (400 INVALID_IDEMPOTENCY_KEY);
//     reference at most 120 and description at most 255 characters (400
//     VALIDATION_ERROR). The callback URL is read from callbackUrl or
//     callback_url; unlike the real API, plain http is accepted.
//   - Wallets: the B2C wallet is debited the amount at acceptance (409
//     INSUFFICIENT_FUNDS when short) and the service wallet the fee (402
//     INSUFFICIENT_SERVICE_BALANCE when short). The fee is never refunded;
//     a failed payout goes FAILED then REVERSED, which credits the amount
//     back. A cancelled or expired payout never went out, so entering
//     CANCELLED or EXPIRED credits the amount back too (the provider
//     documents no REVERSED after them, so none follows). See
//     WithPalPlussBalances, WithPalPlussFee, PalPlussBalances.
//   - Idempotency-Key: a key seen with an accepted payout gets the original
//     response again, byte for byte (same transactionId), and creates
//     nothing. A refused request (400, 402, 409) is not remembered, so it
//     may be retried with the same key. A repeated reference without a key
//     creates a second payout: the real API does not refuse one either.
//   - Statuses: PENDING, PROCESSING, then SUCCESS (with an M-Pesa receipt
//     and result code "0") or FAILED then REVERSED; or PENDING then
//     CANCELLED or EXPIRED (no result code, no receipt), straight from
//     PENDING or, for a held payout SettleAs names, from PROCESSING.
//   - Webhooks: POSTed, unsigned, to the payout's callbackUrl on SUCCESS,
//     FAILED, REVERSED, CANCELLED and EXPIRED ({"event":
//     "transaction.updated","event_type":"transaction.success"|
//     "transaction.failed"|"transaction.updated"|"transaction.cancelled"|
//     "transaction.expired","transaction":{snake_case}}), redelivered after
//     a non-2xx answer on the documented schedule
//     (WithSandboxWebhookRetries to shorten it).
//   - Transactions answer in camelCase as the docs show them (a list is
//     {"items","nextCursor"}), or in the OpenAPI contract's snake_case
//     with WithPalPlussSnakeCase ({"items","next_cursor"}). Cursors are
//     opaque base64; a forged one gets 400 INVALID_CURSOR.
//
// PayOS (base PayOSURL(); paths under /api/v1):
//
//   - POST /auth/oauth2/token with {"merchantId","clientSecret"} (also
//     clientId / client_id / client_secret) answers {"accessToken",
//     "expiresIn","tokenType":"Bearer"}; wrong credentials get 401
//     {"error":"invalid_client",...}. Every other call needs the bearer
//     token: missing, unknown or expired (WithPayOSTokenTTL) gives 401.
//   - POST /payout/initiate validates the body as documented (merchantId
//     of the token's merchant, merchantReference, minorAmount 1000 to
//     15000000 KES, paymentMethodId "mobilemoney", paymentLocation "KEN",
//     recipient type "mobile_money", operator "mpesa" or "airtel", country
//     "KEN", phoneNumber 2547XXXXXXXX or 2541XXXXXXXX, a sender with every
//     field, identity one of the three documented values, dateOfBirth
//     YYYY-MM-DD) and answers 400 {"message":[...],"error":"Bad Request",
//     "statusCode":400} listing every problem. A repeated merchantReference
//     gets 422 DUPLICATE_MERCHANT_REFERENCE and creates nothing. An
//     Idempotency-Key seen before with an accepted payout and the same body
//     (compared as JSON) gets the original response; with another body, 422
//     IDEMPOTENCY_CONFLICT. Success is 200 (the status is undocumented)
//     with status RECEIVED.
//   - GET /payout/{id} (404 if unknown), GET /payout/search?merchantIds=
//     &merchantReference= (a JSON array, empty if nothing matches; 400
//     without both parameters).
//   - Statuses: RECEIVED, PROCESSING, then COMPLETED (with a processor
//     reference) or FAILED (with errorCode); or RECEIVED then CANCELLED or
//     EXPIRED (neither has an errorCode).
//   - Webhooks: PayOS's payout request has no callback URL; the merchant
//     sets one endpoint in the dashboard, modelled by WithPayOSWebhookURL
//     and SetPayOSWebhookURL. On COMPLETED, FAILED, CANCELLED and EXPIRED it
//     receives {"type":"payout.completed"|"payout.failed"|
//     "payout.cancelled"|"payout.expired","payload":{GET payout}},
//     signed with Standard Webhooks headers (svix-id, svix-timestamp,
//     svix-signature, and the same as webhook-*) under PayOSWebhookSecret,
//     redelivered with the same id after a non-2xx answer.
//
// Both sides: with WithSandboxRateLimit, requests over the limit get 429
// with Retry-After (and PalPluss's x-ratelimit-* headers on every response):
// the way to test that clients sharing one payout.Limiter (payout.NewLimiter
// in one process, pgstore.NewLimiter across replicas) stay under the limit
// together, where each with its own would not.
// Payouts settle after WithSandboxSettleDelay, or, by default, only when a
// test calls Settle, SettleAs or SettleAll.
//
// # Control API
//
// Tests that cannot call the Sandbox's Go methods (a service in another
// language, driven through the payout-sandbox command) inspect and drive it
// over HTTP: ControlHandler serves a small JSON API under /_sandbox/, which
// WithSandboxControl mounts on the Sandbox's own listeners (ControlURL), out
// of reach of faults and rate limits. It lists payouts (GET
// /_sandbox/payouts, filtered by provider and reference), shows one, settles
// one now with its scripted or a chosen outcome (POST
// /_sandbox/payouts/{provider}/{id}/settle), settles all, lists webhook
// deliveries, and installs or removes a fault (PUT and DELETE
// /_sandbox/fault: a kind, a status or wait, and which requests it strikes).
// See ControlHandler for the routes and their JSON.
//
// # Provider-true Fakes
//
// NewFake's Fake checks only what every provider requires
// (payout.Request.Validate). NewPalPlussFake and NewPayOSFake check what
// the adapter's Send checks, with the adapter's own code (its
// payout.Validator): KES 5, KES 200,000, KES 20.50 on PalPluss, or a PayOS
// payout without a Sender, are refused as in production. WithRules takes any
// payout.Validator, such as an adapter configured like yours.
//
// # Webhook requests
//
// A webhook route is tested by handing it, through httptest.NewRecorder,
// the request the provider would send; no server needs to listen:
//
//	r, _ := fake.PalPlussWebhookRequest(p.ID) // after fake.Settle(p.ID, payout.StatusSucceeded)
//	w := httptest.NewRecorder()
//	route.ServeHTTP(w, r)                     // your palpluss or payos webhook.Handler
//
// PalPlussWebhookRequest(callbackURL, p) builds PalPluss's unsigned
// callback ({"event","event_type","transaction"}) about any *payout.Payout,
// POSTed to the payout's callback URL, so that a URL made by a
// webhook.CallbackSigner carries its token. PayOSWebhookRequest(url,
// secret, p) builds PayOS's {"type","payload"} delivery, signed with
// Standard Webhooks headers under the endpoint's "whsec_..." secret, its
// svix-id fixed by the payout and its status, so that building it twice
// gives a delivery and its redelivery. Fake.PalPlussWebhookRequest and
// Fake.PayOSWebhookRequest build them about a Fake's payout in its current
// status (PalPluss's to the CallbackURL its Send gave), and
// Sandbox.WebhookRequest about a Sandbox payout, for either provider.
// Fake.WebhookRequest is the Fake's own provider-neutral shape, read by this
// package's ParseWebhook. A route that confirms events by Get
// (webhook.ConfirmByGet) confirms them against the Fake or the Sandbox that
// made the payout.
//
// # Magic values
//
// The recipient and the amount of a payout choose how it ends, on both
// providers (phones in any accepted spelling, e.g. 0700000001,
// +254700000001, 254700000001):
//
//	value                          PalPluss                                   PayOS
//	-----------------------------  -----------------------------------------  ------------------------------------------
//	phone 0700000001               accepted, then FAILED (result_code         accepted, then FAILED, errorCode
//	(SandboxPhoneInvalidAccount)   "2001") and REVERSED: amount credited      PAYOUT_RECIPIENT_INVALID_ACCOUNT
//	                               back, fee kept
//	phone 0700000002               accepted, then FAILED (result_code "8")    accepted, then FAILED, errorCode
//	(SandboxPhoneLimitExceeded)    and REVERSED                               PAYOUT_RECIPIENT_LIMIT_EXCEEDED
//	phone 0700000003               accepted, PROCESSING until Settle or       accepted, PROCESSING until Settle or
//	(SandboxPhoneHeld)             SettleAs names it (Settle pays it)         SettleAs names it (Settle pays it)
//	phone 0700000004               accepted, then CANCELLED (webhook          accepted, then CANCELLED (webhook
//	(SandboxPhoneCancelled)        transaction.cancelled): amount credited    payout.cancelled)
//	                               back, fee kept
//	phone 0700000005               accepted, then EXPIRED (webhook            accepted, then EXPIRED (webhook
//	(SandboxPhoneExpired)          transaction.expired): amount credited      payout.expired)
//	                               back, fee kept
//	amount KES 99,999 exactly      refused: 409 INSUFFICIENT_FUNDS,           refused: 422 PAYOUT_INSUFFICIENT_FUNDS,
//	(SandboxInsufficientFundsKES)  nothing created or debited                 nothing created
//	anything else                  SUCCESS with an M-Pesa receipt             COMPLETED with a processor reference
//
// SettleAs chooses the outcome regardless of the recipient:
// SandboxOutcomeSuccess, SandboxOutcomeInvalidAccount,
// SandboxOutcomeLimitExceeded, SandboxOutcomeCancelled or
// SandboxOutcomeExpired.
//
// A PalPluss payout larger than the B2C wallet's balance, or whose fee is
// larger than the service wallet's, is refused as the provider documents
// (409 INSUFFICIENT_FUNDS, 402 INSUFFICIENT_SERVICE_BALANCE).
//
// # Faults
//
// SetFault (or WithSandboxFault) installs a FaultFunc that chooses, per
// request, a Fault: reset the connection before reading the request, answer
// a status (500 in the provider's JSON, 502/503 as a proxy's HTML page) or
// a 429 with Retry-After, all without processing it; or process it and then
// reset the connection, answer a status, answer late, or send half the
// body. RandomFaults builds a seeded random FaultFunc. Payouts,
// CreatedCount, Deliveries and FaultCounts show what the servers really
// did, to compare with what the client concluded.
package payouttest
