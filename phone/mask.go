package phone

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask hides the middle of s for log lines. A string of more than 8
// characters keeps its first 4 and last 4 and has every character between
// replaced by '*'; a shorter one is masked entirely. So
// Mask("254712345678") is "2547****5678" and Mask("12345") is "*****".
//
// Mask counts characters (runes), not bytes, and the result has as many
// characters as s, so the length of the original stays visible. A kept
// character that is not printable, such as a newline or a byte of invalid
// UTF-8, is masked too, so the result is always one line of valid UTF-8.
//
// Mask accepts any string and never panics. It does not check that s is a
// phone number; use it on input Parse rejected as much as on a
// [Number.E164].
func Mask(s string) string {
	n := utf8.RuneCountInString(s)
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		show := n > 8 && (i < 4 || i >= n-4)
		if show && r != utf8.RuneError && unicode.IsPrint(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}
