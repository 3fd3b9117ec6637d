package pgstore

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmbeddedMigrationsLoad: the shipped migrations follow the naming
// convention, run 001.. without gaps, and expand without unknown
// placeholders.
func TestEmbeddedMigrationsLoad(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	cfg, err := newConfig(nil)
	require.NoError(t, err)
	for _, m := range ms {
		sql, err := cfg.expand(m.sql)
		require.NoError(t, err, m.name)
		assert.NotContains(t, sql, "{{", m.name)
	}
}

// TestLoadMigrationsRefusesDuplicatesAndGaps: two changes that picked the
// same number, or a skipped number, fail loudly.
func TestLoadMigrationsRefusesDuplicatesAndGaps(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("SELECT 1")}
	for name, fsys := range map[string]fstest.MapFS{
		"duplicate": {"migrations/001_a.sql": file, "migrations/002_b.sql": file, "migrations/002_c.sql": file},
		"gap":       {"migrations/001_a.sql": file, "migrations/003_c.sql": file},
		"badname":   {"migrations/001_a.sql": file, "migrations/2_b.sql": file},
	} {
		_, err := loadMigrations(fsys)
		assert.Error(t, err, name)
	}
	ms, err := loadMigrations(fstest.MapFS{"migrations/002_b.sql": file, "migrations/001_a.sql": file})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, []int{ms[0].version, ms[1].version})
}

// TestExpand: each placeholder becomes a quoted identifier from the
// options; an unknown one is an error.
func TestExpand(t *testing.T) {
	cfg, err := newConfig([]Option{WithSchema(`My"Schema`), WithTablePrefix("p_")})
	require.NoError(t, err)
	got, err := cfg.expand(`CREATE TABLE {{table t}} (); CREATE INDEX {{ name t_idx }} ON {{table t}} (a); SET search_path = {{schema}};`)
	require.NoError(t, err)
	assert.Equal(t, `CREATE TABLE "My""Schema"."p_t" (); CREATE INDEX "p_t_idx" ON "My""Schema"."p_t" (a); SET search_path = "My""Schema";`, got)

	for _, bad := range []string{`{{tabel t}}`, `{{table}}`, `{{schema x}}`, `{{table T}}`} {
		_, err := cfg.expand(bad)
		assert.Error(t, err, bad)
	}
}
