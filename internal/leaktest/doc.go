// Package leaktest holds only tests: the whole-SDK test of design rule 5,
// "Nothing secret leaves". It drives both adapters, the webhook handlers and
// the Fake against a payouttest.Sandbox that injects faults, with debug
// logging on, collects every log line, error string and formatted value the
// SDK produces, and fails if any credential appears in them or if a phone
// number appears in a log line unmasked.
//
// Run it with:
//
//	go test -race -count=1 ./internal/leaktest
package leaktest
