package webhook

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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// stubParse stands in for a provider's parser: {"id","type","tx","ref",
// "status"}; type is required, unknown types are kept.
func stubParse(b []byte) (*payout.Event, error) {
	var s struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Tx     string `json:"tx"`
		Ref    string `json:"ref"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("stub: %w", err)
	}
	if s.Type == "" {
		return nil, errors.New("stub: missing type")
	}
	ev := &payout.Event{ID: s.ID, Provider: "stub", Type: s.Type, Raw: b}
	if s.Tx != "" {
		ev.Payout = &payout.Payout{ID: s.Tx, Reference: s.Ref, Provider: "stub", Status: payout.Status(s.Status)}
	}
	return ev, nil
}

func stubBody(id, typ, tx, ref, status string) []byte {
	b, _ := json.Marshal(map[string]string{"id": id, "type": typ, "tx": tx, "ref": ref, "status": status})
	return b
}

// recorder is a HandleFunc that records the events it is given.
type recorder struct {
	mu     sync.Mutex
	events []payout.Event
	fn     func(ev payout.Event) error // optional behaviour
}

func (rec *recorder) handle(_ context.Context, ev payout.Event) error {
	rec.mu.Lock()
	rec.events = append(rec.events, ev)
	fn := rec.fn
	rec.mu.Unlock()
	if fn != nil {
		return fn(ev)
	}
	return nil
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.events)
}

func (rec *recorder) last() payout.Event {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.events[len(rec.events)-1]
}

func signedRequest(t testing.TB, id string, body []byte) *http.Request {
	t.Helper()
	h, err := Sign(testSecret, id, time.Now(), body)
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "https://example.com/hooks/payos", bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func standardVerifier(t testing.TB) *StandardVerifier {
	t.Helper()
	v, err := NewStandardVerifier(testSecret)
	require.NoError(t, err)
	return v
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete, http.MethodOptions} {
		w := serve(h, httptest.NewRequest(m, "/", strings.NewReader(string(stubBody("e1", "t", "", "", "")))))
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, m)
		assert.Equal(t, "POST", w.Header().Get("Allow"))
	}
	assert.Zero(t, rec.count())
}

// bodyOfSize returns a stub body of exactly n bytes.
func bodyOfSize(n int) []byte {
	prefix := `{"id":"big","type":"t","pad":"`
	suffix := `"}`
	return []byte(prefix + strings.Repeat("x", n-len(prefix)-len(suffix)) + suffix)
}

// onlyReader hides a reader's type, so that the request's length is unknown.
type onlyReader struct{ io.Reader }

func TestHandlerBodyLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		name   string
		size   int
		length bool // Content-Length known
		want   int
	}{
		{"exactly 1 MiB", mib, true, http.StatusOK},
		{"exactly 1 MiB, chunked", mib, false, http.StatusOK},
		{"1 MiB + 1", mib + 1, true, http.StatusRequestEntityTooLarge},
		{"1 MiB + 1, chunked", mib + 1, false, http.StatusRequestEntityTooLarge},
		{"10 MiB, chunked", 10 * mib, false, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h := NewHandler(stubParse, rec.handle)
			body := bodyOfSize(tt.size)
			require.Len(t, body, tt.size)
			var r *http.Request
			if tt.length {
				r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			} else {
				r = httptest.NewRequest(http.MethodPost, "/", onlyReader{bytes.NewReader(body)})
				require.EqualValues(t, -1, r.ContentLength)
			}
			w := serve(h, r)
			assert.Equal(t, tt.want, w.Code)
			if tt.want == http.StatusOK {
				require.Equal(t, 1, rec.count())
				assert.Len(t, rec.last().Raw, tt.size)
			} else {
				assert.Zero(t, rec.count())
			}
		})
	}

	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithMaxBody(64))
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodyOfSize(65)))).Code)
	assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodyOfSize(64)))).Code)
}

func TestHandlerOverRealServerRejectsLargeBody(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(NewHandler(stubParse, rec.handle))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", onlyReader{bytes.NewReader(bodyOfSize(1<<20 + 1))})
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Zero(t, rec.count())
}

