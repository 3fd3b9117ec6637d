package money

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MarshalJSON encodes a as {"minor":2050,"currency":"KES"}: the minor units
// as a JSON integer, never a decimal or a float, so no precision can be lost
// in encoding. Decoders must keep integers up to 2^63-1 exactly; JavaScript's
// Number does not beyond 2^53-1.
//
// MarshalJSON fails with [ErrUnknownCurrency] if a's currency is unknown,
// including for the zero Amount, because [Amount.UnmarshalJSON] would reject
// the result. For an optional amount use a *Amount field, which encodes as
// null when nil, or (Go 1.24+) the omitzero struct tag option.
func (a Amount) MarshalJSON() ([]byte, error) {
	if !a.Currency.Valid() {
		return nil, fmt.Errorf("%w %s: cannot marshal %s", ErrUnknownCurrency, quote(string(a.Currency)), a)
	}
	b := make([]byte, 0, 64)
	b = append(b, `{"minor":`...)
	b = strconv.AppendInt(b, a.Minor, 10)
	b = append(b, `,"currency":"`...)
	b = append(b, a.Currency...) // known codes are A-Z only; no escaping needed
	b = append(b, `"}`...)
	return b, nil
}

// UnmarshalJSON decodes the form written by [Amount.MarshalJSON] and nothing
// else. The object must have exactly the two members "minor" and "currency",
// in either order, with these names exactly (matching is case-sensitive,
// unlike encoding/json's default). minor must be a JSON integer that fits in
// an int64 (negative values are accepted): 20.5, 2050.0, 2e3 and "2050" are
// rejected. currency must be a string naming a known currency.
//
// The literal null is rejected too, rather than silently leaving a
// zero or stale Amount; use a *Amount field for an optional amount.
//
// Errors wrap [ErrInvalid], or [ErrOverflow] for an out-of-range minor, or
// [ErrUnknownCurrency]. On error *a is left unchanged.
func (a *Amount) UnmarshalJSON(data []byte) error {
	v, err := decodeAmount(data)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

func decodeAmount(data []byte) (Amount, error) {
	invalid := func(reason string) error {
		return fmt.Errorf("%w JSON %s: %s", ErrInvalid, quote(string(data)), reason)
	}
	const want = `want an object like {"minor":2050,"currency":"KES"}`

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers arrive as their literal text, never as float64
	tok, err := dec.Token()
	if err != nil {
		return Amount{}, invalid(want)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return Amount{}, invalid(want)
	}

	var (
		minor                   int64
		cur                     Currency
		haveMinor, haveCurrency bool
	)
	for dec.More() {
		tok, err = dec.Token()
		if err != nil {
			return Amount{}, invalid("malformed JSON")
		}
		key, _ := tok.(string) // object keys are always strings
		if (key == "minor" && haveMinor) || (key == "currency" && haveCurrency) {
			return Amount{}, invalid(fmt.Sprintf("duplicate member %q", key))
		}
		if key != "minor" && key != "currency" {
			return Amount{}, invalid(fmt.Sprintf("unexpected member %s; %s", quote(key), want))
		}
		tok, err = dec.Token()
		if err != nil {
			return Amount{}, invalid("malformed JSON")
		}
		if key == "minor" {
			n, ok := tok.(json.Number)
			if !ok {
				return Amount{}, invalid(`"minor" must be an integer number of minor units`)
			}
			minor, err = strconv.ParseInt(string(n), 10, 64)
			if errors.Is(err, strconv.ErrRange) {
				return Amount{}, fmt.Errorf("%w: JSON %s: minor %s is beyond int64", ErrOverflow, quote(string(data)), quote(string(n)))
			}
			if err != nil {
				return Amount{}, invalid(fmt.Sprintf(`"minor" must be an integer, not %s`, quote(string(n))))
			}
			haveMinor = true
		} else {
			s, ok := tok.(string)
			if !ok {
				return Amount{}, invalid(`"currency" must be a string`)
			}
			cur = Currency(s)
			if !cur.Valid() {
				return Amount{}, fmt.Errorf("%w %s in JSON %s", ErrUnknownCurrency, quote(s), quote(string(data)))
			}
			haveCurrency = true
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return Amount{}, invalid("malformed JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Amount{}, invalid("unexpected data after the object")
	}
	if !haveMinor {
		return Amount{}, invalid(`missing "minor"`)
	}
	if !haveCurrency {
		return Amount{}, invalid(`missing "currency"`)
	}
	return Amount{Minor: minor, Currency: cur}, nil
}
