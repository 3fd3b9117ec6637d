package payos

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

// assertAPICall checks the headers every authenticated call carries.
func assertAPICall(t *testing.T, c call, method, path string) {
	t.Helper()
	assert.Equal(t, method, c.Method)
	assert.Equal(t, path, c.Path)
	assert.Equal(t, "Bearer "+testToken, c.Header.Get("Authorization"))
	assert.Equal(t, "application/json", c.Header.Get("Accept"))
	assert.Contains(t, c.Header.Get("User-Agent"), "payout-go/")
}

func TestSendMatchesFixtures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		req     payout.Request
		fixture string
	}{
		{"individual", individualRequest(), "initiate_request_individual.json"},
		{"company", companyRequest(), "initiate_request_company.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, initiated(t, 201))
			c := m.client()

			p, err := c.Send(context.Background(), tc.req)
			require.NoError(t, err)

			tok := m.recorded(tokenPath)
			require.Len(t, tok, 1)
			assert.Equal(t, http.MethodPost, tok[0].Method)
			assert.Equal(t, "application/json", tok[0].Header.Get("Content-Type"))
			assert.Empty(t, tok[0].Header.Get("Authorization"), "the token request carries no bearer token")
			assert.JSONEq(t, string(fixture(t, "token_request.json")), string(tok[0].Body))

			init := m.recorded(initiatePath)
			require.Len(t, init, 1)
			assertAPICall(t, init[0], http.MethodPost, initiatePath)
			assert.Equal(t, "application/json", init[0].Header.Get("Content-Type"))
			assert.Equal(t, tc.req.Reference, init[0].Header.Get("Idempotency-Key"))
			assert.JSONEq(t, string(fixture(t, tc.fixture)), string(init[0].Body))

			assert.Equal(t, txID, p.ID)
			assert.Equal(t, tc.req.Reference, p.Reference, "as PayOS echoes it")
			assert.Equal(t, ProviderName, p.Provider)
			assert.Equal(t, payout.StatusPending, p.Status)
			assert.Equal(t, "RECEIVED", p.ProviderStatus)
			assert.Equal(t, tc.req.Amount, p.Amount, "the amount is the request's")
			assert.Equal(t, "254723993187", p.Phone)
			assert.Empty(t, p.FailureCode)
		})
	}
}

func TestSendOmitsEmptyNationalityAndStripsPlus(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonResponder(201, fixture(t, "initiate_response.json")))
	req := individualRequest()
	req.Sender.Nationality = ""
	req.Sender.PhoneNumber = "+27821234567"
	_, err := m.client().Send(context.Background(), req)
	require.NoError(t, err)
	body := string(m.recorded(initiatePath)[0].Body)
	assert.NotContains(t, body, "nationality", "absent, not \"\": PayOS falls back to the merchant's country")
	assert.Contains(t, body, `"phoneNumber":"27821234567"`)
}

func TestSendAcceptsCents(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonResponder(201, fixture(t, "initiate_response.json")))
	req := individualRequest()
	req.Amount = money.New(2050, money.KES)
	_, err := m.client().Send(context.Background(), req)
	require.NoError(t, err)
	assert.Contains(t, string(m.recorded(initiatePath)[0].Body), `"destinationValue":{"minorAmount":2050,"currency":"KES"}`)
}

