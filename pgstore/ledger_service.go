package pgstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/phone"
)

// Ledger is the durable record of which payouts were asked for and how
// each ended: one row per Reference, in the table "<prefix>ledger".
//
// The intent is written before the first Send (Intend, optionally in the
// caller's transaction beside their own row: With(tx)), the Send's result
// after it (RecordSend), and every later report (a webhook, a Get, a
// search by reference) through Apply, so that a callback and a poll
// converge on one record. Every write moves an entry forward only (see
// Status), and the rule is enforced by the UPDATE statement itself, so
// writers on any number of replicas cannot make an entry go back.
//
// A Ledger is safe for concurrent use.
type Ledger struct {
	db    Querier
	cfg   config
	table string
}

// NewLedger returns a Ledger on db (usually a *pgxpool.Pool) with the
// tables Migrate created under the same Options.
func NewLedger(db Querier, opts ...Option) (*Ledger, error) {
	if db == nil || reflect.ValueOf(db).Kind() == reflect.Pointer && reflect.ValueOf(db).IsNil() {
		return nil, errors.New("pgstore: NewLedger: nil database")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Ledger{db: db, cfg: cfg, table: cfg.table("ledger")}, nil
}

// With returns a Ledger that runs its statements on q: pass the caller's
// pgx.Tx to write the intent in the same transaction as the business row
// that decided the payout (commit: both exist; rollback: neither).
func (l *Ledger) With(q Querier) *Ledger {
	cp := *l
	cp.db = q
	return &cp
}

// entryColumns are the columns scanEntry reads, in order, qualified
// by alias when it is not empty.
func entryColumns(alias string) string {
	a := ""
	if alias != "" {
		a = alias + "."
	}
	cols := []string{"reference", "provider", "provider_id", "amount_minor", "currency", "phone", "batch_id",
		"status", "provider_status", "receipt", "failure_code", "failure_message", "sends", "attempts", "checks",
		"last_error_code", "last_error_message", "needs_attention", "attention_reason",
		"next_check_at", "created_at", "updated_at", "accepted_at", "final_at"}
	for i, c := range cols {
		cols[i] = a + c
		if c == "provider_id" {
			cols[i] = "coalesce(" + a + c + ", '')"
		}
	}
	return strings.Join(cols, ", ")
}

func scanEntry(row pgx.Row, extra ...any) (Entry, error) {
	var e Entry
	var currency, status string
	var next, accepted, final *time.Time
	dest := append([]any{&e.Reference, &e.Provider, &e.ProviderID, &e.Amount.Minor, &currency, &e.Phone, &e.BatchID,
		&status, &e.ProviderStatus, &e.Receipt, &e.FailureCode, &e.FailureMessage, &e.Sends, &e.Attempts, &e.Checks,
		&e.LastErrorCode, &e.LastErrorMessage, &e.NeedsAttention, &e.AttentionReason,
		&next, &e.CreatedAt, &e.UpdatedAt, &accepted, &final}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Entry{}, err
	}
	e.Amount.Currency = money.Currency(currency)
	e.Status = Status(status)
	for _, p := range []struct {
		src *time.Time
		dst *time.Time
	}{{next, &e.NextCheckAt}, {accepted, &e.AcceptedAt}, {final, &e.FinalAt}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return e, nil
}

// Intend records in that a payout is about to be sent, before the first
// Send. It reports whether this call created the entry. Intending a
// Reference again with the same provider, amount and phone is a no-op
// that returns the existing entry (a retried request handler, a replayed
// enqueue); with another provider, amount or phone it is an error
// matching payout.ErrDuplicateReference, and the entry is unchanged.
func (l *Ledger) Intend(ctx context.Context, in Intent) (Entry, bool, error) {
	if err := validateText("reference", in.Reference, 255); err != nil {
		return Entry{}, false, err
	}
	if err := validateText("provider", in.Provider, 64); err != nil {
		return Entry{}, false, err
	}
	if !in.Amount.Currency.Valid() || in.Amount.Minor <= 0 {
		return Entry{}, false, payout.InvalidField("amount", "must be a positive amount in a known currency, got %s", in.Amount)
	}
	num, err := phone.Parse(in.Phone)
	if err != nil {
		e := payout.InvalidField("recipient.phone", "%s", err.Error())
		e.Code, e.Err = payout.CodeInvalidRecipient, err
		return Entry{}, false, e
	}
	intl := num.International()
	// DO UPDATE (a write that changes nothing) rather than DO NOTHING: it
	// returns the row in the same statement whether this call inserted it
	// or another transaction did, even one that committed after this
	// statement's snapshot.
	row := l.db.QueryRow(ctx, `INSERT INTO `+l.table+` AS t (reference, provider, amount_minor, currency, phone, batch_id, next_check_at)
		VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::bigint > 0 THEN now() + $7::bigint * interval '1 microsecond' END)
		ON CONFLICT (reference) DO UPDATE SET reference = t.reference
		RETURNING `+entryColumns("")+`, (xmax = 0)`,
		in.Reference, in.Provider, in.Amount.Minor, string(in.Amount.Currency), intl, in.BatchID, in.CheckAfter.Microseconds())
	var created bool
	e, err := scanEntry(row, &created)
	if err != nil {
		return Entry{}, false, fmt.Errorf("pgstore: ledger: intend %q: %w", in.Reference, err)
	}
	if created {
		return e, true, nil
	}
	var diff []string
	if e.Provider != in.Provider {
		diff = append(diff, fmt.Sprintf("provider %s, not %s", e.Provider, in.Provider))
	}
	if e.Amount != in.Amount {
		diff = append(diff, fmt.Sprintf("amount %s, not %s", e.Amount, in.Amount))
	}
	if e.Phone != intl {
		diff = append(diff, "another recipient phone")
	}
	if len(diff) > 0 {
		return e, false, &payout.Error{Code: payout.CodeDuplicateReference, Reference: in.Reference,
			Message: "the ledger already holds this Reference for another payout (" + strings.Join(diff, ", ") +
				"): use a new Reference for a new payout"}
	}
	return e, false, nil
}

// Get returns the entry of reference, or an error matching
// payout.ErrNotFound.
func (l *Ledger) Get(ctx context.Context, reference string) (Entry, error) {
	e, err := scanEntry(l.db.QueryRow(ctx, `SELECT `+entryColumns("")+` FROM `+l.table+` WHERE reference = $1`, reference))
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, notInLedger(reference)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("pgstore: ledger: get %q: %w", reference, err)
	}
	return e, nil
}

func notInLedger(reference string) error {
	return &payout.Error{Code: payout.CodeNotFound, Reference: reference, Message: "the ledger has no entry for this Reference"}
}

// StartSend records that a Send of reference is about to start, if the
// entry may be sent (it is an intent or an unknown outcome), and returns
// the entry: send only when its Status is StatusIntent or StatusUnknown.
// The count it keeps (Entry.Sends) is how RecordSend knows, after a crash
// between a Send and its RecordSend, that an earlier Send may have created
// the payout.
func (l *Ledger) StartSend(ctx context.Context, reference string) (Entry, error) {
	e, err := scanEntry(l.db.QueryRow(ctx, `UPDATE `+l.table+` SET
			sends = sends + CASE WHEN rank < 2 THEN 1 ELSE 0 END,
			updated_at = CASE WHEN rank < 2 THEN now() ELSE updated_at END
		WHERE reference = $1 RETURNING `+entryColumns(""), reference))
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, notInLedger(reference)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("pgstore: ledger: start send %q: %w", reference, err)
	}
	return e, nil
}