func TestHandlerVerification(t *testing.T) {
	body := stubBody("", "payout.completed", "tx1", "R1", "succeeded")
	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"signed", func() *http.Request { return signedRequest(t, "msg_1", body) }, http.StatusOK},
		{"unsigned", func() *http.Request { return httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)) }, http.StatusUnauthorized},
		{"tampered body", func() *http.Request {
			r := signedRequest(t, "msg_1", body)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte("succeeded"), []byte("succeedes"), 1)))
			return r
		}, http.StatusUnauthorized},
		{"wrong secret", func() *http.Request {
			h, _ := Sign(otherSecret, "msg_1", time.Now(), body)
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header = h
			return r
		}, http.StatusUnauthorized},
		{"replayed after 10 minutes", func() *http.Request {
			h, _ := Sign(testSecret, "msg_1", time.Now().Add(-10*time.Minute), body)
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header = h
			return r
		}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			var logs bytes.Buffer
			h := NewHandler(stubParse, rec.handle, WithVerifier(standardVerifier(t)), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			r := tt.req()
			sig := r.Header.Get("svix-signature")
			w := serve(h, r)
			assert.Equal(t, tt.want, w.Code)
			if tt.want == http.StatusOK {
				require.Equal(t, 1, rec.count())
				assert.Equal(t, "msg_1", rec.last().ID, "the svix-id is the event id")
			} else {
				assert.Zero(t, rec.count(), "an unauthenticated body is never handed on")
				assert.Contains(t, logs.String(), "not authentic")
			}
			for _, out := range []string{logs.String(), w.Body.String()} {
				assert.NotContains(t, out, strings.TrimPrefix(testSecret, "whsec_"))
				if len(sig) > 3 {
					assert.NotContains(t, out, sig[3:])
				}
				assert.NotContains(t, out, "succeeded", "neither the logs nor the answer echo the body")
			}
		})
	}
}

func TestHandlerMalformed(t *testing.T) {
	for _, body := range []string{"", "not json", `{"id":"x"}`, `[1,2]`, `{"type":`} {
		rec := &recorder{}
		h := NewHandler(stubParse, rec.handle)
		w := serve(h, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		assert.Equal(t, http.StatusBadRequest, w.Code, "%q", body)
		assert.Zero(t, rec.count())
		assert.LessOrEqual(t, w.Body.Len(), 16, "answers are tiny")
	}
	// A parser that returns neither an event nor an error is malformed too.
	h := NewHandler(func([]byte) (*payout.Event, error) { return nil, nil }, (&recorder{}).handle)
	assert.Equal(t, http.StatusBadRequest, serve(h, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))).Code)
}

func TestHandlerUnknownTypeIsAcknowledgedAndHandedOn(t *testing.T) {
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithVerifier(standardVerifier(t)))
	body := stubBody("", "payout.teleported", "", "", "")
	w := serve(h, signedRequest(t, "msg_unknown", body))
	assert.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, 1, rec.count())
	ev := rec.last()
	assert.Equal(t, "payout.teleported", ev.Type)
	assert.Equal(t, "msg_unknown", ev.ID)
	assert.JSONEq(t, string(body), string(ev.Raw))
}

func TestHandlerDeduplicates(t *testing.T) {
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithVerifier(standardVerifier(t)))
	body := stubBody("", "payout.completed", "tx1", "R1", "succeeded")
	for i := range 3 {
		w := serve(h, signedRequest(t, "msg_dup", body))
		assert.Equal(t, http.StatusOK, w.Code, "delivery %d", i)
	}
	assert.Equal(t, 1, rec.count())

	// The svix-id is the key: the same body under another id is another event.
	assert.Equal(t, http.StatusOK, serve(h, signedRequest(t, "msg_other", body)).Code)
	assert.Equal(t, 2, rec.count())

	// webhook-* headers name the same key.
	r := signedRequest(t, "msg_dup", body)
	for _, k := range []string{"Svix-Id", "Svix-Timestamp", "Svix-Signature"} {
		r.Header.Del(k)
	}
	assert.Equal(t, http.StatusOK, serve(h, r).Code)
	assert.Equal(t, 2, rec.count())
}

