package money

// Currency is an ISO 4217 alphabetic currency code, such as "KES".
//
// Codes are upper case and compared exactly: "kes" is not [KES]. A Currency
// is known, and [Currency.Valid] reports true, only if it is one of the
// constants declared in this package; any string converts to a Currency, so
// check Valid before trusting one that came from outside.
type Currency string

// The currencies this package knows, with their ISO 4217 exponents.
const (
	KES Currency = "KES" // Kenyan shilling, 2 decimals. The currency of M-Pesa Kenya.
	UGX Currency = "UGX" // Ugandan shilling, 0 decimals: 1 minor unit is 1 shilling.
	TZS Currency = "TZS" // Tanzanian shilling, 2 decimals.
	RWF Currency = "RWF" // Rwandan franc, 0 decimals.
	ETB Currency = "ETB" // Ethiopian birr, 2 decimals.
	NGN Currency = "NGN" // Nigerian naira, 2 decimals.
	GHS Currency = "GHS" // Ghanaian cedi, 2 decimals.
	ZAR Currency = "ZAR" // South African rand, 2 decimals.
	ZMW Currency = "ZMW" // Zambian kwacha, 2 decimals.
	MWK Currency = "MWK" // Malawian kwacha, 2 decimals.
	EGP Currency = "EGP" // Egyptian pound, 2 decimals.
	MAD Currency = "MAD" // Moroccan dirham, 2 decimals.
	TND Currency = "TND" // Tunisian dinar, 3 decimals.
	XOF Currency = "XOF" // West African CFA franc, 0 decimals.
	XAF Currency = "XAF" // Central African CFA franc, 0 decimals.
	USD Currency = "USD" // US dollar, 2 decimals.
	EUR Currency = "EUR" // Euro, 2 decimals.
	GBP Currency = "GBP" // Pound sterling, 2 decimals.
)

// pow10 holds 10^exp for every exponent Exponent can return.
var pow10 = [...]uint64{1, 10, 100, 1000}

// Exponent returns the number of decimal digits in c's minor unit, as given
// by ISO 4217: 2 for KES, where 1 shilling is 100 cents, and 0 for UGX,
// where the shilling is the smallest unit. The result is between 0 and 3.
// ok is false if c is not a currency this package knows.
func (c Currency) Exponent() (exp int, ok bool) {
	switch c {
	case UGX, RWF, XOF, XAF:
		return 0, true
	case KES, TZS, ETB, NGN, GHS, ZAR, ZMW, MWK, EGP, MAD, USD, EUR, GBP:
		return 2, true
	case TND:
		return 3, true
	}
	return 0, false
}

// Valid reports whether c is a currency this package knows, that is, one of
// the declared constants.
func (c Currency) Valid() bool {
	_, ok := c.Exponent()
	return ok
}
