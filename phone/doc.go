// Package phone parses and formats Kenyan mobile phone numbers, the
// destinations of M-Pesa payouts.
//
// A wrong number sends money to a stranger, so this package is strict: it
// accepts what people actually type, and rejects everything it would have to
// guess at, with an error that says why.
//
// # Parsing
//
// [Parse] turns user input into a [Number]. All of these are the same
// number, +254712345678:
//
//	0712345678          national form, with the trunk prefix 0
//	712345678           the bare 9-digit national significant number
//	+254712345678       E.164
//	254712345678        international form without the plus
//	000254712345678     dialled from Kenya with its international prefix 000
//	00254712345678      with the 00 prefix most of the world uses (see below)
//	+254 (0)712 345 678 international form showing the trunk prefix
//	0712-345-678, (0712) 345678, 0712 345 678, 0712.345.678
//
// Spaces, hyphens, dots and parentheses may separate the digits anywhere, and
// so may the look-alikes that word processors and web pages substitute: the
// no-break space, the Unicode hyphens and dashes U+2010 to U+2015, the minus
// sign U+2212, and the invisible soft hyphen, zero-width space and word
// joiner. Leading and trailing ASCII white space is ignored. A single "+" may
// come before the first digit.
//
// Anything else is an error: letters (including "ext", "tel:" and vanity
// numbers), any other symbol such as "/", "*" or "#", other white space
// inside the number, and non-ASCII digits such as full-width "０７１２…" or
// Arabic-Indic "٠٧١٢…", which are refused rather than converted.
//
// # What counts as valid
//
// Validity follows Google's libphonenumber (metadata for region KE, parsed
// with default region KE) for numbers of type MOBILE. The national
// significant number (NSN) must have exactly 9 digits and match the KE
// mobile pattern
//
//	(?:1(?:0[0-8]|[18]\d|2[014]|30|4[0-5])|7\d\d)\d{6}
//
// that is, it starts 100-108, 110-119, 120, 121, 124, 130, 140-145, 180-189
// or 700-799. Fixed lines (020…, 041…, …), toll-free 0800 and premium
// 0900 numbers, other ranges such as 03xx, numbers of other countries and
// numbers of the wrong length are rejected.
//
// Where prefixes are concerned this package does what libphonenumber does:
//
//   - Kenya's trunk prefix 0 is dropped once after the country code, so
//     "+2540712345678" and "+254 (0)712 345 678" are +254712345678, while
//     "+25400712345678" is invalid.
//   - Digits that start with 254 and do not carry a "+" are read as country
//     code 254 when that leaves a valid number: "254712345678" and
//     "2540712345678" are valid. libphonenumber strips the trunk prefix twice
//     on this path, so "25400712345678" is valid too.
//   - Kenya's international prefix is 000, so "000254712345678" is valid;
//     so is "+000254712345678", which libphonenumber reads the same way after
//     finding no country code beginning with 0.
//
// There is one deliberate difference: libphonenumber, knowing only 000 as
// Kenya's international prefix, rejects "00254712345678". People copy
// numbers in that form from sites and contacts abroad, and it can mean
// nothing but +254712345678, so Parse accepts 00 as an international prefix
// too. Any other country code after 00, 000 or "+" is an error.
//
// # Formatting
//
// A Number formats as [Number.E164] ("+254712345678", also its String),
// [Number.International] ("254712345678", the form M-Pesa APIs such as
// Daraja's B2C expect) and [Number.National] ("0712345678"). Parsing any of
// them gives back the same Number.
//
// Number is a small comparable value: == compares numbers, and it can be a
// map key. Its zero value is not a valid number; [Number.IsZero] reports it.
//
// # Operators
//
// [Number.Operator] names the mobile network the number's prefix was
// allocated to by the Communications Authority of Kenya. It is a hint only:
// numbers are portable between networks, so never use it to route money.
//
// # Errors
//
// Every error from Parse matches [ErrInvalid] with [errors.Is], and also
// exactly one of [ErrEmpty], [ErrCharacter], [ErrCountry], [ErrLength] and
// [ErrNotMobile], which say what is wrong. Messages are one line, start with
// "phone: " and quote the input, for example:
//
//	phone: "+255712345678": not a Kenyan number (country code 255)
//
// # Logging
//
// [Mask] hides the middle of a phone number, or of any string, for log
// lines: Mask("254712345678") is "2547****5678".
//
// # Performance
//
// Parse does not allocate when it succeeds. The formatting methods allocate
// only the string they return.
package phone
