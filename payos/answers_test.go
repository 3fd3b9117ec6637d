package payos

import (
	"context"
	"encoding"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// Issue 10, item 4: PayOS's direct answer was trusted whole. One about
// another merchantReference is no answer about this payout; one under this
// Reference of another amount or phone is the payout holding the Reference.
func TestSendAnswerThatContradictsTheRequestIsNeverSuccess(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       error
		names      string
	}{
		{"another reference", `{"transactionId":"` + txID + `","status":"RECEIVED","merchantReference":"PAYOUT_other"}`, payout.ErrProviderError, `merchantReference "PAYOUT_other"`},
		{"another amount", `{"transactionId":"` + txID + `","status":"RECEIVED","merchantReference":"` + refIndiv + `","destinationValue":{"minorAmount":9900,"currency":"KES"}}`, payout.ErrDuplicateReference, "amount KES 99.00, not KES 20.00"},
		{"another phone", `{"transactionId":"` + txID + `","status":"RECEIVED","merchantReference":"` + refIndiv + `","recipient":{"phoneNumber":"254798765432"}}`, payout.ErrDuplicateReference, "phone 2547****5432, not 2547****3187"},
		{"another currency", `{"transactionId":"` + txID + `","status":"RECEIVED","destinationValue":{"minorAmount":2000,"currency":"UGX"}}`, payout.ErrProviderError, "currency UGX"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonString(201, tc.body))
			p, err := m.client().Send(context.Background(), individualRequest())
			assert.Nil(t, p)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.names)
			if tc.want == payout.ErrProviderError {
				assert.ErrorIs(t, err, payout.ErrOutcomeUnknown, "it says nothing of the payout that was sent")
			}
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, refIndiv, pe.Reference)
			assert.Equal(t, 201, pe.HTTPStatus)
			assert.Equal(t, "req-test-1", pe.RequestID)
			init := m.recorded(initiatePath)
			require.Len(t, init, 1)
			assertAPICall(t, init[0], http.MethodPost, initiatePath)
			assert.Equal(t, refIndiv, init[0].Header.Get("Idempotency-Key"))
			assert.Equal(t, "application/json", init[0].Header.Get("Content-Type"))
			assert.JSONEq(t, string(fixture(t, "initiate_request_individual.json")), string(init[0].Body))
		})
	}
}

// Issue 10, item 4: a Get answer about another payout is refused.
func TestGetAnswerAboutAnotherPayoutIsRefused(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+"tx-asked", jsonResponder(200, fixture(t, "get_payout_completed.json")))
	p, err := m.client().Get(context.Background(), "tx-asked")
	assert.Nil(t, p)
	require.ErrorIs(t, err, payout.ErrProviderError)
	assert.Contains(t, err.Error(), "tx-asked")
	calls := m.recorded(payoutPath + "tx-asked")
	require.Len(t, calls, 1)
	assertAPICall(t, calls[0], http.MethodGet, payoutPath+"tx-asked")
}

// Issue 10, item 10: a 409 that names no code may be the duplicate answer:
// it is resolved by search; found nothing, it stays ErrConflict (it was
// reported as a duplicate Reference, which says a payout exists).
func TestSend409WithoutCodeIsResolvedBySearchElseConflict(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(409, `{"message":"Conflict","statusCode":409}`))
	m.on(http.MethodGet, searchPath, jsonString(200, `[]`))
	p, err := m.client().Send(context.Background(), individualRequest())
	assert.Nil(t, p)
	require.ErrorIs(t, err, payout.ErrConflict)
	assert.NotErrorIs(t, err, payout.ErrDuplicateReference)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 409, pe.HTTPStatus)
	assert.Equal(t, refIndiv, pe.Reference)
	s := m.recorded(searchPath)
	require.Len(t, s, 1, "looked up like a 422 duplicate")
	assertAPICall(t, s[0], http.MethodGet, searchPath)
	assert.Equal(t, refIndiv, s[0].Query.Get("merchantReference"))
}

