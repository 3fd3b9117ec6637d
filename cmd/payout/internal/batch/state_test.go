package batch

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payoutkit/payout/money"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testHeader() Header {
	return Header{Provider: "palpluss", BaseURL: "http://127.0.0.1:1/v1", CSV: "p.csv", SHA256: "abc", Rows: 3}
}

func statePath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "p.csv.state")
}

// lines returns the state file's lines.
func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestStateCreateAppendReopen(t *testing.T) {
	path := statePath(t)
	_, err := LoadState(path)
	require.ErrorIs(t, err, fs.ErrNotExist)

	st, err := OpenState(path, testHeader())
	require.NoError(t, err)
	fee := money.New(1500, money.KES)
	require.NoError(t, st.Append(Record{Kind: KindSending, Line: 2, Reference: "R-1"}))
	require.NoError(t, st.Append(Record{Kind: KindAccepted, Line: 2, Reference: "R-1", ID: "tx-1", Status: "pending", Fee: &fee}))
	require.NoError(t, st.Append(Record{Kind: KindSending, Line: 3, Reference: "R-2"}))
	require.Error(t, st.Append(Record{Kind: KindHeader, Reference: "x"}), "a header is not a row record")
	require.NoError(t, st.Close())

	got := lines(t, path)
	require.Len(t, got, 4, "one line per record, header first")
	var first Record
	require.NoError(t, json.Unmarshal([]byte(got[0]), &first))
	assert.Equal(t, KindHeader, first.Kind)
	assert.Equal(t, StateVersion, first.Header.Version)

	snap, err := LoadState(path)
	require.NoError(t, err)
	assert.False(t, snap.Torn)
	assert.Equal(t, 3, snap.Records)
	assert.Equal(t, "palpluss", snap.Header.Provider)
	r1 := snap.Last["R-1"]
	assert.Equal(t, KindAccepted, r1.Kind, "the last record of a row wins")
	assert.Equal(t, "tx-1", r1.ID)
	assert.Equal(t, &fee, r1.Fee)
	assert.True(t, r1.Settled())
	assert.Equal(t, KindSending, snap.Last["R-2"].Kind)
	assert.False(t, snap.Last["R-2"].Settled(), "in doubt: to be sent again")

	st, err = OpenState(path, testHeader())
	require.NoError(t, err)
	assert.Equal(t, KindAccepted, st.Snapshot().Last["R-1"].Kind, "a reopened state resumes")
	require.NoError(t, st.Append(Record{Kind: KindUnknown, Line: 3, Reference: "R-2", Code: "outcome_unknown"}))
	require.NoError(t, st.Close())
	assert.Len(t, lines(t, path), 5, "appended, header not rewritten")
}

func TestStateSettled(t *testing.T) {
	for _, tc := range []struct {
		rec  Record
		want bool
	}{
		{Record{Kind: KindAccepted}, true},
		{Record{Kind: KindFailed, Code: "insufficient_funds"}, true},
		{Record{Kind: KindFailed, Code: "rate_limited", Retryable: true}, false},
		{Record{Kind: KindUnknown}, false},
		{Record{Kind: KindSending}, false},
	} {
		assert.Equal(t, tc.want, tc.rec.Settled(), "%+v", tc.rec)
	}
}

