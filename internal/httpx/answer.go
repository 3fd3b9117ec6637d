package httpx

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/phone"
)

// Differences lists what a payout the provider describes under
// req.Reference says that contradicts req: its amount (currency included)
// and its recipient's phone, each as "amount KES 500.00, not KES 600.00".
// Fields the provider left empty are not compared. Phones are compared as
// numbers (any spelling) and shown masked.
func Differences(req payout.Request, p *payout.Payout) []string {
	var diffs []string
	if p.Amount.Currency != "" && p.Amount != req.Amount {
		diffs = append(diffs, "amount "+p.Amount.String()+", not "+req.Amount.String())
	}
	if p.Phone != "" && !SamePhone(req.Recipient.Phone, p.Phone) {
		diffs = append(diffs, "phone "+phone.Mask(intl(p.Phone))+", not "+phone.Mask(intl(req.Recipient.Phone)))
	}
	return diffs
}

// SamePhone reports whether a and b are one number (as intl would spell
// them: parsed numbers compared as numbers, text phone.Parse cannot read
// compared as given), without building their spellings: this runs on
// every answer.
func SamePhone(a, b string) bool {
	na, errA := phone.Parse(a)
	nb, errB := phone.Parse(b)
	switch {
	case errA == nil && errB == nil:
		return na == nb
	case errA != nil && errB != nil:
		return a == b
	}
	return false
}

// intl is a number's international digits, or the text as given when it is
// not a number phone.Parse reads.
func intl(s string) string {
	if n, err := phone.Parse(s); err == nil {
		return n.International()
	}
	return s
}

// DuplicateReference is the error for a Reference the provider holds for
// another payout, naming what differs (see Differences): the caller's
// payout was not made, and returning the other one as its would tell the
// caller a recipient was paid who was not.
func DuplicateReference(provider string, req payout.Request, other *payout.Payout, diffs []string) *payout.Error {
	msg := "this Reference belongs to another payout"
	if other != nil && other.ID != "" {
		msg += " (" + other.ID + ")"
	}
	if len(diffs) > 0 {
		msg += " of " + strings.Join(diffs, " and ")
	}
	return &payout.Error{Code: payout.CodeDuplicateReference, Provider: provider, Reference: req.Reference,
		Message: msg + ": this payout was not made; use a new Reference for a new payout"}
}

// ForeignAnswer is the error for a 2xx answer to a payout POST that
// describes another payout than the one sent (another Reference, another
// currency): the provider's answer cannot be trusted, so the Code is
// CodeProviderError, and since it says nothing of the payout that was sent,
// the error also matches payout.ErrOutcomeUnknown (errors.Is): send again
// with the same Reference, or look it up, before paying otherwise.
func ForeignAnswer(provider string, req payout.Request, what string) *payout.Error {
	return &payout.Error{Code: payout.CodeProviderError, Provider: provider, Reference: req.Reference,
		Message: "the provider's answer describes another payout (" + what + "); whether this one was created is unknown",
		Err:     payout.ErrOutcomeUnknown}
}

// CheckAnswer compares what a provider's answer to a payout POST echoes
// (p, as the adapter read it) with what was sent (req). An answer about
// another Reference or in another currency is no answer about this payout:
// ForeignAnswer, naming the provider's wire name of the reference
// (referenceField: "reference" for PalPluss, "merchantReference" for
// PayOS). One under this Reference (or none) but of another amount or phone
// is the payout the provider holds for the Reference, which is not this
// one: DuplicateReference, naming what differs. Fields the answer leaves
// empty are not compared. nil means the answer is about req's payout.
func CheckAnswer(provider, referenceField string, p *payout.Payout, req payout.Request) *payout.Error {
	if p.Reference != "" && p.Reference != req.Reference {
		return ForeignAnswer(provider, req, referenceField+" "+strconv.Quote(p.Reference))
	}
	if p.Amount.Currency != "" && p.Amount.Currency != req.Amount.Currency {
		return ForeignAnswer(provider, req, "currency "+string(p.Amount.Currency))
	}
	if p.Phone != "" {
		if _, err := phone.Parse(p.Phone); err != nil {
			// Masked or garbled: comparing it would call this payout
			// another's, and ErrDuplicateReference says "not made".
			return UncheckableAnswer(provider, req, "phone")
		}
	}
	if diffs := Differences(req, p); len(diffs) > 0 {
		return DuplicateReference(provider, req, p, diffs)
	}
	return nil
}

// WrongID is the error for an answer to a lookup by id that carries
// another id.
func WrongID(provider, asked, got string) *payout.Error {
	return &payout.Error{Code: payout.CodeProviderError, Provider: provider,
		Message: "the provider answered with transaction " + got + " when asked for " + asked}
}

// PathSegment checks that id can be one segment of a URL path and returns
// it escaped (url.PathEscape). Ids are the provider's and otherwise opaque:
// only what cannot be a single segment is refused, with an error naming
// field: an empty or blank id, one holding '/' (or '\', which some servers
// read as '/'), and the dot segments "." and "..", which would reach
// another endpoint.
func PathSegment(field, id string) (string, error) {
	switch {
	case strings.TrimSpace(id) == "":
		return "", payout.InvalidField(field, "is required")
	case strings.ContainsAny(id, `/\`):
		return "", payout.InvalidField(field, "must be one path segment, without '/' or '\\'")
	case id == "." || id == "..":
		return "", payout.InvalidField(field, "must not be a dot segment (%q)", id)
	}
	return url.PathEscape(id), nil
}

// RedactURL is u for printing: its whole user information, if any (user
// name and password), replaced by "xxxxx"; a URL that cannot be parsed is
// not shown at all.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "[unparsable URL]"
	}
	if p.User != nil {
		p.User = url.User("xxxxx")
	}
	return p.String()
}

// userinfoSecrets are the spellings of base's user information that reach
// error text: as written, as net/http prints it in a transport error
// ("user:***@"), and its password alone.
func userinfoSecrets(base string) []string {
	p, err := url.Parse(base)
	if err != nil || p.User == nil {
		return nil
	}
	name := url.User(p.User.Username()).String()
	out := []string{p.User.String() + "@", name + ":***@"}
	if pw, ok := p.User.Password(); ok {
		out = append(out, pw)
	}
	return out
}

// UncheckableAnswer is the error for a 2xx answer to a payout POST that
// echoes field (its recipient's phone, its amount) in a form that cannot
// be read, so cannot be compared with what was sent: it may describe
// another payout, or this one spelt oddly (a masked phone). Neither a
// success nor a refusal (ErrDuplicateReference would tell the caller the
// payout was not made): CodeProviderError, also matching
// payout.ErrOutcomeUnknown.
func UncheckableAnswer(provider string, req payout.Request, field string) *payout.Error {
	return &payout.Error{Code: payout.CodeProviderError, Provider: provider, Reference: req.Reference,
		Message: "the provider's answer has an unreadable " + field + ", so it cannot be checked against the payout sent; whether this one was created is unknown",
		Err:     payout.ErrOutcomeUnknown}
}