func TestSendValidatesBeforeAnyRequest(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*payout.Request)
		field string
		code  payout.Code
	}{
		{"no sender", func(r *payout.Request) { r.Sender = nil }, "sender", payout.CodeInvalidRequest},
		{"sender full name", func(r *payout.Request) { r.Sender.FullName = "" }, "sender.fullName", payout.CodeInvalidRequest},
		{"sender phone", func(r *payout.Request) { r.Sender.PhoneNumber = "" }, "sender.phoneNumber", payout.CodeInvalidRequest},
		{"sender phone letters", func(r *payout.Request) { r.Sender.PhoneNumber = "2782123456x" }, "sender.phoneNumber", payout.CodeInvalidRequest},
		{"sender identity", func(r *payout.Request) { r.Sender.Identity = "" }, "sender.identity", payout.CodeInvalidRequest},
		{"sender identity unknown", func(r *payout.Request) { r.Sender.Identity = "driving licence" }, "sender.identity", payout.CodeInvalidRequest},
		{"sender identity number", func(r *payout.Request) { r.Sender.IdentityNumber = " " }, "sender.identityNumber", payout.CodeInvalidRequest},
		{"sender date missing", func(r *payout.Request) { r.Sender.DateOfBirth = "" }, "sender.dateOfBirth", payout.CodeInvalidRequest},
		{"sender date format", func(r *payout.Request) { r.Sender.DateOfBirth = "15/01/1990" }, "sender.dateOfBirth", payout.CodeInvalidRequest},
		{"sender date not real", func(r *payout.Request) { r.Sender.DateOfBirth = "1990-02-30" }, "sender.dateOfBirth", payout.CodeInvalidRequest},
		{"sender date future", func(r *payout.Request) { r.Sender.DateOfBirth = "2999-01-01" }, "sender.dateOfBirth", payout.CodeInvalidRequest},
		{"company incorporation date", func(r *payout.Request) {
			*r = companyRequest()
			r.Sender.DateOfBirth = "2015-13-01"
		}, "sender.dateOfBirth", payout.CodeInvalidRequest},
		{"company registration number", func(r *payout.Request) {
			*r = companyRequest()
			r.Sender.IdentityNumber = ""
		}, "sender.identityNumber", payout.CodeInvalidRequest},
		{"sender nationality alpha-2", func(r *payout.Request) { r.Sender.Nationality = "ZA" }, "sender.nationality", payout.CodeInvalidRequest},
		{"sender nationality lower", func(r *payout.Request) { r.Sender.Nationality = "zaf" }, "sender.nationality", payout.CodeInvalidRequest},
		{"sender purpose", func(r *payout.Request) { r.Sender.PurposeOfFunds = "" }, "sender.purposeOfFunds", payout.CodeInvalidRequest},
		{"sender source", func(r *payout.Request) { r.Sender.SourceOfFunds = "" }, "sender.sourceOfFunds", payout.CodeInvalidRequest},
		{"sender relationship", func(r *payout.Request) { r.Sender.Relationship = "" }, "sender.relationship", payout.CodeInvalidRequest},
		{"amount below minimum", func(r *payout.Request) { r.Amount = money.New(999, money.KES) }, "amount", payout.CodeInvalidRequest},
		{"amount above maximum", func(r *payout.Request) { r.Amount = money.New(15_000_001, money.KES) }, "amount", payout.CodeInvalidRequest},
		{"amount not KES", func(r *payout.Request) { r.Amount = money.New(2000, money.USD) }, "amount", payout.CodeInvalidRequest},
		{"amount zero", func(r *payout.Request) { r.Amount = money.Amount{} }, "amount", payout.CodeInvalidRequest},
		{"recipient name", func(r *payout.Request) { r.Recipient.Name = " " }, "recipient.name", payout.CodeInvalidRequest},
		{"recipient phone", func(r *payout.Request) { r.Recipient.Phone = "" }, "recipient.phone", payout.CodeInvalidRequest},
		{"recipient landline", func(r *payout.Request) { r.Recipient.Phone = "0202345678" }, "recipient.phone", payout.CodeInvalidRecipient},
		{"reference", func(r *payout.Request) { r.Reference = "" }, "reference", payout.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonResponder(201, fixture(t, "initiate_response.json")))
			req := individualRequest()
			tt.edit(&req)
			c := m.client()
			p, err := c.Send(context.Background(), req)
			assert.Nil(t, p)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, err, c.Validate(req), "Validate reports what Send refuses, alike")
			assert.Equal(t, tt.code, pe.Code)
			assert.Contains(t, err.Error(), tt.field, "the message names the field")
			assert.Zero(t, m.mt.GetTotalCallCount(), "no request leaves before validation passes")
		})
	}
	// The limits themselves are allowed.
	for _, minor := range []int64{MinAmountMinor, MaxAmountMinor} {
		req := individualRequest()
		req.Amount = money.New(minor, money.KES)
		_, _, err := buildInitiate(testMerchant, req)
		assert.NoError(t, err, minor)
	}
}

