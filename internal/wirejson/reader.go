package wirejson

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays a document may
// have, encoding/json's limit.
const MaxDepth = 10000

// SyntaxError is a document that is not JSON, with the byte offset where
// reading stopped.
type SyntaxError struct {
	Offset int
	msg    string
}

func (e *SyntaxError) Error() string {
	return "invalid JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.msg
}

// Reader walks one JSON document held in a string. Values are returned as
// substrings of the document, so reading allocates nothing but the
// unescaped copies of strings that hold escapes.
//
// A Reader is used from the top: Object enters the top-level object, More
// advances to each member and Key names it; the member's value must then be
// consumed by exactly one of Value, Object (followed by its own More loop
// to the end) or Array (likewise with Elem). Finish checks that nothing but
// white space follows the document. The first error stops every method and
// is returned by Err and Finish.
type Reader struct {
	s     string
	i     int
	depth int
	first bool // at the first member of the container just entered
	key   string
	err   error
}

// NewReader returns a Reader at the start of doc.
func NewReader(doc string) *Reader { return &Reader{s: doc} }

// Reset makes r read doc from its start.
func (r *Reader) Reset(doc string) { *r = Reader{s: doc} }

// Err is the first error met, or nil.
func (r *Reader) Err() error { return r.err }

func (r *Reader) fail(msg string) {
	if r.err == nil {
		r.err = &SyntaxError{Offset: r.i, msg: msg}
	}
	r.i = len(r.s)
}

func (r *Reader) ws() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// Kind returns the first byte of the next value: '{', '[', '"', 't', 'f',
// 'n', or '-' / a digit for a number; 0 at the end of the document or
// after an error.
func (r *Reader) Kind() byte {
	if r.err != nil {
		return 0
	}
	r.ws()
	if r.i >= len(r.s) {
		return 0
	}
	return r.s[r.i]
}

// Object enters the object that is the next value and reports true, or
// reports false, consuming nothing, when the next value is not an object.
func (r *Reader) Object() bool {
	if r.Kind() != '{' {
		return false
	}
	return r.enter()
}

// Array enters the array that is the next value, like Object.
func (r *Reader) Array() bool {
	if r.Kind() != '[' {
		return false
	}
	return r.enter()
}

func (r *Reader) enter() bool {
	r.i++
	r.depth++
	if r.depth > MaxDepth {
		r.fail("exceeded max depth")
		return false
	}
	r.first = true
	return true
}

// More advances to the next member of the object entered last and reports
// true, its name then in Key, or reports false at the object's end (or on
// an error).
func (r *Reader) More() bool {
	first := r.first
	r.first = false
	if r.err != nil {
		return false
	}
	r.ws()
	if r.i >= len(r.s) {
		r.fail("unexpected end of JSON input")
		return false
	}
	c := r.s[r.i]
	if c == '}' {
		r.i++
		r.depth--
		return false
	}
	if !first {
		if c != ',' {
			r.fail("expected ',' or '}' after object member")
			return false
		}
		r.i++
		r.ws()
	}
	if r.i >= len(r.s) || r.s[r.i] != '"' {
		r.fail("expected a member name")
		return false
	}
	raw, simple := r.str()
	if r.err != nil {
		return false
	}
	if simple {
		r.key = raw[1 : len(raw)-1]
	} else {
		r.key = Unquote(raw)
	}
	r.ws()
	if r.i >= len(r.s) || r.s[r.i] != ':' {
		r.fail("expected ':' after member name")
		return false
	}
	r.i++
	return true
}

// Elem advances to the next element of the array entered last and reports
// true, or reports false at its end (or on an error). The element must
// then be consumed as a member's value is.
func (r *Reader) Elem() bool {
	first := r.first
	r.first = false
	if r.err != nil {
		return false
	}
	r.ws()
	if r.i >= len(r.s) {
		r.fail("unexpected end of JSON input")
		return false
	}
	if r.s[r.i] == ']' {
		r.i++
		r.depth--
		return false
	}
	if !first {
		if r.s[r.i] != ',' {
			r.fail("expected ',' or ']' after array element")
			return false
		}
		r.i++
	}
	return true
}

// Key is the current member's name, unescaped.
func (r *Reader) Key() string { return r.key }

// Value consumes the next value and returns its text as it stands in the
// document ("" after an error).
func (r *Reader) Value() string {
	if r.err != nil {
		return ""
	}
	r.ws()
	start := r.i
	r.skip()
	if r.err != nil {
		return ""
	}
	return r.s[start:r.i]
}

// Finish checks that only white space follows the value read, and returns
// the first error of the whole reading.
func (r *Reader) Finish() error {
	if r.err == nil {
		r.ws()
		if r.i < len(r.s) {
			r.fail("invalid character after top-level value")
		}
	}
	return r.err
}

// skip consumes one value at r.i, checking it.
func (r *Reader) skip() {
	if r.i >= len(r.s) {
		r.fail("unexpected end of JSON input")
		return
	}
	switch c := r.s[r.i]; c {
	case '{':
		r.enter()
		for r.More() {
			r.ws()
			r.skip()
		}
	case '[':
		r.enter()
		for r.Elem() {
			r.ws()
			r.skip()
		}
	case '"':
		r.str()
	case 't':
		r.literal("true")
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			r.number()
			return
		}
		r.fail("invalid character " + strconv.QuoteRune(rune(c)) + " looking for beginning of value")
	}
}

func (r *Reader) literal(lit string) {
	if !strings.HasPrefix(r.s[r.i:], lit) {
		r.fail("invalid literal")
		return
	}
	r.i += len(lit)
}

// number consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (r *Reader) number() {
	s, i := r.s, r.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		r.i = i
		r.fail("invalid number")
		return
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			r.i = i
			r.fail("invalid number")
			return
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			r.i = i
			r.fail("invalid number")
			return
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	r.i = i
}

// plain marks the bytes a string literal holds as they are: printable
// ASCII but '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str consumes the string literal at r.i and returns it, quotes included,
// and whether its content is printable ASCII without escapes (then it is
// its own value).
func (r *Reader) str() (lit string, simple bool) {
	s, start := r.s, r.i
	i := start + 1
	simple = true
	for {
		for i < len(s) && plain[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"':
			r.i = i + 1
			return s[start:r.i], simple
		case c == '\\':
			simple = false
			if i+1 >= len(s) {
				r.i = i
				r.fail("unexpected end of JSON input")
				return "", false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex4(s[i+2:i+6]) {
					r.i = i
					r.fail("invalid \\u escape in string literal")
					return "", false
				}
				i += 6
			default:
				r.i = i
				r.fail("invalid escape in string literal")
				return "", false
			}
		case c < 0x20:
			r.i = i
			r.fail("invalid control character in string literal")
			return "", false
		default: // a byte of a multi-byte character, or invalid UTF-8
			simple = false
			i++
		}
	}
	r.i = i
	r.fail("unexpected end of JSON input")
	return "", false
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Unquote returns the content of a string literal as encoding/json decodes
// it into a string: escapes resolved, invalid UTF-8 replaced by U+FFFD.
// The common literal, without escapes and valid UTF-8, is returned as a
// substring, without allocating. lit must be a valid literal (read by a
// Reader, or kept by encoding/json); what is not even quoted is "".
func Unquote(lit string) string {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return ""
	}
	inner := lit[1 : len(lit)-1]
	if strings.IndexByte(inner, '\\') < 0 && utf8.ValidString(inner) {
		return inner
	}
	var s string
	if json.Unmarshal([]byte(lit), &s) != nil {
		return ""
	}
	return s
}
