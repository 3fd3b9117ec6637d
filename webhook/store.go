package webhook

import (
	"container/heap"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// ClaimResult is the answer of Store.Claim.
type ClaimResult int

// The results of Store.Claim.
const (
	// ClaimAcquired: the key was free; the caller now owns it and must end
	// its claim with Complete (processed) or Release (failed).
	ClaimAcquired ClaimResult = iota + 1
	// ClaimInProgress: another delivery of the same event holds an
	// unexpired claim and has not finished.
	ClaimInProgress
	// ClaimDone: the event was processed already (Complete was called and
	// its ttl has not run out).
	ClaimDone
)

// String returns the result's name.
func (c ClaimResult) String() string {
	switch c {
	case ClaimAcquired:
		return "acquired"
	case ClaimInProgress:
		return "in progress"
	case ClaimDone:
		return "done"
	}
	return "ClaimResult(" + strconv.Itoa(int(c)) + ")"
}

// Store remembers which webhook events are being processed and which were
// processed, so that a Handler hands each event to its function once even
// though providers deliver some events more than once. Keys are event ids
// (prefixed with the provider's name).
//
// A key moves through three states: free, claimed (in progress, for at
// most the lease given to Claim, so that a process that dies mid-event
// does not block its redelivery for ever) and done (for the ttl given to
// Complete). Release returns a claimed key to free: the user's function
// failed, and the provider's redelivery must be processed.
//
// NewMemoryStore is enough for one process. When several replicas receive
// the same provider's webhooks, back Store with storage they share, with
// the same three operations done atomically:
//
//   - Redis: Claim is SET key "pending" NX PX <lease>; if it did not set,
//     GET key tells "pending" (ClaimInProgress) from "done" (ClaimDone).
//     Complete is SET key "done" PX <ttl>; Release is DEL key. To be exact
//     when a lease can expire under a slow handler, store a random owner
//     value instead of "pending" and release with a compare-and-delete
//     script.
//   - SQL: a table with the key as PRIMARY KEY (or UNIQUE), a state and an
//     expiry. Claim is INSERT ... ON CONFLICT DO NOTHING (or catching the
//     unique violation), then, when no row was inserted, an UPDATE that
//     takes over the row only if it is pending and expired, else a SELECT
//     of its state. Complete is an UPDATE to done with the new expiry;
//     Release a DELETE of the pending row. Purge expired rows from time to
//     time.
//
// Implementations must be safe for concurrent use. An error from Claim
// makes the Handler answer 503, so that the provider delivers again later.
type Store interface {
	// Claim claims key for at most lease. It returns ClaimAcquired when the
	// caller now owns the key, ClaimInProgress or ClaimDone otherwise.
	Claim(ctx context.Context, key string, lease time.Duration) (ClaimResult, error)
	// Complete marks key processed; Claim answers ClaimDone for it during
	// ttl.
	Complete(ctx context.Context, key string, ttl time.Duration) error
	// Release drops a claim on key, so that the next Claim acquires it.
	Release(ctx context.Context, key string) error
}

// ErrStoreFull is returned by MemoryStore.Claim and Complete when every
// entry is an unexpired claim in progress: there is nothing it may forget
// to make room.
var ErrStoreFull = errors.New("webhook: deduplication store is full")

// DefaultMaxEntries is the capacity of NewMemoryStore(0).
const DefaultMaxEntries = 100_000

// MemoryStore is a Store in the memory of one process: bounded, expiring
// and safe for concurrent use. It starts no goroutine: expired entries are
// dropped as later calls find them, and when it is full it forgets the
// processed event that would expire first (never a claim in progress).
type MemoryStore struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	entries map[string]*memEntry
	pending entryHeap // claims in progress, by expiry
	done    entryHeap // processed events, by expiry
}

type memEntry struct {
	key     string
	done    bool
	expires time.Time
	index   int // in its heap
}

// NewMemoryStore returns an empty MemoryStore holding at most maxEntries
// keys (DefaultMaxEntries if maxEntries <= 0).
func NewMemoryStore(maxEntries int) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &MemoryStore{max: maxEntries, now: time.Now, entries: make(map[string]*memEntry)}
}

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, key string, lease time.Duration) (ClaimResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	if e, ok := m.entries[key]; ok {
		if e.done {
			return ClaimDone, nil
		}
		return ClaimInProgress, nil
	}
	if err := m.makeRoom(); err != nil {
		return 0, err
	}
	m.insert(&memEntry{key: key, expires: now.Add(lease)})
	return ClaimAcquired, nil
}

// Complete implements Store.
func (m *MemoryStore) Complete(_ context.Context, key string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	e, ok := m.entries[key]
	if !ok {
		// The claim expired, or was never made: remember the key anyway.
		if err := m.makeRoom(); err != nil {
			return err
		}
		m.insert(&memEntry{key: key, done: true, expires: now.Add(ttl)})
		return nil
	}
	if e.done {
		e.expires = now.Add(ttl)
		heap.Fix(&m.done, e.index)
		return nil
	}
	heap.Remove(&m.pending, e.index)
	e.done, e.expires = true, now.Add(ttl)
	heap.Push(&m.done, e)
	return nil
}

// Release implements Store. Releasing a key that is done, or unknown, does
// nothing.
func (m *MemoryStore) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && !e.done {
		heap.Remove(&m.pending, e.index)
		delete(m.entries, key)
	}
	return nil
}

// Len returns how many keys the store holds, expired ones included until a
// call drops them.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *MemoryStore) insert(e *memEntry) {
	m.entries[e.key] = e
	if e.done {
		heap.Push(&m.done, e)
	} else {
		heap.Push(&m.pending, e)
	}
}

// expire drops the entries whose expiry is not after now.
func (m *MemoryStore) expire(now time.Time) {
	for _, h := range []*entryHeap{&m.pending, &m.done} {
		for h.Len() > 0 && !(*h)[0].expires.After(now) {
			e := heap.Pop(h).(*memEntry)
			delete(m.entries, e.key)
		}
	}
}

// makeRoom makes room for one more entry, forgetting the processed event
// that expires first if it must.
func (m *MemoryStore) makeRoom() error {
	for len(m.entries) >= m.max {
		if m.done.Len() == 0 {
			return ErrStoreFull
		}
		e := heap.Pop(&m.done).(*memEntry)
		delete(m.entries, e.key)
	}
	return nil
}

// entryHeap is a min-heap of entries by expiry (container/heap).
type entryHeap []*memEntry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return e
}
