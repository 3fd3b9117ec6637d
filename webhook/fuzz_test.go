package webhook

import (
	"bytes"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseSignatureHeader checks that any signature header parses without
// panicking, and that what comes out is exactly the v1 entries' signatures.
func FuzzParseSignatureHeader(f *testing.F) {
	for _, s := range []string{
		"", "v1,xjBa1ZTsP+MJhRBLtg4C37kGgVhxwVDt9qRvr+ybtsI=", "v1,a v1,b", "  v1,a   v1a,b v2,c  ",
		"v1,a,b", ",", "v1,", "v1", " ", "v1,\x00\xff", "v1a,x v1,y", strings.Repeat("v1,x ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hdr string) {
		sigs := parseSignatures([]byte(hdr), nil)
		// Independent reading of the same rule.
		var want []string
		for _, e := range strings.Split(hdr, " ") {
			if v, s, ok := strings.Cut(e, ","); ok && v == "v1" {
				want = append(want, s)
			}
		}
		if len(sigs) != len(want) {
			t.Fatalf("%q: %d signatures, want %d", hdr, len(sigs), len(want))
		}
		for i, s := range sigs {
			if string(s) != want[i] {
				t.Fatalf("%q: signature %d is %q, want %q", hdr, i, s, want[i])
			}
			if bytes.IndexByte(s, ' ') >= 0 {
				t.Fatalf("%q: signature %q holds a space", hdr, s)
			}
		}
	})
}

// FuzzVerify feeds arbitrary headers and bodies to Verify: it must never
// panic, and must accept exactly when the naive reference computation
// says the delivery is signed.
func FuzzVerify(f *testing.F) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body, err := os.ReadFile("testdata/webhook_payout_completed.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "1767225600", "v1,xjBa1ZTsP+MJhRBLtg4C37kGgVhxwVDt9qRvr+ybtsI=", body)
	f.Add("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "1767225600", "v1a,x v1,xjBa1ZTsP+MJhRBLtg4C37kGgVhxwVDt9qRvr+ybtsI=", body)
	f.Add("id", "1767225660", "v1,", []byte{})
	f.Add("", "", "", []byte(nil))
	f.Add("x", "+1767225600", "v1,abc", []byte("{}"))
	f.Add("x", "99999999999999999999", "v1,abc", []byte("{}"))
	now := time.Unix(1767225660, 0)
	v, err := NewStandardVerifierWithOptions([]string{secret}, WithClock(fixedClock(now)))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("svix-id", id)
		h.Set("svix-timestamp", ts)
		h.Set("svix-signature", sig)
		err := v.Verify(h, body)

		// Reference: all headers present; canonical decimal seconds within
		// five minutes; some space-separated "v1,<sig>" entry equal to the
		// expected signature.
		valid := id != "" && ts != "" && sig != ""
		if valid {
			secs, err := strconv.ParseInt(ts, 10, 64)
			valid = err == nil && secs >= now.Unix()-300 && secs <= now.Unix()+300
			ts = strconv.FormatInt(secs, 10) // signed re-formatted, as the reference libraries do
		}
		if valid {
			expected := "v1," + referenceSignature(secret, id, ts, body)
			valid = false
			for _, e := range strings.Split(sig, " ") {
				if e == expected {
					valid = true
				}
			}
		}
		if valid != (err == nil) {
			t.Fatalf("Verify(%q, %q, %q) = %v, reference says valid=%v", id, ts, sig, err, valid)
		}
	})
}

// FuzzCallbackVerifyRequest checks that any query parses without panicking
// and that only URLs made by CallbackURL verify.
func FuzzCallbackVerifyRequest(f *testing.F) {
	s, err := NewCallbackSigner("0123456789abcdef-callback-secret-one")
	if err != nil {
		f.Fatal(err)
	}
	good, _ := s.CallbackURL("https://example.com/cb", "WD-1")
	f.Add(good[strings.IndexByte(good, '?')+1:])
	f.Add("ref=a&token=b")
	f.Add("ref=%zz;token=&&")
	f.Fuzz(func(t *testing.T, query string) {
		r, err := http.NewRequest(http.MethodPost, "https://example.com/cb", nil)
		if err != nil {
			t.Skip()
		}
		r.URL.RawQuery = query
		ref, err := s.VerifyRequest(r)
		if err != nil {
			if ref != "" {
				t.Fatalf("reference %q returned with error %v", ref, err)
			}
			return
		}
		// It verified: it must be the URL CallbackURL makes for ref.
		want, err := s.CallbackURL("https://example.com/cb", ref)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := http.NewRequest(http.MethodPost, want, nil)
		if r2.URL.Query().Get("token") != r.URL.Query().Get("token") {
			t.Fatalf("query %q verified for %q with a token CallbackURL does not make", query, ref)
		}
	})
}
