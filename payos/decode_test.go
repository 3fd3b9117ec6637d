package payos

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/wirejson"
)

// The encoding/json decodings the one-pass decoders replaced, kept as the
// reference they must agree with.

// refPayout is decodePayout through encoding/json.
func refPayout(body []byte) (*wirePayout, error) {
	var w struct {
		wirePayout
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.id() == "" && firstNonEmpty(w.Status, w.CurrentState) == "" {
		if inner := bytes.TrimSpace(w.Data); len(inner) > 0 && inner[0] == '{' {
			var d wirePayout
			if err := json.Unmarshal(inner, &d); err != nil {
				return nil, err
			}
			return &d, nil
		}
	}
	return &w.wirePayout, nil
}

type refRawEnvelope struct {
	Type    json.RawMessage `json:"type"`
	Payload json.RawMessage `json:"payload"`
	Data    json.RawMessage `json:"data"`
}

type refTypedEnvelope struct {
	Type    string      `json:"type"`
	Payload *wirePayout `json:"payload"`
	Data    *wirePayout `json:"data"`
}

// refWebhook is ParseWebhook's decoding through encoding/json: one typed
// pass, and a raw one for every other shape.
func refWebhook(trimmed []byte) (string, *wirePayout, error) {
	var typed refTypedEnvelope
	var w *wirePayout
	typ, known := "", false
	if json.Unmarshal(trimmed, &typed) == nil {
		typ = typed.Type
		_, known = payoutEventStatus[typ]
		w = typed.Payload
		if w == nil {
			w = typed.Data
		}
	}
	if w != nil && !(known && (w.id() == "" || firstNonEmpty(w.Status, w.CurrentState) == "")) {
		return typ, w, nil
	}
	var env refRawEnvelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return "", nil, webhookError("", "body is not valid JSON: %v", err)
	}
	typ = ""
	_ = json.Unmarshal(env.Type, &typ)
	_, known = payoutEventStatus[typ]
	obj := refObject(env.Payload)
	if obj == nil {
		obj = refObject(env.Data)
	}
	if obj == nil {
		return typ, nil, nil
	}
	var pw wirePayout
	if err := json.Unmarshal(obj, &pw); err != nil {
		if known {
			return "", nil, webhookError("payload", "is not a payout object: %v", err)
		}
		return typ, nil, nil
	}
	return typ, &pw, nil
}

func refObject(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	return raw
}

// fieldOf is the Field of a *payout.Error, "" for nil.
func fieldOf(err error) string {
	var pe *payout.Error
	if errors.As(err, &pe) {
		return pe.Field
	}
	return ""
}

// agree decodes body with the one-pass decoders and with encoding/json and
// fails on any difference.
func agree(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := refPayout(body)
	got, gotErr := readPayout(body)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("payout %q: encoding/json says %v, the one-pass decoder %v", body, wantErr, gotErr)
	}
	if wantErr == nil {
		assert.Equal(t, want, got, "payout %q", body)
	}

	trimmed := bytes.Trim(body, jsonSpace)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return // ParseWebhook refuses it before decoding
	}
	wt, ww, werr := refWebhook(trimmed)
	gt, gw, gerr := readWebhook(trimmed)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("webhook %q: encoding/json says %v, the one-pass decoder %v", body, werr, gerr)
	}
	if werr != nil {
		assert.Equal(t, fieldOf(werr), fieldOf(gerr), "the field at fault in %q", body)
		return
	}
	assert.Equal(t, wt, gt, "event type of %q", body)
	assert.Equal(t, ww, gw, "webhook payout of %q", body)
}