func TestStateTornLastLine(t *testing.T) {
	path := statePath(t)
	st, err := OpenState(path, testHeader())
	require.NoError(t, err)
	require.NoError(t, st.Append(Record{Kind: KindSending, Line: 2, Reference: "R-1"}))
	require.NoError(t, st.Append(Record{Kind: KindAccepted, Line: 2, Reference: "R-1", ID: "tx-1"}))
	require.NoError(t, st.Close())
	whole, err := os.ReadFile(path)
	require.NoError(t, err)

	for _, tail := range []string{
		`{"kind":"accepted","reference":"R-2","i`, // cut mid-record, no newline
		`{"kind":"sending","line":3,"reference":"R-2"}` + "\n" + `{"kind`,
		"\x00\x00\x00", // a file system's zero fill after a crash
	} {
		require.NoError(t, os.WriteFile(path, append(append([]byte{}, whole...), tail...), 0o600))
		snap, err := LoadState(path)
		require.NoError(t, err, "tail %q", tail)
		assert.True(t, snap.Torn)
		assert.Equal(t, KindAccepted, snap.Last["R-1"].Kind)

		st, err := OpenState(path, testHeader())
		require.NoError(t, err)
		require.NoError(t, st.Append(Record{Kind: KindSending, Line: 4, Reference: "R-3"}))
		require.NoError(t, st.Close())
		// Every line parses: the torn one was cut before appending.
		f, err := os.Open(path)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			var r Record
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "line %d %q", n+1, sc.Text())
			n++
		}
		f.Close()
		snap, err = LoadState(path)
		require.NoError(t, err)
		assert.False(t, snap.Torn)
		assert.Equal(t, KindSending, snap.Last["R-3"].Kind)
	}
}

