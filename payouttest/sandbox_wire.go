package payouttest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/payoutkit/payout/money"
)

// sandboxMaxBody bounds the request bodies the Sandbox reads, as providers
// bound theirs.
const sandboxMaxBody = 1 << 20

// sandboxReadBody reads at most sandboxMaxBody bytes of r's body.
func sandboxReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, sandboxMaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > sandboxMaxBody {
		return nil, errors.New("request body too large")
	}
	return b, nil
}

// sandboxJSON writes v as a JSON response with status.
func sandboxJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only the Sandbox's own values are marshalled
		panic("payouttest: marshal response: " + err.Error())
	}
	sandboxRaw(w, status, "application/json; charset=utf-8", b)
}

// sandboxRaw writes body with status and content type.
func sandboxRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// sandboxTime formats t as the providers do: UTC, milliseconds, "Z".
func sandboxTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// sandboxKESNumber renders a KES amount as a JSON number of shillings:
// 500, or 15.5 for KES 15.50.
func sandboxKESNumber(a money.Amount) json.Number {
	s := a.MajorString()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return json.Number(s)
}

// sandboxUUID returns a random (version 4) UUID, as PalPluss's ids are.
func sandboxUUID() string { return uuid.NewString() }

// sandboxUUIDv7 returns a time-ordered (version 7) UUID, as PayOS's ids are.
func sandboxUUIDv7() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// sandboxToken returns n random characters from alphabet.
func sandboxToken(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("payouttest: crypto/rand: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

const (
	sandboxUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	sandboxBase62      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// sandboxReceipt returns an M-Pesa-like receipt: ten upper-case letters and
// digits, starting with a letter ("SKL4H7QZ2P").
func sandboxReceipt() string {
	return sandboxToken(sandboxUpperDigits[:26], 1) + sandboxToken(sandboxUpperDigits, 9)
}

// sandboxCanonicalHash hashes a JSON document independently of its
// whitespace and key order, so that a client re-encoding the same request
// is recognised as sending the same body.
func sandboxCanonicalHash(body []byte) [32]byte {
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return sha256.Sum256(body)
	}
	c, err := json.Marshal(v)
	if err != nil {
		return sha256.Sum256(body)
	}
	return sha256.Sum256(c)
}

// sandboxObject decodes body as a JSON object whose values stay raw, and
// reports whether it is one.
func sandboxObject(body []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false // trailing data after the object
	}
	return m, true
}

// sandboxField reads one field of a raw object: present reports whether it
// is there and not null.
func sandboxField(m map[string]json.RawMessage, key string) (raw json.RawMessage, present bool) {
	raw, ok := m[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false
	}
	return raw, true
}

// sandboxString decodes raw as a JSON string.
func sandboxString(raw json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// sandboxNumber decodes raw as a JSON number (not a string holding one).
func sandboxNumber(raw json.RawMessage) (json.Number, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || (t[0] != '-' && (t[0] < '0' || t[0] > '9')) {
		return "", false
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(t))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return "", false
	}
	return n, true
}