// oddBodies are the bodies the decoders must read (or refuse) as
// encoding/json does.
var oddBodies = []string{
	`<html><body>502 Bad Gateway</body></html>`, ``, `null`, `[]`, `"x"`, `7`, ` {} `, `{"a":1,}`,
	`{"transactionId":"t1","status":"RECEI`, `{"transactionId":"t1"} trailing`,
	`{"transactionId":5,"status":"RECEIVED"}`, `{"transactionId":"t","status":null,"message":true}`,
	`{"transactionId":"t","collection":{"amount":20.5,"currency":"KES"},"collection":{"currency":"USD"}}`,
	`{"transactionId":"t","collection":{"amount":"20.00"},"collection":null}`, `{"collection":"x"}`, `{"collection":[1]}`,
	`{"transactionId":"t","destinationValue":{"minorAmount":"2000","currency":"KES"},"recipient":{"phoneNumber":"254712345678"}}`,
	`{"transactionId":"t","recipient":{"phoneNumber":254712345678}}`, `{"authState":{"transitionedAt":1767225600},"status":"x"}`,
	`{"authState":null,"createdAt":"2026-01-01T00:00:00Z","updatedAt":null,"amount":{"v":1}}`,
	`{"data":{"transactionId":"inner","status":"RECEIVED"}}`, `{"data":{"transactionId":1}}`, `{"data":"x","status":"s"}`,
	`{"data":{"transactionId":"a"},"data":{"status":"b"}}`, `{"status":"s","data":{"transactionId":1}}`,
	`{"TRANSACTIONID":"up","Status":"ok","MERCHANTreference":"r","tran\u017factionId":"k"}`,
	`{"transactionId":"a\"b\u00e9","message":"\ud83d"}`, "{\"transactionId\":\"\xff\xfe\",\"status\":\"s\"}",
	`{"type":"payout.completed","payload":{"transactionId":"t","status":"COMPLETED"}}`,
	`{"type":"payout.completed","data":{"transactionId":"t","currentState":"settled","amount":20.0}}`,
	`{"type":"","payload":{}}`, `{"type":null,"payload":{}}`, `{"type":5,"payload":{}}`, `{"payload":{}}`,
	`{"type":"t"}`, `{"type":"t","payload":null,"data":null}`, `{"type":"t","payload":"x","data":{"transactionId":"d"}}`,
	`{"type":"t","payload":{"transactionId":1},"data":{"transactionId":"d"}}`,
	`{"type":"t","payload":{"transactionId":"a","status":"s"},"payload":{"transactionId":"b"}}`,
	`{"type":"t","payload":{"transactionId":"a"},"payload":{"transactionId":2}}`,
	`{"type":"t","payload":{"transactionId":"a"},"payload":null,"payload":{"status":"z"}}`,
	`{"type":"t","payload":{"collection":{"amount":"1"}},"payload":{"collection":{"currency":"KES"}}}`,
	`{"type":"t","payload":{"transactionId":"a"},"payload":"x"}`, `{"type":"t","data":{"transactionId":"d"},"payload":{"x":1}}`,
	`{"Type":"t","PAYLOAD":{"transactionId":"p"}}`, `{"type":"a","type":null,"payload":{}}`,
	`{"type":"payout.completed","payload":{"transactionId":"t"}}`, `{"type":"payout.completed","payload":{"transactionId":1}}`,
	`{"type":"payout.completed","payload":{"transactionId":"a","status":"s"},"payload":{"status":""}}`,
	`{"type":"payout.completed","type":null,"payload":{"transactionId":"t","status":"COMPLETED"}}`,
	`{"type":"payout.failed","payload":"x","data":{"transactionId":"d","status":"FAILED"}}`,
	`{"type":["x"],"payload":{"transactionId":"t","status":"s"}}`, `{"type":"endpoint.ping"}`,
	`{"type":"payout.completed","payload":{"transactionId":"t","status":"COMPLETED"},"data":{"status":1}}`,
}

var decodeFixtures = []string{"initiate_response.json", "get_payout_completed.json", "get_payout_failed.json",
	"webhook_payout_completed.json", "webhook_payout_failed.json", "search_by_reference.json", "error_422_coded.json"}

func TestDecodersAgreeWithEncodingJSON(t *testing.T) {
	for _, name := range decodeFixtures {
		agree(t, fixture(t, name))
	}
	for _, b := range oddBodies {
		agree(t, []byte(b))
	}
}

// TestDecodersKnowEveryMember keeps the one-pass decoders complete: every
// member the wire types name in their tags has its field.
func TestDecodersKnowEveryMember(t *testing.T) {
	for _, c := range []struct {
		v any
		f *wirejson.Fields
	}{
		{wirePayout{}, payoutNames}, {wireMoney{}, moneyNames}, {destinationWire{}, minorNames},
		{wireRecipientOut{}, recipientNames}, {authState{}, authStateNames},
	} {
		typ := reflect.TypeOf(c.v)
		for i := 0; i < typ.NumField(); i++ {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			assert.GreaterOrEqual(t, c.f.Index(tag), 0, "%s member %q has no field in the one-pass decoder", typ.Name(), tag)
		}
	}
	// Each member lands in its own field.
	typ := reflect.TypeOf(wirePayout{})
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < typ.NumField(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		val := `"v` + strings.Repeat("x", i) + `"`
		if typ.Field(i).Type.Kind() == reflect.Pointer {
			val = `{}`
		}
		b.WriteString(`"` + tag + `":` + val)
	}
	b.WriteByte('}')
	agree(t, []byte(b.String()))
	w, err := readPayout([]byte(b.String()))
	require.NoError(t, err)
	v := reflect.ValueOf(*w)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer {
			assert.False(t, f.IsNil(), typ.Field(i).Name)
		} else {
			assert.Contains(t, f.String(), "v"+strings.Repeat("x", i), typ.Field(i).Name)
		}
	}
}

// FuzzDecodersAgreeWithEncodingJSON: on any body, the one-pass decoders of
// payouts and webhooks read what encoding/json reads and refuse what it
// refuses.
func FuzzDecodersAgreeWithEncodingJSON(f *testing.F) {
	for _, name := range decodeFixtures {
		f.Add(fixture(f, name))
	}
	for _, b := range oddBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { agree(t, body) })
}

// BenchmarkDecodePayout: the documented Get answer, through encoding/json
// (the reference) and the one-pass decoder.
func BenchmarkDecodePayout(b *testing.B) {
	body := fixture(b, "get_payout_completed.json")
	for _, c := range []struct {
		name string
		dec  func([]byte) (*wirePayout, error)
	}{{"encoding_json", refPayout}, {"wirejson", readPayout}} {
		b.Run("decoder="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := c.dec(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