func TestIdempotencyKey(t *testing.T) {
	assert.Equal(t, refIndiv, IdempotencyKey(refIndiv))
	long := strings.Repeat("a", 256)
	for _, ref := range []string{long, "has space", "ünïcode", "a,b"} {
		k := IdempotencyKey(ref)
		assert.True(t, strings.HasPrefix(k, "ref-"), ref)
		assert.Len(t, k, len("ref-")+64)
		assert.Equal(t, k, IdempotencyKey(ref), "stable")
	}
	assert.NotEqual(t, IdempotencyKey("has space"), IdempotencyKey("has  space"))
	assert.Equal(t, strings.Repeat("a", 255), IdempotencyKey(strings.Repeat("a", 255)))
}

// searchResponder answers the search with the fixture, or an empty list.
func searchFixture(t *testing.T) httpmock.Responder {
	return jsonResponder(200, fixture(t, "search_by_reference.json"))
}

func TestSendDuplicateReferenceReturnsExistingPayout(t *testing.T) {
	for name, rejection := range map[string]httpmock.Responder{
		"422 coded":          jsonString(422, `{"error":{"code":"DUPLICATE_MERCHANT_REFERENCE","message":"Duplicate merchant reference","details":{}}}`),
		"409 plain":          jsonString(409, `{"message":"Conflict","statusCode":409}`),
		"409 short code":     jsonString(409, `{"error":{"code":"DUPLICATE_REFERENCE","message":"x"}}`),
		"422 nest array":     jsonString(422, `{"message":["merchantReference already exists"],"error":"Unprocessable Entity","statusCode":422}`),
		"400 nest duplicate": jsonString(400, `{"message":"Duplicate merchantReference","error":"Bad Request","statusCode":400}`),
		"422 about ref":      jsonString(422, `{"message":"merchantReference has been used","statusCode":422}`),
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, rejection)
			m.on(http.MethodGet, searchPath, searchFixture(t))
			req := individualRequest()
			p, err := m.client().Send(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, txID, p.ID)
			assert.Equal(t, refIndiv, p.Reference)
			assert.Equal(t, payout.StatusSucceeded, p.Status)
			assert.Equal(t, "COMPLETED", p.ProviderStatus)
			assert.Equal(t, money.New(2000, money.KES), p.Amount, "search amount 20.0 read exactly")
			assert.Equal(t, "SKL4H7QZ2P", p.Receipt)
			assert.Equal(t, "254723993187", p.Phone)

			require.Len(t, m.recorded(initiatePath), 1, "a rejection is not retried")
			s := m.recorded(searchPath)
			require.Len(t, s, 1)
			assertAPICall(t, s[0], http.MethodGet, searchPath)
			assert.Equal(t, testMerchant, s[0].Query.Get("merchantIds"))
			assert.Equal(t, refIndiv, s[0].Query.Get("merchantReference"))
			assert.Empty(t, s[0].Body)
		})
	}
}

func TestSendReferenceReusedForAnotherAmountIsRefused(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(422, `{"error":{"code":"DUPLICATE_MERCHANT_REFERENCE","message":"Duplicate merchant reference","details":{}}}`))
	m.on(http.MethodGet, searchPath, searchFixture(t)) // the earlier payout was KES 20.00
	req := individualRequest()
	req.Amount = money.New(5000, money.KES)
	p, err := m.client().Send(context.Background(), req)
	assert.Nil(t, p, "the earlier payout is not this one")
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
	assert.Contains(t, err.Error(), "KES 20.00")
	assert.Contains(t, err.Error(), "KES 50.00")
}