// RecordSend records what a Send for reference returned: its payout p on
// success, or its error. check is how long after this write the entry is
// due for a check (NextCheckAt): after an acceptance, the first status
// check; after an unknown outcome, the look-up if no retried Send has
// settled it first.
//
// How an error is read (rule 3 of the SDK: after an attempt that may have
// been served, an answer that does not settle it is no refusal):
//
//   - a retryable error (an unknown outcome, a network error, 5xx, 429)
//     or one that is not a *payout.Error (a context error) may or may not
//     have created the payout: an intent becomes StatusUnknown;
//   - a business refusal (invalid request, insufficient funds or fee
//     balance, invalid recipient, limit exceeded) settles it, since the
//     adapters' idempotent resend would have returned a payout an earlier
//     attempt created: the entry becomes StatusRefused, unless an earlier
//     answer showed the provider has the payout;
//   - any other refusal (unauthorized, forbidden, conflict, not found) is
//     StatusRefused only for the first Send ever started for the entry;
//     after an unknown outcome, or a Send that never recorded its result,
//     it proves nothing: the entry stays (or becomes) StatusUnknown and is
//     flagged as needing attention;
//   - payout.ErrDuplicateReference (the provider holds a payout under this
//     Reference that the SDK could not return) is StatusUnknown, flagged.
//
// The error is kept in LastErrorCode and LastErrorMessage and Attempts
// counts the call. A successful p goes through the same checks as Apply.
func (l *Ledger) RecordSend(ctx context.Context, reference string, p *payout.Payout, sendErr error, check time.Duration) (Applied, error) {
	if sendErr == nil {
		if p == nil {
			return Applied{}, errors.New("pgstore: ledger: RecordSend: nil payout without an error")
		}
		if p.Reference != "" && p.Reference != reference {
			return Applied{}, &payout.Error{Code: payout.CodeConflict, Reference: reference, Provider: p.Provider,
				Message: fmt.Sprintf("the Send answer carries Reference %q", p.Reference)}
		}
		cp := *p
		cp.Reference = reference
		return l.apply(ctx, &cp, check, true)
	}
	code, msg := payout.CodeOutcomeUnknown, sendErr.Error()
	var pe *payout.Error
	if errors.As(sendErr, &pe) {
		code = pe.Code
	}
	// kind: 0 unknown; 1 a refusal that settles the outcome; 2 a refusal
	// that settles it only for the first Send; 3 unknown and flagged.
	kind := 0
	switch {
	case pe == nil || pe.Retryable():
	case code == payout.CodeInvalidRequest, code == payout.CodeInsufficientFunds, code == payout.CodeInsufficientFeeBalance,
		code == payout.CodeInvalidRecipient, code == payout.CodeLimitExceeded:
		kind = 1
	case code == payout.CodeDuplicateReference:
		kind = 3
	default:
		kind = 2
	}
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	// refuse: the entry may become refused; flag: the refusal proves nothing.
	const first = `(t.rank = 0 AND t.attempts = 0 AND t.sends <= 1)`
	const refuse = `(t.rank < 2 AND ($2::int = 1 OR ($2::int = 2 AND ` + first + `)))`
	const flag = `(t.rank < 2 AND ($2::int = 3 OR ($2::int = 2 AND NOT ` + first + `)))`
	row := l.db.QueryRow(ctx, `WITH cur AS (SELECT reference, status FROM `+l.table+` WHERE reference = $1 FOR UPDATE)
		UPDATE `+l.table+` AS t SET
			status = CASE WHEN `+refuse+` THEN 'refused' WHEN t.rank = 0 THEN 'unknown' ELSE t.status END,
			rank = CASE WHEN `+refuse+` THEN 4 WHEN t.rank = 0 THEN 1 ELSE t.rank END,
			attempts = t.attempts + 1,
			last_error_code = $3, last_error_message = $4,
			final_at = CASE WHEN `+refuse+` THEN now() ELSE t.final_at END,
			next_check_at = CASE WHEN t.rank >= 4 OR `+refuse+` THEN NULL
				WHEN t.rank < 2 THEN now() + $5::bigint * interval '1 microsecond' ELSE t.next_check_at END,
			needs_attention = t.needs_attention OR `+flag+`,
			attention_reason = CASE WHEN `+flag+` AND NOT t.needs_attention
				THEN 'the Send was refused (' || $3::text || ') after an attempt that may have created the payout: its outcome is unknown'
				ELSE t.attention_reason END,
			updated_at = now()
		FROM cur WHERE t.reference = cur.reference
		RETURNING `+entryColumns("t")+`, cur.status`,
		reference, kind, string(code), msg, check.Microseconds())
	var prev string
	e, err := scanEntry(row, &prev)
	if errors.Is(err, pgx.ErrNoRows) {
		return Applied{}, notInLedger(reference)
	}
	if err != nil {
		return Applied{}, fmt.Errorf("pgstore: ledger: record send %q: %w", reference, err)
	}
	return Applied{Entry: e, Previous: Status(prev)}, nil
}

