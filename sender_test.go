package payout

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/payoutkit/payout/money"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var salary = Funds{Purpose: "salary", Source: "business income", Relationship: "employer"}

func TestNewIndividualSenderIsComplete(t *testing.T) {
	s, err := NewIndividualSender("Jane Smith", "27821234567", IdentityGovernmentID, "12345678", "1990-01-15", salary)
	require.NoError(t, err)
	require.NoError(t, s.Validate(), "what the constructor returns passes Validate")
	assert.Equal(t, Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Identity: IdentityGovernmentID,
		IdentityNumber: "12345678", DateOfBirth: "1990-01-15", PurposeOfFunds: "salary",
		SourceOfFunds: "business income", Relationship: "employer"}, *s)
	assert.Equal(t, SenderIndividual, s.Kind())
}

func TestNewCompanySenderIsComplete(t *testing.T) {
	s, err := NewCompanySender("Acme Ltd", "254709000000", "CPR/2015/1", "2015-03-20", salary)
	require.NoError(t, err)
	require.NoError(t, s.Validate())
	assert.Equal(t, IdentityCompanyRegistration, s.Identity)
	assert.Equal(t, "CPR/2015/1", s.IdentityNumber)
	assert.Equal(t, "2015-03-20", s.DateOfBirth)
	assert.Equal(t, SenderCompany, s.Kind())
}

func TestSenderConstructorsRefuseIncompleteSenders(t *testing.T) {
	tests := []struct {
		name  string
		make  func() (*Sender, error)
		field string
	}{
		{"no purpose", func() (*Sender, error) {
			return NewIndividualSender("Jane", "27821234567", IdentityPassport, "A1", "1990-01-15", Funds{Source: "x", Relationship: "y"})
		}, "sender.purposeOfFunds"},
		{"no relationship", func() (*Sender, error) {
			return NewCompanySender("Acme", "27821234567", "R1", "2015-03-20", Funds{Purpose: "x", Source: "y"})
		}, "sender.relationship"},
		{"bad date", func() (*Sender, error) {
			return NewIndividualSender("Jane", "27821234567", IdentityPassport, "A1", "15/01/1990", salary)
		}, "sender.dateOfBirth"},
		{"unknown identity", func() (*Sender, error) {
			return NewIndividualSender("Jane", "27821234567", "driving licence", "A1", "1990-01-15", salary)
		}, "sender.identity"},
		{"a company through the individual constructor", func() (*Sender, error) {
			return NewIndividualSender("Acme", "27821234567", IdentityCompanyRegistration, "R1", "2015-03-20", salary)
		}, "sender.identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.make()
			assert.Nil(t, s)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, CodeInvalidRequest, pe.Code)
			assert.Equal(t, tt.field, pe.Field)
		})
	}
}

// Identity is a named string type: the constants go straight into a
// literal, and a Sender encodes as before.
func TestSenderIdentityInLiteralAndJSON(t *testing.T) {
	s := Sender{FullName: "Jane", Identity: IdentityPassport}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"Identity":"passport"`)
	var back Sender
	require.NoError(t, json.Unmarshal([]byte(`{"Identity":"government issued id"}`), &back))
	assert.Equal(t, IdentityGovernmentID, back.Identity)
}

// A Sender is KYC data, and validation errors reach logs and job queues:
// each names the field and the rule broken, never the value given.
func TestSenderErrorsDoNotRepeatKYCValues(t *testing.T) {
	valid := func() Sender {
		return Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Identity: IdentityPassport,
			IdentityNumber: "A9081726", DateOfBirth: "1990-01-15", PurposeOfFunds: "salary",
			SourceOfFunds: "business income", Relationship: "employer"}
	}
	tests := []struct {
		name   string
		edit   func(*Sender)
		field  string
		secret string
	}{
		{"date of birth not a date", func(s *Sender) { s.DateOfBirth = "15/01/1984" }, "sender.dateOfBirth", "1984"},
		{"date of birth impossible", func(s *Sender) { s.DateOfBirth = "1984-02-30" }, "sender.dateOfBirth", "1984"},
		{"date of birth in the future", func(s *Sender) { s.DateOfBirth = "2984-02-03" }, "sender.dateOfBirth", "2984"},
		{"incorporation date not a date", func(s *Sender) {
			s.Identity, s.IdentityNumber, s.DateOfBirth = IdentityCompanyRegistration, "CPR/2015/1", "March 1984"
		}, "sender.dateOfBirth", "1984"},
		{"id number in the identity field", func(s *Sender) { s.Identity = "A9081726" }, "sender.identity", "9081726"},
		{"identity number with a control character", func(s *Sender) { s.IdentityNumber = "A9081726\x07" }, "sender.identityNumber", "9081726"},
		{"nationality malformed", func(s *Sender) { s.Nationality = "Kenyan 9081726" }, "sender.nationality", "9081726"},
		{"phone number with a letter", func(s *Sender) { s.PhoneNumber = "2782123456x" }, "sender.phoneNumber", "2123456"},
		{"phone number too long", func(s *Sender) { s.PhoneNumber = "278212345678901234" }, "sender.phoneNumber", "2123456"},
		{"full name with a control character", func(s *Sender) { s.FullName = "Jane Wanjiru\x00" }, "sender.fullName", "Wanjiru"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.edit(&s)
			req := Request{Reference: "R-1", Amount: money.New(50000, money.KES), Recipient: Recipient{Phone: "0712345678"}, Sender: &s}
			for what, err := range map[string]error{"Sender.Validate": s.Validate(), "Request.Validate": req.Validate()} {
				var pe *Error
				require.ErrorAs(t, err, &pe, what)
				assert.Equal(t, tt.field, pe.Field, what)
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), pe.Message} {
					assert.NotContains(t, text, tt.secret, "%s repeats the value given", what)
				}
			}
		})
	}
}
