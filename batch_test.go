package payout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/money"
)

// stubClient accepts every request after delay, failing references listed
// in fail, and records how many Sends ran at once.
type stubClient struct {
	delay    time.Duration
	fail     map[string]error
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	mu       sync.Mutex
	sent     []string
}

func (s *stubClient) Send(ctx context.Context, r Request) (*Payout, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxSeen.Load()
		if n <= m || s.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	s.mu.Lock()
	s.sent = append(s.sent, r.Reference)
	s.mu.Unlock()
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := s.fail[r.Reference]; err != nil {
		return nil, err
	}
	return &Payout{ID: "id-" + r.Reference, Reference: r.Reference, Status: StatusPending}, nil
}

func (s *stubClient) Get(context.Context, string) (*Payout, error) { return nil, ErrNotFound }

func batch(n int) []Request {
	reqs := make([]Request, n)
	for i := range reqs {
		reqs[i] = Request{Reference: fmt.Sprintf("B-%04d", i), Amount: money.New(1000, money.KES), Recipient: Recipient{Phone: "0712345678"}}
	}
	return reqs
}

func TestSendAllKeepsOrderAndBoundsConcurrency(t *testing.T) {
	fail := &Error{Code: CodeInsufficientFunds}
	c := &stubClient{delay: 2 * time.Millisecond, fail: map[string]error{"B-0007": fail}}
	var calls []BatchProgress
	results := SendAll(context.Background(), c, batch(100), BatchOptions{Concurrency: 5, OnProgress: func(p BatchProgress) { calls = append(calls, p) }})
	require.Len(t, results, 100)
	for i, r := range results {
		assert.Equal(t, i, r.Index)
		assert.Equal(t, fmt.Sprintf("B-%04d", i), r.Request.Reference)
		assert.True(t, r.Started)
		if i == 7 {
			assert.ErrorIs(t, r.Err, ErrInsufficientFunds)
			assert.Nil(t, r.Payout)
			continue
		}
		require.NoError(t, r.Err)
		assert.Equal(t, "id-"+r.Request.Reference, r.Payout.ID)
	}
	assert.LessOrEqual(t, c.maxSeen.Load(), int32(5))
	assert.Greater(t, c.maxSeen.Load(), int32(1), "it does run Sends concurrently")
	require.Len(t, calls, 100)
	last := calls[len(calls)-1]
	assert.Equal(t, BatchProgress{Total: 100, Done: 100, Succeeded: 99, Failed: 1}, BatchProgress{Total: last.Total, Done: last.Done, Succeeded: last.Succeeded, Failed: last.Failed})
}

func TestSendAllStopsOnCancelAndSaysWhatNeverStarted(t *testing.T) {
	c := &stubClient{delay: 20 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	results := SendAll(ctx, c, batch(200), BatchOptions{Concurrency: 4})
	started, notStarted := 0, 0
	for _, r := range results {
		if r.Started {
			started++
			continue
		}
		notStarted++
		assert.ErrorIs(t, r.Err, ErrNotStarted)
		assert.ErrorIs(t, r.Err, context.DeadlineExceeded)
		assert.Nil(t, r.Payout)
	}
	c.mu.Lock()
	sent := len(c.sent)
	c.mu.Unlock()
	assert.Equal(t, sent, started, "Started is true exactly for the requests Send saw")
	assert.Greater(t, notStarted, 100, "most of the batch never started")
	assert.Greater(t, started, 0)
}

func TestSendAllRefusesRepeatedReference(t *testing.T) {
	c := &stubClient{}
	reqs := batch(3)
	reqs[2].Reference = reqs[0].Reference
	results := SendAll(context.Background(), c, reqs, BatchOptions{})
	assert.NoError(t, results[0].Err)
	assert.NoError(t, results[1].Err)
	assert.False(t, results[2].Started)
	var pe *Error
	require.True(t, errors.As(results[2].Err, &pe))
	assert.Equal(t, "reference", pe.Field)
	assert.Len(t, c.sent, 2)
}

func TestSendAllPaces(t *testing.T) {
	c := &stubClient{}
	start := time.Now()
	results := SendAll(context.Background(), c, batch(6), BatchOptions{Concurrency: 6, RateLimit: 20, RatePer: time.Second})
	// Six evenly spaced starts at 20/s span at least five intervals of 50ms.
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)
	for _, r := range results {
		assert.NoError(t, r.Err)
	}
}

func TestSendAllEmpty(t *testing.T) {
	assert.Empty(t, SendAll(context.Background(), &stubClient{}, nil, BatchOptions{}))
}
