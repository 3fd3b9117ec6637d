package payouttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// side is one provider as the fault tests drive it: create sends a payout
// with reference as its Idempotency-Key through c.
type side struct {
	name   string
	create func(c *http.Client, ref string, header map[string]string) (response, error)
	id     func(t *testing.T, r response) string
}

func sides(t *testing.T, s *Sandbox) []side {
	tok := payosToken(t, s)
	return []side{
		{SandboxPalPluss, func(c *http.Client, ref string, h map[string]string) (response, error) {
			hh := palAuth(s, "Idempotency-Key", ref)
			for k, v := range h {
				hh[k] = v
			}
			return tryWith(c, "POST", s.PalPlussURL()+"/b2c/payouts", hh, palPayout(100, "0712345678", ref))
		}, func(t *testing.T, r response) string {
			return r.json(t)["data"].(map[string]any)["transactionId"].(string)
		}},
		{SandboxPayOS, func(c *http.Client, ref string, h map[string]string) (response, error) {
			hh := bearer(tok, "Idempotency-Key", ref)
			for k, v := range h {
				hh[k] = v
			}
			return tryWith(c, "POST", s.PayOSURL()+"/api/v1/payout/initiate", hh, payosPayout(t, ref, 2000, "254712345678"))
		}, func(t *testing.T, r response) string {
			return r.json(t)["transactionId"].(string)
		}},
	}
}

// faultOnHeader injects f into requests that carry X-Fault: 1.
func faultOnHeader(f Fault) FaultFunc {
	return func(_ string, r *http.Request) Fault {
		if r.Header.Get("X-Fault") == "1" {
			return f
		}
		return FaultNone()
	}
}

var withFault = map[string]string{"X-Fault": "1"}

// isReset reports whether err is a connection reset by the server (RST),
// seen on read or, if the client was still writing, on write.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func TestFaultsBeforeProcessingCreateNothing(t *testing.T) {
	s := newTestSandbox(t)
	for _, sd := range sides(t, s) {
		for _, f := range []Fault{FaultResetBeforeRead(), FaultStatus(500), FaultStatus(502), FaultStatus(503), FaultRateLimit(1500 * time.Millisecond)} {
			t.Run(sd.name+"/"+f.String(), func(t *testing.T) {
				ref := sd.name + "-before-" + f.String()
				s.SetFault(faultOnHeader(f))
				r, err := sd.create(testClient(), ref, withFault)
				switch f.Kind {
				case FaultKindResetBeforeRead:
					require.Error(t, err)
					assert.True(t, isReset(err), "a reset, got %v", err)
				case FaultKindRateLimit:
					require.NoError(t, err)
					assert.Equal(t, 429, r.status)
					assert.Equal(t, "2", r.header.Get("Retry-After"), "whole seconds, rounded up")
				default:
					require.NoError(t, err)
					assert.Equal(t, f.Status, r.status)
				}
				switch {
				case f.Status > 500:
					assert.Equal(t, "text/html", r.header.Get("Content-Type"), "a proxy's page")
					assert.Contains(t, string(r.body), fmt.Sprintf("<h1>%d ", f.Status))
				case f.Status == 500 && sd.name == SandboxPalPluss:
					assert.Equal(t, "INTERNAL_SERVER_ERROR", palErrorCode(t, r))
				case f.Status == 500:
					assert.Equal(t, 500.0, r.json(t)["statusCode"])
				case f.Kind == FaultKindRateLimit && sd.name == SandboxPalPluss:
					assert.Equal(t, "RATE_LIMIT_EXCEEDED", palErrorCode(t, r))
				}
				assert.Zero(t, s.CreatedCount(sd.name, ref), "nothing was processed")

				s.SetFault(nil)
				r, err = sd.create(testClient(), ref, nil)
				require.NoError(t, err)
				assert.Equal(t, 200, r.status, "the same request then goes through")
				assert.Equal(t, 1, s.CreatedCount(sd.name, ref))
			})
		}
	}
	assert.Equal(t, 1, s.FaultCounts(SandboxPalPluss)[FaultKindResetBeforeRead])
	assert.Equal(t, 3, s.FaultCounts(SandboxPayOS)[FaultKindStatus])
}

