// Package payout is a provider-neutral API for sending money to mobile-money
// wallets (M-Pesa in Kenya first).
//
// A Client sends a Request and answers with a Payout. The adapters in the
// sub-packages palpluss and payos implement Client for one provider each;
// payouttest has an in-memory Fake and a loopback Sandbox for tests.
//
// Four promises shape the API:
//
//   - Send is idempotent per Request.Reference: calling it again with the
//     same Reference, after a crash, a timeout or an error, never pays twice;
//     it returns the payout the first call created.
//   - An accepted payout is not a paid one. Send answers as soon as the
//     provider accepted the payout (usually StatusPending); the final status
//     arrives by webhook (package webhook) or by Get.
//   - When the SDK cannot know whether the provider created the payout (the
//     request was written, then the connection died and retries ran out), it
//     says so: the error matches ErrOutcomeUnknown. Resolve it by calling Send
//     again with the same Reference; never by sending under a new one.
//   - Money is exact: amounts are money.Amount, int64 minor units, and an
//     amount a provider cannot pay exactly is an error, never rounded.
//
// SendAll sends a batch through any Client with bounded concurrency, optional
// pacing to a provider's rate limit and one result per request in input
// order, saying which requests never started when the context ends.
//
// Request.Validate checks what every provider requires; each adapter adds
// its own rules (limits, whole shillings, PayOS's Sender and recipient
// name), which its Send checks before any request leaves the process. The
// adapters expose those checks as Validator, and Check(client, req) runs
// them without sending: a dry run of a batch before SendAll.
//
// A Limiter paces every HTTP attempt of a client to one provider account
// (retries, PayOS token requests and webhook confirmations included) and
// shares the pauses the provider asks for (429 Retry-After, an exhausted
// x-ratelimit window) with every other user of the Limiter. WithRateLimit
// gives a client its own (NewLimiter); WithLimiter shares one between
// clients, and module github.com/payoutkit/payout/pgstore has one shared
// by replicas through PostgreSQL.
//
// Errors are *Error values with a provider-neutral Code; match them with
// errors.Is against the ErrXxx sentinels, or errors.As to read the HTTP
// status, the provider's own code, the request id and Retry-After.
//
// The SDK is quiet: it logs nothing unless given a *slog.Logger with
// WithLogger, and never logs or prints secrets; phone numbers in its log
// lines are masked.
package payout