func TestStateCorruptMiddleLineRefused(t *testing.T) {
	path := statePath(t)
	st, err := OpenState(path, testHeader())
	require.NoError(t, err)
	require.NoError(t, st.Append(Record{Kind: KindSending, Line: 2, Reference: "R-1"}))
	require.NoError(t, st.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	corrupt := string(b) + "not json\n" + `{"kind":"sending","line":3,"reference":"R-2"}` + "\n"
	require.NoError(t, os.WriteFile(path, []byte(corrupt), 0o600))
	_, err = LoadState(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 3 is corrupt")
	_, err = OpenState(path, testHeader())
	require.Error(t, err)
	assert.Equal(t, corrupt, string(mustRead(t, path)), "a refused file is left as it was")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestStateNotAStateFile(t *testing.T) {
	path := statePath(t)
	for _, content := range []string{"reference,phone,amount\n", "reference,phone,amount", "{\"kind\":\"sending\"}\n"} {
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := OpenState(path, testHeader())
		require.Error(t, err, "%q", content)
		assert.Contains(t, err.Error(), "is this a state file?")
		assert.Equal(t, content, string(mustRead(t, path)), "never overwritten")
	}

	require.NoError(t, os.WriteFile(path, []byte(`{"kind":"header","header":{"version":99}}`+"\n"), 0o600))
	_, err := LoadState(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "format version 99")
}

func TestStateHeaderTornIsRecreated(t *testing.T) {
	path := statePath(t)
	require.NoError(t, os.WriteFile(path, []byte(`{"kind":"header","hea`), 0o600))
	st, err := OpenState(path, testHeader())
	require.NoError(t, err, "a crash while creating the file sent nothing: start over")
	require.NoError(t, st.Close())
	snap, err := LoadState(path)
	require.NoError(t, err)
	assert.Equal(t, "abc", snap.Header.SHA256)
	assert.Len(t, lines(t, path), 1)
}

func TestStateBoundToItsBatch(t *testing.T) {
	path := statePath(t)
	st, err := OpenState(path, testHeader())
	require.NoError(t, err)
	require.NoError(t, st.Close())
	for _, tc := range []struct {
		what   string
		change func(*Header)
	}{
		{"provider", func(h *Header) { h.Provider = "payos" }},
		{"the base URL", func(h *Header) { h.BaseURL = "https://api.palpluss.com/v1" }},
		{"the account", func(h *Header) { h.Account = "m-2" }},
		{"the SHA-256 of the input", func(h *Header) { h.SHA256 = "def" }},
	} {
		h := testHeader()
		tc.change(&h)
		_, err := OpenState(path, h)
		var me *MismatchError
		require.ErrorAs(t, err, &me, tc.what)
		assert.Equal(t, tc.what, me.What)
		assert.Contains(t, err.Error(), "belongs to another batch")
		assert.Contains(t, err.Error(), "-state FILE")
	}
	h := testHeader()
	h.CSV = "renamed.csv"
	st, err = OpenState(path, h)
	require.NoError(t, err, "the same content under another name is the same batch")
	require.NoError(t, st.Close())
}

func TestStateLockedAgainstASecondBatch(t *testing.T) {
	path := statePath(t)
	st, err := OpenState(path, testHeader())
	require.NoError(t, err)
	_, err = OpenState(path, testHeader())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "another payout batch is running")
	require.NoError(t, st.Close())
	st, err = OpenState(path, testHeader())
	require.NoError(t, err, "free once the first closed it")
	require.NoError(t, st.Close())
	assert.ErrorContains(t, st.Append(Record{Kind: KindSending, Reference: "R"}), "closed")
}

// failingFile is a state file on a disk that fails: writes beyond room
// bytes are cut there and fail, like a full disk; syncErr fails fsync,
// like EIO.
type failingFile struct {
	*os.File
	room    int
	syncErr error
}

var errDiskFull = errors.New("no space left on device")

func (f *failingFile) Write(p []byte) (int, error) {
	if len(p) <= f.room {
		f.room -= len(p)
		return f.File.Write(p)
	}
	n, _ := f.File.Write(p[:f.room])
	f.room = 0
	return n, errDiskFull
}

func (f *failingFile) Sync() error {
	if f.syncErr != nil {
		return f.syncErr
	}
	return f.File.Sync()
}

// A write or fsync that fails leaves the file cut back to its last complete
// record, and the State takes no more records (those of sends still in
// flight included), so the next run parses the file and resumes instead of
// refusing it as corrupt mid-file.
func TestStateWriteFailureKeepsFileResumable(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(f *os.File) journalFile
	}{
		{"partial write", func(f *os.File) journalFile { return &failingFile{File: f, room: 9} }},
		{"write of nothing", func(f *os.File) journalFile { return &failingFile{File: f, room: 0} }},
		{"fsync after a whole write", func(f *os.File) journalFile {
			return &failingFile{File: f, room: 1 << 20, syncErr: errors.New("input/output error")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := statePath(t)
			st, err := OpenState(path, testHeader())
			require.NoError(t, err)
			require.NoError(t, st.Append(Record{Kind: KindSending, Line: 2, Reference: "R-1"}))
			require.NoError(t, st.Append(Record{Kind: KindAccepted, Line: 2, Reference: "R-1", ID: "tx-1", Status: "pending"}))
			require.NoError(t, st.Append(Record{Kind: KindSending, Line: 3, Reference: "R-2"}))

			st.w = tc.fail(st.f)
			err = st.Append(Record{Kind: KindSending, Line: 4, Reference: "R-3"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), "cut back to its last complete record")

			// A send in flight finishes: its outcome is refused, not
			// appended after whatever the failed write left.
			st.w = st.f
			err = st.Append(Record{Kind: KindAccepted, Line: 3, Reference: "R-2", ID: "tx-2", Status: "pending"})
			require.Error(t, err, "a broken state takes no more records")
			assert.Contains(t, err.Error(), "earlier failure")
			require.NoError(t, st.Close())

			snap, err := LoadState(path)
			require.NoError(t, err, "the file parses")
			assert.False(t, snap.Torn, "no partial record is left")
			assert.Equal(t, 3, snap.Records, "every record before the failure is intact")
			assert.Equal(t, KindAccepted, snap.Last["R-1"].Kind)
			assert.Equal(t, KindSending, snap.Last["R-2"].Kind, "in doubt: the next run resends it, same reference")
			assert.NotContains(t, snap.Last, "R-3")

			st, err = OpenState(path, testHeader())
			require.NoError(t, err, "the next run resumes")
			assert.Equal(t, 3, st.Snapshot().Records)
			require.NoError(t, st.Append(Record{Kind: KindSending, Line: 4, Reference: "R-3"}))
			require.NoError(t, st.Close())
			snap, err = LoadState(path)
			require.NoError(t, err)
			assert.Equal(t, 4, snap.Records)
		})
	}
}
