package payos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

func TestTokenResponseSpellings(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for name, body := range map[string]string{
		"camel":          string(fixture(t, "token_response.json")),
		"snake":          string(fixture(t, "token_response_snake.json")),
		"string expires": `{"accessToken":"` + testToken + `","expiresIn":"3600","tokenType":"Bearer"}`,
		"wrapped":        `{"data":{"access_token":"` + testToken + `","expires_in":3600.0}}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.on(http.MethodPost, tokenPath, jsonString(200, body))
			c := m.client(withClock(func() time.Time { return now }))
			tok, err := c.tokens.src.Token(context.Background())
			require.NoError(t, err)
			assert.Equal(t, testToken, tok.AccessToken)
			assert.Equal(t, now.Add(time.Hour), tok.Expiry)
			assert.Equal(t, "Bearer "+testToken, tok.authorization())
		})
	}
	for raw, ok := range map[string]bool{`3600`: true, `"3600"`: true, `0`: false, `-5`: false, `"soon"`: false, `null`: false, ``: false, `{}`: false} {
		_, got := parseExpiresIn(json.RawMessage(raw))
		assert.Equal(t, ok, got, raw)
	}
}

func TestTokenEndpointMalformedAnswers(t *testing.T) {
	for name, body := range map[string]string{"no token": `{"expiresIn":3600}`, "not json": `<html>`} {
		m := newMock(t)
		m.on(http.MethodPost, tokenPath, jsonString(200, body))
		m.on(http.MethodGet, payoutPath+"x", jsonString(200, `{}`))
		_, err := m.client().Get(context.Background(), "x")
		require.ErrorIs(t, err, payout.ErrProviderError, name)
		assert.Empty(t, m.recorded(payoutPath+"x"), name)
	}
}

func TestRefreshMargin(t *testing.T) {
	assert.Equal(t, time.Minute, refreshMargin(time.Hour))
	assert.Equal(t, time.Minute, refreshMargin(24*time.Hour))
	assert.Equal(t, 3*time.Second, refreshMargin(30*time.Second))
	assert.Equal(t, time.Duration(0), refreshMargin(-time.Second))
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		name      string
		expiresIn int
		margin    time.Duration
	}{{"one hour", 3600, time.Minute}, {"thirty seconds", 30, 3 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			m := newMock(t)
			var n atomic.Int32
			m.on(http.MethodPost, tokenPath, func(r *http.Request) (*http.Response, error) {
				i := n.Add(1)
				return jsonString(200, fmt.Sprintf(`{"accessToken":"tok-%d","expiresIn":%d}`, i, tc.expiresIn))(r)
			})
			m.on(http.MethodGet, payoutPath+"x", jsonString(200, `{"transactionId":"x","status":"PENDING"}`))
			c := m.client(withClock(clk.now))
			get := func() string {
				_, err := c.Get(context.Background(), "x")
				require.NoError(t, err)
				calls := m.recorded(payoutPath + "x")
				return calls[len(calls)-1].Header.Get("Authorization")
			}
			lifetime := time.Duration(tc.expiresIn) * time.Second

			assert.Equal(t, "Bearer tok-1", get())
			clk.add(lifetime - tc.margin - time.Second)
			assert.Equal(t, "Bearer tok-1", get(), "still fresh")
			clk.add(2 * time.Second)
			assert.Equal(t, "Bearer tok-2", get(), "within the margin: renewed")
			assert.Equal(t, "Bearer tok-2", get())
			assert.EqualValues(t, 2, n.Load())
		})
	}
}

func TestConcurrentColdSendsMakeOneTokenCall(t *testing.T) {
	var tokenCalls, initCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case tokenPath:
			tokenCalls.Add(1)
			time.Sleep(50 * time.Millisecond)
			w.Write(fixture(t, "token_response.json"))
		case initiatePath:
			initCalls.Add(1)
			if r.Header.Get("Authorization") != "Bearer "+testToken {
				w.WriteHeader(401)
				return
			}
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"transactionId":"%s","status":"RECEIVED","merchantReference":%q}`, txID, r.Header.Get("Idempotency-Key"))
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	c, err := New(testMerchant, testSecret, payout.WithBaseURL(srv.URL), payout.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)

	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			req := individualRequest()
			req.Reference = fmt.Sprintf("PAYOUT_%03d", i)
			_, err := c.Send(context.Background(), req)
			errs <- err
		}(i)
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, tokenCalls.Load(), "one token request for a hundred cold Sends")
	assert.EqualValues(t, n, initCalls.Load())
}