// Apply records a provider's report on a payout (a webhook's Payout, a
// Get or FindByReference answer). The entry is found by p.Reference, or,
// when p carries none, by p.Provider and p.ID. It is refused with an
// error matching payout.ErrConflict when p names another provider, carries
// a provider id other than the entry's, an id another entry already has,
// or an amount or phone other than the intent's; with payout.ErrNotFound
// when the ledger has no such entry. Otherwise the entry takes p's status
// if that moves it forward (see Status), and its id if it had none; a
// final status that contradicts the entry's (FAILED after SUCCEEDED) is
// not applied but flags the entry as needing attention.
//
// check is when, after this write, a payout that is still not final is
// next due for a check; a negative check leaves NextCheckAt as it is.
func (l *Ledger) Apply(ctx context.Context, p *payout.Payout, check time.Duration) (Applied, error) {
	return l.apply(ctx, p, check, false)
}

func (l *Ledger) apply(ctx context.Context, p *payout.Payout, check time.Duration, send bool) (Applied, error) {
	if p == nil {
		return Applied{}, errors.New("pgstore: ledger: Apply: nil payout")
	}
	if strings.TrimSpace(p.ID) == "" {
		return Applied{}, &payout.Error{Code: payout.CodeInvalidRequest, Field: "id", Reference: p.Reference,
			Provider: p.Provider, Message: "the report carries no provider id"}
	}
	st := Status(p.Status)
	if r := st.rank(); r < 2 || st == StatusRefused {
		return Applied{}, &payout.Error{Code: payout.CodeInvalidRequest, Field: "status", Reference: p.Reference,
			Provider: p.Provider, Message: fmt.Sprintf("%q is not a provider status", p.Status)}
	}
	var intl string
	if p.Phone != "" {
		if n, err := phone.Parse(p.Phone); err == nil {
			intl = n.International()
		}
	}
	checkUS := int64(-1)
	if check >= 0 {
		checkUS = check.Microseconds()
	}
	// A report naming only the provider id finds no row when the id was
	// recorded by a write that committed after this statement's snapshot;
	// the next statement sees it. Three tries are plenty.
	for try := 0; ; try++ {
		a, err := l.applyOnce(ctx, p, st, intl, checkUS, send)
		if !errors.Is(err, errChanged) || try == 2 {
			return a, err
		}
	}
}

