package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Beginner starts transactions: *pgxpool.Pool, *pgx.Conn and pgx.Tx are
// all Beginners.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// migration is one file of migrations/.
type migration struct {
	version int
	name    string // file name without the version and ".sql"
	sql     string // as written, placeholders unexpanded
}

// migrationName is the file-naming convention of migrations/ (see the
// package doc): a three-digit version, an underscore, a lower-case name.
var migrationName = regexp.MustCompile(`^([0-9]{3})_([a-z0-9_]+)\.sql$`)

// loadMigrations reads migrations/ in version order and checks that the
// versions run 1, 2, 3 ... without a gap or a duplicate, so that two
// changes that picked the same number fail every test instead of one
// being skipped on some databases.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	paths, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, p := range paths {
		m := migrationName.FindStringSubmatch(path.Base(p))
		if m == nil {
			return nil, fmt.Errorf("pgstore: migration %s: name must be NNN_name.sql", p)
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %03d_%s: expected version %03d (versions run 001, 002, ... without gaps or duplicates)", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

// migrateLockClass is the first key of the advisory lock Migrate holds
// ("pa"); the second is a hash of the schema and prefix, so migrations of
// unrelated deployments in one database do not wait for each other.
const migrateLockClass = 0x7061

// Migrate creates or upgrades the module's tables: it applies, in version
// order, every embedded migration the database has not recorded yet, and
// records each in the table "<prefix>schema_migrations". It is safe to call
// from every replica at start-up: concurrent calls are serialised by a
// transaction-scoped advisory lock, and all pending migrations apply in one
// transaction, so a failure leaves the database as it was.
//
// A database already at a later version than this code knows (a newer
// replica migrated it first) is left alone. A recorded version whose name
// differs from this code's file of the same number is an error: the two
// builds disagree about the schema.
//
// Give Migrate the same Options as NewStore, NewLimiter and the Ledger.
func Migrate(ctx context.Context, db Beginner, opts ...Option) error {
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return err
	}
	return migrate(ctx, db, cfg, ms)
}

func migrate(ctx context.Context, db Beginner, cfg config, ms []migration) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op

	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`,
		migrateLockClass, cfg.schema+"/"+cfg.prefix); err != nil {
		return fmt.Errorf("pgstore: migrate: lock: %w", err)
	}
	versions := cfg.table("schema_migrations")
	if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{cfg.schema}.Sanitize()); err != nil {
		return fmt.Errorf("pgstore: migrate: create schema: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+versions+` (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("pgstore: migrate: create %s: %w", versions, err)
	}
	rows, err := tx.Query(ctx, `SELECT version, name FROM `+versions)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: read %s: %w", versions, err)
	}
	applied := map[int]string{}
	var v int
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&v, &name}, func() error {
		applied[v] = name
		return nil
	}); err != nil {
		return fmt.Errorf("pgstore: migrate: read %s: %w", versions, err)
	}
	for _, m := range ms {
		if got, ok := applied[m.version]; ok {
			if got != m.name {
				return fmt.Errorf("pgstore: migrate: version %03d is recorded as %q, this build calls it %q", m.version, got, m.name)
			}
			continue
		}
		sql, err := cfg.expand(m.sql)
		if err != nil {
			return fmt.Errorf("pgstore: migration %03d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("pgstore: migration %03d_%s: %w", m.version, m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+versions+` (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return fmt.Errorf("pgstore: migration %03d_%s: record: %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: migrate: commit: %w", err)
	}
	return nil
}