func TestSendDuplicateReferenceNotFound(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(422, `{"error":{"code":"DUPLICATE_MERCHANT_REFERENCE","message":"exists"}}`))
	m.on(http.MethodGet, searchPath, jsonString(200, `[]`))
	_, err := m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrDuplicateReference)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "DUPLICATE_MERCHANT_REFERENCE", pe.ProviderCode)
	assert.Equal(t, 422, pe.HTTPStatus)
	assert.Equal(t, refIndiv, pe.Reference)
	assert.ErrorIs(t, err, payout.ErrNotFound, "the search's answer is the cause")
}

func TestSendReusedReferenceReturnsFirstPayout(t *testing.T) {
	// A provider that does not replay by Idempotency-Key: the second Send
	// is rejected as a duplicate and resolved by search.
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath,
		jsonResponder(201, fixture(t, "initiate_response.json")),
		jsonString(422, `{"message":["merchantReference already exists"],"error":"Unprocessable Entity","statusCode":422}`))
	m.on(http.MethodGet, searchPath, searchFixture(t))
	c := m.client()
	first, err := c.Send(context.Background(), individualRequest())
	require.NoError(t, err)
	second, err := c.Send(context.Background(), individualRequest())
	require.NoError(t, err)
	assert.Equal(t, first.ID, second.ID)
	init := m.recorded(initiatePath)
	require.Len(t, init, 2)
	assert.Equal(t, init[0].Header.Get("Idempotency-Key"), init[1].Header.Get("Idempotency-Key"))
}

func TestSend422AboutReferenceThatIsNoDuplicate(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(422, `{"message":["merchantReference must be shorter than or equal to 64 characters"],"error":"Unprocessable Entity","statusCode":422}`))
	m.on(http.MethodGet, searchPath, jsonString(200, `[]`))
	_, err := m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrInvalidRequest, "not found by reference: the validation error stands")
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "reference", pe.Field)
	assert.Len(t, m.recorded(searchPath), 1)
}

// Issue 10, item 5: IDEMPOTENCY_CONFLICT says the Reference's key holds a
// request with another body: the Reference belongs to another payout, and
// this one was not made. The search names what differs when it can.
func TestSendIdempotencyConflict(t *testing.T) {
	for name, tc := range map[string]struct {
		amount money.Amount
		names  string
	}{
		"same amount":    {money.New(2000, money.KES), "recipient (phone or name) or sender"},
		"another amount": {money.New(2500, money.KES), "amount KES 20.00, not KES 25.00"},
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonString(422, `{"error":{"code":"IDEMPOTENCY_CONFLICT","message":"Idempotency key reused with a different body"}}`))
			m.on(http.MethodGet, searchPath, searchFixture(t))
			req := individualRequest()
			req.Amount = tc.amount
			p, err := m.client().Send(context.Background(), req)
			assert.Nil(t, p)
			require.ErrorIs(t, err, payout.ErrDuplicateReference)
			assert.Contains(t, err.Error(), tc.names)
			assert.Contains(t, err.Error(), txID, "names the payout holding the Reference")
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, CodeIdempotencyConflict, pe.ProviderCode)
			assert.Equal(t, 422, pe.HTTPStatus)
			assert.Equal(t, refIndiv, pe.Reference)
			require.Len(t, m.recorded(initiatePath), 1)
			s := m.recorded(searchPath)
			require.Len(t, s, 1)
			assert.Equal(t, refIndiv, s[0].Query.Get("merchantReference"))
		})
	}
}

