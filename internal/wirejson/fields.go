package wirejson

import "strings"

// Fields maps member names to a decoder's field numbers the way
// encoding/json maps them to struct fields: an exact match, else a
// case-insensitive one (Unicode simple folding, so "ID", "Id" and "id" are
// one name). No two names of a Fields may fold to the same name, so that
// the case-insensitive lookup alone decides.
type Fields struct {
	names []string
	lower map[string]int // ASCII-lowercased name -> index
}

// NewFields numbers names from 0 in order. It panics when two of them are
// equal under case folding, or when one is not ASCII.
func NewFields(names ...string) *Fields {
	f := &Fields{names: names, lower: make(map[string]int, len(names))}
	for i, n := range names {
		for j := 0; j < len(n); j++ {
			if n[j] >= 0x80 {
				panic("wirejson: field name " + n + " is not ASCII")
			}
		}
		l := strings.ToLower(n)
		if _, dup := f.lower[l]; dup {
			panic("wirejson: two field names fold to " + l)
		}
		f.lower[l] = i
	}
	return f
}

// maxName bounds the names looked up without allocating; longer keys
// match no field of a decoder here.
const maxName = 64

// Index returns the number of the field key names, or -1.
func (f *Fields) Index(key string) int {
	if len(key) > maxName {
		return f.slow(key)
	}
	var buf [maxName]byte
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 0x80 {
			return f.slow(key)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if i, ok := f.lower[string(buf[:len(key)])]; ok {
		return i
	}
	return -1
}

// slow handles keys with non-ASCII characters, which fold onto ASCII ones
// in two cases (U+017F to 's', U+212A to 'k'), and overlong keys.
func (f *Fields) slow(key string) int {
	for i, n := range f.names {
		if strings.EqualFold(n, key) {
			return i
		}
	}
	return -1
}