func TestHandlerDeduplicatesByParserIDWithoutHeader(t *testing.T) {
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle)
	body := stubBody("evt-7", "transaction.success", "tx1", "R1", "succeeded")
	for range 2 {
		assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
	}
	assert.Equal(t, 1, rec.count())
	assert.Equal(t, "evt-7", rec.last().ID)

	// Without any id there is nothing to deduplicate on: each is handed on.
	noID := stubBody("", "transaction.success", "tx1", "R1", "succeeded")
	for range 2 {
		assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(noID))).Code)
	}
	assert.Equal(t, 3, rec.count())

	// WithStore(nil) turns deduplication off.
	rec2 := &recorder{}
	h2 := NewHandler(stubParse, rec2.handle, WithStore(nil))
	for range 2 {
		assert.Equal(t, http.StatusOK, serve(h2, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
	}
	assert.Equal(t, 2, rec2.count())
}

func TestHandlerConcurrentDuplicatesReachTheUserOnce(t *testing.T) {
	const n = 16
	release := make(chan struct{})
	var calls atomic.Int32
	handle := func(ctx context.Context, ev payout.Event) error {
		calls.Add(1)
		<-release // hold the first delivery until every duplicate was answered
		return nil
	}
	srv := httptest.NewServer(NewHandler(stubParse, handle, WithVerifier(standardVerifier(t))))
	defer srv.Close()
	body := stubBody("", "payout.completed", "tx1", "R1", "succeeded")
	hdr, err := Sign(testSecret, "msg_concurrent", time.Now(), body)
	require.NoError(t, err)
	post := func() int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header = hdr.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}

	first := make(chan int, 1)
	go func() { first <- post() }()
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 5*time.Second, time.Millisecond)

	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- post() }()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Equal(t, http.StatusConflict, c, "a duplicate of an event in progress is answered 409")
	}
	close(release)
	assert.Equal(t, http.StatusOK, <-first)
	assert.Equal(t, http.StatusOK, post(), "once processed, a duplicate is acknowledged")
	assert.Equal(t, int32(1), calls.Load())
}

func TestHandlerConcurrentDuplicatesRace(t *testing.T) {
	// No choreography: many deliveries of a few events at once; each event
	// reaches the user at most once, and every answer is 200 or 409.
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithVerifier(standardVerifier(t)))
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("msg_", i%4)
			w := serve(h, signedRequest(t, id, stubBody("", "t", "", "", "")))
			if w.Code != http.StatusOK && w.Code != http.StatusConflict {
				t.Errorf("status %d", w.Code)
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, ev := range rec.events {
		seen[ev.ID]++
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, id)
	}
	assert.Len(t, seen, 4)
}

func TestHandlerUserErrorThenRedelivery(t *testing.T) {
	rec := &recorder{}
	fail := true
	rec.fn = func(payout.Event) error {
		if fail {
			return errors.New("database down")
		}
		return nil
	}
	var logs bytes.Buffer
	h := NewHandler(stubParse, rec.handle, WithVerifier(standardVerifier(t)), WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	body := stubBody("", "payout.completed", "tx1", "R1", "succeeded")

	w := serve(h, signedRequest(t, "msg_retry", body))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "database down", "the answer does not leak the application's error")
	assert.Contains(t, logs.String(), "database down", "the log has it")

	rec.mu.Lock()
	fail = false
	rec.mu.Unlock()
	assert.Equal(t, http.StatusOK, serve(h, signedRequest(t, "msg_retry", body)).Code, "the redelivery is processed")
	assert.Equal(t, http.StatusOK, serve(h, signedRequest(t, "msg_retry", body)).Code)
	assert.Equal(t, 2, rec.count(), "failed once, processed once, then deduplicated")
}

func TestHandlerRecoversPanics(t *testing.T) {
	calls := 0
	handle := func(context.Context, payout.Event) error {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return nil
	}
	var logs bytes.Buffer
	h := NewHandler(stubParse, handle, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	body := stubBody("evt-panic", "t", "", "", "")
	w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "boom")
	assert.Contains(t, logs.String(), "boom")
	assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code, "the claim was released")
	assert.Equal(t, 2, calls)
}

