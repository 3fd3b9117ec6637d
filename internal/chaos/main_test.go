package chaos_test

import (
	"flag"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Flags of the chaos suite, given after -args:
//
//	go test -run TestChaos -v ./internal/chaos -args -chaos.n=1000 -chaos.seed=7
var (
	flagN    = flag.Int("chaos.n", 150, "payouts per scenario of TestChaosExactlyOnce")
	flagC    = flag.Int("chaos.c", 32, "concurrent callers in TestChaosExactlyOnce")
	flagSeed = flag.Uint64("chaos.seed", 20260101, "seed of the fault injection and of the request mix")
)

// TestMain fails the package if any test leaves a goroutine behind: a
// Sandbox not closed, a client connection not released, a token fetch or
// a Send still running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTransport returns a transport for one test's clients: it keeps enough
// idle connections for every concurrent caller (the default keeps two per
// host, which makes 32 callers dial again and again), and the test closes
// its idle connections at the end so that no connection goroutine
// outlives it.
func newTransport(t testing.TB) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 128
	tr.IdleConnTimeout = 30 * time.Second
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}