// Issue 10, item 10: "id" or "payoutId" where "transactionId" is absent.
func TestIDOrPayoutIDWhereTransactionIDIsAbsent(t *testing.T) {
	for _, member := range []string{"id", "payoutId"} {
		t.Run(member, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonString(201, `{"`+member+`":"`+txID+`","status":"RECEIVED","merchantReference":"`+refIndiv+`"}`))
			m.on(http.MethodGet, payoutPath+txID, jsonString(200, `{"`+member+`":"`+txID+`","status":"COMPLETED"}`))
			m.on(http.MethodGet, searchPath, jsonString(200, `[{"`+member+`":"`+txID+`","merchantReference":"`+refIndiv+`","currentState":"COMPLETED","amount":20.0,"currency":"KES"}]`))
			c := m.client()
			p, err := c.Send(context.Background(), individualRequest())
			require.NoError(t, err)
			assert.Equal(t, txID, p.ID)
			assert.Empty(t, m.recorded(searchPath), "the id was read, nothing to resolve")
			got, err := c.Get(context.Background(), txID)
			require.NoError(t, err)
			assert.Equal(t, txID, got.ID)
			assert.Equal(t, payout.StatusSucceeded, got.Status)
			found, err := c.FindByReference(context.Background(), refIndiv)
			require.NoError(t, err)
			assert.Equal(t, txID, found.ID)
			assert.Equal(t, money.New(2000, money.KES), found.Amount)
		})
	}
}

// Issue 10, item 8: a Token encoded by encoding/json or as text (any
// encoder using encoding.TextMarshaler) carries no access token.
func TestTokenEncodingsHideTheAccessToken(t *testing.T) {
	exp := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tok := Token{AccessToken: testToken, TokenType: "bearer", Expiry: exp}
	for name, v := range map[string]any{"value": tok, "pointer": &tok, "in a struct": struct{ T Token }{tok}, "in a map": map[string]*Token{"t": &tok}} {
		b, err := json.Marshal(v)
		require.NoError(t, err, name)
		assert.NotContains(t, string(b), testToken, name)
		assert.Contains(t, string(b), "[REDACTED]", name)
	}
	b, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"tokenType":"Bearer","expiry":"2026-03-01T10:00:00Z","accessToken":"[REDACTED]"}`, string(b))
	tm, ok := any(tok).(encoding.TextMarshaler)
	require.True(t, ok, "a Token is an encoding.TextMarshaler")
	text, err := tm.MarshalText()
	require.NoError(t, err)
	assert.NotContains(t, string(text), testToken)
	type holder struct{ T Token }
	x, err := xml.Marshal(holder{tok})
	require.NoError(t, err)
	assert.NotContains(t, string(x), testToken)
	assert.Equal(t, testToken, tok.AccessToken, "the value itself is untouched")
}

// A 422 whose body is cut short may be IDEMPOTENCY_CONFLICT (the Reference
// reused for another phone): the payout the search finds is confirmed by a
// replay before it is returned, and is never returned unconfirmed.
func TestSendUnreadable422IsConfirmedBeforeTheSearchResultIsReturned(t *testing.T) {
	cut := jsonString(422, `{"error":{"code":"IDEMPOT`)
	conflict := jsonString(422, `{"error":{"code":"IDEMPOTENCY_CONFLICT","message":"Idempotency-Key was already used with a different request body"}}`)
	for name, tc := range map[string]struct {
		confirm httpmock.Responder
		want    error
	}{
		"the key holds another request": {conflict, payout.ErrDuplicateReference},
		"cut short again":               {cut, payout.ErrOutcomeUnknown},
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, cut, tc.confirm)
			m.on(http.MethodGet, searchPath, searchFixture(t))
			p, err := m.client().Send(context.Background(), individualRequest())
			assert.Nil(t, p, "never the search result unconfirmed")
			require.ErrorIs(t, err, tc.want)
			init := m.recorded(initiatePath)
			require.Len(t, init, 2)
			assert.Equal(t, init[0].Header.Get("Idempotency-Key"), init[1].Header.Get("Idempotency-Key"))
			assert.Equal(t, init[0].Body, init[1].Body)
		})
	}
}

