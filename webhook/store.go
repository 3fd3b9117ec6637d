package webhook

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ClaimResult is the answer of Store.Claim.
type ClaimResult int

// The results of Store.Claim.
const (
	// ClaimAcquired: the key was free, or its last claim had expired; the
	// caller now owns it, as the returned Lease proves, and ends its claim
	// with Complete (processed) or Release (failed).
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

// Lease proves ownership of one claim on a key: Store.Claim returns it to
// the delivery that acquired the key, and only that delivery can end the
// claim with it. A Lease is a plain value; it holds no connection and no
// secret, and may be logged.
type Lease struct {
	Key   string // the claimed key
	Token string // opaque owner token, unique per acquisition
}

// IsZero reports whether l is the zero Lease, which Claim returns unless it
// answered ClaimAcquired. A zero Lease holds nothing.
func (l Lease) IsZero() bool { return l == Lease{} }

// ErrLeaseLost is matched (errors.Is) by the error of Store.Release when
// the lease no longer holds its claim: it expired and another delivery took
// the key over, or the event was completed meanwhile. Nothing was changed.
var ErrLeaseLost = errors.New("webhook: lease lost: another delivery holds the claim")

// Store remembers which webhook events are being processed and which were
// processed, so that a Handler hands each event to its function once even
// though providers deliver some events more than once. Keys are event ids
// prefixed with the provider's name, at most MaxKeyLen bytes of printable
// text when the Handler makes them.
//
// A key moves through three states: free, claimed (in progress, for at most
// the lease given to Claim, so that a process that dies mid-event does not
// block its redelivery for ever) and done (for the ttl given to Complete).
// Every claim has an owner: Claim returns a Lease with a token unique to
// that acquisition, and Complete and Release take it. A delivery whose
// lease ran out, and whose key another delivery took over, cannot release
// the successor's claim (a third delivery would then run beside the second);
// it may still complete the key, because its event was processed.
//
// NewMemoryStore is enough for one process. When several replicas receive
// the same provider's webhooks, back Store with storage they share, with the
// three operations atomic and the token compared by the storage itself:
//
//   - Redis: Claim generates a random token and runs SET key "p:"+token NX PX
//     <lease>; when it did not set, GET key tells "p:..." (ClaimInProgress)
//     from "done" (ClaimDone). An expired claim is simply gone, so the next
//     SET NX takes it over with a new token. Complete is SET key "done" PX
//     <ttl> (unconditional: the event was processed). Release is a script
//     called with ARGV[1] = "p:"+token, so that the compare and the delete
//     are one step:
//     if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end
//     and a 0 is ErrLeaseLost.
//   - SQL: see below; the module github.com/payoutkit/payout/pgstore is
//     this Store on PostgreSQL (pgstore.NewStore, with Migrate and Purge).
//
// In SQL, a table (key text PRIMARY KEY, token text, done boolean, expires
// timestamptz) serves, and Claim is one statement that both takes an
// expired row over and reads a live one, so that a row always comes back:
//
//	INSERT INTO events AS e (key, token, done, expires)
//	VALUES ($1, $2, false, now() + $3 * interval '1 microsecond')
//	ON CONFLICT (key) DO UPDATE SET
//		token   = CASE WHEN e.expires <= now() THEN EXCLUDED.token   ELSE e.token   END,
//		done    = CASE WHEN e.expires <= now() THEN false            ELSE e.done    END,
//		expires = CASE WHEN e.expires <= now() THEN EXCLUDED.expires ELSE e.expires END
//	RETURNING e.token = $2 AS acquired, e.done
//
// acquired is ClaimAcquired (a new key, or an expired claim or done entry
// taken over); otherwise done tells ClaimDone from ClaimInProgress. Do not
// write DO UPDATE ... WHERE e.expires <= now() and then, when no row comes
// back, SELECT the row: under READ COMMITTED the SELECT reads a newer
// snapshot, and finds no row at all when the holder released it (or a
// purge deleted it) in between, which is neither answer. Complete is an
// upsert to done = true with the new expiry and an empty token, whoever
// holds the row. Release is DELETE ... WHERE key = $1 AND token = $2 AND
// NOT done AND expires > now(); no row deleted is ErrLeaseLost. Delete
// expired rows from time to time.
//
// Use the storage's clock (Redis PX, SQL now()) for expiries, never the
// replicas' clocks, which disagree. Implementations must be safe for
// concurrent use; package webhook/webhooktest's StoreConformance checks
// one. An error from Claim makes the Handler answer 503, so that the
// provider delivers again later.
type Store interface {
	// Claim tries to take key for lease. ClaimAcquired: the caller now owns
	// it; the returned Lease proves it. ClaimInProgress: another holder's
	// lease has not expired. ClaimDone: completed and within its ttl. The
	// Lease is zero unless ClaimAcquired. An expired claim is taken over (a
	// new Token), never shared.
	Claim(ctx context.Context, key string, lease time.Duration) (Lease, ClaimResult, error)
	// Complete marks l.Key processed for ttl. It succeeds when l holds the
	// claim, and also when l's lease expired and another holder took over
	// (the event was processed, so it is done); the successor's own
	// Complete or Release then finds it done.
	Complete(ctx context.Context, l Lease, ttl time.Duration) error
	// Release drops the claim only if l still holds it; otherwise it
	// changes nothing and returns an error matching ErrLeaseLost.
	Release(ctx context.Context, l Lease) error
}

// ErrStoreFull is returned by MemoryStore.Claim and Complete when every
// entry is an unexpired claim in progress: there is nothing it may forget
// to make room.
var ErrStoreFull = errors.New("webhook: deduplication store is full")

// Capacities of NewMemoryStore.
const (
	// DefaultMaxEntries is how many keys NewMemoryStore(0) holds.
	DefaultMaxEntries = 100_000
	// DefaultMaxBytes is how much memory a NewMemoryStore holds at most,
	// counting each entry as its key, its token and a fixed overhead
	// (entryOverhead): 32 MiB.
	DefaultMaxBytes = 32 << 20
)

// entryOverhead is what one entry costs besides its strings: the map slot,
// the entry, its heap slot.
const entryOverhead = 160

// MemoryStore is a Store in the memory of one process: bounded, expiring
// and safe for concurrent use. It starts no goroutine: expired entries are
// dropped as later calls find them, and when it is full it forgets the
// processed event that would expire first (never a claim in progress).
type MemoryStore struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64 // the cost of the entries held
	now      func() time.Time
	entries  map[string]*memEntry
	pending  entryHeap // claims in progress, by expiry
	done     entryHeap // processed events, by expiry
}

