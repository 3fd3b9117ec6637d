package payouttest_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/payoutkit/payout/payouttest"
)

// Review of issue 10, item 8: %v, %+v and %#v of a Sandbox printed every
// field, the credentials it accepts among them (the API key, client secret
// and webhook secret its test's clients use).
func TestSandboxPrintsWithoutItsCredentials(t *testing.T) {
	const key, secret, whsec = "pk_test_printme_KEY", "cs_printme_SECRET", "whsec_cHJpbnRtZS13ZWJob29rLXNlY3JldA=="
	s := payouttest.NewSandbox(payouttest.WithPalPlussAPIKey(key), payouttest.WithPayOSCredentials("m-1", secret),
		payouttest.WithPayOSWebhookSecret(whsec))
	t.Cleanup(s.Close)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("sandbox", "sb", s)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("sandbox", "sb", s)
	out := fmt.Sprintf("%v|%+v|%#v|%s", s, s, s, logs.String())
	for _, sec := range []string{key, secret, whsec, "cHJpbnRtZS13ZWJob29rLXNlY3JldA"} {
		assert.NotContains(t, out, sec)
	}
	assert.Contains(t, fmt.Sprint(s), s.PalPlussURL(), "it still says where it listens")
	assert.Contains(t, fmt.Sprint(s), s.PayOSURL())
}
