// Package payoutriver runs payouts durably on River
// (github.com/riverqueue/river), the PostgreSQL job queue, on the ledger
// of package pgstore: a batch of thousands of payouts survives deploys and
// crashes, keeps to one provider rate limit across every replica, never
// pays anyone twice and learns how every payout ended, even when its
// webhook never arrives.
//
// It is its own module (github.com/payoutkit/payout/payoutriver), so that
// the core SDK does not depend on River.
//
// # Setting up
//
// Once, at start-up, on every replica:
//
//	pool, _ := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	_ = payoutriver.Migrate(ctx, pool, "")          // River's tables and pgstore's
//	limiter, _ := pgstore.NewLimiter(pool, "palpluss:"+account, 60, time.Minute)
//	pal, _ := palpluss.NewFromEnv(payout.WithLimiter(limiter))
//	svc, _ := payoutriver.New(payoutriver.Config{
//		Pool:    pool,
//		Clients: map[string]payout.Client{"palpluss": pal},
//		Logger:  logger,
//	})
//	rc, _ := svc.NewRiverClient(&river.Config{Queues: map[string]river.QueueConfig{}})
//	_ = rc.Start(ctx)
//	http.Handle("/webhooks/palpluss", pal.WebhookHandler(svc.HandleEvent, webhook.WithStore(store)))
//
// Every provider call (Send, Get, FindByReference, the Get that confirms a
// PalPluss webhook) goes through the clients, so build them with
// payout.WithLimiter on a limiter every replica shares: the limit holds
// for the whole deployment, retries included.
//
// # The life of a payout
//
//  1. Enqueue. EnqueueTx, inside the transaction that records the
//     business decision (the payroll line, the withdrawal), writes the
//     payout's ledger intent and inserts its send job. Commit: the payout
//     will be attempted. Rollback: it never existed; nothing is sent.
//  2. Send. The send worker reads the ledger first. A payout the ledger
//     shows as accepted or final is never sent again (River deletes
//     completed jobs after a day; the ledger's primary key is the
//     long-term guard). Otherwise it calls Send with the job's Reference
//     and records the answer:
//     accepted: the entry becomes pending, a reconcile job is scheduled
//     for Config.FirstCheck later and the send job completes, in one
//     transaction;
//     unknown outcome or a retryable error: the entry becomes unknown and
//     River retries the job, with the same Reference, after a capped,
//     jittered backoff; the adapters make that resend idempotent, so it
//     returns the payout the first attempt created, if it did;
//     definite refusal (insufficient funds, a refused recipient) or an
//     invalid request: the entry becomes refused, with the reason, and the
//     job is cancelled; nothing is retried. A refusal that settles nothing
//     (401, 403, a conflict) after an attempt that may have created the
//     payout (an unknown outcome, a process that died during a Send, which
//     pgstore.Ledger.StartSend counts) is no refusal: the entry stays
//     unknown, is flagged as needing attention, and River retries.
//  3. Reconcile. Until the entry is final, its reconcile job asks the
//     provider (Get by id; for an unknown outcome without an id,
//     FindByReference when the client implements Finder) and snoozes
//     between checks, the waits doubling from FirstCheck up to
//     MaxCheckInterval with ±20% jitter. An unknown outcome the look-up
//     does not find is resent, with the same Reference, only within
//     Config.ResendWithin (default 24 hours) of its intent: PalPluss's
//     look-up scans only its newest transactions, and how long a provider
//     keeps an Idempotency-Key is undocumented, so past it a resend could
//     pay twice. Such a payout is flagged as needing attention instead,
//     never resent, and checks go on (a later look-up that finds it still
//     settles it). A payout not final after
//     Config.AttentionAfter is flagged as needing attention and logged;
//     checks go on.
//  4. Webhooks. HandleEvent applies a provider's webhook to the same
//     ledger entry through the same pgstore.Ledger.Apply as the checks, so
//     a callback and a poll converge on one record and neither can move
//     it back. A final status ends the checks early: the reconcile job
//     finds the entry final and completes without calling the provider.
//  5. Sweep. A periodic job (Config.SweepInterval, run by River's
//     elected leader) gives every entry due for a check a reconcile job,
//     so that no payout is forgotten when a job was lost.
//
// Progress reports a batch's counts (queued, unknown, accepted,
// succeeded, failed, refused, needing attention) from the ledger.
//
// # Personal data in river_job
//
// By default a send job's arguments (river_job.args) hold the whole
// payout.Request: the recipient's name and phone number, the description,
// the callback URL and, for PayOS, the sender's KYC record (full name,
// phone, nationality, identity document type and number, date of birth,
// purpose and source of funds, relationship). River keeps completed jobs
// for a day (river.Config.CompletedJobRetentionPeriod), and backups keep
// them longer. To keep that out of the jobs table, set
// Config.LoadRequest: jobs then carry only the Reference, provider and
// batch id, and the worker rebuilds the request from your own row by
// Reference (checked against the ledger's intent before it is sent). The
// ledger itself holds the amount and the phone number, in your database.
//
// # Logs
//
// With Config.Logger, every decision is one line carrying the Reference
// ("payout accepted", "payout outcome unknown; River retries with the
// same Reference", "payout needs attention"...). Phone numbers and KYC are
// never logged.
package payoutriver
