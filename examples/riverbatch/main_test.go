package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/payoutkit/payout/pgstore/pgstoretest"
)

// TestMain fails the test binary if any goroutine outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunPaysTheSamplePayroll runs the command's work on the sample CSV
// against the test database: every payout ends, and the counts are the
// sample's (its magic phone numbers and amount decide the failures).
func TestRunPaysTheSamplePayroll(t *testing.T) {
	db := pgstoretest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	s, err := run(ctx, &out, options{dbURL: db.URL, schema: db.Schema, csv: samplePayroll, replicas: 2, rate: 100, keep: true})
	require.NoError(t, err, out.String())
	lines, err := parseCSV(samplePayroll)
	require.NoError(t, err)
	want := map[string]int{}
	for _, l := range lines {
		switch {
		case l.req.Amount.Minor == 99_999_00:
			want["refused"]++
		case l.req.Recipient.Phone == "0700000001":
			want["failed"]++ // failed, or reversed once PalPluss credits it back
		case l.req.Recipient.Phone == "0700000004":
			want["cancelled"]++
		default:
			want["succeeded"]++
		}
	}
	c := s.counts
	assert.Equal(t, len(lines), c.Total)
	assert.True(t, c.Done())
	assert.Equal(t, want["succeeded"], c.Succeeded)
	assert.Equal(t, want["refused"], c.Refused)
	assert.Equal(t, want["failed"]+want["cancelled"], c.Failed)
	assert.Equal(t, want["cancelled"], c.ByStatus["cancelled"])
	assert.Contains(t, out.String(), "all 200 payouts final")
	assert.False(t, strings.Contains(out.String(), "0712"), "no phone number printed")
}

func TestParseCSVNamesTheBadLine(t *testing.T) {
	_, err := parseCSV([]byte("reference,provider,phone,amount_kes,name\nr1,palpluss,0712345678,ten,A\nr2,payos,12,100,B\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 2: amount_kes")
	assert.Contains(t, err.Error(), "line 3")
	assert.Contains(t, err.Error(), "recipient.phone")
}
