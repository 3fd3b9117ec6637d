package safeurl_test

import (
	"fmt"
	"net/url"

	"github.com/payoutkit/payout/internal/safeurl"
)

func ExampleCheck() {
	for _, raw := range []string{"https://api.payos.money", "http://127.0.0.1:8080", "http://api.payos.money", "ftp://localhost"} {
		u, _ := url.Parse(raw)
		switch safeurl.Check(u) {
		case safeurl.Allowed:
			fmt.Println(raw, "allowed")
		case safeurl.Cleartext:
			fmt.Println(raw, "refused: secrets in clear")
		case safeurl.NotHTTP:
			fmt.Println(raw, "refused: not https")
		}
	}
	// Output:
	// https://api.payos.money allowed
	// http://127.0.0.1:8080 allowed
	// http://api.payos.money refused: secrets in clear
	// ftp://localhost refused: not https
}