type memEntry struct {
	key     string
	token   string // the owner's Lease.Token while a claim; "" once done
	done    bool
	expires time.Time
	index   int // in its heap
}

// NewMemoryStore returns an empty MemoryStore holding at most maxEntries
// keys (DefaultMaxEntries if maxEntries <= 0) and DefaultMaxBytes.
func NewMemoryStore(maxEntries int) *MemoryStore {
	return NewMemoryStoreSize(maxEntries, 0)
}

// NewMemoryStoreSize returns an empty MemoryStore holding at most
// maxEntries keys and maxBytes bytes of them (DefaultMaxEntries and
// DefaultMaxBytes for values <= 0). Whichever bound is reached first makes
// it forget processed events, so that keys of unusual length cannot make
// it grow past maxBytes. The Handler keeps its keys under MaxKeyLen bytes.
func NewMemoryStoreSize(maxEntries int, maxBytes int64) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &MemoryStore{max: maxEntries, maxBytes: maxBytes, now: time.Now, entries: make(map[string]*memEntry)}
}

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, key string, lease time.Duration) (Lease, ClaimResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	if e, ok := m.entries[key]; ok {
		if e.done {
			return Lease{}, ClaimDone, nil
		}
		return Lease{}, ClaimInProgress, nil
	}
	tok, err := newToken()
	if err != nil {
		return Lease{}, 0, err
	}
	if err := m.makeRoom(cost(key, tok)); err != nil {
		return Lease{}, 0, err
	}
	m.insert(&memEntry{key: key, token: tok, expires: now.Add(lease)})
	return Lease{Key: key, Token: tok}, ClaimAcquired, nil
}

// Complete implements Store. It marks l.Key done whoever holds it now: l's
// own claim, a successor's after a takeover, none (the lease expired and
// nobody took over) or an earlier Complete (the ttl is then renewed). Only a
// zero Lease is refused.
func (m *MemoryStore) Complete(_ context.Context, l Lease, ttl time.Duration) error {
	if l.Token == "" {
		return errZeroLease
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	e, ok := m.entries[l.Key]
	if !ok {
		if err := m.makeRoom(cost(l.Key, "")); err != nil {
			return err
		}
		m.insert(&memEntry{key: l.Key, done: true, expires: now.Add(ttl)})
		return nil
	}
	if e.done {
		e.expires = now.Add(ttl)
		heap.Fix(&m.done, e.index)
		return nil
	}
	heap.Remove(&m.pending, e.index)
	m.bytes -= int64(len(e.token))
	e.done, e.token, e.expires = true, "", now.Add(ttl)
	heap.Push(&m.done, e)
	return nil
}

// Release implements Store: it frees l.Key only while l's own claim holds
// it, unexpired; otherwise the error matches ErrLeaseLost.
func (m *MemoryStore) Release(_ context.Context, l Lease) error {
	if l.Token == "" {
		return errZeroLease
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(m.now())
	e, ok := m.entries[l.Key]
	if !ok || e.done || e.token != l.Token {
		return ErrLeaseLost
	}
	heap.Remove(&m.pending, e.index)
	m.forget(e)
	return nil
}

// errZeroLease is the error of Complete and Release given the zero Lease
// (Claim did not answer ClaimAcquired): it holds no claim.
var errZeroLease = fmt.Errorf("%w: the zero Lease holds no claim", ErrLeaseLost)

// newToken returns a random owner token: 128 bits, so that no two
// acquisitions share one, in any number of processes.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook: no randomness for a lease token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Len returns how many keys the store holds, expired ones included until a
// call drops them.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Bytes returns the memory the store's entries account for (see
// DefaultMaxBytes).
func (m *MemoryStore) Bytes() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

func cost(key, token string) int64 { return int64(len(key)+len(token)) + entryOverhead }

func (m *MemoryStore) insert(e *memEntry) {
	m.entries[e.key] = e
	m.bytes += cost(e.key, e.token)
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
			m.forget(heap.Pop(h).(*memEntry))
		}
	}
}

// forget drops e, already out of its heap, from the map and the count.
func (m *MemoryStore) forget(e *memEntry) {
	delete(m.entries, e.key)
	m.bytes -= cost(e.key, e.token)
}

// makeRoom makes room for one more entry of size n, forgetting the
// processed events that expire first if it must.
func (m *MemoryStore) makeRoom(n int64) error {
	if n > m.maxBytes {
		return ErrStoreFull
	}
	for len(m.entries) >= m.max || m.bytes+n > m.maxBytes {
		if m.done.Len() == 0 {
			return ErrStoreFull
		}
		m.forget(heap.Pop(&m.done).(*memEntry))
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