// Review of issues 10/11: an initiate answer whose echoed amount or phone
// could not be read was read without it, so nothing was compared and
// another payout's answer (another recipient, another amount) was a
// success. It says nothing sure of this payout.
func TestSendAnswerWithAnUnreadableEchoIsNeverSuccess(t *testing.T) {
	pre := `{"transactionId":"` + txID + `","status":"RECEIVED","merchantReference":"` + refIndiv + `",`
	for _, tc := range []struct{ name, body, names string }{
		{"non-Kenyan phone", pre + `"recipient":{"phoneNumber":"+15551234567"}}`, "recipient.phoneNumber"},
		{"minor amount not a number", pre + `"destinationValue":{"minorAmount":"99x","currency":"KES"}}`, "destinationValue.minorAmount"},
		{"minor amount with a fraction", pre + `"destinationValue":{"minorAmount":2000.5,"currency":"KES"}}`, "destinationValue.minorAmount"},
		{"unknown currency", pre + `"destinationValue":{"minorAmount":9900,"currency":"XXX"}}`, "destinationValue.currency"},
		{"major amount not a number", pre + `"amount":"lots","currency":"KES"}`, "amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonString(201, tc.body))
			p, err := m.client().Send(context.Background(), individualRequest())
			assert.Nil(t, p)
			require.ErrorIs(t, err, payout.ErrProviderError)
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
			assert.Contains(t, err.Error(), tc.names)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, refIndiv, pe.Reference)
			assert.Equal(t, 201, pe.HTTPStatus)
			init := m.recorded(initiatePath)
			require.Len(t, init, 1)
			assertAPICall(t, init[0], http.MethodPost, initiatePath)
			assert.Equal(t, refIndiv, init[0].Header.Get("Idempotency-Key"))
			assert.JSONEq(t, string(fixture(t, "initiate_request_individual.json")), string(init[0].Body))
		})
	}
	// The same members, readable and matching, are a success.
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(201, pre+`"recipient":{"phoneNumber":"254723993187"},"destinationValue":{"minorAmount":"2000","currency":"kes"}}`))
	p, err := m.client().Send(context.Background(), individualRequest())
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)
}

// Review of issue 10, item 8: errors built from a 2xx answer quoted the
// provider's text unredacted (the merchantReference or transaction id it
// named), so a proxy echoing the client secret or the bearer token there
// showed it in the error, whatever the verb.
func TestAnswerTextEchoingASecretIsRedactedInErrors(t *testing.T) {
	check := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		b, jerr := json.Marshal(err)
		require.NoError(t, jerr)
		out := fmt.Sprintf("%v|%+v|%#v|%s|%s", err, err, err, b, errors.Unwrap(err))
		assert.NotContains(t, out, testSecret)
		assert.NotContains(t, out, testToken)
		assert.Contains(t, out, "[REDACTED]", "the error still says where the text was")
	}
	pre := `{"transactionId":"` + txID + `","status":"RECEIVED","merchantReference":`
	for _, ref := range []string{testSecret, "Bearer " + testToken} {
		m := newMock(t)
		m.onToken()
		m.on(http.MethodPost, initiatePath, jsonString(201, pre+`"`+ref+`"}`))
		_, err := m.client().Send(context.Background(), individualRequest())
		require.ErrorIs(t, err, payout.ErrProviderError)
		check(t, err)
	}

	// A conflict whose search names a payout by a secret.
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(422, `{"code":"IDEMPOTENCY_CONFLICT","message":"Idempotency-Key was already used with a different request body"}`))
	m.on(http.MethodGet, searchPath, jsonString(200, `[{"transactionId":"`+testToken+`","merchantReference":"`+refIndiv+`","currentState":"RECEIVED","amount":99,"currency":"KES"}]`))
	_, err := m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
	check(t, err)

	m = newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+txID, jsonString(200, `{"transactionId":"`+testToken+`","status":"RECEIVED"}`))
	_, err = m.client().Get(context.Background(), txID)
	require.ErrorIs(t, err, payout.ErrProviderError)
	check(t, err)
}

