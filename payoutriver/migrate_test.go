package payoutriver_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/payoutriver"
	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
)

// TestMigrateCreatesRiverSchema: Migrate works on a schema that does not
// exist yet (rivermigrate alone fails there), and twice.
func TestMigrateCreatesRiverSchema(t *testing.T) {
	db := pgstoretest.New(t)
	pool := db.Pool()
	ctx := context.Background()
	schema := db.Schema + "_fresh"
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
		assert.NoError(t, err)
	})
	for range 2 {
		require.NoError(t, payoutriver.Migrate(ctx, pool, schema, pgstore.WithSchema(schema)))
	}
	var tables int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('river_job', 'payout_ledger', 'payout_rate_limits')`, schema).Scan(&tables))
	assert.Equal(t, 3, tables)
}

// Review 2 of issue 13: rivermigrate does not check its schema name, and
// River's driver writes it into a string literal ('schema') when it looks
// for a column: a riverSchema with a quote ran as SQL. Migrate refuses,
// before any statement, every name River's own Client would refuse.
func TestMigrateRefusesARiverSchemaRiverWouldNotQuote(t *testing.T) {
	db := pgstoretest.New(t)
	pool := db.Pool()
	ctx := context.Background()
	for _, bad := range []string{db.Schema + "'||(SELECT 'x' FROM pg_sleep(0))||'", db.Schema + `"x`, "9" + db.Schema, db.Schema + "-x"} {
		err := payoutriver.Migrate(ctx, pool, bad, db.Options()...)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "riverSchema", bad)
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, bad).Scan(&n))
		assert.Zero(t, n, "nothing was created for %q", bad)
	}
}
