package palpluss

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

func TestNewRejectsUnusableKeys(t *testing.T) {
	for name, key := range map[string]string{
		"empty":       "",
		"space":       "pk_live_abc def",
		"newline":     "pk_live_abcdef\n",
		"colon":       "pk_live:abcdef",
		"control":     "pk_live_\x00abc",
		"invalid utf": "pk_live_\xffabc",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(key)
			require.Error(t, err)
			assert.Nil(t, c)
			if key != "" {
				assert.NotContains(t, err.Error(), strings.TrimSpace(key), "the key is never repeated")
			}
		})
	}
	c, err := New("x_unusual-prefix.123")
	require.NoError(t, err, "the prefix is not checked")
	assert.NotNil(t, c)
}

func TestNewReportsBadOptions(t *testing.T) {
	for name, opt := range map[string]payout.Option{
		"base URL":             payout.WithBaseURL("ftp://x"),
		"max amount not KES":   WithMaxAmount(money.New(1000_00, money.UGX)),
		"max amount fraction":  WithMaxAmount(money.New(1000_50, money.KES)),
		"max amount below min": WithMaxAmount(money.New(9_00, money.KES)),
		"retries":              payout.WithMaxRetries(-1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(testKey, opt)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "palpluss: "), err.Error())
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestNewFromEnv(t *testing.T) {
	t.Run("missing key", func(t *testing.T) {
		t.Setenv(EnvAPIKey, "  ")
		_, err := NewFromEnv()
		require.ErrorContains(t, err, "PALPLUSS_API_KEY")
	})
	t.Run("key and base URL", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testKey+"\n")
		t.Setenv(EnvBaseURL, "https://sandbox.example.com/v1/")
		c, err := NewFromEnv()
		require.NoError(t, err)
		assert.Equal(t, "palpluss.Client{baseURL: https://sandbox.example.com/v1, apiKey: [REDACTED]}", c.String())
	})
	t.Run("explicit options win", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testKey)
		t.Setenv(EnvBaseURL, "https://sandbox.example.com/v1")
		m := newMock(t, payout.WithBaseURL("https://other.example.com/api"))
		c, err := NewFromEnv(payout.WithHTTPClient(&http.Client{Transport: m.mt}), payout.WithBaseURL("https://other.example.com/api"))
		require.NoError(t, err)
		m.on(http.MethodGet, "https://other.example.com/api/wallets/service/balance", reply(200, fixture(t, "service_balance.json")))
		_, err = c.ServiceBalance(context.Background())
		require.NoError(t, err)
		require.Len(t, m.all(), 1)
		assert.Equal(t, wantAuth, m.all()[0].Header.Get("Authorization"), "the key from the environment")
	})
	t.Run("bad base URL", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testKey)
		t.Setenv(EnvBaseURL, "not a url")
		_, err := NewFromEnv()
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testKey)
	})
}

func TestDefaultBaseURL(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, "https://api.palpluss.com/v1/wallets/service/balance", reply(200, fixture(t, "service_balance.json")))
	_, err := m.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "palpluss.Client{baseURL: https://api.palpluss.com/v1, apiKey: [REDACTED]}", m.client.String())
}

func TestClientPrintsWithoutItsKey(t *testing.T) {
	c, err := New(testKey)
	require.NoError(t, err)
	var nilClient *Client
	outputs := []string{
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%s", c),
		fmt.Sprintf("%q", c), fmt.Sprintf("%x", c), fmt.Sprint(c), fmt.Sprintf("%v", []any{c}),
		fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c), fmt.Sprintf("%v", nilClient),
		fmt.Sprintf("%+v", struct{ C *Client }{c}), fmt.Sprintf("%#v", struct{ C *Client }{c}),
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("client", "c", c, "v", *c)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		assert.NotContains(t, out, testKey)
		assert.NotContains(t, out, testCredential)
		assert.NotContains(t, out, "SECRET")
	}
	assert.Equal(t, "palpluss.Client{baseURL: https://api.palpluss.com/v1, apiKey: [REDACTED]}", outputs[0])
	assert.Equal(t, "&palpluss.Client{baseURL: https://api.palpluss.com/v1, apiKey: [REDACTED]}", outputs[2])
}