func TestHandlerRepanicsAbortHandler(t *testing.T) {
	store := NewMemoryStore(0)
	calls := 0
	h := NewHandler(stubParse, func(context.Context, payout.Event) error {
		calls++
		if calls == 1 {
			panic(http.ErrAbortHandler)
		}
		return nil
	}, WithStore(store))
	body := stubBody("evt-abort", "t", "", "", "")
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
	})
	assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
	assert.Equal(t, 2, calls)

	// Returning http.ErrAbortHandler as an error is just an error.
	h = NewHandler(stubParse, func(context.Context, payout.Event) error { return http.ErrAbortHandler })
	assert.Equal(t, http.StatusInternalServerError, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
}

// fakeGetter is a PayoutGetter with scripted answers.
type fakeGetter struct {
	mu      sync.Mutex
	payouts map[string]*payout.Payout
	err     error
	calls   int
}

func (f *fakeGetter) Get(_ context.Context, id string) (*payout.Payout, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	p, ok := f.payouts[id]
	if !ok {
		return nil, &payout.Error{Code: payout.CodeNotFound, Provider: "stub", HTTPStatus: 404}
	}
	cp := *p
	return &cp, nil
}

// Regression (issue 11, item 1): a forged "succeeded" for a pending payout
// was handed on as Type=transaction.success with Status=pending, and its
// key marked done, so that the genuine delivery of the success, once the
// payout settled, was answered 200 as a duplicate and never handed on.
func TestHandlerContradictedEventIsNotMarkedDone(t *testing.T) {
	get := &fakeGetter{payouts: map[string]*payout.Payout{
		"tx1": {ID: "tx1", Reference: "R1", Provider: "stub", Status: payout.StatusPending},
	}}
	rec := &recorder{}
	store := NewMemoryStore(0)
	h := NewHandler(stubParse, rec.handle, WithStore(store), WithConfirm(ConfirmByGet(get)),
		WithConfirmLimits(unlimited))
	// The stub's ids are the PalPluss shape: transaction and status.
	forged := stubBody("tx1:succeeded", "transaction.success", "tx1", "R1", string(payout.StatusSucceeded))
	w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(forged)))
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code, "the provider says pending")
	assert.Zero(t, rec.count(), "an event the provider contradicts is not handed on")
	assert.Zero(t, store.Len(), "nor remembered under the key it claims")

	// The payout settles; PalPluss delivers the genuine success.
	get.mu.Lock()
	get.payouts["tx1"] = &payout.Payout{ID: "tx1", Reference: "R1", Provider: "stub", Status: payout.StatusSucceeded, Receipt: "LGR019G3J2"}
	get.mu.Unlock()
	w = serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(forged)))
	assert.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, 1, rec.count(), "the genuine delivery is processed")
	ev := rec.last()
	assert.Equal(t, payout.StatusSucceeded, ev.Payout.Status)
	assert.Equal(t, "LGR019G3J2", ev.Payout.Receipt, "the provider's record")
	assert.Equal(t, "transaction.success", ev.Type)
	assert.JSONEq(t, string(forged), string(ev.Raw))

	// Another transaction, another reference than the claimed one: refused too.
	get.mu.Lock()
	get.payouts["tx2"] = &payout.Payout{ID: "tx-other", Reference: "R2", Status: payout.StatusFailed}
	get.mu.Unlock()
	w = serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("tx2:failed", "transaction.failed", "tx2", "R2", "failed"))))
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code, "an answer about another transaction confirms nothing")
	assert.Equal(t, 1, rec.count())
}

