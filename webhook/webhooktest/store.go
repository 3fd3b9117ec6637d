package webhooktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/payoutkit/payout/webhook"
)

// Durations StoreConformance uses. Short is the lease (and ttl) it waits
// out; it waits Settle after it, so a store whose clock runs in another
// process (a database's now()) has time to see the expiry.
const (
	Short  = 300 * time.Millisecond
	Settle = 2 * Short
	long   = time.Minute
)

// StoreConformance runs the webhook.Store contract against stores made by
// newStore, each subtest on a fresh store and on keys of its own (random,
// so that stores sharing a table between runs do not collide):
//
//   - Claim answers ClaimAcquired with a Lease (the key, a non-empty token
//     unique per acquisition), ClaimInProgress while that claim holds and
//     ClaimDone once completed, with the zero Lease for both;
//   - Release with the holder's lease frees the key; a second Release, a
//     lease with a wrong token, or a Release after Complete changes nothing
//     and matches webhook.ErrLeaseLost;
//   - an expired claim is taken over with a new token: the old holder can
//     no longer release it, but can still complete it (the event was
//     processed), after which the successor's Release finds it done;
//   - a done key is claimable again once its ttl has passed;
//   - concurrent Claims of one key acquire it exactly once;
//   - a key of webhook.MaxKeyLen printable bytes, the longest a Handler
//     makes, works like any other.
//
// It sleeps about two seconds in all (Settle, a few times), waiting for
// leases of Short to expire.
func StoreConformance(t *testing.T, newStore func() webhook.Store) {
	t.Helper()
	if newStore == nil {
		t.Fatal("webhooktest.StoreConformance: nil newStore")
	}
	for _, c := range []struct {
		name string
		run  func(*testing.T, webhook.Store, string)
	}{
		{"ClaimStates", claimStates},
		{"ReleaseNeedsTheHolder", releaseNeedsTheHolder},
		{"ExpiredClaimIsTakenOver", expiredClaimIsTakenOver},
		{"DoneExpires", doneExpires},
		{"ConcurrentClaimsAcquireOnce", concurrentClaims},
		{"KeysAreIndependent", keysAreIndependent},
		{"LongestKey", longestKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStore()
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			c.run(t, s, randomKey(t))
		})
	}
}

func randomKey(t *testing.T) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "conformance:" + t.Name() + ":" + hex.EncodeToString(b[:])
}

// mustClaim claims key and checks that the Lease agrees with the result.
func mustClaim(t *testing.T, s webhook.Store, key string, lease time.Duration) (webhook.Lease, webhook.ClaimResult) {
	t.Helper()
	l, r, err := s.Claim(context.Background(), key, lease)
	if err != nil {
		t.Fatalf("Claim(%q): %v", key, err)
	}
	switch r {
	case webhook.ClaimAcquired:
		if l.Key != key || l.Token == "" {
			t.Fatalf("Claim(%q) acquired with lease %+v: want the key and a non-empty token", key, l)
		}
	case webhook.ClaimInProgress, webhook.ClaimDone:
		if !l.IsZero() {
			t.Fatalf("Claim(%q) answered %v with lease %+v: want the zero Lease", key, r, l)
		}
	default:
		t.Fatalf("Claim(%q) answered %v", key, r)
	}
	return l, r
}

func want(t *testing.T, s webhook.Store, key string, w webhook.ClaimResult, why string) webhook.Lease {
	t.Helper()
	l, r := mustClaim(t, s, key, long)
	if r != w {
		t.Fatalf("Claim(%q) = %v, want %v: %s", key, r, w, why)
	}
	return l
}

func wantLost(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, webhook.ErrLeaseLost) {
		t.Fatalf("%s: error %v, want one matching webhook.ErrLeaseLost", what, err)
	}
}

