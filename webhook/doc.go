// Package webhook receives payout providers' webhooks safely: it
// authenticates each delivery, parses it with the provider's parser, hands
// each event to the application once, and answers the provider so that it
// redelivers exactly what was not processed.
//
// # Threat model
//
// A webhook endpoint is a URL on the public internet. Anyone who finds it
// can POST to it: a well-formed "payout succeeded" for a payout that failed,
// a replay of a real delivery captured earlier, a body of a gigabyte. The
// provider itself delivers some events twice, late, or out of order. So a
// request is untrusted until it is proved otherwise:
//
//   - its body is capped (1 MiB) before anything else;
//   - it is authenticated before it is parsed (a StandardVerifier checks the
//     provider's signature; a CallbackSigner's Verifier checks a token in
//     the URL);
//   - its claims can be checked with the provider (WithConfirm): the
//     application then sees the payout as the provider's API reports it;
//   - it is deduplicated by event id (Store), and the answer tells the
//     provider whether to deliver it again.
//
// # What each provider gives
//
// PayOS signs with Standard Webhooks (delivered through Svix): headers
// svix-id, svix-timestamp and svix-signature (or webhook-*), an HMAC-SHA256
// of "id.timestamp.body" under the endpoint's "whsec_..." secret.
// StandardVerifier checks it, with secret rotation and a five-minute window
// against replays; Sign produces such headers for tests. The svix-id is
// stable across redeliveries, so it is the deduplication key.
//
// PalPluss signs nothing: it POSTs the transaction to the callback URL given
// with the payout. CallbackSigner makes that URL carry the payout's
// reference and an HMAC token of it; its Verifier rejects requests without
// a valid token and events about any other payout. The token shows the
// request knows a URL only the merchant and the provider know; it cannot
// show the status in the body is true, so pair it with WithConfirm (for
// example ConfirmByGet with the palpluss client), which replaces the
// event's payout with the answer of GET /transactions/{id}.
//
// # Duplicates and answers
//
// Providers retry until they get a 2xx, and sometimes deliver an event
// twice anyway. The Handler answers:
//
//   - 2xx once the application's HandleFunc accepted the event, and for a
//     duplicate of an event already processed (it is not handed on again),
//     and for events of types nobody knows (the HandleFunc sees them and
//     decides: rejecting them would only make the provider retry in vain);
//   - 409 for a duplicate arriving while the first delivery is still being
//     processed, so that the provider comes back once the outcome is known;
//   - 500 when the HandleFunc fails or panics: the claim on the event is
//     released, and the provider's redelivery is processed;
//   - 503 when the deduplication store or the confirmation cannot work
//     now; 422 when the provider does not know the event's transaction;
//   - 400, 401, 405 and 413 for requests that are malformed, not authentic,
//     not POST or too large.
//
// Deduplication cannot be perfect (a process can die after acting and
// before answering), so the HandleFunc must be idempotent: record a
// payout's terminal status only once, and ignore an event that would move
// a payout back from a terminal status.
//
// NewMemoryStore deduplicates within one process. With several replicas
// behind a load balancer, give them one shared Store (Redis, SQL; see
// Store).
package webhook
