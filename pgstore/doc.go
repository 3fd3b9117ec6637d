// Package pgstore keeps the payout SDK's shared state in PostgreSQL, so
// that several replicas of one service behave as one: a webhook.Store that
// deduplicates deliveries across replicas (Store), a payout.Limiter that
// paces every replica's requests to one provider account (Limiter), and the
// payout Ledger. It is its own module (github.com/payoutkit/payout/pgstore,
// on github.com/jackc/pgx/v5) so that the core SDK keeps its small
// dependency set.
//
// # Setting up
//
// Open a *pgxpool.Pool and call Migrate once at start-up (every replica may
// call it; calls are serialised):
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	if err := pgstore.Migrate(ctx, pool); err != nil { ... }
//	store, err := pgstore.NewStore(pool)
//	limiter, err := pgstore.NewLimiter(pool, "palpluss:"+accountID, 60, time.Minute)
//
// # Where the tables are
//
// Every table lives in one schema, "public" unless WithSchema says
// otherwise, and its name starts with a prefix, "payout_" unless
// WithTablePrefix says otherwise: the webhook store is
// "public"."payout_webhook_events". Migrate, NewStore, NewLimiter and the
// Ledger take the same Options; give them the same ones. Names are always
// quoted (pgx.Identifier), so a schema may hold any character but NUL.
//
// # When the database is unreachable
//
// Store's methods return errors: the webhook.Handler answers 503 and the
// provider delivers again later, so nothing is lost and nothing is handled
// twice. Limiter fails closed: Wait returns an error matching
// ErrLimiterUnavailable within QueryTimeout, and the client sends nothing
// and reports the request as never sent (payout.ErrNetwork, never
// payout.ErrOutcomeUnknown), to be sent again later with the same
// Reference. Sending without the shared pace would let every replica spend
// the whole limit.
//
// # Expired rows
//
// Expired webhook rows already count as free, so they never change an
// answer; Store.Purge deletes them in short batches. Run it from time to
// time (hourly is plenty) on one replica or all of them.
//
// # Clocks
//
// Every expiry, lease and rate-limit slot is computed by the database's
// clock (now()), never by the replicas', so replicas whose clocks disagree
// still agree on who holds a claim and when the next request may go.
//
// # Migrations
//
// The SQL that creates and upgrades the tables is embedded in the module,
// one file per version under migrations/, named NNN_name.sql: a three-digit
// version, an underscore, and a lower-case name of letters, digits and
// underscores (001_webhook_events.sql, 002_rate_limits.sql). Versions run
// 001, 002, 003 ... without gaps or duplicates; a new migration takes the
// next number, and a released migration is never edited (add another).
// Migrate applies the ones a database has not recorded, in one
// transaction, in order.
//
// A migration names its objects through placeholders, which Migrate
// replaces by quoted identifiers built from the Options:
//
//	{{schema}}      the schema:                      "public"
//	{{table NAME}}  a table, schema-qualified:       "public"."payout_NAME"
//	{{name NAME}}   an index or constraint name:     "payout_NAME"
//
// NAME is lower-case letters, digits and underscores. A placeholder
// Migrate does not know fails the migration. Migrations run inside a
// transaction, so they cannot use CREATE INDEX CONCURRENTLY.
//
// # Tests
//
// Package pgstoretest gives each test a fresh, migrated schema of its own
// in the database named by PAYOUT_TEST_DATABASE_URL; the repository's
// scripts/testdb starts a throwaway PostgreSQL for `make test`.
package pgstore
