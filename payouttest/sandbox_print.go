package payouttest

import (
	"fmt"
	"log/slog"
)

// String describes the Sandbox by its two base URLs. It never shows the
// credentials the Sandbox accepts (its PalPluss API key, PayOS client
// secret and webhook secret): they are the ones a test's clients use, and a
// test that logs the Sandbox must not teach its readers to print keys.
func (s *Sandbox) String() string {
	if s == nil {
		return "payouttest.Sandbox(nil)"
	}
	return "payouttest.Sandbox{palpluss: " + s.palURL + ", payos: " + s.payosURL + "}"
}

// GoString is String: %#v never shows the credentials either.
func (s *Sandbox) GoString() string { return s.String() }

// Format prints String for every verb, so that no verb of fmt reaches the
// credentials.
func (s *Sandbox) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue makes slog print String.
func (s *Sandbox) LogValue() slog.Value { return slog.StringValue(s.String()) }
