package payout

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

func validRequest() Request {
	return Request{
		Reference: "WD-2024-001",
		Amount:    money.New(50000, money.KES),
		Recipient: Recipient{Name: "John Doe", Phone: "0712345678"},
		Sender: &Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Nationality: "ZAF",
			Identity: IdentityPassport, IdentityNumber: "A12345678", DateOfBirth: "1990-01-15",
			PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"},
		Description: "Commission payout",
		CallbackURL: "https://example.com/hooks/payout",
	}
}

func TestRequestValidate(t *testing.T) {
	require.NoError(t, validRequest().Validate())

	tests := []struct {
		name  string
		edit  func(*Request)
		field string
		code  Code
	}{
		{"empty reference", func(r *Request) { r.Reference = "  " }, "reference", CodeInvalidRequest},
		{"control char in reference", func(r *Request) { r.Reference = "a\nb" }, "reference", CodeInvalidRequest},
		{"invalid utf8", func(r *Request) { r.Description = "\xff" }, "description", CodeInvalidRequest},
		{"zero amount", func(r *Request) { r.Amount = money.New(0, money.KES) }, "amount", CodeInvalidRequest},
		{"negative amount", func(r *Request) { r.Amount = money.New(-100, money.KES) }, "amount", CodeInvalidRequest},
		{"unknown currency", func(r *Request) { r.Amount = money.New(100, "XXQ") }, "amount", CodeInvalidRequest},
		{"missing phone", func(r *Request) { r.Recipient.Phone = "" }, "recipient.phone", CodeInvalidRequest},
		{"landline", func(r *Request) { r.Recipient.Phone = "0202345678" }, "recipient.phone", CodeInvalidRecipient},
		{"foreign phone", func(r *Request) { r.Recipient.Phone = "+255712345678" }, "recipient.phone", CodeInvalidRecipient},
		{"http callback", func(r *Request) { r.CallbackURL = "http://example.com/h" }, "callbackURL", CodeInvalidRequest},
		{"relative callback", func(r *Request) { r.CallbackURL = "/hooks" }, "callbackURL", CodeInvalidRequest},
		{"callback with credentials", func(r *Request) { r.CallbackURL = "https://u:p@example.com/h" }, "callbackURL", CodeInvalidRequest},
		{"bad sender", func(r *Request) { r.Sender.IdentityNumber = "" }, "sender.identityNumber", CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.edit(&r)
			err := r.Validate()
			var pe *Error
			require.True(t, errors.As(err, &pe), "got %v", err)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.code, pe.Code)
			assert.Contains(t, err.Error(), tt.field, "the message names the field")
		})
	}
}

func TestRequestValidateAllowsLoopbackHTTPAndNoSender(t *testing.T) {
	r := validRequest()
	r.Sender = nil
	for _, u := range []string{"http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h", ""} {
		r.CallbackURL = u
		assert.NoError(t, r.Validate(), u)
	}
}

func TestSenderValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	base := validRequest().Sender
	require.NoError(t, base.validateAt(now))
	company, err := NewCompanySender("Acme Corporation Ltd", "27110001234", "2020/123456/07", "2015-03-20",
		Funds{Purpose: "vendor payment", Source: "business revenue", Relationship: "business"})
	require.NoError(t, err)
	require.NoError(t, company.validateAt(now))
	assert.Equal(t, SenderCompany, company.Kind())
	assert.Equal(t, SenderIndividual, base.Kind())
	assert.Equal(t, "company", company.Kind().String())

	tests := []struct {
		name    string
		sender  *Sender
		edit    func(*Sender)
		field   string
		message string
	}{
		{"full name", base, func(s *Sender) { s.FullName = "" }, "sender.fullName", "required"},
		{"phone", base, func(s *Sender) { s.PhoneNumber = "" }, "sender.phoneNumber", "required"},
		{"phone letters", base, func(s *Sender) { s.PhoneNumber = "2782123456x" }, "sender.phoneNumber", "digits"},
		{"phone trunk zero", base, func(s *Sender) { s.PhoneNumber = "0821234567" }, "sender.phoneNumber", "leading 0"},
		{"identity", base, func(s *Sender) { s.Identity = "" }, "sender.identity", "required"},
		{"identity unknown", base, func(s *Sender) { s.Identity = "drivers licence" }, "sender.identity", "passport"},
		{"identity number", base, func(s *Sender) { s.IdentityNumber = "" }, "sender.identityNumber", "required"},
		{"date missing", base, func(s *Sender) { s.DateOfBirth = "" }, "sender.dateOfBirth", "required"},
		{"date format", base, func(s *Sender) { s.DateOfBirth = "15/01/1990" }, "sender.dateOfBirth", "YYYY-MM-DD"},
		{"date not real", base, func(s *Sender) { s.DateOfBirth = "1990-02-30" }, "sender.dateOfBirth", "real date"},
		{"date future", base, func(s *Sender) { s.DateOfBirth = "2026-11-24" }, "sender.dateOfBirth", "future"},
		{"company date", company, func(s *Sender) { s.DateOfBirth = "2015-13-01" }, "sender.dateOfBirth", "incorporation date"},
		{"nationality alpha-2", base, func(s *Sender) { s.Nationality = "ZA" }, "sender.nationality", "alpha-3"},
		{"nationality lower", base, func(s *Sender) { s.Nationality = "zaf" }, "sender.nationality", "alpha-3"},
		{"purpose", base, func(s *Sender) { s.PurposeOfFunds = " " }, "sender.purposeOfFunds", "required"},
		{"source", base, func(s *Sender) { s.SourceOfFunds = "" }, "sender.sourceOfFunds", "required"},
		{"relationship", base, func(s *Sender) { s.Relationship = "" }, "sender.relationship", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := *tt.sender
			tt.edit(&s)
			err := s.validateAt(now)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, CodeInvalidRequest, pe.Code)
			assert.True(t, strings.Contains(pe.Message, tt.message), "message %q lacks %q", pe.Message, tt.message)
		})
	}
	noNationality := *base
	noNationality.Nationality = ""
	assert.NoError(t, noNationality.validateAt(now), "nationality is optional: the provider falls back to the merchant's country")
	today := *base
	today.DateOfBirth = "2026-11-23"
	assert.NoError(t, today.validateAt(now))
}
