package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/payoutkit/payout/money"
)

// StateVersion is the format version a state file's header carries.
const StateVersion = 1

// Kind is what a state record says.
type Kind string

// The kinds of record.
const (
	// KindHeader is the first record: what the state file is bound to.
	KindHeader Kind = "header"
	// KindSending is written, and fsynced, just before a row's Send: a row
	// whose last record is KindSending may have been paid.
	KindSending Kind = "sending"
	// KindAccepted: the provider accepted the payout (not yet paid).
	KindAccepted Kind = "accepted"
	// KindFailed: the provider or the network refused it; certainly not
	// paid. Retryable tells a transient failure from a refusal.
	KindFailed Kind = "failed"
	// KindUnknown: Send could not learn whether the payout was created.
	KindUnknown Kind = "unknown"
)

// Header is what a state file is bound to: one CSV's content, one provider
// account. A batch refuses a state file whose header differs from its own.
type Header struct {
	// Version is StateVersion.
	Version int `json:"version"`
	// Provider is "palpluss" or "payos".
	Provider string `json:"provider"`
	// BaseURL is the API the rows were sent to: a sandbox's state must not
	// pass for production's.
	BaseURL string `json:"baseUrl"`
	// Account identifies the provider account where that is no secret (the
	// PayOS merchant id); "" for PalPluss, whose only identity is its key.
	Account string `json:"account,omitempty"`
	// CSV is the CSV's path when the state was created, for the operator.
	CSV string `json:"csv"`
	// SHA256 is the hex SHA-256 of the inputs (the CSV, and the -sender-json
	// file when one is given).
	SHA256 string `json:"sha256"`
	// Rows is the number of rows of the CSV.
	Rows int `json:"rows"`
}

// Record is one line of a state file.
type Record struct {
	// Kind is what the record says.
	Kind Kind `json:"kind"`
	// At is when it was written.
	At time.Time `json:"at"`
	// Header is set on the KindHeader record only.
	Header *Header `json:"header,omitempty"`
	// Line and Reference identify the row.
	Line      int    `json:"line,omitempty"`
	Reference string `json:"reference,omitempty"`
	// ID, Status, Fee and CreatedAt describe an accepted payout.
	ID        string        `json:"id,omitempty"`
	Status    string        `json:"status,omitempty"`
	Fee       *money.Amount `json:"fee,omitempty"`
	CreatedAt *time.Time    `json:"createdAt,omitempty"`
	// Existing marks an accepted payout that the provider had created
	// before this Send: a re-send returned it.
	Existing bool `json:"existing,omitempty"`
	// Code, ProviderCode and Message describe a failure or an unknown
	// outcome; Retryable a failure that may succeed if sent again.
	Code         string `json:"code,omitempty"`
	ProviderCode string `json:"providerCode,omitempty"`
	Message      string `json:"message,omitempty"`
	Retryable    bool   `json:"retryable,omitempty"`
}

// Settled reports whether the row needs no further Send: accepted, or
// refused for a reason that sending again would not change.
func (r Record) Settled() bool {
	return r.Kind == KindAccepted || (r.Kind == KindFailed && !r.Retryable)
}

// Snapshot is what a state file holds: its header and each row's last
// record.
type Snapshot struct {
	// Header is the file's header.
	Header Header
	// Last is each reference's last record.
	Last map[string]Record
	// Torn reports that the file ended in a partly written line (a crash
	// while writing), which is ignored.
	Torn bool
	// Records counts the complete records after the header.
	Records int
	// size is the length of the file's complete lines.
	size int64
}

// MismatchError is returned when a state file belongs to another CSV or
// account.
type MismatchError struct {
	// Path is the state file's path.
	Path string
	// What names what differs ("the CSV's content", "provider", ...).
	What string
	// Have and Want are the state file's value and this batch's.
	Have, Want string
}

// Error says what differs, and why the state file must be kept.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("state file %s belongs to another batch: %s is %q there, %q here. "+
		"It records which rows of that batch were paid: do not delete it. If this is a new batch, give it its own state file with -state FILE "+
		"(a new state file sends every row, so for an edited copy of that batch the provider's idempotency is all that stands between a row and a second payout)",
		e.Path, e.What, e.Have, e.Want)
}