// tokenSeq answers the token endpoint with tok-1, tok-2, ...
func tokenSeq(n *atomic.Int32) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		i := n.Add(1)
		return jsonString(200, fmt.Sprintf(`{"accessToken":"tok-%d","expiresIn":3600,"tokenType":"Bearer"}`, i))(r)
	}
}

func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	m := newMock(t)
	var n atomic.Int32
	m.on(http.MethodPost, tokenPath, tokenSeq(&n))
	m.on(http.MethodPost, initiatePath,
		jsonString(401, `{"message":"Unauthorized","statusCode":401}`),
		jsonResponder(201, fixture(t, "initiate_response.json")))
	p, err := m.client().Send(context.Background(), individualRequest())
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)
	assert.EqualValues(t, 2, n.Load())
	init := m.recorded(initiatePath)
	require.Len(t, init, 2)
	assert.Equal(t, "Bearer tok-1", init[0].Header.Get("Authorization"))
	assert.Equal(t, "Bearer tok-2", init[1].Header.Get("Authorization"))
	assert.Equal(t, init[0].Header.Get("Idempotency-Key"), init[1].Header.Get("Idempotency-Key"))
	assert.JSONEq(t, string(init[0].Body), string(init[1].Body))
}

func TestUnauthorizedTwiceIsUnauthorized(t *testing.T) {
	m := newMock(t)
	var n atomic.Int32
	m.on(http.MethodPost, tokenPath, tokenSeq(&n))
	m.on(http.MethodGet, payoutPath+"x", jsonString(401, `{"message":"Unauthorized","statusCode":401}`))
	_, err := m.client().Get(context.Background(), "x")
	require.ErrorIs(t, err, payout.ErrUnauthorized)
	assert.EqualValues(t, 2, n.Load(), "exactly one refresh")
	assert.Len(t, m.recorded(payoutPath+"x"), 2, "exactly one retry")
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 401, pe.HTTPStatus)
}

func TestTokenEndpointRefusal(t *testing.T) {
	var logs bytes.Buffer
	m := newMock(t)
	m.on(http.MethodPost, tokenPath, jsonResponder(401, fixture(t, "error_401_oauth.json")))
	m.on(http.MethodPost, initiatePath, jsonResponder(201, fixture(t, "initiate_response.json")))
	c := m.client(payout.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	p, err := c.Send(context.Background(), individualRequest())
	assert.Nil(t, p)
	require.ErrorIs(t, err, payout.ErrUnauthorized)
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown, "no payout was sent")
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, CodeInvalidClient, pe.ProviderCode)
	assert.Equal(t, 401, pe.HTTPStatus)
	assert.Equal(t, refIndiv, pe.Reference)
	assert.Contains(t, pe.Message, "Client authentication failed")
	assert.Empty(t, m.recorded(initiatePath))
	assert.Len(t, m.recorded(tokenPath), 1, "a refused token endpoint is not asked twice")
	assert.NotContains(t, err.Error(), testSecret)
	assert.NotContains(t, logs.String(), testSecret)
}