// An unknown outcome is looked up by reference. PayOS's search does not
// show the recipient, so the payout found is confirmed by asking once more
// under the same Idempotency-Key (issue 10, item 5): PayOS replays the
// original for the same request, refuses the key for another.
func TestSendOutcomeUnknownResolvedBySearch(t *testing.T) {
	badGateway := jsonString(502, `<html>bad gateway</html>`)
	t.Run("confirmed by the replay", func(t *testing.T) {
		m := newMock(t)
		m.onToken()
		m.on(http.MethodPost, initiatePath, badGateway, badGateway, badGateway, badGateway, initiated(t, 200))
		m.on(http.MethodGet, searchPath, searchFixture(t))
		p, err := m.client().Send(context.Background(), individualRequest())
		require.NoError(t, err)
		assert.Equal(t, txID, p.ID)
		init := m.recorded(initiatePath)
		require.Len(t, init, 1+payout.DefaultMaxRetries+1, "a keyed POST is retried on 5xx, then asked once more")
		for _, c := range init {
			assert.Equal(t, refIndiv, c.Header.Get("Idempotency-Key"), "the same key on every attempt")
			assert.JSONEq(t, string(fixture(t, "initiate_request_individual.json")), string(c.Body))
		}
		assert.Len(t, m.recorded(searchPath), 1)
	})
	t.Run("the key holds another request", func(t *testing.T) {
		m := newMock(t)
		m.onToken()
		m.on(http.MethodPost, initiatePath, badGateway, badGateway, badGateway, badGateway,
			jsonString(422, `{"error":{"code":"IDEMPOTENCY_CONFLICT","message":"Idempotency-Key was already used with a different request body"}}`))
		m.on(http.MethodGet, searchPath, searchFixture(t))
		p, err := m.client().Send(context.Background(), individualRequest())
		assert.Nil(t, p, "the payout found pays someone else")
		require.ErrorIs(t, err, payout.ErrDuplicateReference)
		assert.Contains(t, err.Error(), txID)
	})
	t.Run("not confirmed", func(t *testing.T) {
		m := newMock(t)
		m.onToken()
		m.on(http.MethodPost, initiatePath, badGateway)
		m.on(http.MethodGet, searchPath, searchFixture(t))
		p, err := m.client().Send(context.Background(), individualRequest())
		assert.Nil(t, p)
		require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), txID, "names the payout found")
		var pe *payout.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, refIndiv, pe.Reference)
	})
}

func TestSendOutcomeUnknownNotFound(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, httpmock.ConnectionFailure)
	m.on(http.MethodGet, searchPath, jsonString(200, `[]`))
	p, err := m.client().Send(context.Background(), individualRequest())
	assert.Nil(t, p)
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, refIndiv, pe.Reference)
	assert.Contains(t, pe.Message, "call Send again with the same Reference")
	assert.Len(t, m.recorded(searchPath), 1)
}

func TestSendOutcomeUnknownSearchFails(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(503, `{}`))
	m.on(http.MethodGet, searchPath, jsonString(500, `{}`))
	_, err := m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
}

func TestSendOutcomeUnknownWithCallerGone(t *testing.T) {
	m := newMock(t)
	m.onToken()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m.on(http.MethodPost, initiatePath, func(r *http.Request) (*http.Response, error) {
		cancel() // the caller gives up while the request is at the provider
		return nil, context.Canceled
	})
	m.on(http.MethodGet, searchPath, searchFixture(t))
	_, err := m.client().Send(ctx, individualRequest())
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown)
	assert.Empty(t, m.recorded(searchPath), "no search on behalf of a caller that left")
}

func TestSendUnreadableSuccessIsResolved(t *testing.T) {
	for name, body := range map[string]string{"truncated": `{"transactionId":"019b`, "no id": `{"status":"RECEIVED"}`} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonString(201, body), jsonString(201, body), initiated(t, 200))
			m.on(http.MethodGet, searchPath, jsonString(200, `[]`), searchFixture(t))
			c := m.client()
			_, err := c.Send(context.Background(), individualRequest())
			require.ErrorIs(t, err, payout.ErrOutcomeUnknown, "created, id lost, not found yet")
			p, err := c.Send(context.Background(), individualRequest())
			require.NoError(t, err, "found by the second search, confirmed by the replay")
			assert.Equal(t, txID, p.ID)
		})
	}
}