func TestHandlerConfirmFailures(t *testing.T) {
	body := stubBody("evt-c", "transaction.success", "tx1", "R1", "succeeded")
	tests := []struct {
		name     string
		getter   *fakeGetter
		confirm  ConfirmFunc
		want     int
		getCalls int
	}{
		{name: "unknown transaction", getter: &fakeGetter{}, want: http.StatusUnprocessableEntity, getCalls: 1},
		{name: "provider unreachable", getter: &fakeGetter{err: &payout.Error{Code: payout.CodeNetwork, Provider: "stub"}}, want: http.StatusServiceUnavailable, getCalls: 1},
		{name: "provider rate limit", getter: &fakeGetter{err: &payout.Error{Code: payout.CodeRateLimited, Provider: "stub"}}, want: http.StatusServiceUnavailable, getCalls: 1},
		{name: "context error", getter: &fakeGetter{err: context.DeadlineExceeded}, want: http.StatusServiceUnavailable, getCalls: 1},
		{name: "another payout's reference", getter: &fakeGetter{payouts: map[string]*payout.Payout{
			"tx1": {ID: "tx1", Reference: "R2", Status: payout.StatusSucceeded},
		}}, want: http.StatusUnprocessableEntity, getCalls: 1},
		{name: "custom confirm: another reference", confirm: func(_ context.Context, ev *payout.Event) (*payout.Event, error) {
			out := *ev
			out.Payout = &payout.Payout{ID: "tx1", Reference: "R9", Status: payout.StatusSucceeded}
			return &out, nil
		}, want: http.StatusUnprocessableEntity},
		{name: "custom confirm: nothing", confirm: func(context.Context, *payout.Event) (*payout.Event, error) { return nil, nil }, want: http.StatusServiceUnavailable},
		{name: "custom confirm: unconfirmed", confirm: func(context.Context, *payout.Event) (*payout.Event, error) {
			return nil, fmt.Errorf("no: %w", ErrUnconfirmed)
		}, want: http.StatusUnprocessableEntity},
		{name: "custom confirm: panic", confirm: func(context.Context, *payout.Event) (*payout.Event, error) { panic("oops") }, want: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			confirm := tt.confirm
			if confirm == nil {
				confirm = ConfirmByGet(tt.getter)
			}
			h := NewHandler(stubParse, rec.handle, WithConfirm(confirm), WithConfirmLimits(unlimited))
			w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
			assert.Equal(t, tt.want, w.Code)
			assert.Zero(t, rec.count(), "an unconfirmed event never reaches the handler")
			if tt.getter != nil {
				assert.Equal(t, tt.getCalls, tt.getter.calls)
				// The claim was released: once the provider answers, the
				// redelivery is processed.
				tt.getter.mu.Lock()
				tt.getter.err = nil
				tt.getter.payouts = map[string]*payout.Payout{"tx1": {ID: "tx1", Reference: "R1", Status: payout.StatusSucceeded}}
				tt.getter.mu.Unlock()
				assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
				assert.Equal(t, 1, rec.count())
			}
		})
	}
}

func TestConfirmByGet(t *testing.T) {
	get := &fakeGetter{payouts: map[string]*payout.Payout{"tx1": {ID: "tx1", Status: payout.StatusSucceeded}}}
	confirm := ConfirmByGet(get)
	ctx := context.Background()

	noPayout := &payout.Event{ID: "e", Type: "ping"}
	got, err := confirm(ctx, noPayout)
	require.NoError(t, err)
	assert.Same(t, noPayout, got, "nothing to confirm")

	_, err = confirm(ctx, &payout.Event{Payout: &payout.Payout{Reference: "R1"}})
	assert.ErrorIs(t, err, ErrUnconfirmed)
	_, err = confirm(ctx, nil)
	assert.ErrorIs(t, err, ErrUnconfirmed)

	orig := &payout.Event{ID: "e", Payout: &payout.Payout{ID: "tx1", Reference: "R1", Status: payout.StatusFailed}}
	got, err = confirm(ctx, orig)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusSucceeded, got.Payout.Status)
	assert.Empty(t, got.Payout.Reference, "the provider's record, not the event's claims")
	assert.Equal(t, payout.StatusFailed, orig.Payout.Status, "the original event is not modified")

	_, err = confirm(ctx, &payout.Event{Payout: &payout.Payout{ID: "tx404"}})
	assert.ErrorIs(t, err, payout.ErrNotFound)
	assert.Panics(t, func() { ConfirmByGet(nil) })
}

