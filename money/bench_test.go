package money_test

import (
	"testing"

	"github.com/payoutkit/payout/money"
)

var (
	sinkAmount money.Amount
	sinkString string
	sinkBytes  []byte
)

func BenchmarkParse(b *testing.B) {
	for _, in := range []string{"20.50", "-92233720368547758.08", "5000.00"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				a, err := money.Parse(in, money.KES)
				if err != nil {
					b.Fatal(err)
				}
				sinkAmount = a
			}
		})
	}
}

func BenchmarkString(b *testing.B) {
	a := money.New(-922337203685477580, money.KES)
	b.ReportAllocs()
	for range b.N {
		sinkString = a.String()
	}
}

func BenchmarkMajorString(b *testing.B) {
	a := money.New(2050, money.KES)
	b.ReportAllocs()
	for range b.N {
		sinkString = a.MajorString()
	}
}

func BenchmarkMarshalJSON(b *testing.B) {
	a := money.New(2050, money.KES)
	b.ReportAllocs()
	for range b.N {
		sinkBytes, _ = a.MarshalJSON()
	}
}

func BenchmarkUnmarshalJSON(b *testing.B) {
	data := []byte(`{"minor":2050,"currency":"KES"}`)
	b.ReportAllocs()
	for range b.N {
		if err := sinkAmount.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