func TestTokenEndpointFailuresAreNeverOutcomeUnknown(t *testing.T) {
	for name, r := range map[string]httpmock.Responder{
		"500":      jsonString(500, `{"message":"boom"}`),
		"hang up":  httpmock.ConnectionFailure,
		"400 rfc":  jsonString(400, `{"error":"invalid_request","error_description":"merchantId is required"}`),
		"403 nest": jsonString(403, `{"message":"Forbidden","statusCode":403}`),
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.on(http.MethodPost, tokenPath, r)
			m.on(http.MethodPost, initiatePath, jsonResponder(201, fixture(t, "initiate_response.json")))
			_, err := m.client(payout.WithMaxRetries(1)).Send(context.Background(), individualRequest())
			require.Error(t, err)
			assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
			assert.Empty(t, m.recorded(initiatePath))
			if strings.HasPrefix(name, "4") {
				assert.ErrorIs(t, err, payout.ErrUnauthorized)
			}
		})
	}
}

func TestWithTokenSource(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, payoutPath+"x", jsonString(200, `{"transactionId":"x","status":"PENDING"}`))
	var n atomic.Int32
	ts := TokenSourceFunc(func(ctx context.Context) (*Token, error) {
		n.Add(1)
		return &Token{AccessToken: "mine-123", TokenType: "bearer"}, nil
	})
	c, err := New(testMerchant, "", payout.WithHTTPClient(m.hc), payout.WithBaseURL(testBase), WithTokenSource(ts))
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err = c.Get(context.Background(), "x")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, n.Load(), "a token without expiry is kept")
	assert.Equal(t, "Bearer mine-123", m.recorded(payoutPath + "x")[0].Header.Get("Authorization"))
	assert.Empty(t, m.recorded(tokenPath))

	_, err = New(testMerchant, "", WithTokenSource(nil))
	assert.Error(t, err)
}

func TestCustomTokenSourceErrors(t *testing.T) {
	for name, ts := range map[string]TokenSource{
		"error":    TokenSourceFunc(func(context.Context) (*Token, error) { return nil, errors.New("vault sealed: key=hunter2") }),
		"nil":      TokenSourceFunc(func(context.Context) (*Token, error) { return nil, nil }),
		"empty":    TokenSourceFunc(func(context.Context) (*Token, error) { return &Token{}, nil }),
		"panicked": TokenSourceFunc(func(context.Context) (*Token, error) { panic("oops") }),
	} {
		m := newMock(t)
		c, err := New(testMerchant, "hunter2", payout.WithHTTPClient(m.hc), payout.WithBaseURL(testBase), WithTokenSource(ts))
		require.NoError(t, err)
		_, err = c.Get(context.Background(), "x")
		require.ErrorIs(t, err, payout.ErrUnauthorized, name)
		assert.NotContains(t, err.Error(), "hunter2", name)
		assert.Zero(t, m.mt.GetTotalCallCount(), name)
	}
}

// blockingSource hands out a token when released, and records its
// context's cancellation.
type blockingSource struct {
	calls     atomic.Int32
	release   chan struct{}
	cancelled chan struct{}
}

func newBlockingSource() *blockingSource {
	return &blockingSource{release: make(chan struct{}), cancelled: make(chan struct{}, 10)}
}

func (s *blockingSource) Token(ctx context.Context) (*Token, error) {
	n := s.calls.Add(1)
	select {
	case <-s.release:
		return &Token{AccessToken: fmt.Sprintf("blk-%d", n), Expiry: time.Now().Add(time.Hour)}, nil
	case <-ctx.Done():
		s.cancelled <- struct{}{}
		return nil, ctx.Err()
	}
}