func TestHandlerCallbackVerifier(t *testing.T) {
	signer := newSigner(t, cbSecret)
	get := &fakeGetter{payouts: map[string]*payout.Payout{
		"txA": {ID: "txA", Reference: "REF-A", Status: payout.StatusSucceeded},
		"txB": {ID: "txB", Reference: "REF-B", Status: payout.StatusSucceeded},
	}}
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithVerifier(signer.Verifier()), WithConfirm(ConfirmByGet(get)))
	urlA, err := signer.CallbackURL("https://example.com/hooks/palpluss", "REF-A")
	require.NoError(t, err)
	post := func(u string, body []byte, hdr ...string) int {
		r := httptest.NewRequest(http.MethodPost, u, bytes.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return serve(h, r).Code
	}

	aboutB := stubBody("evt-b", "transaction.success", "txB", "REF-B", "succeeded")
	assert.Equal(t, http.StatusUnauthorized, post(urlA, aboutB), "A's token does not vouch for B")
	assert.Equal(t, http.StatusUnauthorized, post("https://example.com/hooks/palpluss", aboutB), "no token")
	// B's transaction, claimed to be A's: the provider says otherwise.
	bAsA := stubBody("evt-ba", "transaction.success", "txB", "REF-A", "succeeded")
	assert.Equal(t, http.StatusUnprocessableEntity, post(urlA, bAsA))
	assert.Zero(t, rec.count())

	aboutA := stubBody("evt-a", "transaction.success", "txA", "REF-A", "succeeded")
	assert.Equal(t, http.StatusOK, post(urlA, aboutA))
	require.Equal(t, 1, rec.count())
	assert.Equal(t, payout.StatusSucceeded, rec.last().Payout.Status)
	// An svix-id header is not covered by the token: the parser's id stays
	// the key, so a replay under fresh ids is still a duplicate.
	assert.Equal(t, http.StatusOK, post(urlA, aboutA, "svix-id", "msg_x", "svix-timestamp", "1", "svix-signature", "v1,x"))
	assert.Equal(t, http.StatusOK, post(urlA, aboutA, "svix-id", "msg_y", "svix-timestamp", "1", "svix-signature", "v1,x"))
	assert.Equal(t, 1, rec.count())
	assert.Equal(t, "evt-a", rec.last().ID)
}

// failingStore is a Store that cannot be reached.
type failingStore struct{}

func (failingStore) Claim(context.Context, string, time.Duration) (Lease, ClaimResult, error) {
	return Lease{}, 0, errors.New("redis: connection refused")
}
func (failingStore) Complete(context.Context, Lease, time.Duration) error { return nil }
func (failingStore) Release(context.Context, Lease) error                 { return nil }

// recordingStore wraps a Store and records the calls made to it.
type recordingStore struct {
	Store
	mu    sync.Mutex
	calls []string
}

func (s *recordingStore) Claim(ctx context.Context, key string, lease time.Duration) (Lease, ClaimResult, error) {
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprintf("claim %s %v", key, lease))
	s.mu.Unlock()
	return s.Store.Claim(ctx, key, lease)
}

func (s *recordingStore) Complete(ctx context.Context, l Lease, ttl time.Duration) error {
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprintf("complete %s %v", l.Key, ttl))
	s.mu.Unlock()
	return s.Store.Complete(ctx, l, ttl)
}

func (s *recordingStore) Release(ctx context.Context, l Lease) error {
	s.mu.Lock()
	s.calls = append(s.calls, "release "+l.Key)
	s.mu.Unlock()
	return s.Store.Release(ctx, l)
}

func TestHandlerStore(t *testing.T) {
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithStore(failingStore{}))
	w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("e", "t", "", "", ""))))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotContains(t, w.Body.String(), "redis")
	assert.Zero(t, rec.count())

	st := &recordingStore{Store: NewMemoryStore(0)}
	fail := true
	h = NewHandler(stubParse, func(context.Context, payout.Event) error {
		if fail {
			return errors.New("no")
		}
		return nil
	}, WithStore(st), WithDedupeTTL(time.Hour), WithClaimTTL(30*time.Second))
	body := stubBody("e1", "t", "", "", "")
	assert.Equal(t, http.StatusInternalServerError, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
	fail = false
	assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
	assert.Equal(t, []string{
		"claim stub:e1 30s", "release stub:e1",
		"claim stub:e1 30s", "complete stub:e1 1h0m0s",
	}, st.calls, "keys are namespaced by provider")
}

