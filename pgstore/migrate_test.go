package pgstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/pgstore"
	"github.com/payoutkit/payout/pgstore/pgstoretest"
)

// TestMigrateConcurrentAndIdempotent: eight replicas migrating one fresh
// schema at once all succeed, every migration is recorded once, and a
// second round changes nothing.
func TestMigrateConcurrentAndIdempotent(t *testing.T) {
	db := pgstoretest.New(t)
	ctx := context.Background()
	pool := db.Pool()
	opts := append(db.Options(), pgstore.WithTablePrefix("conc_"))

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pgstore.Migrate(ctx, pool, opts...)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "migrator %d", i)
	}
	require.NoError(t, pgstore.Migrate(ctx, pool, opts...))

	versions := pgx.Identifier{db.Schema, "conc_schema_migrations"}.Sanitize()
	rows, err := pool.Query(ctx, `SELECT version, name FROM `+versions+` ORDER BY version`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Version int
		Name    string
	}])
	require.NoError(t, err)
	require.NotEmpty(t, got)
	for i, v := range got {
		assert.Equal(t, i+1, v.Version, "versions recorded once each, in order")
	}
	assert.Equal(t, "webhook_events", got[0].Name)

	// The prefixed tables exist beside the default-prefixed ones of
	// pgstoretest.New, and do not replace them.
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN ('conc_webhook_events', 'payout_webhook_events')`, db.Schema).Scan(&n))
	assert.Equal(t, 2, n)
}

// TestMigrateQuotesNames: a schema name that would be SQL if pasted
// unquoted is only a name.
func TestMigrateQuotesNames(t *testing.T) {
	db := pgstoretest.New(t)
	ctx := context.Background()
	pool := db.Pool()
	schema := db.Schema + `"; DROP TABLE x; --`
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
	})

	require.NoError(t, pgstore.Migrate(ctx, pool, pgstore.WithSchema(schema)))
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'payout_webhook_events'`, schema).Scan(&n))
	assert.Equal(t, 1, n)
}

// TestMigrateRefusesBadOptions: bad names are errors naming the option,
// before any SQL runs.
func TestMigrateRefusesBadOptions(t *testing.T) {
	ctx := context.Background()
	err := pgstore.Migrate(ctx, nil, pgstore.WithTablePrefix("bad-prefix"))
	require.ErrorContains(t, err, "WithTablePrefix")
	err = pgstore.Migrate(ctx, nil, pgstore.WithSchema(""))
	require.ErrorContains(t, err, "WithSchema")
}