func TestTokenWaiterLeavingEarlyDoesNotFailOthers(t *testing.T) {
	src := newBlockingSource()
	cache := newTokenCache(src, &httpx.Redactor{}, time.Now)

	patient := make(chan *Token, 1)
	go func() {
		tok, err := cache.Token(context.Background())
		assert.NoError(t, err)
		patient <- tok
	}()
	require.Eventually(t, func() bool { return src.calls.Load() == 1 }, time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := cache.Token(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "an impatient caller returns on its own deadline")

	close(src.release)
	tok := <-patient
	require.NotNil(t, tok)
	assert.Equal(t, "blk-1", tok.AccessToken)
	assert.EqualValues(t, 1, src.calls.Load(), "one fetch, shared")
	assert.Empty(t, src.cancelled, "the shared fetch was not cancelled")
}

func TestTokenLastWaiterLeavingStopsTheFetch(t *testing.T) {
	src := newBlockingSource()
	cache := newTokenCache(src, &httpx.Redactor{}, time.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := cache.Token(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	select {
	case <-src.cancelled: // the fetch had stopped before Token returned
	default:
		t.Fatal("the fetch goroutine outlived the only caller")
	}
	// A later caller starts a new fetch rather than joining the dead one.
	close(src.release)
	tok, err := cache.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "blk-2", tok.AccessToken)
}

func TestInvalidateOnlyTheFailedToken(t *testing.T) {
	var n atomic.Int32
	src := TokenSourceFunc(func(context.Context) (*Token, error) {
		return &Token{AccessToken: fmt.Sprintf("tok-%d", n.Add(1))}, nil
	})
	red := &httpx.Redactor{}
	cache := newTokenCache(src, red, time.Now)
	t1, err := cache.Token(context.Background())
	require.NoError(t, err)
	cache.invalidate(t1)
	t2, err := cache.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-2", t2.AccessToken)
	cache.invalidate(t1) // a late 401 for the old token
	t3, err := cache.Token(context.Background())
	require.NoError(t, err)
	assert.Same(t, t2, t3, "the newer token stays")
	assert.Equal(t, "x "+httpx.Placeholder+" "+httpx.Placeholder, red.String("x tok-1 tok-2"), "issued tokens are redacted")
}

func TestSecretsNeverPrinted(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonResponder(201, fixture(t, "initiate_response.json")))
	var logs bytes.Buffer
	c := m.client(payout.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.Send(context.Background(), individualRequest())
	require.NoError(t, err)
	tok, err := c.tokens.Token(context.Background())
	require.NoError(t, err)

	for _, v := range []any{c, *c, tok, *tok, c.tokens.src} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, testSecret, verb)
			assert.NotContains(t, s, testToken, verb)
		}
	}
	assert.Contains(t, fmt.Sprint(c), testMerchant)
	assert.Contains(t, fmt.Sprint(tok), "Bearer")
	c.eng.Logger().Info("state", "client", c, "token", tok, "tokenValue", *tok)
	assert.NotContains(t, logs.String(), testSecret)
	assert.NotContains(t, logs.String(), testToken)
	assert.NotContains(t, logs.String(), "254723993187", "phone numbers are masked in logs")
	assert.Equal(t, "payos.Token{TokenType: \"Bearer\", Expiry: none, AccessToken: <empty>}", Token{}.String())
	assert.True(t, tok.Valid())
	assert.False(t, (&Token{AccessToken: "x", Expiry: time.Now().Add(-time.Second)}).Valid())
}

func TestTokenNeverTwoFetchesAtOnce(t *testing.T) {
	var inFlight, most, calls atomic.Int32
	src := TokenSourceFunc(func(ctx context.Context) (*Token, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if calls.Add(1) == 1 {
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // slow to stop
			return nil, ctx.Err()
		}
		return &Token{AccessToken: "tok-second"}, nil
	})
	cache := newTokenCache(src, &httpx.Redactor{}, time.Now)
	impatient := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err := cache.Token(ctx)
		impatient <- err
	}()
	time.Sleep(25 * time.Millisecond) // the first fetch is being cancelled
	tok, err := cache.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-second", tok.AccessToken)
	assert.ErrorIs(t, <-impatient, context.DeadlineExceeded)
	assert.EqualValues(t, 2, calls.Load())
	assert.EqualValues(t, 1, most.Load(), "the second fetch waited for the cancelled one")
}
