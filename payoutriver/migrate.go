package payoutriver

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/payoutkit/payout/pgstore"
)

// Migrate creates or upgrades everything a Service needs in pool's
// database: River's tables (rivermigrate, in riverSchema, or the
// search_path's schema when empty; created when missing; give
// river.Config.Schema the same) and
// pgstore's (the ledger, the limiter, the webhook store, located by
// opts). Every replica may call it at start-up.
//
// riverSchema must be a name river.Config.Schema accepts (letters, digits
// and underscores, not starting with a digit): rivermigrate does not check
// it, and River's driver writes it into SQL as a string literal.
func Migrate(ctx context.Context, pool *pgxpool.Pool, riverSchema string, opts ...pgstore.Option) error {
	if riverSchema != "" && !riverSchemaName.MatchString(riverSchema) {
		return fmt.Errorf("payoutriver: Migrate: riverSchema %q must be letters, digits and underscores, not starting with a digit (as river.Config.Schema)", riverSchema)
	}
	if riverSchema != "" {
		// rivermigrate expects its schema to exist.
		if _, err := pool.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{riverSchema}.Sanitize()); err != nil {
			return fmt.Errorf("payoutriver: migrate: create schema: %w", err)
		}
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: riverSchema})
	if err != nil {
		return fmt.Errorf("payoutriver: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("payoutriver: migrate river: %w", err)
	}
	return pgstore.Migrate(ctx, pool, opts...)
}

// riverSchemaName is the rule river.NewClient applies to Config.Schema.
var riverSchemaName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
