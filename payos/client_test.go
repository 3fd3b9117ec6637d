package payos

import (
	"context"
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