// Review of issue 10: a duplicate-Reference answer resolved by a search
// whose result shows no amount (nor phone) returned that payout as this
// one with a nil error, although nothing of it was compared: it may be
// another payout under a reused Reference. Send first asks again under the
// same Idempotency-Key (a replay is this payout); when that settles
// nothing either, the outcome is unknown, never a success.
func TestSendDuplicateFoundWithoutAmountIsConfirmedFirst(t *testing.T) {
	dup := jsonString(422, `{"error":{"code":"DUPLICATE_MERCHANT_REFERENCE","message":"Duplicate merchant reference","details":{}}}`)
	bare := jsonString(200, `[{"transactionId":"`+txID+`","merchantReference":"`+refIndiv+`","currentState":"COMPLETED"}]`)

	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, dup)
	m.on(http.MethodGet, searchPath, bare)
	p, err := m.client().Send(context.Background(), individualRequest())
	assert.Nil(t, p)
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), txID)
	init := m.recorded(initiatePath)
	require.Len(t, init, 2, "asked once more under the same key")
	for _, c := range init {
		assertAPICall(t, c, http.MethodPost, initiatePath)
		assert.Equal(t, refIndiv, c.Header.Get("Idempotency-Key"))
		assert.JSONEq(t, string(fixture(t, "initiate_request_individual.json")), string(c.Body))
	}
	s := m.recorded(searchPath)
	require.Len(t, s, 1)
	assert.Equal(t, refIndiv, s[0].Query.Get("merchantReference"))

	// A replay of this payout's answer settles it.
	m = newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, dup, initiated(t, 200))
	m.on(http.MethodGet, searchPath, bare)
	p, err = m.client().Send(context.Background(), individualRequest())
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)

	// IDEMPOTENCY_CONFLICT says the Reference holds another payout.
	m = newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, dup, jsonString(422, `{"code":"IDEMPOTENCY_CONFLICT","message":"Idempotency-Key was already used with a different request body"}`))
	m.on(http.MethodGet, searchPath, bare)
	_, err = m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
}

// Review 2 of issue 10, item 8: a successful answer's provider text
// (status message, error code, receipt) reached the caller as it came, so
// a proxy echoing the secret or the token there handed it to whoever logs
// or stores the Payout; Get and FindByReference clean it like errors.
func TestSuccessfulPayoutTextEchoingASecretIsRedacted(t *testing.T) {
	echo := testSecret + " Bearer " + testToken
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+txID, jsonString(200, `{"transactionId":"`+txID+`","status":"FAILED","message":"`+echo+`","errorCode":"`+echo+`","processorReference":"`+echo+`"}`))
	m.on(http.MethodGet, searchPath, jsonString(200, `[{"transactionId":"`+txID+`","merchantReference":"`+refIndiv+`","currentState":"FAILED","message":"`+echo+`","errorCode":"`+echo+`","processorReference":"`+echo+`","amount":99,"currency":"KES"}]`))
	got, err := m.client().Get(context.Background(), txID)
	require.NoError(t, err)
	found, err := m.client().FindByReference(context.Background(), refIndiv)
	require.NoError(t, err)
	for _, p := range []*payout.Payout{got, found} {
		assert.Equal(t, payout.StatusFailed, p.Status)
		out := fmt.Sprintf("%+v", *p)
		assert.NotContains(t, out, testSecret)
		assert.NotContains(t, out, testToken)
		assert.Equal(t, "[REDACTED] Bearer [REDACTED]", p.FailureMessage)
	}
}
