package wirejson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walk reads any value into the shapes encoding/json gives an interface{}
// with UseNumber.
func walk(r *Reader) any {
	switch r.Kind() {
	case '{':
		r.Object()
		m := map[string]any{}
		for r.More() {
			k := r.Key()
			m[k] = walk(r)
		}
		return m
	case '[':
		r.Array()
		a := []any{}
		for r.Elem() {
			a = append(a, walk(r))
		}
		return a
	case '"':
		v := r.Value()
		if r.Err() != nil {
			return nil
		}
		return Unquote(v)
	case 't', 'f':
		return r.Value() == "true"
	case 'n':
		r.Value()
		return nil
	default:
		return json.Number(r.Value())
	}
}

// agree checks the Reader against encoding/json on doc: the same verdict,
// and for a valid document the same value.
func agree(t *testing.T, doc []byte) {
	t.Helper()
	r := NewReader(string(doc))
	got := walk(r)
	err := r.Finish()
	if !json.Valid(doc) {
		assert.Error(t, err, "accepted invalid JSON %q", doc)
		return
	}
	require.NoError(t, err, "refused valid JSON %q", doc)
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var want any
	require.NoError(t, dec.Decode(&want))
	assert.Equal(t, want, got, "%q", doc)
}

var seeds = []string{
	`{}`, `[]`, `{"a":1}`, ` {"a" : [1, 2.5e-3, -0, true, false, null, "x"] } `,
	`{"a":{"b":{"c":[{}]}}}`, `{"a":"\u00e9\n\t\"\\\/"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\ud83d"}`,
	`{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `"just a string"`, `12`, `-`, `01`, `1.`, `1e`, `1e+`, `.5`,
	`{"a":1,}`, `{,}`, `[1,]`, `[,1]`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{1:2}`, `tru`, `truex`, `nul`,
	`{"a":1}x`, `{"a":1} {}`, "{\"a\":\"\x01\"}", `{"a":"\x"}`, `{"a":"\u12g4"}`, `{"a":"abc`, `{"a":[1,2`,
	`[1}`, `{"a":1]`, "\v{}", `{"Id":"x","ID":"y"}`, `[[[[]]]]`, `{"a":[]}`, `{"":0}`,
}

func TestReaderAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		agree(t, []byte(s))
	}
}

func TestReaderDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	agree(t, []byte(ok))
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	agree(t, []byte(deep))
	r := NewReader(deep)
	walk(r)
	var se *SyntaxError
	require.ErrorAs(t, r.Finish(), &se)
	assert.Contains(t, se.Error(), "max depth")
}

func TestUnquote(t *testing.T) {
	plain := `"abc"`
	assert.Equal(t, "abc", Unquote(plain))
	assert.Equal(t, "a\"b\u00e9", Unquote(`"a\"b\u00e9"`))
	assert.Equal(t, "\ufffd", Unquote("\"\xff\""), "invalid UTF-8 is replaced, as encoding/json does")
	assert.Equal(t, 0, int(testing.AllocsPerRun(10, func() { _ = Unquote(plain) })), "a plain literal is a substring")
}

func TestFields(t *testing.T) {
	f := NewFields("transactionId", "transaction_id", "id")
	assert.Equal(t, 0, f.Index("transactionId"))
	assert.Equal(t, 0, f.Index("TRANSACTIONID"), "case-insensitive, as encoding/json")
	assert.Equal(t, 1, f.Index("transaction_id"))
	assert.Equal(t, 2, f.Index("Id"))
	assert.Equal(t, -1, f.Index("ids"))
	assert.Equal(t, 0, f.Index("tran\u017factionId"), "U+017F folds to s, as in encoding/json")
	assert.Equal(t, -1, f.Index(strings.Repeat("x", 100)))
	assert.Panics(t, func() { NewFields("id", "ID") })
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = f.Index("Transaction_ID") }))
}

// FuzzReaderAgreesWithEncodingJSON: on any input the Reader accepts what
// json.Valid accepts and reads the value encoding/json reads.
func FuzzReaderAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { agree(t, doc) })
}