// errChanged reports that Apply matched no row for a report that matches
// the entry: the entry changed between the statement's snapshot and now.
var errChanged = errors.New("the entry changed during the write; retry")

func (l *Ledger) applyOnce(ctx context.Context, p *payout.Payout, st Status, intl string, checkUS int64, send bool) (Applied, error) {
	// $1 reference, $2 provider, $3 id, $4 status, $5 rank, $6 provider
	// status, $7 receipt, $8 failure code, $9 failure message, $10 amount,
	// $11 currency, $12 phone, $13 check (µs, -1 keep), $14 send result.
	const adv = `((t.rank < $5 AND NOT ($4 = 'reversed' AND t.status IN ('cancelled', 'expired', 'refused'))) OR t.status = $4)`
	const conflict = `(NOT ` + adv + ` AND (t.status = 'refused' OR (t.rank >= 4 AND $5 >= 4 AND t.status <> $4
		AND NOT (t.status = 'reversed' AND $4 IN ('failed', 'succeeded')))))`
	const newRank = `(CASE WHEN ` + adv + ` THEN $5 ELSE t.rank END)`
	row := l.db.QueryRow(ctx, `WITH cur AS (
			SELECT reference, status FROM `+l.table+`
			WHERE CASE WHEN $1 <> '' THEN reference = $1 ELSE provider = $2 AND provider_id = $3 END
			FOR UPDATE)
		UPDATE `+l.table+` AS t SET
			provider_id = coalesce(t.provider_id, $3),
			status = CASE WHEN `+adv+` THEN $4 ELSE t.status END,
			rank = `+newRank+`,
			provider_status = CASE WHEN `+adv+` THEN $6 ELSE t.provider_status END,
			receipt = CASE WHEN `+adv+` AND $7 <> '' THEN $7 ELSE t.receipt END,
			failure_code = CASE WHEN `+adv+` AND $8 <> '' THEN $8 ELSE t.failure_code END,
			failure_message = CASE WHEN `+adv+` AND $9 <> '' THEN $9 ELSE t.failure_message END,
			accepted_at = coalesce(t.accepted_at, now()),
			final_at = CASE WHEN `+newRank+` >= 4 THEN coalesce(t.final_at, now()) ELSE t.final_at END,
			next_check_at = CASE WHEN `+newRank+` >= 4 THEN NULL
				WHEN $13::bigint >= 0 THEN now() + $13::bigint * interval '1 microsecond'
				ELSE t.next_check_at END,
			attempts = t.attempts + CASE WHEN $14 THEN 1 ELSE 0 END,
			last_error_code = CASE WHEN $14 THEN '' ELSE t.last_error_code END,
			last_error_message = CASE WHEN $14 THEN '' ELSE t.last_error_message END,
			needs_attention = t.needs_attention OR `+conflict+`,
			attention_reason = CASE WHEN `+conflict+` AND NOT t.needs_attention
				THEN 'the provider reports ' || $4 || ' for a payout the ledger has as ' || t.status
				ELSE t.attention_reason END,
			updated_at = now()
		FROM cur
		WHERE t.reference = cur.reference AND t.provider = $2 AND (t.provider_id IS NULL OR t.provider_id = $3)
			AND ($10 = 0 OR (t.amount_minor = $10 AND t.currency = $11))
			AND ($12 = '' OR t.phone = $12)
		RETURNING `+entryColumns("t")+`, cur.status`,
		p.Reference, p.Provider, p.ID, string(st), st.rank(), p.ProviderStatus, p.Receipt, p.FailureCode,
		p.FailureMessage, p.Amount.Minor, string(p.Amount.Currency), intl, checkUS, send)
	var prev string
	e, err := scanEntry(row, &prev)
	if err == nil {
		return Applied{Entry: e, Previous: Status(prev)}, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return Applied{}, &payout.Error{Code: payout.CodeConflict, Provider: p.Provider, Reference: p.Reference,
			Message: "provider id " + p.ID + " already belongs to another ledger entry"}
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Applied{}, fmt.Errorf("pgstore: ledger: apply %q: %w", p.Reference, err)
	}
	return Applied{}, l.whyNot(ctx, p, intl)
}