func TestSendFailureCodes(t *testing.T) {
	tests := []struct {
		code   string
		status int
		want   error
	}{
		{CodeRecipientInvalidAccount, 422, payout.ErrInvalidRecipient},
		{CodeRecipientLimitExceeded, 422, payout.ErrLimitExceeded},
		{CodeInsufficientFunds, 422, payout.ErrInsufficientFunds},
		{CodeInvalidData, 400, payout.ErrInvalidRecipient},
		{CodeNetworkError, 400, payout.ErrProviderError},
		{CodeDownstreamError, 424, payout.ErrProviderError},
		{CodeIdempotencyConflict, 422, payout.ErrDuplicateReference},
		{"SOMETHING_NEW", 403, payout.ErrForbidden},
		{"SOMETHING_NEW", 400, payout.ErrInvalidRequest},
		{"SOMETHING_NEW", 429, payout.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			m := newMock(t)
			m.onToken()
			m.on(http.MethodPost, initiatePath, jsonString(tt.status,
				`{"error":{"code":"`+tt.code+`","message":"it failed","details":{}}}`))
			c := m.client(payout.WithMaxRetries(0))
			_, err := c.Send(context.Background(), individualRequest())
			require.ErrorIs(t, err, tt.want)
			var pe *payout.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.code, pe.ProviderCode, "the raw code is kept")
			assert.Equal(t, tt.status, pe.HTTPStatus)
			assert.Equal(t, refIndiv, pe.Reference)
			assert.Equal(t, "req-test-1", pe.RequestID)
			assert.Equal(t, ProviderName, pe.Provider)

			// The same code on a failed payout.
			m.on(http.MethodGet, payoutPath+"tx1", jsonString(200,
				`{"transactionId":"tx1","status":"failed","message":"no","errorCode":"`+tt.code+`"}`))
			p, err := c.Get(context.Background(), "tx1")
			require.NoError(t, err)
			assert.Equal(t, payout.StatusFailed, p.Status)
			assert.Equal(t, tt.code, p.FailureCode)
			if c := FailureCode(tt.code); c != "" {
				want := tt.want
				if tt.code == CodeIdempotencyConflict {
					// As a code it is a conflict; Send reads it as the
					// Reference belonging to another payout.
					want = payout.ErrConflict
				}
				assert.ErrorIs(t, c.Err(), want)
			} else {
				assert.Equal(t, "SOMETHING_NEW", tt.code)
			}
		})
	}
}

func TestSendFixture422InsufficientFunds(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonResponder(422, fixture(t, "error_422_coded.json")))
	m.on(http.MethodGet, searchPath, searchFixture(t))
	_, err := m.client().Send(context.Background(), individualRequest())
	require.ErrorIs(t, err, payout.ErrInsufficientFunds)
	assert.Contains(t, err.Error(), "Insufficient funds in the payout source account")
	assert.Empty(t, m.recorded(searchPath))
}

func TestGetMapsFixtures(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+txID, jsonResponder(200, fixture(t, "get_payout_completed.json")))
	failedID := "019b0250-1111-7222-a333-444455556666"
	m.on(http.MethodGet, payoutPath+failedID, jsonResponder(200, fixture(t, "get_payout_failed.json")))
	c := m.client()

	p, err := c.Get(context.Background(), txID)
	require.NoError(t, err)
	get := m.recorded(payoutPath + txID)
	require.Len(t, get, 1)
	assertAPICall(t, get[0], http.MethodGet, payoutPath+txID)
	assert.Empty(t, get[0].Header.Get("Idempotency-Key"))
	assert.Equal(t, &payout.Payout{ID: txID, Reference: refIndiv, Provider: ProviderName,
		Status: payout.StatusSucceeded, ProviderStatus: "COMPLETED", Amount: money.New(2000, money.KES),
		Receipt: "SKL4H7QZ2P"}, p)

	p, err = c.Get(context.Background(), failedID)
	require.NoError(t, err)
	assert.Equal(t, payout.StatusFailed, p.Status)
	assert.Equal(t, "PAYOUT_RECIPIENT_INVALID_ACCOUNT", p.FailureCode)
	assert.Equal(t, "The recipient phone number is not registered with M-Pesa", p.FailureMessage)
	assert.Equal(t, payout.CodeInvalidRecipient, FailureCode(p.FailureCode))
	assert.Equal(t, "2026-03-01T09:11:05Z", p.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"))
	assert.Len(t, m.recorded(tokenPath), 1, "one token for both calls")
}