// LoadState reads the state file at path without changing it. It returns
// an error matching fs.ErrNotExist when there is none, and one saying which
// line is corrupt for a file that is not a state file or was damaged other
// than by a crash (only the last line may be torn).
func LoadState(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readState(path, f)
}

func readState(path string, r io.Reader) (*Snapshot, error) {
	br := bufio.NewReader(r)
	s := &Snapshot{Last: map[string]Record{}}
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// No newline: the last write was cut by a crash (each record
			// is written whole, newline last).
			if len(line) > 0 {
				if n == 1 && !headerPrefix(line) {
					return nil, fmt.Errorf("state file %s: line 1 is not a payout batch header: is this a state file?", path)
				}
				s.Torn = true
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("state file %s: %w", path, err)
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			if n == 1 {
				return nil, fmt.Errorf("state file %s: line 1 is not a payout batch header: is this a state file?", path)
			}
			return nil, fmt.Errorf("state file %s: line %d is corrupt (%v); only a last line cut by a crash is tolerated", path, n, err)
		}
		switch {
		case n == 1 && (rec.Kind != KindHeader || rec.Header == nil):
			return nil, fmt.Errorf("state file %s: line 1 is not a payout batch header: is this a state file?", path)
		case n == 1:
			if rec.Header.Version != StateVersion {
				return nil, fmt.Errorf("state file %s: format version %d, this payout reads %d", path, rec.Header.Version, StateVersion)
			}
			s.Header = *rec.Header
		case rec.Reference == "" || rec.Kind == KindHeader:
			return nil, fmt.Errorf("state file %s: line %d is not a row record", path, n)
		default:
			s.Last[rec.Reference] = rec
			s.Records++
		}
		s.size += int64(len(line))
	}
	if s.size == 0 {
		return nil, fmt.Errorf("state file %s: %w", path, errNoHeader)
	}
	return s, nil
}

// errNoHeader is a state file whose header was never completely written:
// the batch crashed while creating it, before sending anything.
var errNoHeader = errors.New("no complete header")

// headerStart is how every header record's line begins.
const headerStart = `{"kind":"header"`

// headerPrefix reports whether a torn first line is the start of a header
// (or a file system's zero fill): a crash while creating the state file,
// which may be started over. Anything else is not a state file and is
// never overwritten.
func headerPrefix(line []byte) bool {
	line = bytes.TrimRight(line, "\x00")
	if len(line) <= len(headerStart) {
		return headerStart[:len(line)] == string(line)
	}
	return bytes.HasPrefix(line, []byte(headerStart))
}

// check compares the header with want.
func (h Header) check(path string, want Header) error {
	for _, c := range []struct{ what, have, want string }{
		{"provider", h.Provider, want.Provider},
		{"the base URL", h.BaseURL, want.BaseURL},
		{"the account", h.Account, want.Account},
		{"the SHA-256 of the input", h.SHA256, want.SHA256},
	} {
		if c.have != c.want {
			return &MismatchError{Path: path, What: c.what, Have: c.have, Want: c.want}
		}
	}
	return nil
}

// Check returns a *MismatchError when the snapshot belongs to another batch
// than want.
func (s *Snapshot) Check(path string, want Header) error {
	return s.Header.check(path, want)
}

// State is a state file open for appending. Its methods are safe for
// concurrent use.
type State struct {
	path string
	mu   sync.Mutex
	f    *os.File    // the open file, locked; closed by Close
	w    journalFile // what records are written through: f, or a test's failing wrapper
	snap *Snapshot
	now  func() time.Time
	// broken is the write or fsync failure after which the State takes no
	// more records: the file may not hold what the process believes, and a
	// record appended after a torn one would corrupt it mid-file.
	broken error
}

// journalFile is what a State writes its records through. It is the
// *os.File in use; a test wraps the file to fail like a full or failing
// disk.
type journalFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Seek(offset int64, whence int) (int64, error)
}

