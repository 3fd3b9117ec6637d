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
