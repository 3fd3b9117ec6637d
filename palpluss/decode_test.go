package palpluss

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout/internal/wirejson"
)

// refEvent is ParseWebhook's decoding through encoding/json, the reference
// readEvent must agree with.
func refEvent(body []byte) (w wireEvent, tx *wireTx, field string, err error) {
	if err := decodeStrict(body, &w); err != nil {
		return w, nil, "", err
	}
	raw, field := w.Transaction, "transaction"
	if isNull(raw) {
		raw, field = w.Data, "data"
	}
	if isNull(raw) {
		return w, nil, "", nil
	}
	var t wireTx
	if decodeStrict(raw, &t) != nil {
		return w, nil, field, nil
	}
	return w, &t, field, nil
}

// agree decodes body with the one-pass decoders and with encoding/json and
// fails on any difference: one refusing what the other reads, or a member
// read differently.
func agree(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := decodeEnvelope[wireTx](body)
	got, gotErr := readTxEnvelope(body)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("envelope of %q: encoding/json says %v, the one-pass decoder %v", body, wantErr, gotErr)
	}
	if wantErr == nil {
		assert.Equal(t, want.wireError, got.wireError, "envelope of %q", body)
		assert.Equal(t, want.Data, got.Data, "transaction of %q", body)
	}

	ww, wtx, wfield, werr := refEvent(body)
	gw, gtx, gfield, gerr := readEvent(body)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("event %q: encoding/json says %v, the one-pass decoder %v", body, werr, gerr)
	}
	if werr == nil {
		assert.Equal(t, [3]flexString{ww.Event, ww.EventType, ww.EventTypeCamel},
			[3]flexString{gw.Event, gw.EventType, gw.EventTypeCamel}, "event types of %q", body)
		assert.Equal(t, wfield, gfield, "transaction member of %q", body)
		assert.Equal(t, wtx, gtx, "event transaction of %q", body)
	}
}

// oddBodies are the bodies the decoders must read (or refuse) as
// encoding/json does.
var oddBodies = []string{
	`<html><body>502 Bad Gateway</body></html>`,
	`{"success":true,"data":{"transactionId":"t1","status":"PEND`,
	`{"success":true,"data":{"transactionId":"t1"}} trailing`,
	`{"success":true,"data":{"transactionId":"t1"}}{"again":1}`,
	`{"success":true,"data":{"transactionId":12345,"amount":"500","transactionFee":"15.00","resultCode":0}}`,
	`{"success":true,"data":{"transactionId":"t1","amount":{"value":5},"status":["x"],"phone":true}}`,
	`{"success":true,"data":"t1"}`, `{"success":true,"data":[1]}`, `{"success":true,"data":null}`,
	`{"data":{"id":"a","status":"x"},"data":{"id":"b"}}`, `{"data":{"id":"a"},"data":null,"data":{"status":"s"}}`,
	`{"TransactionID":"up","STATUS":"ok","Amount":1,"tran\u017factionFee":2,"\u0061mount":3}`,
	`{"transaction_id":"t","status":"SUCCESS","amount":10,"phone_number":"0712345678"}`,
	`{"success":null}`, `{"error":"boom"}`, `{"success":false,"error":{"code":"X","message":"m"},"request_id":7}`,
	`{"transactionId":"a\"b\u00e9","reference":"r\\n","resultDesc":"\ud83d"}`, "{\"transactionId\":\"\xff\xfe\"}",
	` {"id":"t"} `, "\v{\"id\":\"t\"}", `{}`, `[]`, `"x"`, ``, `{"a":1,}`, `{"data":{"id":"t",}}`,
	`{"event":"transaction.updated","transaction":{"id":"t1","status":"SUCCESS"}}`,
	`{"event_type":"transaction.success","transaction":null,"data":{"id":"t1","status":"SUCCESS"}}`,
	`{"eventType":7,"transaction":"t1"}`, `{"transaction":{"id":"a"},"transaction":5}`,
	`{"transaction":{"id":"a","status":"s"},"transaction":{"id":"b"}}`, `{"transaction":[],"data":{"id":"x"}}`,
	`{"event":null}`, `{"transaction":{"id":"t1","status":"REVERSED","amount":"1e400"}}`,
}

var decodeFixtures = []string{"b2c_payout_response.json", "transaction_get_camel.json", "transaction_get_snake.json",
	"webhook_b2c_success.json", "webhook_b2c_failed.json", "error_401_invalid_api_key.json", "error_409_insufficient_funds.json"}

func TestDecodersAgreeWithEncodingJSON(t *testing.T) {
	for _, name := range decodeFixtures {
		agree(t, fixture(t, name))
	}
	for _, b := range oddBodies {
		agree(t, []byte(b))
	}
}

// TestDecodersKnowEveryMember keeps the one-pass decoders complete: every
// member a wire type names in its tags is read into its own field.
func TestDecodersKnowEveryMember(t *testing.T) {
	check := func(typ reflect.Type, f *wirejson.Fields, extra ...string) {
		t.Helper()
		for i := 0; i < typ.NumField(); i++ {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			assert.GreaterOrEqual(t, f.Index(tag), 0, "%s member %q has no field in the one-pass decoder", typ.Name(), tag)
		}
		for _, n := range extra {
			assert.GreaterOrEqual(t, f.Index(n), 0, n)
		}
	}
	check(reflect.TypeOf(wireTx{}), txNames)
	check(reflect.TypeOf(wireError{}), envNames, "data")
	check(reflect.TypeOf(wireEvent{}), eventNames)

	// Each member lands in its own field: a body naming every member of
	// wireTx with distinct values reads as encoding/json reads it.
	typ := reflect.TypeOf(wireTx{})
	var b strings.Builder
	b.WriteString(`{"success":true,"data":{`)
	for i := 0; i < typ.NumField(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		b.WriteString(`"` + tag + `":"v` + strings.Repeat("x", i) + `"`)
	}
	b.WriteString(`}}`)
	agree(t, []byte(b.String()))
	env, err := readTxEnvelope([]byte(b.String()))
	require.NoError(t, err)
	v := reflect.ValueOf(*env.Data)
	for i := 0; i < v.NumField(); i++ {
		assert.Equal(t, "v"+strings.Repeat("x", i), v.Field(i).String(), typ.Field(i).Name)
	}
}

// FuzzDecodersAgreeWithEncodingJSON: on any body, the one-pass decoders of
// transactions and callbacks read what encoding/json reads and refuse what
// it refuses.
func FuzzDecodersAgreeWithEncodingJSON(f *testing.F) {
	for _, name := range decodeFixtures {
		f.Add(fixture(f, name))
	}
	for _, b := range oddBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { agree(t, body) })
}

// BenchmarkDecodeTransaction: the documented Get answer, through
// encoding/json (the reference) and the one-pass decoder.
func BenchmarkDecodeTransaction(b *testing.B) {
	body := fixture(b, "transaction_get_camel.json")
	b.Run("decoder=encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeEnvelope[wireTx](body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoder=wirejson", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := readTxEnvelope(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