func TestGetEscapesIDAndMapsNotFound(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+"a%20b%3F%23", jsonString(404, `{"message":"Transaction not found","error":"Not Found","statusCode":404}`))
	c := m.client()
	_, err := c.Get(context.Background(), "a b?#")
	require.ErrorIs(t, err, payout.ErrNotFound)
	assert.Contains(t, err.Error(), "Transaction not found")
	assert.Len(t, m.recorded(payoutPath+"a b?#"), 1, "one GET, one segment, not retried")

	_, err = c.Get(context.Background(), "")
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
}

func TestMapStatus(t *testing.T) {
	for raw, want := range map[string]payout.Status{
		"RECEIVED": payout.StatusPending, "pending": payout.StatusPending, "Initiated": payout.StatusPending,
		"PROCESSING": payout.StatusProcessing,
		"SUCCESS":    payout.StatusSucceeded, "succeeded": payout.StatusSucceeded, "Completed": payout.StatusSucceeded,
		"SETTLED": payout.StatusSucceeded,
		"FAILED":  payout.StatusFailed, "errored": payout.StatusFailed, "ERROR": payout.StatusFailed,
		"CANCELLED": payout.StatusCancelled, "canceled": payout.StatusCancelled,
		"EXPIRED":  payout.StatusExpired,
		"REVERSED": payout.StatusReversed, "REFUNDED": payout.StatusReversed,
		"ON_HOLD_WITH_BANK": payout.StatusPending, "": payout.StatusPending,
	} {
		assert.Equal(t, want, MapStatus(raw), raw)
	}
	w := wirePayout{TransactionID: "x", Status: "ON_HOLD_WITH_BANK"}
	assert.Equal(t, "ON_HOLD_WITH_BANK", w.toPayout().ProviderStatus, "an unknown status is kept raw")
}

func TestFindByReference(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, searchPath,
		searchFixture(t),
		jsonString(200, `[]`),
		jsonString(200, `[{"transactionId":"other","merchantReference":"PAYOUT_1-bis","currentState":"FAILED"},
			{"transactionId":"mine","merchantReference":"PAYOUT_1","currentState":"PROCESSING","amount":"150000","currency":"KES"}]`),
		jsonString(200, `{"data":[{"transactionId":"wrapped","merchantReference":"PAYOUT_2","currentState":"PENDING"}]}`),
		jsonString(200, `[{"transactionId":"other","merchantReference":"PAYOUT_1-bis","currentState":"FAILED"}]`),
	)
	c := m.client()
	ctx := context.Background()

	p, err := c.FindByReference(ctx, refIndiv)
	require.NoError(t, err)
	assert.Equal(t, txID, p.ID)

	_, err = c.FindByReference(ctx, "PAYOUT_0")
	require.ErrorIs(t, err, payout.ErrNotFound)

	p, err = c.FindByReference(ctx, "PAYOUT_1")
	require.NoError(t, err)
	assert.Equal(t, "mine", p.ID, "the exact reference wins")
	assert.Equal(t, payout.StatusProcessing, p.Status)
	assert.Equal(t, money.New(15_000_000, money.KES), p.Amount)

	p, err = c.FindByReference(ctx, "PAYOUT_2")
	require.NoError(t, err)
	assert.Equal(t, "wrapped", p.ID)

	_, err = c.FindByReference(ctx, "PAYOUT_1")
	require.ErrorIs(t, err, payout.ErrNotFound, "another reference is not ours")

	_, err = c.FindByReference(ctx, " ")
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
}