func noError(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func claimStates(t *testing.T, s webhook.Store, key string) {
	ctx := context.Background()
	l := want(t, s, key, webhook.ClaimAcquired, "a new key")
	want(t, s, key, webhook.ClaimInProgress, "its claim holds")
	noError(t, s.Complete(ctx, l, long), "Complete by the holder")
	want(t, s, key, webhook.ClaimDone, "it was completed")
	noError(t, s.Complete(ctx, l, long), "Complete again")
	want(t, s, key, webhook.ClaimDone, "still completed")
}

func releaseNeedsTheHolder(t *testing.T, s webhook.Store, key string) {
	ctx := context.Background()
	l := want(t, s, key, webhook.ClaimAcquired, "a new key")
	wantLost(t, s.Release(ctx, webhook.Lease{Key: key, Token: l.Token + "x"}), "Release with a forged token")
	want(t, s, key, webhook.ClaimInProgress, "a forged lease changed nothing")
	noError(t, s.Release(ctx, l), "Release by the holder")
	wantLost(t, s.Release(ctx, l), "a second Release of the same lease")

	l2 := want(t, s, key, webhook.ClaimAcquired, "it was released")
	if l2.Token == l.Token {
		t.Fatalf("two acquisitions share the token %q", l.Token)
	}
	wantLost(t, s.Release(ctx, l), "Release with the earlier acquisition's lease")
	want(t, s, key, webhook.ClaimInProgress, "the earlier lease changed nothing")
	noError(t, s.Complete(ctx, l2, long), "Complete by the holder")
	wantLost(t, s.Release(ctx, l2), "Release after Complete")
	want(t, s, key, webhook.ClaimDone, "a Release after Complete changed nothing")
}

func expiredClaimIsTakenOver(t *testing.T, s webhook.Store, key string) {
	ctx := context.Background()
	first, r := mustClaim(t, s, key, Short)
	if r != webhook.ClaimAcquired {
		t.Fatalf("Claim of a new key = %v", r)
	}
	time.Sleep(Settle)
	second := want(t, s, key, webhook.ClaimAcquired, "the first claim expired")
	if second.Token == first.Token {
		t.Fatalf("the takeover kept the expired holder's token %q", first.Token)
	}
	wantLost(t, s.Release(ctx, first), "Release by the expired holder")
	want(t, s, key, webhook.ClaimInProgress, "the successor still holds it: no third delivery beside it")

	noError(t, s.Complete(ctx, first, long), "Complete by the expired holder (its event was processed)")
	want(t, s, key, webhook.ClaimDone, "completed by the expired holder")
	wantLost(t, s.Release(ctx, second), "the successor's Release of a done key")
	want(t, s, key, webhook.ClaimDone, "the successor's Release changed nothing")
	noError(t, s.Complete(ctx, second, long), "the successor's Complete of a done key")
	want(t, s, key, webhook.ClaimDone, "still done")
}

func doneExpires(t *testing.T, s webhook.Store, key string) {
	ctx := context.Background()
	l := want(t, s, key, webhook.ClaimAcquired, "a new key")
	noError(t, s.Complete(ctx, l, Short), "Complete")
	want(t, s, key, webhook.ClaimDone, "within its ttl")
	time.Sleep(Settle)
	want(t, s, key, webhook.ClaimAcquired, "its ttl passed")
}

func concurrentClaims(t *testing.T, s webhook.Store, key string) {
	const n = 16
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		acquired []webhook.Lease
		errs     []error
	)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			l, r, err := s.Claim(context.Background(), key, long)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if r == webhook.ClaimAcquired {
				acquired = append(acquired, l)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Claims failed: %v", errs[0])
	}
	if len(acquired) != 1 {
		t.Fatalf("%d concurrent Claims of one key acquired it %d times, want once", n, len(acquired))
	}
}

func keysAreIndependent(t *testing.T, s webhook.Store, key string) {
	ctx := context.Background()
	a := want(t, s, key+":a", webhook.ClaimAcquired, "a new key")
	b := want(t, s, key+":b", webhook.ClaimAcquired, "another new key")
	wantLost(t, s.Release(ctx, webhook.Lease{Key: key + ":b", Token: a.Token}), "a's token on b")
	noError(t, s.Release(ctx, b), "Release of b")
	want(t, s, key+":a", webhook.ClaimInProgress, "releasing b left a alone")
	noError(t, s.Complete(ctx, a, long), "Complete of a")
	want(t, s, key+":b", webhook.ClaimAcquired, "completing a left b free")
}

func longestKey(t *testing.T, s webhook.Store, key string) {
	ctx := context.Background()
	for len(key) < webhook.MaxKeyLen {
		key += "~"
	}
	key = key[len(key)-webhook.MaxKeyLen:]
	l := want(t, s, key, webhook.ClaimAcquired, "a new key of MaxKeyLen bytes")
	noError(t, s.Complete(ctx, l, long), "Complete")
	want(t, s, key, webhook.ClaimDone, "completed")
	want(t, s, key[1:], webhook.ClaimAcquired, "a key one byte shorter is another key")
}
