package leaktest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

// plantedLeaks logs, formats and wraps the test's credentials and a phone
// number the way a careless SDK would, into logger and c.
func plantedLeaks(logger *slog.Logger, c *collector) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(palKey+":"))
	h := http.Header{"Authorization": {basic}}
	logger.Debug("sending", slog.Any("header", h), slog.String("phone", "254712345678"))
	logger.Info("token issued", slog.Group("oauth", slog.String("access_token", "tok_"+marker+"_abc")))
	logger.Warn("refused " + payosSecret)
	logger.Error("webhook", slog.Any("error", fmt.Errorf("verifying with %s: %w", webhookSecret, errors.New("no match"))))
	logger.Debug("callback", slog.String("national", "0722 000 111"))

	type leakyConfig struct{ APIKey, Secret string }
	c.value("config", leakyConfig{palKey, callbackSecret})
	c.err("error", &payout.Error{Code: payout.CodeUnauthorized, Message: "bad key " + palWrongKey})
}

// TestLeakDetectorCatchesAPlantedLeak proves the scanner of
// TestNothingSecretLeaks: secrets planted in a log through a plain logger,
// in a formatted value and in an error are each reported, and so are phone
// numbers; the same lines through the SDK's redacting logger are clean.
func TestLeakDetectorCatchesAPlantedLeak(t *testing.T) {
	secrets := credentialSecrets(map[string][]string{"Bearer": {"tok_" + marker + "_abc"}})
	numbers := []string{"0712 345 678", "254722000111"}

	t.Run("plain logger", func(t *testing.T) {
		logs, c := newLogSink(), &collector{}
		plantedLeaks(logs.logger, c)
		found := map[string]bool{}
		for _, f := range scanSecrets(secrets, append(c.snapshot(), logs.lines()...)) {
			found[f.what] = true
		}
		for _, want := range []string{"PalPluss API key", "PalPluss Basic credential", "wrong PalPluss API key",
			"PayOS client secret", "PayOS webhook secret", "PayOS webhook secret (base64 key)", "callback signer secret",
			"Bearer credential seen on the wire", "canary marker"} {
			assert.True(t, found[want], "the scanner missed the planted %s; found %v", want, found)
		}
		phoneFound := map[string]bool{}
		for _, f := range scanPhones(numbers, logs.lines()) {
			phoneFound[f.what] = true
		}
		assert.True(t, phoneFound["unmasked phone 254712345678"], "found %v", phoneFound)
		assert.True(t, phoneFound["unmasked phone 0722000111"], "a number spelled with spaces is found; found %v", phoneFound)
	})

	t.Run("redacting logger", func(t *testing.T) {
		logs := newLogSink()
		red := &httpx.Redactor{}
		red.Add(palKey, base64.StdEncoding.EncodeToString([]byte(palKey+":")), "tok_"+marker+"_abc", payosSecret,
			webhookSecret, palWrongKey, callbackSecret)
		plantedLeaks(httpx.NewLogger(logs.logger, red), &collector{})
		lines := logs.lines()
		require.NotEmpty(t, lines)
		assert.Empty(t, scanSecrets(secrets, lines), "the redactor let a secret through")
		assert.Empty(t, scanPhones([]string{"254712345678"}, lines), "the redactor let a phone number through")
		assert.Contains(t, lines[0].text, "2547****5678")
	})
}
