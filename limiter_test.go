package payout

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLimiterPacesAndPauses(t *testing.T) {
	l, err := NewLimiter(20, time.Second)
	require.NoError(t, err)
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < 4; i++ {
		require.NoError(t, l.Wait(ctx))
	}
	// Four evenly spaced slots at 20/s span at least three intervals of 50ms.
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	require.NoError(t, l.PauseUntil(ctx, time.Now().Add(time.Hour)))
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, l.Wait(short), context.DeadlineExceeded, "a pause holds every Wait")
}

func TestNewLimiterRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		n   int
		per time.Duration
	}{{-1, time.Second}, {1, 0}, {1, -time.Second}} {
		_, err := NewLimiter(tc.n, tc.per)
		assert.ErrorContains(t, err, "NewLimiter", "%d per %v", tc.n, tc.per)
	}
	_, err := NewLimiter(0, 0)
	assert.NoError(t, err, "0 paces nothing but keeps pauses")
}

func TestWithLimiter(t *testing.T) {
	l, err := NewLimiter(1, time.Second)
	require.NoError(t, err)
	c, err := NewConfig(WithLimiter(l))
	require.NoError(t, err)
	assert.Same(t, l, c.Limiter)

	_, err = NewConfig(WithLimiter(nil))
	assert.ErrorContains(t, err, "WithLimiter")
	_, err = NewConfig(WithLimiter(l), WithRateLimit(60, time.Minute))
	assert.ErrorContains(t, err, "WithRateLimit", "two paces for one client is a mistake, not a choice")
}

// countingLimiter counts Waits and refuses them all with refuse when set.
type countingLimiter struct {
	waits  atomic.Int32
	refuse error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.waits.Add(1)
	if l.refuse != nil {
		return l.refuse
	}
	return ctx.Err()
}
func (l *countingLimiter) PauseUntil(context.Context, time.Time) error { return nil }

func TestSendAllUsesTheSharedLimiter(t *testing.T) {
	l := &countingLimiter{}
	c := &stubClient{}
	results := SendAll(context.Background(), c, batch(5), BatchOptions{Limiter: l})
	for _, r := range results {
		require.NoError(t, r.Err)
	}
	assert.EqualValues(t, 5, l.waits.Load())
}

func TestSendAllLimiterRefusalIsNotStarted(t *testing.T) {
	boom := errors.New("limiter storage unreachable")
	l := &countingLimiter{refuse: boom}
	c := &stubClient{}
	results := SendAll(context.Background(), c, batch(3), BatchOptions{Limiter: l})
	for _, r := range results {
		assert.False(t, r.Started)
		assert.ErrorIs(t, r.Err, ErrNotStarted)
		assert.ErrorIs(t, r.Err, boom)
	}
	assert.Empty(t, c.sent, "nothing sent when the limiter refuses")
}

func TestSendAllRefusesLimiterAndRateLimitTogether(t *testing.T) {
	c := &stubClient{}
	results := SendAll(context.Background(), c, batch(2), BatchOptions{Limiter: &countingLimiter{}, RateLimit: 10, RatePer: time.Second})
	for _, r := range results {
		assert.ErrorContains(t, r.Err, "Limiter and RateLimit")
		assert.False(t, r.Started)
	}
	assert.Empty(t, c.sent)
}