// whyNot explains why Apply matched no row.
func (l *Ledger) whyNot(ctx context.Context, p *payout.Payout, intl string) error {
	var e Entry
	var err error
	if p.Reference != "" {
		e, err = l.Get(ctx, p.Reference)
	} else {
		e, err = scanEntry(l.db.QueryRow(ctx, `SELECT `+entryColumns("")+` FROM `+l.table+
			` WHERE provider = $1 AND provider_id = $2`, p.Provider, p.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			err = &payout.Error{Code: payout.CodeNotFound, Provider: p.Provider,
				Message: "the ledger has no entry with provider id " + p.ID}
		}
	}
	if err != nil {
		return err
	}
	conflict := func(format string, args ...any) error {
		return &payout.Error{Code: payout.CodeConflict, Provider: p.Provider, Reference: e.Reference,
			Message: "the report does not describe this ledger entry: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case e.Provider != p.Provider:
		return conflict("it comes from %s, the payout was sent through %s", p.Provider, e.Provider)
	case e.ProviderID != "" && e.ProviderID != p.ID:
		return conflict("its provider id is %s, the entry's %s", p.ID, e.ProviderID)
	case p.Amount.Minor != 0 && p.Amount != e.Amount:
		return conflict("its amount is %s, the intent's %s", p.Amount, e.Amount)
	case intl != "" && intl != e.Phone:
		return conflict("its recipient phone is not the intent's")
	}
	return fmt.Errorf("pgstore: ledger: apply %q: %w", e.Reference, errChanged)
}

// Checked records a status check of reference that left it not final:
// Checks is counted, the next check is due after next, and once the
// payout has waited longer than attentionAfter since its intent (0: never)
// it is flagged as needing attention. It returns the entry after the
// write.
func (l *Ledger) Checked(ctx context.Context, reference string, next, attentionAfter time.Duration) (Entry, error) {
	e, err := scanEntry(l.db.QueryRow(ctx, `UPDATE `+l.table+` SET
			checks = checks + 1,
			next_check_at = CASE WHEN rank >= 4 THEN NULL ELSE now() + $2::bigint * interval '1 microsecond' END,
			needs_attention = needs_attention OR ($3::bigint > 0 AND rank < 4 AND created_at < now() - $3::bigint * interval '1 microsecond'),
			attention_reason = CASE WHEN NOT needs_attention AND $3::bigint > 0 AND rank < 4
					AND created_at < now() - $3::bigint * interval '1 microsecond'
				THEN 'not final ' || $4::text || ' after the intent' ELSE attention_reason END,
			updated_at = now()
		WHERE reference = $1
		RETURNING `+entryColumns(""), reference, next.Microseconds(), attentionAfter.Microseconds(), attentionAfter.String()))
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, notInLedger(reference)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("pgstore: ledger: checked %q: %w", reference, err)
	}
	return e, nil
}

// Flag marks reference as needing attention, with reason, unless it is
// flagged already.
func (l *Ledger) Flag(ctx context.Context, reference, reason string) error {
	tag, err := l.db.Exec(ctx, `UPDATE `+l.table+` SET needs_attention = true, updated_at = now(),
		attention_reason = CASE WHEN needs_attention THEN attention_reason ELSE $2 END WHERE reference = $1`,
		reference, reason)
	if err != nil {
		return fmt.Errorf("pgstore: ledger: flag %q: %w", reference, err)
	}
	if tag.RowsAffected() == 0 {
		return notInLedger(reference)
	}
	return nil
}

// Due returns up to limit entries that are not final and whose next check
// is due (NextCheckAt has passed), the most overdue first: the work of a
// periodic sweep. Intents and unknown outcomes are included once their
// check time passes (their Send job may have been lost), beside accepted
// payouts whose final status has not arrived.
func (l *Ledger) Due(ctx context.Context, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := l.db.Query(ctx, `SELECT `+entryColumns("")+` FROM `+l.table+`
		WHERE next_check_at IS NOT NULL AND next_check_at <= now() AND rank < 4
		ORDER BY next_check_at LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: ledger: due: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("pgstore: ledger: due: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: ledger: due: %w", err)
	}
	return out, nil
}

// Counts counts the entries of batchID by status.
func (l *Ledger) Counts(ctx context.Context, batchID string) (BatchCounts, error) {
	rows, err := l.db.Query(ctx, `SELECT status, count(*), count(*) FILTER (WHERE needs_attention)
		FROM `+l.table+` WHERE batch_id = $1 GROUP BY status`, batchID)
	if err != nil {
		return BatchCounts{}, fmt.Errorf("pgstore: ledger: counts %q: %w", batchID, err)
	}
	defer rows.Close()
	c := BatchCounts{BatchID: batchID, ByStatus: map[Status]int{}}
	for rows.Next() {
		var s string
		var n, attention int
		if err := rows.Scan(&s, &n, &attention); err != nil {
			return BatchCounts{}, fmt.Errorf("pgstore: ledger: counts %q: %w", batchID, err)
		}
		st := Status(s)
		c.ByStatus[st] += n
		c.Total += n
		c.NeedsAttention += attention
		switch st {
		case StatusIntent:
			c.Intent += n
		case StatusUnknown:
			c.Unknown += n
		case StatusPending, StatusProcessing:
			c.Accepted += n
		case StatusSucceeded:
			c.Succeeded += n
		case StatusRefused:
			c.Refused += n
		default:
			c.Failed += n
		}
	}
	if err := rows.Err(); err != nil {
		return BatchCounts{}, fmt.Errorf("pgstore: ledger: counts %q: %w", batchID, err)
	}
	return c, nil
}

// validateText checks a required text field of at most max bytes.
func validateText(field, s string, max int) error {
	switch {
	case strings.TrimSpace(s) == "":
		return payout.InvalidField(field, "is required")
	case len(s) > max:
		return payout.InvalidField(field, "is longer than %d bytes", max)
	case strings.ContainsRune(s, 0):
		return payout.InvalidField(field, "contains a NUL byte")
	}
	return nil
}