func TestAmountParsing(t *testing.T) {
	for body, want := range map[string]money.Amount{
		`{"collection":{"amount":"20.00","currency":"KES"}}`:         money.New(2000, money.KES),
		`{"collection":{"amount":"20.5"}}`:                           money.New(2050, money.KES),
		`{"amount":20.0,"currency":"KES"}`:                           money.New(2000, money.KES),
		`{"amount":150000,"currency":"kes"}`:                         money.New(15_000_000, money.KES),
		`{"destinationValue":{"minorAmount":2050,"currency":"KES"}}`: money.New(2050, money.KES),
		`{"amount":20.005,"currency":"KES"}`:                         {},
		`{"amount":2e1,"currency":"KES"}`:                            {},
		`{"amount":null}`:                                            {},
	} {
		var w wirePayout
		require.NoError(t, jsonUnmarshal(body, &w), body)
		assert.Equal(t, want, w.amount(), body)
	}
}

func TestSendReturnsFailedPayoutFromInitiate(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodPost, initiatePath, jsonString(200,
		`{"transactionId":"tx9","status":"FAILED","errorCode":"PAYOUT_INSUFFICIENT_FUNDS","message":"low"}`))
	p, err := m.client().Send(context.Background(), individualRequest())
	require.NoError(t, err, "the payout exists; its status says it failed")
	assert.Equal(t, payout.StatusFailed, p.Status)
	assert.Equal(t, payout.CodeInsufficientFunds, FailureCode(p.FailureCode))
	assert.True(t, errors.Is(FailureCode(p.FailureCode).Err(), payout.ErrInsufficientFunds))
}

func TestSendCancelledAfterWriteIsOutcomeUnknown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case tokenPath:
			w.Write(fixture(t, "token_response.json"))
		case initiatePath: // the provider is slow to answer
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		default:
			w.Write([]byte(`[]`))
		}
	}))
	defer srv.Close()
	c, err := New(testMerchant, testSecret, payout.WithBaseURL(srv.URL))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Send(ctx, individualRequest())
	require.ErrorIs(t, err, payout.ErrOutcomeUnknown, "written, then abandoned: it may have been processed")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, refIndiv, pe.Reference)

	// Cancelled before anything was sent: a plain context error.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = c.Send(ctx, individualRequest())
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, payout.ErrOutcomeUnknown)
}

func TestLenientTimestamps(t *testing.T) {
	for body, want := range map[string]string{
		`{"createdAt":"2026-03-01T09:11:05.123Z"}`: "2026-03-01T09:11:05Z",
		`{"createdAt":1772356265}`:                 "2026-03-01T09:11:05Z",
		`{"createdAt":1772356265000}`:              "2026-03-01T09:11:05Z",
		`{"createdAt":"2026-03-01 09:11:05"}`:      "2026-03-01T09:11:05Z",
		`{"createdAt":"yesterday"}`:                "0001-01-01T00:00:00Z",
		`{"createdAt":{"at":1}}`:                   "0001-01-01T00:00:00Z",
	} {
		var w wirePayout
		require.NoError(t, jsonUnmarshal(body, &w), body)
		assert.Equal(t, want, w.toPayout().CreatedAt.Truncate(time.Second).Format(time.RFC3339), body)
	}
}

func TestGetWrappedAndMalformed(t *testing.T) {
	m := newMock(t)
	m.onToken()
	m.on(http.MethodGet, payoutPath+"w", jsonString(200, `{"data":{"transactionId":"w","status":"PROCESSING"}}`))
	m.on(http.MethodGet, payoutPath+"bad", jsonString(200, `<html>`))
	c := m.client()
	p, err := c.Get(context.Background(), "w")
	require.NoError(t, err)
	assert.Equal(t, payout.StatusProcessing, p.Status)
	_, err = c.Get(context.Background(), "bad")
	require.ErrorIs(t, err, payout.ErrProviderError)
	assert.NotContains(t, err.Error(), "<html>")
}
