package payout

import (
	"strings"
	"time"
)

// Identity is the kind of identity document a Sender presents, spelled as
// PayOS expects it on the wire.
type Identity string

// The identity documents PayOS accepts.
const (
	// IdentityPassport is an individual's passport.
	IdentityPassport Identity = "passport"
	// IdentityGovernmentID is an individual's government-issued identity card.
	IdentityGovernmentID Identity = "government issued id"
	// IdentityCompanyRegistration marks a company sender: IdentityNumber is
	// the registration number and DateOfBirth the incorporation date.
	IdentityCompanyRegistration Identity = "company registration number"
)

// Valid reports whether id is one of the documented identity kinds.
func (id Identity) Valid() bool {
	switch id {
	case IdentityPassport, IdentityGovernmentID, IdentityCompanyRegistration:
		return true
	}
	return false
}

// SenderKind tells an individual sender from a company.
type SenderKind int

// The kinds of sender.
const (
	// SenderIndividual is a natural person (passport or government id).
	SenderIndividual SenderKind = iota
	// SenderCompany is a registered company.
	SenderCompany
)

// String returns "individual" or "company".
func (k SenderKind) String() string {
	if k == SenderCompany {
		return "company"
	}
	return "individual"
}

// Sender is the know-your-customer record of who sends a payout. Its field
// names follow PayOS's wire names. For a company, FullName is the registered
// name, Identity is IdentityCompanyRegistration, IdentityNumber the
// registration number and DateOfBirth the incorporation date.
type Sender struct {
	// FullName is the person's full name or the company's registered name.
	FullName string
	// PhoneNumber is the sender's phone number in international digits,
	// without "+" (e.g. "27821234567"); any country.
	PhoneNumber string
	// Nationality is an ISO 3166 alpha-3 country code ("KEN", "ZAF"). Leave
	// it empty to let the provider use the merchant's home country.
	Nationality string
	// Identity is the kind of identity document: one of the Identity
	// constants.
	Identity Identity
	// IdentityNumber is the document's number.
	IdentityNumber string
	// DateOfBirth is YYYY-MM-DD; the incorporation date for a company.
	DateOfBirth string
	// PurposeOfFunds says what the payout is for ("salary").
	PurposeOfFunds string
	// SourceOfFunds says where the money comes from ("business income").
	SourceOfFunds string
	// Relationship is the sender's relationship to the recipient ("employer").
	Relationship string
}

// Funds is the part of a Sender that describes the money rather than the
// person: what the payout is for, where its money comes from and who the
// sender is to the recipient. PayOS requires all three.
type Funds struct {
	// Purpose is Sender.PurposeOfFunds ("salary", "vendor payment").
	Purpose string
	// Source is Sender.SourceOfFunds ("business income").
	Source string
	// Relationship is Sender.Relationship ("employer", "business").
	Relationship string
}

// NewIndividualSender returns a complete Sender for a natural person
// identified by a passport or a government id (id), with the document's
// number, the date of birth (YYYY-MM-DD) and funds: every field
// Sender.Validate requires, checked. The error is Validate's, naming the
// field at fault; a company is refused (use NewCompanySender). Set
// Nationality on the result when you know it (an ISO 3166 alpha-3 code;
// Send checks it).
func NewIndividualSender(fullName, phoneNumber string, id Identity, idNumber, dateOfBirth string, funds Funds) (*Sender, error) {
	if id == IdentityCompanyRegistration {
		return nil, InvalidField("sender.identity", "%q is a company's: use NewCompanySender", id)
	}
	return newSender(Sender{FullName: fullName, PhoneNumber: phoneNumber, Identity: id,
		IdentityNumber: idNumber, DateOfBirth: dateOfBirth}, funds)
}

// NewCompanySender returns a complete Sender for a company: its registered
// name, phone number, registration number, incorporation date (YYYY-MM-DD)
// and funds, with Identity IdentityCompanyRegistration. The error is
// Sender.Validate's, naming the field at fault.
func NewCompanySender(registeredName, phoneNumber, registrationNumber, incorporated string, funds Funds) (*Sender, error) {
	return newSender(Sender{FullName: registeredName, PhoneNumber: phoneNumber, Identity: IdentityCompanyRegistration,
		IdentityNumber: registrationNumber, DateOfBirth: incorporated}, funds)
}

func newSender(s Sender, f Funds) (*Sender, error) {
	s.PurposeOfFunds, s.SourceOfFunds, s.Relationship = f.Purpose, f.Source, f.Relationship
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Kind reports whether s describes a company or an individual, from its
// Identity.
func (s *Sender) Kind() SenderKind {
	if s.Identity == IdentityCompanyRegistration {
		return SenderCompany
	}
	return SenderIndividual
}

// Validate checks every field PayOS requires of a sender and returns an
// *Error (CodeInvalidRequest) whose Field names the first one missing or
// malformed, as "sender.<wireName>". Its message states the rule broken and
// never repeats a value: a Sender is know-your-customer data, and errors
// reach logs and job queues.
func (s *Sender) Validate() error {
	return s.validateAt(time.Now())
}

func (s *Sender) validateAt(now time.Time) error {
	required := []struct{ field, value string }{
		{"sender.fullName", s.FullName},
		{"sender.phoneNumber", s.PhoneNumber},
		{"sender.identity", string(s.Identity)},
		{"sender.identityNumber", s.IdentityNumber},
		{"sender.dateOfBirth", s.DateOfBirth},
		{"sender.purposeOfFunds", s.PurposeOfFunds},
		{"sender.sourceOfFunds", s.SourceOfFunds},
		{"sender.relationship", s.Relationship},
	}
	for _, f := range required {
		if err := validateText(f.field, f.value, true); err != nil {
			return err
		}
	}
	if !s.Identity.Valid() {
		return InvalidField("sender.identity", "must be %q, %q or %q (lower case, as written)",
			IdentityPassport, IdentityGovernmentID, IdentityCompanyRegistration)
	}
	if err := validateSenderPhone(s.PhoneNumber); err != nil {
		return err
	}
	if s.Nationality != "" && !isAlpha3(s.Nationality) {
		return InvalidField("sender.nationality", "must be an ISO 3166 alpha-3 code: three capital letters such as \"KEN\"")
	}
	dob, err := time.Parse(time.DateOnly, s.DateOfBirth)
	if err != nil {
		what := "date of birth"
		if s.Kind() == SenderCompany {
			what = "incorporation date"
		}
		return InvalidField("sender.dateOfBirth", "%s must be a real date as YYYY-MM-DD", what)
	}
	if dob.After(now) {
		return InvalidField("sender.dateOfBirth", "is in the future")
	}
	return nil
}

// validateSenderPhone accepts international digits with an optional "+"
// (E.164 allows at most 15 digits).
func validateSenderPhone(p string) error {
	d := strings.TrimPrefix(p, "+")
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return InvalidField("sender.phoneNumber", "must be 7 to 15 international digits without a leading 0, got %d characters", len(p))
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return InvalidField("sender.phoneNumber", "must hold digits only")
		}
	}
	return nil
}

func isAlpha3(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
