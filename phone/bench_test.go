package phone

import "testing"

var (
	sinkNumber Number
	sinkString string
)

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"national", "0712345678"},
		{"bare", "712345678"},
		{"e164", "+254712345678"},
		{"international", "254712345678"},
		{"idd", "00254712345678"},
		{"formatted", "+254 (0)712 345 678"},
		{"01-range", "0110 123 456"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				n, err := Parse(bc.in)
				if err != nil {
					b.Fatal(err)
				}
				sinkNumber = n
			}
		})
	}
}

func BenchmarkParseInvalid(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, err := Parse("+255712345678")
		if err == nil {
			b.Fatal("no error")
		}
	}
}

func BenchmarkE164(b *testing.B) {
	n, err := Parse("0712345678")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkString = n.E164()
	}
}

func BenchmarkOperator(b *testing.B) {
	n, err := Parse("0799345678")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkString = string(n.Operator())
	}
}

func BenchmarkMask(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkString = Mask("254712345678")
	}
}
