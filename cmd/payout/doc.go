// Command payout is an operator's tool for one payout provider at a time:
// look a payout up by id or by reference, list recent PalPluss transactions,
// read the PalPluss service wallet's balance, and send one payout.
//
//	payout -provider palpluss|payos get <transaction-id>
//	payout -provider palpluss|payos find <reference>
//	payout -provider palpluss balance
//	payout -provider palpluss list [-limit N] [-status S]
//	payout -provider palpluss|payos send -reference R -amount 500.00 -phone 0712345678 \
//	       [-name N] [-description D] [-callback URL] [-sender-json FILE] [-yes]
//
// Credentials come from the environment, never from flags, and are never
// printed: PALPLUSS_API_KEY (and optionally PALPLUSS_BASE_URL) for PalPluss;
// PAYOS_MERCHANT_ID, PAYOS_CLIENT_SECRET (and optionally PAYOS_BASE_URL) for
// PayOS. Point the base URLs at cmd/payout-sandbox to try the tool without
// real money.
//
// send moves real money, so without -yes it only validates the request and
// prints what it would send (a dry run). With -yes it sends exactly one
// payout. Sending again with the same -reference is safe: the SDK's
// idempotency returns the payout the first send created instead of paying
// twice. The amount is exact decimal KES ("500", "500.00"), never a float;
// PalPluss pays whole shillings only. PayOS requires the sender's
// know-your-customer record: a JSON file of payout.Sender's fields
// (fullName, phoneNumber, nationality, identity, identityNumber,
// dateOfBirth, purposeOfFunds, sourceOfFunds, relationship) given with
// -sender-json.
//
// Global flags (before or after the command):
//
//	-provider string   palpluss or payos (required)
//	-json              machine-readable output: one JSON object per line
//	-timeout duration  bound on the whole command (default 30s)
//	-retries int       retries of a failed request (default 3)
//	-v                 debug logs to stderr (secrets redacted, phones masked)
//
// With -json a payout prints as an object whose amount and fee are
// {"minor":50000,"currency":"KES"}. Human output is aligned "Key: value"
// lines, with the recipient's phone in full.
//
// Exit status: 0 on success; 1 when the provider or the network failed (the
// error's one line is printed on stderr; when the outcome of a send is
// unknown, a hint says how to find out); 2 for usage errors (unknown
// command, missing argument, bad flag value; the message names the flag).
package main
