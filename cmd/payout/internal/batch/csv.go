package batch

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// column is one column a payouts CSV may have: its header name, the
// payout.Request field it sets (as payout.Error.Field names it) and how.
type column struct {
	name, field string
	required    bool
	sender      bool
	set         func(r *payout.Request, v string)
}

// senderOf returns r's Sender, creating it.
func senderOf(r *payout.Request) *payout.Sender {
	if r.Sender == nil {
		r.Sender = &payout.Sender{}
	}
	return r.Sender
}

// columns is every column Read knows, in the order Columns lists them.
// The amount column is parsed apart (it can fail), so it sets nothing here.
var columns = []column{
	{name: "reference", field: "reference", required: true, set: func(r *payout.Request, v string) { r.Reference = v }},
	{name: "phone", field: "recipient.phone", required: true, set: func(r *payout.Request, v string) { r.Recipient.Phone = v }},
	{name: "amount", field: "amount", required: true},
	{name: "name", field: "recipient.name", set: func(r *payout.Request, v string) { r.Recipient.Name = v }},
	{name: "description", field: "description", set: func(r *payout.Request, v string) { r.Description = v }},
	{name: "callback_url", field: "callbackURL", set: func(r *payout.Request, v string) { r.CallbackURL = v }},
	{name: "sender_full_name", field: "sender.fullName", sender: true, set: func(r *payout.Request, v string) { senderOf(r).FullName = v }},
	{name: "sender_phone_number", field: "sender.phoneNumber", sender: true, set: func(r *payout.Request, v string) { senderOf(r).PhoneNumber = v }},
	{name: "sender_nationality", field: "sender.nationality", sender: true, set: func(r *payout.Request, v string) { senderOf(r).Nationality = v }},
	{name: "sender_identity", field: "sender.identity", sender: true, set: func(r *payout.Request, v string) { senderOf(r).Identity = payout.Identity(v) }},
	{name: "sender_identity_number", field: "sender.identityNumber", sender: true, set: func(r *payout.Request, v string) { senderOf(r).IdentityNumber = v }},
	{name: "sender_date_of_birth", field: "sender.dateOfBirth", sender: true, set: func(r *payout.Request, v string) { senderOf(r).DateOfBirth = v }},
	{name: "sender_purpose_of_funds", field: "sender.purposeOfFunds", sender: true, set: func(r *payout.Request, v string) { senderOf(r).PurposeOfFunds = v }},
	{name: "sender_source_of_funds", field: "sender.sourceOfFunds", sender: true, set: func(r *payout.Request, v string) { senderOf(r).SourceOfFunds = v }},
	{name: "sender_relationship", field: "sender.relationship", sender: true, set: func(r *payout.Request, v string) { senderOf(r).Relationship = v }},
}

// Columns returns the header names a payouts CSV may use, required ones
// first: reference, phone, amount, then name, description, callback_url and
// the sender's KYC record (PayOS), one column per payout.Sender field,
// sender_full_name ... sender_relationship.
func Columns() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}

// ColumnFor returns the CSV column that sets the request field named by a
// payout.Error's Field ("recipient.phone" -> "phone"); "sender" for the
// record as a whole, and field itself when no column sets it.
func ColumnFor(field string) string {
	for _, c := range columns {
		if c.field == field {
			return c.name
		}
	}
	if field == "sender" {
		return "sender_*"
	}
	return field
}

// Row is one payout of the file.
type Row struct {
	// Line is the file line the row starts on (1 is the header).
	Line int
	// Request is the payout the row describes.
	Request payout.Request
}

// Problem is why one row cannot be sent.
type Problem struct {
	// Line is the file line of the row.
	Line int
	// Column is the CSV column at fault, "" for the row as a whole.
	Column string
	// Message says what is wrong, without the line or column.
	Message string
}

// String is "line 7: amount: M-Pesa pays whole shillings only, got KES 20.50".
func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", p.Line, p.Column, p.Message)
}

// File is a payouts CSV, read.
type File struct {
	// Rows are the payouts, in file order, including rows with problems.
	Rows []Row
	// Problems are the rows Read could not use (an amount that is not a
	// decimal, a repeated reference, a wrong number of fields), in file
	// order. Rows with problems must not be sent.
	Problems []Problem
	// Columns are the header's column names, normalised.
	Columns []string
	// SHA256 is the hex SHA-256 of the file's bytes: what binds a state
	// file to it.
	SHA256 string
}

// Options tune Read.
type Options struct {
	// Sender, when set, is the KYC record of rows that have no sender_*
	// cell filled in (each row gets its own copy). A row with any sender_*
	// cell uses its own cells only.
	Sender *payout.Sender
}