func TestFaultsAfterProcessingCreateOnce(t *testing.T) {
	s := newTestSandbox(t)
	for _, sd := range sides(t, s) {
		for _, f := range []Fault{FaultResetAfterProcess(), FaultStatusAfterProcess(502), FaultTruncate(), FaultDelay(2 * time.Second)} {
			t.Run(sd.name+"/"+f.String(), func(t *testing.T) {
				ref := sd.name + "-after-" + f.String()
				s.SetFault(faultOnHeader(f))
				c := testClient()
				if f.Kind == FaultKindDelay {
					c.Timeout = 200 * time.Millisecond
				}
				r, err := sd.create(c, ref, withFault)
				switch f.Kind {
				case FaultKindResetAfterProcess:
					require.Error(t, err)
					assert.True(t, isReset(err), "a reset, got %v", err)
				case FaultKindStatusAfterProcess:
					require.NoError(t, err)
					assert.Equal(t, 502, r.status)
				case FaultKindTruncate:
					assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
					assert.Equal(t, 200, r.status, "the real status and headers arrive")
					assert.NotEmpty(t, r.body)
					assert.False(t, json.Valid(r.body), "the JSON is cut: %s", r.body)
				case FaultKindDelay:
					var ne net.Error
					require.ErrorAs(t, err, &ne)
					assert.True(t, ne.Timeout(), "the client's deadline passed: %v", err)
				}
				assert.Equal(t, 1, s.CreatedCount(sd.name, ref), "the request was processed")
				created := s.Payouts(sd.name)
				want := created[len(created)-1].ID

				s.SetFault(nil)
				r, err = sd.create(testClient(), ref, nil)
				require.NoError(t, err)
				require.Equal(t, 200, r.status, "body: %s", r.body)
				assert.Equal(t, want, sd.id(t, r), "the retry with the same key gets the payout the lost answer was about")
				assert.Equal(t, 1, s.CreatedCount(sd.name, ref), "and creates nothing")
			})
		}
	}
}

func TestFaultDelayAnswersLate(t *testing.T) {
	s := newTestSandbox(t, WithSandboxFault(faultOnHeader(FaultDelay(150*time.Millisecond))))
	start := time.Now()
	r := call(t, "GET", s.PalPlussURL()+"/wallets/service/balance", palAuth(s, "X-Fault", "1"), nil)
	assert.Equal(t, 200, r.status)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	assert.Equal(t, 1, s.FaultCounts(SandboxPalPluss)[FaultKindDelay])
}

func TestRandomFaults(t *testing.T) {
	chances := []FaultChance{{FaultResetBeforeRead(), 0.25}, {FaultStatus(503), 0.25}}
	draw := func(f FaultFunc, provider string, n int) []Fault {
		var out []Fault
		for i := 0; i < n; i++ {
			out = append(out, f(provider, nil))
		}
		return out
	}
	a, b := RandomFaults(7, chances...), RandomFaults(7, chances...)
	seqA := draw(a, SandboxPalPluss, 400)
	draw(b, SandboxPayOS, 13) // another provider's draws do not disturb this one's
	assert.Equal(t, seqA, draw(b, SandboxPalPluss, 400), "same seed, same sequence")
	assert.NotEqual(t, seqA, draw(RandomFaults(8, chances...), SandboxPalPluss, 400), "another seed, another sequence")
	assert.NotEqual(t, seqA[:100], draw(RandomFaults(7, chances...), SandboxPayOS, 100), "each provider has its own stream")

	counts := map[FaultKind]int{}
	for _, f := range draw(RandomFaults(1, chances...), SandboxPayOS, 4000) {
		counts[f.Kind]++
	}
	for _, k := range []FaultKind{FaultKindNone, FaultKindResetBeforeRead, FaultKindStatus} {
		want := map[FaultKind]float64{FaultKindNone: 2000, FaultKindResetBeforeRead: 1000, FaultKindStatus: 1000}[k]
		assert.InDelta(t, want, counts[k], want*0.15, "%v", k)
	}

	assert.Panics(t, func() { RandomFaults(1, FaultChance{FaultTruncate(), 0.7}, FaultChance{FaultTruncate(), 0.4}) })
	assert.Panics(t, func() { RandomFaults(1, FaultChance{FaultTruncate(), -0.1}) })
	assert.Panics(t, func() { FaultStatus(200) })
	assert.Equal(t, "status 503", FaultStatus(503).String())
	assert.Equal(t, "delay 2s", FaultDelay(2*time.Second).String())
	assert.Equal(t, "reset-after-process", FaultResetAfterProcess().String())
	assert.True(t, FaultKindTruncate.AfterProcess())
	assert.False(t, FaultKindRateLimit.AfterProcess())
	assert.Equal(t, Fault{}, FaultNone())
}

