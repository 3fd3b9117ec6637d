package pgstore

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DefaultSchema and DefaultTablePrefix name where the module's tables live
// unless WithSchema and WithTablePrefix say otherwise.
const (
	DefaultSchema      = "public"
	DefaultTablePrefix = "payout_"
)

// Option configures where the module's tables are: Migrate, NewStore,
// NewLimiter and the Ledger take the same options, and must be given the
// same ones to find the same tables.
type Option func(*config)

// WithSchema puts the tables in the PostgreSQL schema name (default
// "public"). Migrate creates the schema when it does not exist.
func WithSchema(name string) Option {
	return func(c *config) {
		if name == "" || strings.ContainsRune(name, 0) || len(name) > maxIdentifier {
			c.fail(fmt.Errorf("pgstore: WithSchema: %q is not a schema name (1 to %d bytes, no NUL)", name, maxIdentifier))
			return
		}
		c.schema = name
	}
}

// WithTablePrefix starts every table's name with prefix (default
// "payout_"), so that the tables of two deployments sharing a schema never
// collide. The prefix is letters, digits and underscores, and may be empty.
func WithTablePrefix(prefix string) Option {
	return func(c *config) {
		if !prefixPattern.MatchString(prefix) {
			c.fail(fmt.Errorf("pgstore: WithTablePrefix: %q must be letters, digits and underscores, at most %d bytes", prefix, maxPrefix))
			return
		}
		c.prefix = prefix
	}
}

// maxIdentifier is PostgreSQL's identifier length (NAMEDATALEN-1); longer
// names are silently truncated by the server, so they are refused here.
const maxIdentifier = 63

// maxPrefix leaves room for the longest table or index name the
// migrations use after the prefix.
const maxPrefix = 24

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_]{0,24}$`)

// config is the resolved set of Options.
type config struct {
	schema, prefix string
	errs           []error
}

func newConfig(opts []Option) (config, error) {
	c := config{schema: DefaultSchema, prefix: DefaultTablePrefix}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c, errors.Join(c.errs...)
}

func (c *config) fail(err error) { c.errs = append(c.errs, err) }

// table is the quoted, schema-qualified name of the table called name
// after the prefix: "public"."payout_webhook_events".
func (c config) table(name string) string {
	return pgx.Identifier{c.schema, c.prefix + name}.Sanitize()
}

// name is the quoted, unqualified name of an index or constraint called
// name after the prefix. Indexes live in their table's schema.
func (c config) name(name string) string {
	return pgx.Identifier{c.prefix + name}.Sanitize()
}

// placeholder matches the names a migration writes instead of identifiers:
// {{schema}}, {{table NAME}} and {{name NAME}}. See the package doc.
var placeholder = regexp.MustCompile(`\{\{\s*(schema|table|name)(?:\s+([a-z0-9_]+))?\s*\}\}`)

// expand replaces the placeholders of a migration's SQL by quoted
// identifiers. A placeholder it does not know is an error, never SQL sent
// as written.
func (c config) expand(sql string) (string, error) {
	var bad []string
	out := placeholder.ReplaceAllStringFunc(sql, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		switch {
		case sub[1] == "schema" && sub[2] == "":
			return pgx.Identifier{c.schema}.Sanitize()
		case sub[1] == "table" && sub[2] != "":
			return c.table(sub[2])
		case sub[1] == "name" && sub[2] != "":
			return c.name(sub[2])
		}
		bad = append(bad, m)
		return m
	})
	if i := strings.Index(out, "{{"); i >= 0 && len(bad) == 0 {
		end := min(len(out), i+40)
		bad = append(bad, out[i:end])
	}
	if len(bad) > 0 {
		return "", fmt.Errorf("pgstore: unknown placeholder %q", bad[0])
	}
	return out, nil
}