// TestSecretsNeverLeak drives every path that produces text (errors, debug
// logs, retries, a provider that echoes the key back) and looks for the key
// and its Basic credential in all of it.
func TestSecretsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newMock(t, payout.WithLogger(logger), payout.WithMaxRetries(1))
	echo := func(status int) []byte {
		return []byte(fmt.Sprintf(`{"success":false,"error":{"message":"key %s / %s / %s rejected","code":"INVALID_API_KEY"},"requestId":"%s"}`,
			testKey, testCredential, wantAuth, testKey))
	}
	m.on(http.MethodPost, payoutsURL, reply(401, echo(401), "X-Request-Id", testKey), reply(200, fixture(t, "b2c_payout_response.json"), "X-Request-Id", testKey))
	m.on(http.MethodGet, baseURL+"/transactions/"+txID, reply(500, echo(500)), reply(200, echo(200)))
	m.on(http.MethodGet, baseURL+"/wallets/service/balance", fail(fmt.Errorf("dial tcp: lookup %s: no such host", testKey)))

	var texts []string
	_, err := m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrUnauthorized)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	_, err = m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err)
	_, err = m.client.Get(context.Background(), txID)
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
	_, err = m.client.ServiceBalance(context.Background())
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
	texts = append(texts, logs.String())

	assert.Contains(t, logs.String(), "level=DEBUG", "debug logging was on")
	assert.Contains(t, logs.String(), "2547****5678", "phones are masked")
	for _, s := range texts {
		assert.NotContains(t, s, testKey)
		assert.NotContains(t, s, testCredential)
		assert.NotContains(t, s, "0712345678")
		assert.NotContains(t, s, "254712345678")
	}
}

func TestQuietWithoutLogger(t *testing.T) {
	// Nothing to capture: the engine's logger discards without WithLogger.
	// This pins that a client built without one still works end to end.
	m := newMock(t)
	m.on(http.MethodPost, payoutsURL, reply(200, fixture(t, "b2c_payout_response.json")))
	_, err := m.client.Send(context.Background(), fixtureRequest())
	require.NoError(t, err)
}

func TestTwoClientsTwoKeys(t *testing.T) {
	a := newMock(t)
	b := &mock{recorder: &recorder{}, mt: a.mt}
	var err error
	b.client, err = New("pk_live_other_key", payout.WithHTTPClient(&http.Client{Transport: a.mt}))
	require.NoError(t, err)
	a.on(http.MethodGet, baseURL+"/wallets/service/balance", reply(200, fixture(t, "service_balance.json")))
	_, err = a.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	_, err = b.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	reqs := a.all()
	require.Len(t, reqs, 2)
	assert.Equal(t, wantAuth, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "Basic cGtfbGl2ZV9vdGhlcl9rZXk6", reqs[1].Header.Get("Authorization"))
}

// Issue 10, items 7 and 8: a plain-http base URL, from WithBaseURL or
// PALPLUSS_BASE_URL, is refused before any key can go out in clear; a base
// URL's password never shows when the client is printed.
func TestBaseURLMustBeHTTPSAndPrintsRedacted(t *testing.T) {
	m := newMock(t)
	_, err := New(testKey, payout.WithHTTPClient(&http.Client{Transport: m.mt}), payout.WithBaseURL("http://api.palpluss.com/v1"))
	require.ErrorContains(t, err, "https")
	assert.NotContains(t, err.Error(), testKey)
	t.Setenv(EnvAPIKey, testKey)
	t.Setenv(EnvBaseURL, "http://api.palpluss.com/v1")
	_, err = NewFromEnv(payout.WithHTTPClient(&http.Client{Transport: m.mt}))
	require.ErrorContains(t, err, "https")
	assert.Empty(t, m.all(), "nothing was sent")

	c, err := New(testKey, payout.WithBaseURL("https://proxy:hunter2@gw.example.com/v1"))
	require.NoError(t, err)
	for _, out := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", c)} {
		assert.NotContains(t, out, "hunter2")
		assert.Contains(t, out, "gw.example.com/v1")
	}
}

// Review 2 of issue 10, items 7 and 8: a base URL's user name (a proxy
// account) showed in the client's %v and in the text of transport errors
// (net/http quotes the URL as "user:***@"): the whole user information is
// hidden in both.
func TestBaseURLUserinfoNeverShows(t *testing.T) {
	c, err := New(testKey, payout.WithBaseURL("http://alice.proxy:hunter2@127.0.0.1:1/v1"), payout.WithMaxRetries(0))
	require.NoError(t, err)
	_, gerr := c.Get(context.Background(), "tx-1")
	require.Error(t, gerr)
	_, serr := c.Send(context.Background(), fixtureRequest())
	require.Error(t, serr)
	for _, out := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", c),
		gerr.Error(), fmt.Sprintf("%+v", gerr), serr.Error(), fmt.Sprintf("%+v", serr)} {
		assert.NotContains(t, out, "alice.proxy")
		assert.NotContains(t, out, "hunter2")
		assert.Contains(t, out, "127.0.0.1:1")
	}
	assert.Contains(t, c.String(), "xxxxx@127.0.0.1:1/v1")
}
