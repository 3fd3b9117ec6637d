package phone_test

import (
	"errors"
	"fmt"

	"github.com/payoutkit/payout/phone"
)

func ExampleParse() {
	n, err := phone.Parse("+254 (0)712 345 678")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n)
	fmt.Println(n.International())
	fmt.Println(n.National())
	// Output:
	// +254712345678
	// 254712345678
	// 0712345678
}

func ExampleParse_errors() {
	for _, s := range []string{
		"+255712345678",
		"020 2012345",
		"071234567",
		"０７１２３４５６７８",
	} {
		_, err := phone.Parse(s)
		fmt.Println(err)
		fmt.Println("  invalid:", errors.Is(err, phone.ErrInvalid),
			"not mobile:", errors.Is(err, phone.ErrNotMobile))
	}
	// Output:
	// phone: "+255712345678": not a Kenyan number (country code 255)
	//   invalid: true not mobile: false
	// phone: "020 2012345": fixed-line number (area code 020), not a mobile number
	//   invalid: true not mobile: true
	// phone: "071234567": too short: 8 digits after the leading 0, want 9
	//   invalid: true not mobile: false
	// phone: "０７１２３４５６７８": non-ASCII digit '０' (U+FF10); only 0-9 are accepted
	//   invalid: true not mobile: false
}

func ExampleNumber_E164() {
	// Every way of writing a number gives the same Number.
	for _, s := range []string{"0712345678", "712 345 678", "254712345678", "+254-712-345-678"} {
		n, err := phone.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-18q %s\n", s, n.E164())
	}
	// Output:
	// "0712345678"       +254712345678
	// "712 345 678"      +254712345678
	// "254712345678"     +254712345678
	// "+254-712-345-678" +254712345678
}

func ExampleNumber_National() {
	n, err := phone.Parse("+254110123456")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.National())
	// Output: 0110123456
}

func ExampleNumber_Operator() {
	for _, s := range []string{"0722000000", "0733000000", "0771000000", "0764000000", "0747000000"} {
		n, err := phone.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n.National(), n.Operator())
	}
	// Output:
	// 0722000000 Safaricom
	// 0733000000 Airtel
	// 0771000000 Telkom
	// 0764000000 Equitel
	// 0747000000 Other
}

func ExampleMask() {
	fmt.Println(phone.Mask("254712345678"))
	fmt.Println(phone.Mask("+254712345678"))
	fmt.Println(phone.Mask("12345"))
	// Output:
	// 2547****5678
	// +254*****5678
	// *****
}
