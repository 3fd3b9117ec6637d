package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fakeClock(l *Limiter, at *time.Time) { l.now = func() time.Time { return *at } }

func TestLimiterPacesEvenly(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(60, time.Minute)
	fakeClock(l, &now)
	// Ten callers at the same instant get slots a second (plus the 2%
	// slack) apart.
	step := time.Second + time.Second/Slack
	for i := 0; i < 10; i++ {
		assert.Equal(t, time.Duration(i)*step, l.reserve())
	}
	// After a quiet spell the next caller goes at once: no burst is saved up.
	now = now.Add(time.Hour)
	assert.Equal(t, time.Duration(0), l.reserve())
	assert.Equal(t, step, l.reserve())
}

func TestLimiterAtMostNPerWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(60, time.Minute)
	fakeClock(l, &now)
	var starts []time.Time
	for i := 0; i < 300; i++ {
		starts = append(starts, now.Add(l.reserve()))
		now = now.Add(137 * time.Millisecond) // callers arrive faster than allowed
	}
	for i := range starts {
		n := 0
		for _, s := range starts[i:] {
			if s.Sub(starts[i]) < time.Minute {
				n++
			}
		}
		require.LessOrEqual(t, n, 60, "window starting at request %d", i)
	}
}

func TestLimiterDisabledButPausable(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(0, 0)
	fakeClock(l, &now)
	assert.Equal(t, time.Duration(0), l.reserve())
	assert.Equal(t, time.Duration(0), l.reserve())

	require.NoError(t, l.PauseUntil(context.Background(), now.Add(20*time.Second)))
	assert.Equal(t, 20*time.Second, l.reserve(), "a pause holds everyone until it ends")

	require.NoError(t, l.PauseUntil(context.Background(), now.Add(5*time.Second)))
	assert.Equal(t, 20*time.Second, l.reserve(), "an earlier end does not shorten the pause")

	now = now.Add(30 * time.Second)
	assert.Equal(t, time.Duration(0), l.reserve(), "after the pause, requests go at once")
}

func TestLimiterPauseThenPace(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(60, time.Minute)
	fakeClock(l, &now)
	step := time.Second + time.Second/Slack
	require.NoError(t, l.PauseUntil(context.Background(), now.Add(10*time.Second)))
	assert.Equal(t, 10*time.Second, l.reserve())
	assert.Equal(t, 10*time.Second+step, l.reserve(), "requests held by a pause leave paced, not in a burst")
}

func TestLimiterWaitStopsOnCancel(t *testing.T) {
	l := NewLimiter(1, time.Hour)
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, l.Wait(ctx), context.Canceled)
}

// TestLimiterPauseHoldsCallersAlreadyQueued: a caller that booked its slot
// before the provider asked for a pause does not spend it during the pause.
func TestLimiterPauseHoldsCallersAlreadyQueued(t *testing.T) {
	l := NewLimiter(10, time.Second) // a slot every 102ms
	ctx := context.Background()
	require.NoError(t, l.Wait(ctx))
	done := make(chan time.Time, 1)
	go func() {
		_ = l.Wait(ctx) // books the next slot, ~102ms away
		done <- time.Now()
	}()
	time.Sleep(20 * time.Millisecond)
	pause := time.Now().Add(400 * time.Millisecond)
	require.NoError(t, l.PauseUntil(ctx, pause))
	got := <-done
	assert.False(t, got.Before(pause), "the queued caller went %v before the pause ended", pause.Sub(got))
}
