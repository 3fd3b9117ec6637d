package phone

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestMask(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"254712345678", "2547****5678"},
		{"+254712345678", "+254*****5678"},
		{"0712345678", "0712**5678"},
		{"123456789", "1234*6789"},
		{"12345678", "********"},
		{"1234", "****"},
		{"1", "*"},
		{"", ""},
		{"0712 345 678", "0712**** 678"},
		{"not a number at all", "not *********** all"},
		{"ab\ncdefghi\tj", "ab*c****hi*j"},      // control characters are never shown
		{"٠٧١٢٣٤٥٦٧٨", "٠٧١٢**٥٦٧٨"},            // counts runes, not bytes
		{"\xff\xfe12345678\xfd", "**12***678*"}, // each invalid byte is one masked rune
		{"1234\u200b56789", "1234**6789"},       // a zero-width space is not printable
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Mask(tt.in)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(got))
			assert.Equal(t, utf8.RuneCountInString(tt.in), utf8.RuneCountInString(got))
		})
	}
}

func TestMaskHidesMiddleOfParsedNumbers(t *testing.T) {
	n, err := Parse("0712 345 678")
	if assert.NoError(t, err) {
		assert.Equal(t, "+254*****5678", Mask(n.E164()))
		assert.Equal(t, "2547****5678", Mask(n.International()))
		assert.Equal(t, "0712**5678", Mask(n.National()))
	}
}

func TestMaskLongInput(t *testing.T) {
	in := strings.Repeat("9", 1<<16)
	got := Mask(in)
	assert.Equal(t, "9999"+strings.Repeat("*", 1<<16-8)+"9999", got)
}
