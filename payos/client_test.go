package payos

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

func TestNewChecksArguments(t *testing.T) {
	_, err := New("", testSecret)
	assert.ErrorContains(t, err, "merchantID")
	_, err = New("a b", testSecret)
	assert.ErrorContains(t, err, "merchantID")
	_, err = New(testMerchant, " ")
	assert.ErrorContains(t, err, "clientSecret")
	_, err = New(testMerchant, testSecret, payout.WithBaseURL("api.payos.money"))
	assert.ErrorContains(t, err, "WithBaseURL")
	c, err := New(" "+testMerchant+" ", testSecret)
	require.NoError(t, err)
	assert.Equal(t, testMerchant, c.MerchantID())
	assert.Contains(t, c.String(), DefaultBaseURL)
}

func TestNewFromEnv(t *testing.T) {
	t.Setenv(EnvMerchantID, "")
	t.Setenv(EnvClientSecret, "")
	t.Setenv(EnvBaseURL, "")
	_, err := NewFromEnv()
	assert.ErrorContains(t, err, EnvMerchantID)

	t.Setenv(EnvMerchantID, testMerchant)
	_, err = NewFromEnv()
	assert.ErrorContains(t, err, EnvClientSecret)

	t.Setenv(EnvClientSecret, testSecret)
	t.Setenv(EnvBaseURL, testBase+"/api/v1/")
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+"x", jsonString(200, `{"transactionId":"x","status":"PENDING"}`))
	c, err := NewFromEnv(payout.WithHTTPClient(m.hc))
	require.NoError(t, err)
	assert.Equal(t, testMerchant, c.MerchantID())
	_, err = c.Get(context.Background(), "x")
	require.NoError(t, err, "PAYOS_BASE_URL is used, its /api/v1 suffix tolerated")
	assert.Len(t, m.recorded(payoutPath+"x"), 1)

	// An explicit option wins over the environment.
	t.Setenv(EnvBaseURL, "https://elsewhere.example")
	c, err = NewFromEnv(payout.WithHTTPClient(m.hc), payout.WithBaseURL(testBase))
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "x")
	require.NoError(t, err)
}

// Issue 10, items 7 and 8: the client secret never goes out over plain
// http to a non-loopback host, and a base URL's password never shows.
func TestBaseURLMustBeHTTPSAndPrintsRedacted(t *testing.T) {
	_, err := New(testMerchant, testSecret, payout.WithBaseURL("http://api.payos.money"))
	require.ErrorContains(t, err, "https")
	t.Setenv(EnvMerchantID, testMerchant)
	t.Setenv(EnvClientSecret, testSecret)
	t.Setenv(EnvBaseURL, "http://api.payos.money")
	_, err = NewFromEnv()
	require.ErrorContains(t, err, "https")
	assert.NotContains(t, err.Error(), testSecret)

	c, err := New(testMerchant, testSecret, payout.WithBaseURL("https://proxy:hunter2@gw.example.com"))
	require.NoError(t, err)
	for _, out := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		assert.NotContains(t, out, "hunter2")
		assert.Contains(t, out, "gw.example.com")
	}
}

// Review 2 of issue 10, items 7 and 8: a base URL's user name (a proxy
// account) showed in the client's %v and in transport errors: the whole
// user information is hidden in both.
func TestBaseURLUserinfoNeverShows(t *testing.T) {
	c, err := New(testMerchant, testSecret, payout.WithBaseURL("http://alice.proxy:hunter2@127.0.0.1:1"), payout.WithMaxRetries(0))
	require.NoError(t, err)
	_, gerr := c.Get(context.Background(), "tx-1")
	require.Error(t, gerr)
	for _, out := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), gerr.Error(), fmt.Sprintf("%+v", gerr)} {
		assert.NotContains(t, out, "alice.proxy")
		assert.NotContains(t, out, "hunter2")
		assert.Contains(t, out, "127.0.0.1:1")
	}
}
