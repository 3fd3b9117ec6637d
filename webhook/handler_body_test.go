package webhook

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
)

// trickle is a body that yields a few bytes, then blocks until released.
type trickle struct {
	first   []byte
	sent    chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *trickle) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	b.once.Do(func() { close(b.sent) })
	<-b.release
	return 0, io.ErrUnexpectedEOF
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Regression (issue 11, item 4): the Handler grew its buffer to the
// Content-Length before a byte arrived, so that connections declaring
// 1 MiB and sending 54 bytes each held 1 MiB each.
func TestHandlerBufferGrowsWithTheData(t *testing.T) {
	h := NewHandler(stubParse, (&recorder{}).handle)
	const conns = 40
	release := make(chan struct{})
	var wg sync.WaitGroup
	before := heapInUse()
	for range conns {
		b := &trickle{first: []byte(`{"id":"e","type":"t","tx":"","ref":"","status":"" `), sent: make(chan struct{}), release: release}
		r := httptest.NewRequest(http.MethodPost, "/", b)
		r.ContentLength = DefaultMaxBody
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(h, r)
		}()
		<-b.sent
	}
	held := int64(heapInUse()) - int64(before)
	t.Logf("%d stalled bodies declaring %d bytes hold %d bytes", conns, DefaultMaxBody, held)
	close(release)
	wg.Wait()
	// 40 MiB when pre-sized to the Content-Length; preSize each now.
	assert.Less(t, held, int64(conns*preSize*4), "held %d bytes for %d stalled bodies", held, conns)
}

// Regression (issue 11, item 4): a client that sent its body slowly held
// the connection for ever; the Handler now sets a read deadline through
// http.ResponseController and answers 408.
func TestHandlerSlowBodyTimesOut(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(NewHandler(stubParse, rec.handle, WithReadTimeout(200*time.Millisecond)))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server answers instead of waiting for the rest")
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Zero(t, rec.count())

	// A body that arrives in time is unaffected, and so is the HandleFunc's
	// context after it (the deadline is lifted once the body is in).
	srv2 := httptest.NewServer(NewHandler(stubParse, func(ctx context.Context, _ payout.Event) error {
		time.Sleep(400 * time.Millisecond) // longer than the read timeout
		return ctx.Err()
	}, WithReadTimeout(200*time.Millisecond)))
	defer srv2.Close()
	r, err := http.Post(srv2.URL, "application/json", strings.NewReader(`{"id":"e2","type":"t"}`))
	require.NoError(t, err)
	defer r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
}

// A server whose own ReadTimeout is stricter keeps it.
func TestHandlerKeepsAStricterServerReadTimeout(t *testing.T) {
	srv := httptest.NewUnstartedServer(NewHandler(stubParse, (&recorder{}).handle, WithReadTimeout(time.Hour)))
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "answered within the server's ReadTimeout, not the Handler's hour")
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
}
