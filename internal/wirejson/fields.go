package wirejson

import "strings"

// Fields maps member names to a decoder's field numbers the way
// encoding/json maps them to struct fields: an exact match, else a
// case-insensitive one (Unicode simple folding, so "ID", "Id" and "id" are
// one name). No two names of a Fields may fold to the same name, so that
// the case-insensitive lookup alone decides.
type Fields struct {
	names []string
	lower []string // names, ASCII-lowercased
	// buckets holds, for each hash of a lowercased name (its length and
	// first and last bytes), the numbers of the names with that hash, so
	// that a lookup compares a key with one name, rarely two, and hashes
	// three bytes instead of the whole key as a map would.
	buckets [nBuckets][]int
}

const nBuckets = 128

func bucket(n int, first, last byte) int {
	return (n*31 + int(first)*7 + int(last)) % nBuckets
}

// NewFields numbers names from 0 in order. It panics when two of them are
// equal under case folding, or when one is empty or not ASCII.
func NewFields(names ...string) *Fields {
	f := &Fields{names: names, lower: make([]string, len(names))}
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if n == "" {
			panic("wirejson: empty field name")
		}
		for j := 0; j < len(n); j++ {
			if n[j] >= 0x80 {
				panic("wirejson: field name " + n + " is not ASCII")
			}
		}
		l := strings.ToLower(n)
		if seen[l] {
			panic("wirejson: two field names fold to " + l)
		}
		seen[l] = true
		f.lower[i] = l
		b := bucket(len(l), l[0], l[len(l)-1])
		f.buckets[b] = append(f.buckets[b], i)
	}
	return f
}

// Index returns the number of the field key names, or -1.
func (f *Fields) Index(key string) int {
	if key == "" {
		return -1
	}
	n := len(key)
	for _, i := range f.buckets[bucket(n, lowerASCII(key[0]), lowerASCII(key[n-1]))] {
		if equalLower(key, f.lower[i]) {
			return i
		}
	}
	for j := 0; j < n; j++ {
		if key[j] >= 0x80 {
			return f.slow(key)
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalLower reports whether key, ASCII-lowercased, is lower.
func equalLower(key, lower string) bool {
	if len(key) != len(lower) {
		return false
	}
	for i := 0; i < len(key); i++ {
		if lowerASCII(key[i]) != lower[i] {
			return false
		}
	}
	return true
}

// slow handles keys with non-ASCII characters, which fold onto ASCII ones
// in two cases (U+017F to 's', U+212A to 'k').
func (f *Fields) slow(key string) int {
	for i, n := range f.names {
		if strings.EqualFold(n, key) {
			return i
		}
	}
	return -1
}
