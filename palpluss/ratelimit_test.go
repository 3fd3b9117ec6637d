package palpluss

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

func TestRateLimitHeadersAreRead(t *testing.T) {
	m := newMock(t)
	_, ok := m.client.RateLimit()
	assert.False(t, ok, "nothing observed yet")

	reset := time.Now().Add(40 * time.Second).Unix()
	m.on(http.MethodGet, baseURL+"/wallets/service/balance", reply(200, fixture(t, "service_balance.json"),
		"X-Ratelimit-Limit", "60", "X-Ratelimit-Remaining", "57", "X-Ratelimit-Reset", strconv.FormatInt(reset, 10)))
	_, err := m.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	rl, ok := m.client.RateLimit()
	require.True(t, ok)
	assert.Equal(t, 60, rl.Limit)
	assert.Equal(t, 57, rl.Remaining)
	assert.Equal(t, time.Unix(reset, 0), rl.Reset)
	assert.WithinDuration(t, time.Now(), rl.Observed, time.Minute)
}

func TestRateLimitHeadersOfErrorsAreRead(t *testing.T) {
	m := newMock(t, payout.WithMaxRetries(0))
	m.on(http.MethodPost, payoutsURL, reply(429, fixture(t, "error_429_rate_limit.json"),
		"Retry-After", "20", "X-Ratelimit-Limit", "60", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "1772355620"))
	_, err := m.client.Send(context.Background(), fixtureRequest())
	require.ErrorIs(t, err, payout.ErrRateLimited)
	rl, ok := m.client.RateLimit()
	require.True(t, ok)
	assert.Equal(t, 0, rl.Remaining)
	assert.Equal(t, time.Unix(1772355620, 0), rl.Reset)
}

func TestExhaustedWindowHoldsTheNextRequest(t *testing.T) {
	m := newMock(t)
	reset := time.Now().Add(30 * time.Second).Unix()
	m.on(http.MethodGet, baseURL+"/wallets/service/balance", reply(200, fixture(t, "service_balance.json"),
		"X-Ratelimit-Limit", "60", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", strconv.FormatInt(reset, 10)))
	_, err := m.client.ServiceBalance(context.Background())
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = m.client.ServiceBalance(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "held until the window resets, and the caller gave up first")
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Len(t, m.all(), 1, "the held request never left")
}

func TestDocumentedRateLimitPaces(t *testing.T) {
	// One request a second: the second of two back-to-back calls waits.
	m := newMock(t, WithDocumentedRateLimit())
	m.on(http.MethodGet, baseURL+"/wallets/service/balance", reply(200, fixture(t, "service_balance.json")))
	_, err := m.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = m.client.ServiceBalance(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the second request waits for its slot a second later")
	assert.Len(t, m.all(), 1)
}

func TestRateLimitOptionPaces(t *testing.T) {
	m := newMock(t, payout.WithRateLimit(20, time.Second)) // one every 50 ms
	m.on(http.MethodGet, baseURL+"/wallets/service/balance", reply(200, fixture(t, "service_balance.json")))
	start := time.Now()
	for i := 0; i < 4; i++ {
		_, err := m.client.ServiceBalance(context.Background())
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 140*time.Millisecond, "4 requests need 3 intervals")
}
