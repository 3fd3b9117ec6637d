package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRows(t *testing.T) {
	data := "reference,phone,amount,name,description,callback_url\n" +
		"R-1, 0712345678 ,500,Jane Doe,May salary,https://example.com/hook\n" +
		"R-2,+254 712 345 679,20.50,,,\n"
	f, err := Read([]byte(data), Options{})
	require.NoError(t, err)
	require.Empty(t, f.Problems)
	require.Len(t, f.Rows, 2)
	assert.Equal(t, Row{Line: 2, Request: payout.Request{
		Reference: "R-1", Amount: money.New(50000, money.KES),
		Recipient:   payout.Recipient{Name: "Jane Doe", Phone: "0712345678"},
		Description: "May salary", CallbackURL: "https://example.com/hook",
	}}, f.Rows[0], "cells are trimmed")
	assert.Equal(t, 3, f.Rows[1].Line)
	assert.Equal(t, money.New(2050, money.KES), f.Rows[1].Request.Amount, "decimal KES, exact")
	assert.Nil(t, f.Rows[1].Request.Sender, "no sender cells, no Sender")
	sum := sha256.Sum256([]byte(data))
	assert.Equal(t, hex.EncodeToString(sum[:]), f.SHA256)
	assert.Equal(t, []string{"reference", "phone", "amount", "name", "description", "callback_url"}, f.Columns)
}

func TestReadBOMAndCRLF(t *testing.T) {
	data := "\ufeffReference,Phone,Amount,Callback URL\r\nR-1,0712345678,100,\r\n\r\n,,,\r\nR-2,0712345679,200,\r\n"
	f, err := Read([]byte(data), Options{})
	require.NoError(t, err)
	require.Empty(t, f.Problems)
	require.Len(t, f.Rows, 2, "the blank line and the all-empty row are skipped")
	assert.Equal(t, "R-1", f.Rows[0].Request.Reference, "the BOM is not part of the first column's name")
	assert.Equal(t, "0712345678", f.Rows[0].Request.Recipient.Phone, "no \\r left in a cell")
	assert.Equal(t, 5, f.Rows[1].Line, "line numbers count the skipped lines")
	assert.Equal(t, "callback_url", f.Columns[3])
}

func TestReadQuotedNewlineKeepsLineNumbers(t *testing.T) {
	data := "reference,phone,amount,description\nR-1,0712345678,100,\"two\nlines\"\nR-2,0712345679,x,\n"
	f, err := Read([]byte(data), Options{})
	require.NoError(t, err)
	assert.Equal(t, "two\nlines", f.Rows[0].Request.Description)
	require.Len(t, f.Problems, 1)
	assert.Equal(t, 4, f.Problems[0].Line, "the row after a two-line cell starts on line 4")
}

func TestReadFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"empty", "", "empty"},
		{"only BOM", "\ufeff", "empty"},
		{"no rows", "reference,phone,amount\n", "no rows"},
		{"missing column", "reference,amount\nR-1,100\n", `missing column "phone"`},
		{"unknown column", "reference,phone,amount,amout2\nR-1,0712345678,100,1\n", `unknown column "amout2"`},
		{"repeated column", "reference,phone,amount,Phone\nR-1,0712345678,100,0712345678\n", `"phone" appears twice`},
		{"unnamed column", "reference,phone,amount,\nR-1,0712345678,100,\n", "column 4 has no name"},
		{"bare quote", "reference,phone,amount\nR-1,07123\"45678,100\n", "line 2, column"},
		{"unterminated quote", "reference,phone,amount\nR-1,\"0712345678,100\n", "malformed CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read([]byte(tc.data), Options{})
			require.Error(t, err)
			assert.Nil(t, f)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestReadRowProblems(t *testing.T) {
	data := strings.Join([]string{
		"reference,phone,amount",
		"R-1,0712345678,100",
		"R-2,0712345678,1e3",
		"R-3,0712345678,",
		"R-4,0712345678,100,extra",
		"R-1,0712345679,100",
		"R-5,0712345678,1.005",
		"R-6,0712345678,\"1,000\"",
	}, "\n")
	f, err := Read([]byte(data), Options{})
	require.NoError(t, err)
	require.Len(t, f.Rows, 7)
	var got []string
	for _, p := range f.Problems {
		got = append(got, p.String())
	}
	require.Len(t, got, 6, "%q", got)
	assert.Contains(t, got[0], `line 3: amount: "1e3" is not an amount in KES`)
	assert.Equal(t, "line 4: amount: is required", got[1])
	assert.Equal(t, "line 5: has 4 cells, the header names 3 columns", got[2])
	assert.Contains(t, got[3], `line 6: reference: "R-1" repeats line 2`)
	assert.Contains(t, got[4], `line 7: amount: "1.005"`, "no rounding of a third decimal")
	assert.Contains(t, got[5], `line 8: amount: "1,000"`)
}

func TestReadSender(t *testing.T) {
	header := "reference,phone,amount,name,sender_full_name,sender_phone_number,sender_nationality,sender_identity," +
		"sender_identity_number,sender_date_of_birth,sender_purpose_of_funds,sender_source_of_funds,sender_relationship\n"
	data := header +
		"R-1,0712345678,100,Jane,Acme Ltd,254712345678,KEN,company registration number,PVT-1,2015-01-02,salary,business income,employer\n" +
		"R-2,0712345678,100,John,,,,,,,,,\n"
	def := &payout.Sender{FullName: "Default Co", PhoneNumber: "254700000000"}
	f, err := Read([]byte(data), Options{Sender: def})
	require.NoError(t, err)
	require.Empty(t, f.Problems)
	s := f.Rows[0].Request.Sender
	require.NotNil(t, s)
	assert.Equal(t, payout.Sender{FullName: "Acme Ltd", PhoneNumber: "254712345678", Nationality: "KEN",
		Identity: "company registration number", IdentityNumber: "PVT-1", DateOfBirth: "2015-01-02",
		PurposeOfFunds: "salary", SourceOfFunds: "business income", Relationship: "employer"}, *s)
	require.NotNil(t, f.Rows[1].Request.Sender, "a row without sender cells takes the default")
	assert.Equal(t, "Default Co", f.Rows[1].Request.Sender.FullName)
	f.Rows[1].Request.Sender.FullName = "changed"
	assert.Equal(t, "Default Co", def.FullName, "each row has its own copy")
}

func TestCheckNamesColumnsInLineOrder(t *testing.T) {
	data := "reference,phone,amount,sender_date_of_birth\nR-1,0712345678,100,\nR-2,0712345678,x,\nR-3,0712345678,100,1990-13-01\nR-4,0712345678,100,\n"
	f, err := Read([]byte(data), Options{})
	require.NoError(t, err)
	calls := 0
	problems := f.Check(func(r payout.Request) error {
		calls++
		switch r.Reference {
		case "R-1":
			return payout.InvalidField("recipient.phone", "nope")
		case "R-3":
			return payout.InvalidField("sender.dateOfBirth", "not a date")
		case "R-4":
			return errors.New("payout: something else")
		}
		return nil
	})
	assert.Equal(t, 3, calls, "the row Read refused is not validated")
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	require.Len(t, got, 4)
	assert.Equal(t, "line 2: phone: nope", got[0])
	assert.True(t, strings.HasPrefix(got[1], `line 3: amount: "x" is not an amount in KES such as 500 or 500.00 (`), got[1])
	assert.Equal(t, "line 4: sender_date_of_birth: not a date", got[2])
	assert.Equal(t, "line 5: something else", got[3])
}

func TestColumnFor(t *testing.T) {
	assert.Equal(t, "phone", ColumnFor("recipient.phone"))
	assert.Equal(t, "callback_url", ColumnFor("callbackURL"))
	assert.Equal(t, "sender_identity_number", ColumnFor("sender.identityNumber"))
	assert.Equal(t, "sender_*", ColumnFor("sender"))
	assert.Equal(t, "other", ColumnFor("other"))
	for _, c := range columns {
		assert.Equal(t, c.name, ColumnFor(c.field), "every column's field maps back to it")
	}
}