// OpenState opens the state file at path for the batch described by h,
// creating it (header written and fsynced) when there is none, and locks
// it against a second batch running on it. An existing file must have h's
// provider, base URL, account and SHA-256 (else a *MismatchError); its
// torn last line, if any, is cut off so that new records start on a line
// of their own.
func OpenState(path string, h Header) (*State, error) {
	h.Version = StateVersion
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	st := &State{path: path, f: f, w: f, now: time.Now}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	snap, err := readState(path, f)
	switch {
	case errors.Is(err, errNoHeader):
		if err := st.create(h); err != nil {
			f.Close()
			return nil, err
		}
		return st, nil
	case err != nil:
		f.Close()
		return nil, err
	}
	if err := snap.Check(path, h); err != nil {
		f.Close()
		return nil, err
	}
	if snap.Torn {
		if err := f.Truncate(snap.size); err != nil {
			f.Close()
			return nil, fmt.Errorf("state file %s: cutting the torn last line: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
	}
	if _, err := f.Seek(snap.size, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	st.snap = snap
	return st, nil
}

// create writes the header of a new (or header-less) state file, durably:
// the file and its directory entry.
func (st *State) create(h Header) error {
	if err := st.w.Truncate(0); err != nil {
		return err
	}
	if _, err := st.w.Seek(0, io.SeekStart); err != nil {
		return err
	}
	st.snap = &Snapshot{Header: h, Last: map[string]Record{}}
	if err := st.append(Record{Kind: KindHeader, Header: &h}); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(st.path)); err == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

// Snapshot returns the header and each row's last record as of now.
func (st *State) Snapshot() *Snapshot {
	st.mu.Lock()
	defer st.mu.Unlock()
	cp := *st.snap
	cp.Last = make(map[string]Record, len(st.snap.Last))
	for k, v := range st.snap.Last {
		cp.Last[k] = v
	}
	return &cp
}

// Append writes rec as one line and fsyncs it before returning: when
// Append returns nil, the record survives a crash.
func (st *State) Append(rec Record) error {
	if rec.Reference == "" || rec.Kind == KindHeader {
		return errors.New("batch: Append takes row records only")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.append(rec); err != nil {
		return err
	}
	st.snap.Last[rec.Reference] = rec
	st.snap.Records++
	return nil
}

// append writes and fsyncs one record; st.mu is held (or st is not yet
// shared). A failed write or fsync breaks the State: see abandon.
func (st *State) append(rec Record) error {
	if st.f == nil {
		return errors.New("batch: state file is closed")
	}
	if st.broken != nil {
		return fmt.Errorf("state file %s: not written after an earlier failure (%w)", st.path, st.broken)
	}
	if rec.At.IsZero() {
		rec.At = st.now().UTC()
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if bytes.Count(b, []byte("\n")) != 1 {
		return errors.New("batch: a record must encode on one line")
	}
	if _, err := st.w.Write(b); err != nil {
		return st.abandon(err)
	}
	if err := st.w.Sync(); err != nil {
		return st.abandon(fmt.Errorf("fsync: %w", err))
	}
	st.snap.size += int64(len(b))
	return nil
}

// abandon handles a failed write or fsync (a full disk, EIO): the record
// may be partly on disk, or whole but not durable. It cuts the file back
// to the end of its last complete record, so that the file parses, and
// breaks the State: no record is written after this one, since one after a
// torn line that could not be cut would make the file corrupt mid-file,
// and a batch must not send what it cannot record. The rows whose
// outcome is lost stay "sending" in the file, resent with the same
// reference by the next run.
func (st *State) abandon(cause error) error {
	st.broken = cause
	err := fmt.Errorf("state file %s: %w", st.path, cause)
	if terr := st.w.Truncate(st.snap.size); terr != nil {
		// The torn line stays last, which the next run drops.
		return fmt.Errorf("%w; cutting it back to its last complete record failed too (%v): the next run drops the partial record", err, terr)
	}
	_, serr := st.w.Seek(st.snap.size, io.SeekStart)
	if serr == nil {
		serr = st.w.Sync()
	}
	if serr != nil {
		return fmt.Errorf("%w; cut back to its last complete record, not yet durably (%v)", err, serr)
	}
	return fmt.Errorf("%w; cut back to its last complete record", err)
}

// Close unlocks and closes the file.
func (st *State) Close() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.f == nil {
		return nil
	}
	err := st.f.Close()
	st.f = nil
	return err
}
