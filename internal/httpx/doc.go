// Package httpx is the one HTTP engine every adapter sends through. It
// configures go-retryablehttp rather than forking it:
//
//   - CheckRetry is Policy.Check: a decision that knows the method and whether
//     the request carries an idempotency key, and says why it retries;
//   - Backoff is Backoff: exponential with jitter, honouring Retry-After in
//     seconds or as an HTTP date; the wait ends the moment the context does;
//   - ErrorHandler passes the last response through, so its status and body
//     survive the last attempt and become a typed *payout.Error;
//   - an httptrace per call that can create a payout records whether any
//     attempt may have reached the provider, which turns an exhausted or
//     cancelled payout POST into payout.ErrOutcomeUnknown instead of a plain
//     failure. "Never sent" must be proved (the limiter held the request,
//     the context ended before the hand-off, net/http asked for a
//     connection and got none, or an untraced transport failed to dial);
//     after an attempt that may have been served, only an answer about the
//     request itself settles the call (Settles);
//   - a transport wrapper paces requests (optional token bucket) and obeys
//     x-ratelimit-remaining: 0;
//   - logs go to the caller's slog.Logger only, through a handler that
//     removes registered secrets and masks phone numbers.
package httpx
