// Package batch holds the two files behind `payout batch`: the payouts CSV an
// operator writes (Read, Columns) and the state file that makes a batch
// crash-safe and resumable (OpenState, LoadState).
//
// The CSV has a header row naming its columns (see Columns); every later
// row is one payout. Read turns the file into payout.Requests, with amounts
// parsed exactly by money.Parse, and reports each row it cannot use as a
// Problem naming the line and the column. Check runs a provider's own
// validation over the rows and reports its refusals the same way.
//
// The state file is a journal of JSON lines, one record per event, each
// written and fsynced before the batch moves on: a header binding it to
// one CSV (by SHA-256) and one provider account, then for each row a
// "sending" record before its Send and the outcome after. A kill at any
// moment leaves at most a torn last line, which OpenState drops; a row whose
// last record is "sending" may or may not have been paid and is sent again
// with the same Reference, which the provider answers with the existing
// payout instead of paying twice.
package batch
