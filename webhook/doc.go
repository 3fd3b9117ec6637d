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
//   - its body is capped (1 MiB) and must arrive within a read deadline,
//     before anything else;
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
//     decides: rejecting them would only make the provider retry in vain),
//     and for a stale event the provider's record has moved past (a FAILED
//     confirmed after the payout was REVERSED: not handed on);
//   - 409 for a duplicate arriving while the first delivery is still being
//     processed, so that the provider comes back once the outcome is known;
//   - 500 when the HandleFunc fails or panics: the claim on the event is
//     released, and the provider's redelivery is processed;
//   - 503 (with Retry-After) when the deduplication store or the
//     confirmation cannot work now, or the confirmation budget is spent;
//   - 422 when the provider's record does not back the event: it does not
//     know the transaction, or reports another payout or another status
//     than the event claims (the event is neither handed on nor remembered,
//     so the genuine delivery of that status is processed when it comes);
//   - 400, 401, 405, 408 and 413 for requests that are malformed, not
//     authentic, not POST, too slow or too large.
//
// Deduplication cannot be perfect (a process can die after acting and
// before answering), so the HandleFunc must be idempotent: record a
// payout's terminal status only once, and ignore an event that would move
// a payout back from a terminal status.
//
// # Several replicas
//
// NewMemoryStore deduplicates within one process. With several replicas
// behind a load balancer, give them one shared Store (Redis, SQL, the
// pgstore module; see Store). Each claim is a Lease with an owner token: a
// delivery whose lease ran out while its HandleFunc was slow, and whose
// event another replica took over, can no longer release that replica's
// claim (ErrLeaseLost) and let a third delivery in: a delivery runs beside
// an earlier one only once the earlier one's lease has expired. Make the
// claim ttl
// (WithClaimTTL) longer than the HandleFunc takes, and make the HandleFunc
// idempotent for the rare takeover. webhooktest.StoreConformance checks a
// Store against this contract.
//
// # Serving it
//
// A Handler bounds what it reads (WithMaxBody) and how long it waits for a
// body (WithReadTimeout, through http.ResponseController), and never
// allocates ahead of the bytes that arrived. The rest belongs to the
// http.Server, whose zero value waits for ever; set its timeouts:
//
//	srv := &http.Server{
//		Addr:              ":8443",
//		Handler:           mux,
//		ReadHeaderTimeout: 5 * time.Second,  // slow headers
//		ReadTimeout:       15 * time.Second, // headers and body
//		WriteTimeout:      60 * time.Second, // longer than confirmation + HandleFunc
//		IdleTimeout:       60 * time.Second, // kept-alive connections
//		MaxHeaderBytes:    16 << 10,         // webhook headers are small
//	}
//	log.Fatal(srv.ListenAndServeTLS(certFile, keyFile))
//
// A WriteTimeout shorter than the HandleFunc loses the answer, not the
// event: the provider delivers it again and finds it processed.
//
// # What a flood costs
//
// PalPluss does not sign its callbacks, and a callback URL travels through
// logs, proxies and browser histories; assume one leaks. With it, anyone
// can POST events about that one payout (the token binds the reference).
// Each such request costs the Handler at most the body (capped, read within
// the read timeout), one HMAC, one parse and one Store claim (keys are
// bounded to MaxKeyLen bytes, MemoryStore to DefaultMaxBytes) — and, for
// the confirmation, a Get on the merchant's API key, which PalPluss limits
// to 60 a minute for everything, Sends included. So confirmations are
// coalesced (one Get for concurrent deliveries naming one transaction),
// reused for two seconds (unless a delivery claims a later status than the
// answer), and budgeted (ConfirmLimits): by default, for any one payout, 2
// at once and then one every 10 s (6 a minute), and 20 a minute in all, 4
// at once. A flood through one leaked URL therefore costs at most 6 Gets a
// minute; floods through many cost at most 20 a minute, and 40 of
// PalPluss's 60 stay for Sends. Once the payout really settles, the next
// delivery about it (the flood's own, or PalPluss's) is confirmed with the
// new status and processed, so a flood delays its effect by seconds, no
// more.
// Deliveries past the budget are answered 503 with Retry-After, and the
// provider delivers them again; a genuine callback that keeps landing in
// a flood may exhaust its redeliveries (PalPluss: five, over about ten
// minutes), so reconcile payouts that stay pending by Get, as you must
// for a lost callback anyway. No forged status reaches the HandleFunc: an
// event is handed on only with the status the provider confirms.
package webhook