// Read parses a payouts CSV: a header row naming the columns (names are
// matched case-insensitively, spaces and dashes read as "_"; a UTF-8 byte
// order mark is ignored), then one payout a row. Lines may end in LF or
// CRLF; cells are trimmed of surrounding white space; rows whose cells are
// all empty (a spreadsheet's trailing rows) are skipped. Amounts are
// decimal KES ("500", "20.50") read by money.Parse, never as a float.
//
// Read returns an error, and no File, when the file as a whole is
// unusable: malformed CSV, no header, an unknown, repeated or missing
// required column, no rows. Problems of single rows are in File.Problems.
func Read(data []byte, opts Options) (*File, error) {
	sum := sha256.Sum256(data)
	f := &File{SHA256: hex.EncodeToString(sum[:])}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1 // checked here, to report it as a row problem
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty: it needs a header row naming the columns (" + strings.Join(Columns(), ", ") + ")")
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := readHeader(header)
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		f.Columns = append(f.Columns, c.name)
	}
	firstLine := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		row, problem := readRow(line, cols, rec, opts)
		f.Rows = append(f.Rows, row)
		if problem == nil && row.Request.Reference != "" {
			if first, dup := firstLine[row.Request.Reference]; dup {
				problem = &Problem{Line: line, Column: "reference", Message: fmt.Sprintf("%q repeats line %d: every payout needs its own reference (a repeated one would be paid once)", row.Request.Reference, first)}
			} else {
				firstLine[row.Request.Reference] = line
			}
		}
		if problem != nil {
			f.Problems = append(f.Problems, *problem)
		}
	}
	if len(f.Rows) == 0 {
		return nil, errors.New("the file has a header but no rows")
	}
	return f, nil
}

// csvError words a CSV syntax error with its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: malformed CSV: %w", pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("malformed CSV: %w", err)
}

// readHeader maps the header's names to columns.
func readHeader(header []string) ([]column, error) {
	byName := make(map[string]column, len(columns))
	for _, c := range columns {
		byName[c.name] = c
	}
	seen := map[string]bool{}
	out := make([]column, 0, len(header))
	for i, h := range header {
		name := normalise(h)
		c, ok := byName[name]
		switch {
		case name == "":
			return nil, fmt.Errorf("line 1: column %d has no name; the columns are %s", i+1, strings.Join(Columns(), ", "))
		case !ok:
			return nil, fmt.Errorf("line 1: unknown column %q; the columns are %s", strings.TrimSpace(h), strings.Join(Columns(), ", "))
		case seen[name]:
			return nil, fmt.Errorf("line 1: column %q appears twice", name)
		}
		seen[name] = true
		out = append(out, c)
	}
	for _, c := range columns {
		if c.required && !seen[c.name] {
			return nil, fmt.Errorf("line 1: missing column %q (required: reference, phone, amount)", c.name)
		}
	}
	return out, nil
}

// normalise is a header name as Read matches it.
func normalise(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

// blank reports a record whose cells are all empty.
func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// readRow turns one record into a Row, or says why it cannot.
func readRow(line int, cols []column, rec []string, opts Options) (Row, *Problem) {
	row := Row{Line: line}
	if len(rec) != len(cols) {
		return row, &Problem{Line: line, Message: fmt.Sprintf("has %d cells, the header names %d columns", len(rec), len(cols))}
	}
	var amount string
	for i, c := range cols {
		v := strings.TrimSpace(rec[i])
		switch {
		case c.name == "amount":
			amount = v
		case c.sender && v == "":
			// An empty sender cell does not make a Sender.
		default:
			c.set(&row.Request, v)
		}
	}
	if row.Request.Sender == nil && opts.Sender != nil {
		s := *opts.Sender
		row.Request.Sender = &s
	}
	if amount == "" {
		return row, &Problem{Line: line, Column: "amount", Message: "is required"}
	}
	a, err := money.Parse(amount, money.KES)
	if err != nil {
		return row, &Problem{Line: line, Column: "amount", Message: fmt.Sprintf("%q is not an amount in KES such as 500 or 500.00 (%v)", amount, err)}
	}
	row.Request.Amount = a
	return row, nil
}

// Check runs validate (a provider's full rules: payout.Validator's
// Validate) over every row that has no problem yet, and returns the
// problems of the whole file, in line order: Read's and validate's, each
// naming the column of the field at fault.
func (f *File) Check(validate func(payout.Request) error) []Problem {
	bad := make(map[int]bool, len(f.Problems))
	for _, p := range f.Problems {
		bad[p.Line] = true
	}
	var out []Problem
	next := 0
	for _, row := range f.Rows {
		for next < len(f.Problems) && f.Problems[next].Line <= row.Line {
			out = append(out, f.Problems[next])
			next++
		}
		if bad[row.Line] {
			continue
		}
		if err := validate(row.Request); err != nil {
			out = append(out, problemOf(row.Line, err))
		}
	}
	return append(out, f.Problems[next:]...)
}

// problemOf words a validation error as a Problem of line.
func problemOf(line int, err error) Problem {
	var pe *payout.Error
	if errors.As(err, &pe) && pe.Field != "" {
		msg := pe.Message
		if msg == "" {
			msg = string(pe.Code)
		}
		return Problem{Line: line, Column: ColumnFor(pe.Field), Message: msg}
	}
	return Problem{Line: line, Message: strings.TrimPrefix(err.Error(), "payout: ")}
}
