package payos

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// The cases: a dry run through payout.Check refuses what PayOS
// refuses, though the shared rules let it through.
func TestCheckUsesPayOSRules(t *testing.T) {
	m := newMock(t)
	c := m.client()
	for _, tc := range []struct {
		name  string
		edit  func(*payout.Request)
		field string
	}{
		{"KES 5 is below the minimum", func(r *payout.Request) { r.Amount = money.New(5_00, money.KES) }, "amount"},
		{"KES 200,000 is above the maximum", func(r *payout.Request) { r.Amount = money.New(200_000_00, money.KES) }, "amount"},
		{"no sender", func(r *payout.Request) { r.Sender = nil }, "sender"},
		{"no recipient name", func(r *payout.Request) { r.Recipient.Name = "" }, "recipient.name"},
		{"reference over 255 characters", func(r *payout.Request) { r.Reference = strings.Repeat("r", MaxFieldLen+1) }, "reference"},
		{"recipient name over 255 characters", func(r *payout.Request) { r.Recipient.Name = strings.Repeat("é", MaxFieldLen+1) }, "recipient.name"},
		{"sender name over 255 characters", func(r *payout.Request) { r.Sender.FullName = strings.Repeat("n", MaxFieldLen+1) }, "sender.fullName"},
		{"relationship over 255 characters", func(r *payout.Request) { r.Sender.Relationship = strings.Repeat("x", MaxFieldLen+1) }, "sender.relationship"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := individualRequest()
			tc.edit(&req)
			require.NoError(t, req.Validate(), "the shared rules alone let it through")
			err := payout.Check(c, req)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, payout.CodeInvalidRequest, pe.Code)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, req.Reference, pe.Reference, "the error says which payout it is about")
		})
	}
	long := individualRequest()
	long.Reference = strings.Repeat("r", MaxFieldLen)
	long.Recipient.Name = strings.Repeat("é", MaxFieldLen)
	assert.NoError(t, payout.Check(c, long), "255 characters are allowed")
	assert.NoError(t, payout.Check(c, companyRequest()))
	assert.Zero(t, m.mt.GetTotalCallCount(), "checking sends nothing, not even a token request")
}

// The sender's KYC data never comes back in the text of a validation
// error, which reaches logs and job queues; Send refuses it before any
// request with the same text.
func TestValidateErrorsDoNotRepeatKYCValues(t *testing.T) {
	m := newMock(t)
	c := m.client()
	for _, tc := range []struct {
		name   string
		edit   func(*payout.Sender)
		field  string
		secret string
	}{
		{"identity number over 255 characters", func(s *payout.Sender) { s.IdentityNumber = strings.Repeat("A9081726", 40) }, "sender.identityNumber", "9081726"},
		{"date of birth not a date", func(s *payout.Sender) { s.DateOfBirth = "1984/02/03" }, "sender.dateOfBirth", "1984"},
		{"date of birth in the future", func(s *payout.Sender) { s.DateOfBirth = "2984-02-03" }, "sender.dateOfBirth", "2984"},
		{"id number in the identity field", func(s *payout.Sender) { s.Identity = "A9081726" }, "sender.identity", "9081726"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := individualRequest()
			s := *req.Sender
			tc.edit(&s)
			req.Sender = &s
			_, sendErr := c.Send(context.Background(), req)
			for what, err := range map[string]error{"Validate": c.Validate(req), "Send": sendErr} {
				var pe *payout.Error
				require.ErrorAs(t, err, &pe, what)
				assert.Equal(t, tc.field, pe.Field, what)
				assert.Equal(t, req.Reference, pe.Reference, what)
				assert.NotContains(t, err.Error(), tc.secret, "%s repeats the value given", what)
				assert.NotContains(t, fmt.Sprintf("%+v", err), tc.secret, what)
			}
		})
	}
	assert.Zero(t, m.mt.GetTotalCallCount(), "nothing was sent")
}
