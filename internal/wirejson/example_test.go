package wirejson_test

import (
	"fmt"

	"github.com/payoutkit/payout/internal/wirejson"
)

// A decoder walks the members of an object and keeps those it knows; names
// match case-insensitively, as encoding/json matches them to struct fields.
func Example() {
	fields := wirejson.NewFields("transactionId", "status")
	var id, status string
	r := wirejson.NewReader(`{"TransactionId": "t-1", "status": "PENDING", "extra": [1, {"x": null}]}`)
	r.Object()
	for r.More() {
		switch fields.Index(r.Key()) {
		case 0:
			id = wirejson.Unquote(r.Value())
		case 1:
			status = wirejson.Unquote(r.Value())
		default:
			r.Value() // skipped, but checked
		}
	}
	if err := r.Finish(); err != nil {
		fmt.Println("not JSON:", err)
		return
	}
	fmt.Println(id, status)
	// Output: t-1 PENDING
}
