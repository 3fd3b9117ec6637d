package phone

// This file holds the numbering-plan data the package relies on. Ranges are
// written as the first three digits of the national significant number, so
// {700, 729} covers 0700 000 000 through 0729 999 999.

// prefixRange is an inclusive range of three-digit NSN prefixes.
type prefixRange struct{ lo, hi int }

// mobileRanges are the NSN prefixes that libphonenumber's metadata for KE
// classifies as mobile, from its pattern
//
//	(?:1(?:0[0-8]|[18]\d|2[014]|30|4[0-5])|7\d\d)\d{6}
//
// Update this list, and the pattern in the package documentation and tests,
// when libphonenumber's KE metadata changes.
var mobileRanges = [...]prefixRange{
	{100, 108},
	{110, 119},
	{120, 121},
	{124, 124},
	{130, 130},
	{140, 145},
	{180, 189},
	{700, 799},
}

// isMobilePrefix reports whether p, the first three digits of a 9-digit
// national significant number, is a mobile prefix.
func isMobilePrefix(p int) bool {
	for _, r := range mobileRanges {
		if r.lo <= p && p <= r.hi {
			return true
		}
	}
	return false
}

// Operator is a Kenyan mobile network operator, as returned by
// [Number.Operator]. Its value is the operator's usual name, suitable for
// logs and JSON.
type Operator string

// The operators [Number.Operator] reports.
const (
	// OperatorUnknown is the zero Operator, returned for the zero Number.
	OperatorUnknown Operator = ""

	// Safaricom is Safaricom PLC, the operator of M-Pesa.
	Safaricom Operator = "Safaricom"

	// Airtel is Airtel Networks Kenya, the operator of Airtel Money.
	Airtel Operator = "Airtel"

	// Telkom is Telkom Kenya, the operator of T-Kash.
	Telkom Operator = "Telkom"

	// Equitel is Finserve Africa, Equity Bank's mobile network, which trades
	// as Equitel.
	Equitel Operator = "Equitel"

	// OperatorOther is returned for a valid mobile number whose prefix is
	// allocated to another operator (such as Jamii Telecom's 0747) or not
	// yet known to this package.
	OperatorOther Operator = "Other"
)

// operatorRanges maps NSN prefixes to the operator the Communications
// Authority of Kenya allocated them to. Prefixes not listed are
// OperatorOther. Keep the ranges sorted, disjoint, and inside mobileRanges;
// the tests check all three.
var operatorRanges = [...]struct {
	prefixRange
	op Operator
}{
	{prefixRange{100, 102}, Airtel},
	{prefixRange{110, 115}, Safaricom},
	{prefixRange{700, 729}, Safaricom},
	{prefixRange{730, 739}, Airtel},
	{prefixRange{740, 743}, Safaricom},
	{prefixRange{745, 746}, Safaricom},
	{prefixRange{748, 748}, Safaricom},
	{prefixRange{750, 756}, Airtel},
	{prefixRange{757, 759}, Safaricom},
	{prefixRange{762, 762}, Airtel},
	{prefixRange{763, 766}, Equitel},
	{prefixRange{768, 769}, Safaricom},
	{prefixRange{770, 779}, Telkom},
	{prefixRange{780, 789}, Airtel},
	{prefixRange{790, 799}, Safaricom},
}

// Operator returns the network that n's prefix was originally allocated to,
// OperatorOther for a prefix of another or unknown operator, and
// OperatorUnknown for the zero Number.
//
// Treat the result as a hint, for display or analytics: Kenya has mobile
// number portability, so a number can move to another network and keep its
// prefix. Never decide where money goes from it.
func (n Number) Operator() Operator {
	if n.nsn == 0 {
		return OperatorUnknown
	}
	p := int(n.nsn / 1_000_000)
	for _, r := range operatorRanges {
		if r.lo <= p && p <= r.hi {
			return r.op
		}
	}
	return OperatorOther
}