func TestHandlerCompletesEvenIfTheProviderHangsUp(t *testing.T) {
	st := &recordingStore{Store: NewMemoryStore(0)}
	ctx, cancel := context.WithCancel(context.Background())
	h := NewHandler(stubParse, func(context.Context, payout.Event) error {
		cancel() // the provider gave up waiting
		return nil
	}, WithStore(completeNeedsLiveContext{st}))
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("e1", "t", "", "", ""))).WithContext(ctx)
	assert.Equal(t, http.StatusOK, serve(h, r).Code)
	assert.Equal(t, []string{"claim stub:e1 2m0s", "complete stub:e1 72h0m0s"}, st.calls)
}

// completeNeedsLiveContext fails Complete and Release under a done context,
// as a network-backed store would.
type completeNeedsLiveContext struct{ Store }

func (s completeNeedsLiveContext) Complete(ctx context.Context, l Lease, ttl time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return s.Store.Complete(ctx, l, ttl)
}

func TestHandlerQuietByDefaultAndPrintsNoSecret(t *testing.T) {
	signer := newSigner(t, cbSecret)
	h := NewHandler(stubParse, (&recorder{}).handle, WithVerifier(signer.Verifier()))
	for _, out := range []string{fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h), fmt.Sprintf("%v", *h)} {
		assert.NotContains(t, out, cbSecret)
	}
	h = NewHandler(stubParse, (&recorder{}).handle, WithVerifier(standardVerifier(t)))
	for _, out := range []string{fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h), fmt.Sprintf("%v", *h)} {
		assert.NotContains(t, out, strings.TrimPrefix(testSecret, "whsec_"))
	}
	assert.Nil(t, h.log, "no logger unless one is given")
	assert.Panics(t, func() { NewHandler(nil, (&recorder{}).handle) })
	assert.Panics(t, func() { NewHandler(stubParse, nil) })
}

func TestHandlerAnswers(t *testing.T) {
	h := NewHandler(stubParse, (&recorder{}).handle)
	w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("e", "t", "", "", ""))))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "ok\n", w.Body.String())
	assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
}

// unreadable fails the test if the Handler reads a body it should refuse
// by its Content-Length alone.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("the body was read")
	return 0, io.EOF
}

func TestHandlerRefusesDeclaredLargeBodyUnread(t *testing.T) {
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle)
	r := httptest.NewRequest(http.MethodPost, "/", unreadable{t})
	r.ContentLength = 1<<20 + 1
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, r).Code)
	assert.Zero(t, rec.count())
}

// Regression (issue 11, item 7): a delivery whose claim expired under a
// slow HandleFunc, and failed, released the claim of the redelivery that
// had taken over, so that a third delivery ran beside the second.
func TestHandlerExpiredDeliveryCannotReleaseItsSuccessor(t *testing.T) {
	store, clock := newTestStore(0)
	var running atomic.Int32
	var calls atomic.Int32
	entered := make(chan int32, 3)
	proceed := []chan error{make(chan error), make(chan error), make(chan error)}
	h := NewHandler(stubParse, func(context.Context, payout.Event) error {
		n := calls.Add(1)
		running.Add(1)
		defer running.Add(-1)
		entered <- n
		return <-proceed[n-1]
	}, WithStore(store), WithClaimTTL(time.Second))
	body := stubBody("evt-slow", "t", "", "", "")
	deliver := func() <-chan int {
		code := make(chan int, 1)
		go func() {
			code <- serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code
		}()
		return code
	}

	first := deliver()
	require.Equal(t, int32(1), <-entered)
	clock.advance(2 * time.Second) // the first delivery's lease runs out
	second := deliver()
	require.Equal(t, int32(2), <-entered, "the redelivery takes the expired claim over")

	proceed[0] <- errors.New("the first delivery fails late")
	assert.Equal(t, http.StatusInternalServerError, <-first)

	third := deliver()
	select {
	case n := <-entered:
		proceed[n-1] <- nil
		t.Errorf("a third delivery ran beside the second (%d HandleFuncs at once)", running.Load())
	case code := <-third:
		assert.Equal(t, http.StatusConflict, code, "the second delivery still holds the claim")
	}
	proceed[1] <- nil
	assert.Equal(t, http.StatusOK, <-second)
	assert.Equal(t, http.StatusOK, serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))).Code)
	assert.Equal(t, int32(2), calls.Load(), "the processed event is not handed on again")
}

