// Package money represents amounts of money exactly, as an int64 count of a
// currency's minor units, for code that moves real money.
//
// An [Amount] of 2050 minor units of [KES] is twenty shillings and fifty
// cents. There is no floating point anywhere in this package: binary floats
// cannot represent 0.10 exactly, and a payout that is off by a cent is still
// wrong. Every operation is either exact or fails with an error; nothing
// rounds, truncates or wraps around silently.
//
// # Currencies and exponents
//
// A [Currency] is an ISO 4217 code. Its exponent, reported by
// [Currency.Exponent], is the number of decimal digits between the major and
// the minor unit: 2 for KES (100 cents to the shilling), 0 for UGX and XOF,
// whose smallest unit is the shilling or franc itself. Only the currencies
// declared in this package are known; operations that need an exponent
// return [ErrUnknownCurrency] for any other code, including the empty
// currency of the zero Amount.
//
// # Getting amounts in and out
//
//   - [New] wraps a minor-unit count you already have, for example from your
//     ledger.
//   - [Parse] reads a decimal string such as "20.50" in major units, the form
//     most provider APIs and humans use. It accepts a strict grammar and
//     refuses anything it would have to round or guess at.
//   - [FromMajor] converts a whole number of major units.
//   - [Amount.MajorString] renders the decimal string for providers that want
//     one; [Amount.WholeMajor] gives whole major units for providers, such as
//     M-Pesa, that accept no fraction, and fails with [ErrFractional] rather
//     than round.
//   - [Amount.MarshalJSON] and [Amount.UnmarshalJSON] use the integer form
//     {"minor":2050,"currency":"KES"}, which survives any JSON implementation
//     that keeps integers up to 2^63-1.
//
// # Arithmetic
//
// [Amount.Add], [Amount.Sub] and [Amount.Cmp] refuse to mix currencies
// ([ErrCurrencyMismatch]) and report [ErrOverflow] instead of wrapping around
// at the limits of int64.
//
// # Errors
//
// Every error wraps exactly one of the sentinel errors [ErrInvalid],
// [ErrOverflow], [ErrCurrencyMismatch], [ErrUnknownCurrency] and
// [ErrFractional], so callers can branch with [errors.Is]. Error messages
// quote the offending input (truncated to 32 bytes) so they can be logged
// as they are.
package money
