// Command payout is an operator's tool for one payout provider at a time:
// look a payout up by id or by reference, list recent PalPluss transactions,
// read the PalPluss service wallet's balance, send one payout, and pay a
// whole CSV file of payouts, resumably.
//
//	payout -provider palpluss|payos get <transaction-id>
//	payout -provider palpluss|payos find <reference>
//	payout -provider palpluss balance
//	payout -provider palpluss list [-limit N] [-status S]
//	payout -provider palpluss|payos send -reference R -amount 500.00 -phone 0712345678 \
//	       [-name N] [-description D] [-callback URL] [-sender-json FILE] [-yes]
//	payout -provider palpluss|payos batch [-yes] [-state FILE] [-out FILE] [-rate N] \
//	       [-concurrency N] [-sender-json FILE] [-retry-failed] [-resend-stale] payouts.csv
//	payout version
//
// "payout -h" prints this summary; "payout COMMAND -h" a command's own
// flags.
//
// Credentials come from the environment, never from flags, and are never
// printed: PALPLUSS_API_KEY (and optionally PALPLUSS_BASE_URL) for PalPluss;
// PAYOS_MERCHANT_ID, PAYOS_CLIENT_SECRET (and optionally PAYOS_BASE_URL) for
// PayOS. Point the base URLs at cmd/payout-sandbox to try the tool without
// real money.
//
// # Dry runs
//
// send and batch move real money, so without -yes they only check and print
// what they would send, and the base URL they would send it to. The check
// is the adapter's own (payout.Validator): a dry run that passes is a payout
// -yes sends, and one it refuses -yes refuses with the same error (PalPluss:
// whole shillings from KES 10 to KES 150,000; PayOS: KES 10 to KES 150,000,
// the recipient's name and the sender's KYC record). The amount is exact
// decimal KES ("500", "500.00"), never a float. PayOS's sender record is a
// JSON file of payout.Sender's fields (fullName, phoneNumber, nationality,
// identity, identityNumber, dateOfBirth, purposeOfFunds, sourceOfFunds,
// relationship) given with -sender-json.
//
// # Existing payouts
//
// Sending again with the same reference is safe: the SDK's idempotency makes
// the provider return the payout the first send created instead of paying
// twice. Neither provider's answer says that it is a replay, so send and
// batch decide from the payout's CreatedAt: created more than 2 seconds
// (for clock skew) before the call means an existing payout, and the output
// says so ("existing": true with -json, and in batch's results). A re-send
// within 2 seconds of the first is reported as new; it is still the same
// payout.
//
// # Batch
//
// batch pays every row of a CSV file whose header row names the columns:
// reference, phone, amount (required), name, description, callback_url, and
// the PayOS sender's KYC record as sender_full_name, sender_phone_number,
// sender_nationality, sender_identity, sender_identity_number,
// sender_date_of_birth, sender_purpose_of_funds, sender_source_of_funds,
// sender_relationship (or one record for every row with -sender-json).
// Names are matched case-insensitively; a UTF-8 BOM and CRLF line ends are
// fine; an unknown or repeated column, or a reference used by two rows,
// refuses the file. Nothing is sent while any row has a problem.
//
// With -yes the rows go through payout.SendAll, paced to -rate payouts a
// minute (default 60: PalPluss's documented limit; PayOS documents none and
// gets the same) with -concurrency in flight (default 4). A progress bar
// (done/total, rate, ETA, accepted/failed/unknown) is drawn when stdout is a
// terminal; otherwise a plain line is printed every 5 seconds (a JSON object
// with -json).
//
// The state file (-state, default the CSV's path + ".state") is a journal
// of JSON lines: a header binding it to the CSV's SHA-256 (and the
// -sender-json file's), the provider, its base URL and, for PayOS, the
// merchant id; then, for each row, a "sending" record written and fsynced
// before its Send and the outcome written and fsynced after. Run the same
// command after a crash, a kill -9 or Ctrl-C and it resumes, saying how
// many rows it found settled and in doubt: accepted rows are not sent
// again; rows whose outcome is unknown, or that were being sent when the
// process died, are sent again with the same reference, which the provider
// answers with the existing payout; a torn last line is dropped. PalPluss
// refuses a repeated Idempotency-Key, not a repeated reference, and does not
// say how long it remembers keys: a PalPluss row in doubt for more than a
// day is looked up by reference before anything is sent, recorded as
// accepted if found, and held back (exit 3) if not, until the operator has
// checked it and runs again with -resend-stale. Refused
// rows are settled (not paid, not sent again) unless -retry-failed is
// given; transient failures (rate limited, network, provider errors the SDK
// proves were not served) are sent again by the next run. A run over a
// finished file sends nothing. A state file of another CSV or account is
// refused; so is a second batch on a state file in use.
//
// The first SIGINT or SIGTERM stops new sends, waits for those in flight,
// records them and exits 5; a second one quits at once (the journal is
// crash-safe). -out writes every row's outcome (line, reference, outcome,
// provider id, status, amount, fee, error code, message, existing, resent)
// as CSV or, for .jsonl/.json/.ndjson, JSON lines, replacing the file whole.
//
// # Global flags
//
// Before or after the command:
//
//	-provider string   palpluss or payos (required)
//	-json              machine-readable output: one JSON object per line; errors too, on stderr
//	-timeout duration  bound on the whole command; for batch, on each request (default 30s)
//	-retries int       retries of a failed request (default 3)
//	-v                 debug logs to stderr (secrets redacted, phones masked)
//
// With -json a payout prints as an object whose amount and fee are
// {"minor":50000,"currency":"KES"}, and an error as
// {"error":{"code":"outcome_unknown","message":...,"exit":3,"reference":...}}.
// Human output is aligned "Key: value" lines, with the recipient's phone in
// full; an error is one line on stderr (a usage error adds where to find
// help: "(see payout send -h)").
//
// # Exit status
//
//	0  ok (batch: every row accepted)
//	1  failed: the provider or the network refused; not paid
//	   (batch: some rows refused, none in doubt)
//	2  usage error or invalid input (a bad flag, a bad CSV row, a state
//	   file of another batch); nothing was sent
//	3  outcome unknown: the payout MAY HAVE BEEN PAID. Never read it as
//	   "not paid": send again with the same reference, or run the same
//	   batch again, to learn the outcome
//	4  not found (get, find)
//	5  batch incomplete: interrupted or stopped before its end; run the
//	   same command again to resume
//
// A batch with rows in doubt exits 3 before 5 before 1.
package main