// unlimited turns the confirmation gate's cache and budgets off, for tests
// about something else.
var unlimited = ConfirmLimits{Rate: -1, PerPayout: -1, CacheTTL: -1}

// Regression (issue 11, item 2): an event id of any length became a Store
// key of that length.
func TestHandlerBoundsKeyLength(t *testing.T) {
	st := &recordingStore{Store: NewMemoryStore(0)}
	rec := &recorder{}
	h := NewHandler(stubParse, rec.handle, WithStore(st))
	long := strings.Repeat("S", 512<<10)
	for _, id := range []string{long, long + "x", "short"} {
		w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody(id, "t", "", "", ""))))
		require.Equal(t, http.StatusOK, w.Code)
	}
	w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody(long, "t", "", "", ""))))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, 3, rec.count(), "distinct long ids stay distinct; a repeat is a duplicate")
	assert.Equal(t, long, rec.events[0].ID, "the event keeps its id")
	for _, c := range st.calls {
		assert.LessOrEqual(t, len(c), len("complete ")+MaxKeyLen+len(" 72h0m0s"), "store keys are bounded")
	}
	assert.Equal(t, "stub:short", dedupeKey(&payout.Event{ID: "short", Provider: "stub"}))
	k := dedupeKey(&payout.Event{ID: long, Provider: "stub"})
	assert.True(t, strings.HasPrefix(k, "stub#"))
	assert.Len(t, k, len("stub#")+43)
	assert.LessOrEqual(t, len(dedupeKey(&payout.Event{ID: long, Provider: strings.Repeat("p", 500)})), MaxKeyLen)
	for _, odd := range []string{"tx\x00:SUCCESS", "tx\n", "tx\xff", "txé"} {
		k := dedupeKey(&payout.Event{ID: odd, Provider: "stub"})
		assert.True(t, strings.HasPrefix(k, "stub#"), "%q is hashed", odd)
		assert.True(t, printable(k))
	}
	assert.NotEqual(t, dedupeKey(&payout.Event{ID: "a\x00", Provider: "stub"}), dedupeKey(&payout.Event{ID: "a\x01", Provider: "stub"}))
}

// A delivery the provider's record has moved past (FAILED after the payout
// was REVERSED) is acknowledged, so that it is not redelivered in vain, but
// neither handed on nor remembered; one ahead of the record is refused, so
// that it comes back.
func TestHandlerSupersededEventIsAcknowledgedNotHandedOn(t *testing.T) {
	get := &fakeGetter{payouts: map[string]*payout.Payout{
		"tx1": {ID: "tx1", Reference: "R1", Status: payout.StatusReversed},
		"tx2": {ID: "tx2", Reference: "R2", Status: payout.StatusProcessing},
	}}
	rec := &recorder{}
	store := NewMemoryStore(0)
	h := NewHandler(stubParse, rec.handle, WithStore(store), WithConfirm(ConfirmByGet(get)), WithConfirmLimits(unlimited))
	w := serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("tx1:failed", "transaction.failed", "tx1", "R1", "failed"))))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "superseded\n", w.Body.String())
	w = serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("tx2:pending", "transaction.updated", "tx2", "R2", "pending"))))
	assert.Equal(t, http.StatusOK, w.Code)
	w = serve(h, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(stubBody("tx2:succeeded", "transaction.success", "tx2", "R2", "succeeded"))))
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code, "ahead of the record")
	assert.Zero(t, rec.count())
	assert.Zero(t, store.Len())
}