// TestChaosCreatesEachReferenceOnce is a small version of the chaos suite:
// many payouts, concurrently, under random faults of every kind, sent by a
// plain client that retries with the same Idempotency-Key until it gets an
// answer it can read. Every reference must be created exactly once, and be
// the payout the client was finally told about.
func TestChaosCreatesEachReferenceOnce(t *testing.T) {
	const n, workers = 150, 16
	s := newTestSandbox(t)
	random := RandomFaults(2026,
		FaultChance{FaultResetBeforeRead(), 0.07}, FaultChance{FaultResetAfterProcess(), 0.07},
		FaultChance{FaultStatus(500), 0.04}, FaultChance{FaultStatus(503), 0.04},
		FaultChance{FaultStatusAfterProcess(502), 0.04}, FaultChance{FaultRateLimit(0), 0.04},
		FaultChance{FaultTruncate(), 0.05}, FaultChance{FaultDelay(300 * time.Millisecond), 0.03},
	)
	s.SetFault(func(provider string, r *http.Request) Fault {
		if r.Method != http.MethodPost || r.URL.Path == "/api/v1/auth/oauth2/token" {
			return FaultNone()
		}
		return random(provider, r)
	})
	for _, sd := range sides(t, s) {
		t.Run(sd.name, func(t *testing.T) {
			seen := make([]string, n)
			refs := make(chan int)
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := testClient()
					c.Timeout = 150 * time.Millisecond
					for i := range refs {
						for attempt := 0; attempt < 40 && seen[i] == ""; attempt++ {
							r, err := sd.create(c, fmt.Sprintf("chaos-%s-%03d", sd.name, i), nil)
							if err == nil && r.status == 200 && json.Valid(r.body) {
								seen[i] = sd.id(t, r)
							}
						}
					}
				}()
			}
			for i := 0; i < n; i++ {
				refs <- i
			}
			close(refs)
			wg.Wait()

			truth := map[string]string{}
			for _, p := range s.Payouts(sd.name) {
				truth[p.Reference] = p.ID
			}
			for i := 0; i < n; i++ {
				ref := fmt.Sprintf("chaos-%s-%03d", sd.name, i)
				require.NotEmpty(t, seen[i], "%s never succeeded", ref)
				assert.Equal(t, 1, s.CreatedCount(sd.name, ref), ref)
				assert.Equal(t, truth[ref], seen[i], ref)
			}
			counts := s.FaultCounts(sd.name)
			for _, k := range []FaultKind{FaultKindResetBeforeRead, FaultKindResetAfterProcess, FaultKindStatus, FaultKindRateLimit, FaultKindTruncate} {
				assert.Positive(t, counts[k], "%v was injected", k)
			}
			t.Logf("%s faults: %v", sd.name, counts)
		})
	}
}
