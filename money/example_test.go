package money_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/payoutkit/payout/money"
)

func ExampleNew() {
	a := money.New(2050, money.KES) // 2050 cents
	fmt.Println(a)
	fmt.Println(a.MajorString())

	b := money.New(5000, money.UGX) // UGX has no minor unit
	fmt.Println(b)
	// Output:
	// KES 20.50
	// 20.50
	// UGX 5000
}

func ExampleParse() {
	for _, s := range []string{"20.50", "20.5", "20", "-3.07"} {
		a, err := money.Parse(s, money.KES)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-6s -> %d minor units\n", s, a.Minor)
	}

	// Parse never rounds and never guesses.
	for _, s := range []string{"20.505", "1,000", "1e3"} {
		_, err := money.Parse(s, money.KES)
		fmt.Println(errors.Is(err, money.ErrInvalid), err)
	}
	// Output:
	// 20.50  -> 2050 minor units
	// 20.5   -> 2050 minor units
	// 20     -> 2000 minor units
	// -3.07  -> -307 minor units
	// true money: invalid amount "20.505" for KES: KES has 2 decimal places; refusing to round away nonzero digits
	// true money: invalid amount "1,000" for KES: unexpected "," at byte 1
	// true money: invalid amount "1e3" for KES: unexpected "e" at byte 1
}

func ExampleAmount_WholeMajor() {
	// M-Pesa B2C takes whole shillings, so cents must be dealt with
	// explicitly before sending, never rounded away.
	for _, a := range []money.Amount{money.New(2000, money.KES), money.New(2050, money.KES)} {
		shillings, err := a.WholeMajor()
		if errors.Is(err, money.ErrFractional) {
			fmt.Println("refused:", err)
			continue
		}
		fmt.Println("send Amount:", shillings)
	}
	// Output:
	// send Amount: 20
	// refused: money: amount is not a whole number of major units: KES 20.50
}

func ExampleAmount_Add() {
	payout := money.New(100000, money.KES)
	fee := money.New(1500, money.KES)

	total, err := payout.Add(fee)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(total)

	_, err = payout.Add(money.New(100, money.USD))
	fmt.Println(errors.Is(err, money.ErrCurrencyMismatch), err)
	// Output:
	// KES 1015.00
	// true money: currency mismatch: cannot add KES 1000.00 and USD 1.00
}

func ExampleAmount_MarshalJSON() {
	data, _ := json.Marshal(money.New(2050, money.KES))
	fmt.Println(string(data))

	var a money.Amount
	err := json.Unmarshal([]byte(`{"minor":20.5,"currency":"KES"}`), &a)
	fmt.Println(errors.Is(err, money.ErrInvalid))
	// Output:
	// {"minor":2050,"currency":"KES"}
	// true
}
