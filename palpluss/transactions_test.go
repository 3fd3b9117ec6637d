package palpluss

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
)

const listURL = baseURL + "/transactions"

// pager answers GET /transactions from pages keyed by the cursor asked for
// ("" for the first page).
func pager(t *testing.T, pages map[string]string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		body, ok := pages[req.URL.Query().Get("cursor")]
		if !ok {
			t.Errorf("unexpected cursor %q", req.URL.Query().Get("cursor"))
			return httpmock.NewStringResponse(400, `{"success":false,"error":{"code":"INVALID_CURSOR"}}`), nil
		}
		return reply(200, []byte(body))(req)
	}
}

func item(n int, ref, status string) string {
	return fmt.Sprintf(`{"transaction_id":"2f9c1e77-0000-0000-0000-%012d","type":"B2C","status":%q,"amount":%d,"currency":"KES","phone_number":"254712345678","external_reference":%q}`, n, status, 100+n, ref)
}

func TestListTransactionsFixture(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, reply(200, fixture(t, "transactions_list_snake.json")))
	page, err := m.client.ListTransactions(context.Background(), TransactionsQuery{Limit: 2, Status: payout.StatusSucceeded, Type: TypeB2C, Cursor: "abc=="})
	require.NoError(t, err)

	reqs := m.all()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/v1/transactions", reqs[0].Path)
	q, err := url.ParseQuery(reqs[0].RawQuery)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"limit": {"2"}, "status": {"SUCCESS"}, "type": {"B2C"}, "cursor": {"abc=="}}, q)
	assert.Equal(t, wantAuth, reqs[0].Header.Get("Authorization"))

	assert.Equal(t, "eyJpZCI6IjJmOWMxZTc3In0=", page.NextCursor)
	assert.Nil(t, page.Overview)
	require.Len(t, page.Items, 2)
	assert.Equal(t, &payout.Payout{
		ID: "2f9c1e77-0000-0000-0000-000000000002", Reference: "WD-2024-002", Provider: "palpluss",
		Status: payout.StatusPending, ProviderStatus: "PENDING", Amount: money.New(1200_00, money.KES),
		Phone:     "254110123456",
		CreatedAt: time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC),
	}, page.Items[0])
	assert.Equal(t, payout.StatusSucceeded, page.Items[1].Status)
	assert.Equal(t, "WD-2024-001", page.Items[1].Reference)
}

func TestListTransactionsDocsShape(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, reply(200, []byte(`{"success":true,"data":{"overview":{"total":1},"items":[{"transactionId":"`+txID+`","status":"SUCCESS","amount":500,"phone":"254712345678","reference":"WD-2024-001"}],"nextCursor":null}}`)))
	page, err := m.client.ListTransactions(context.Background(), TransactionsQuery{})
	require.NoError(t, err)
	assert.Empty(t, m.all()[0].RawQuery, "the zero query sends no parameters")
	assert.Empty(t, page.NextCursor)
	assert.JSONEq(t, `{"total":1}`, string(page.Overview))
	require.Len(t, page.Items, 1)
	assert.Equal(t, txID, page.Items[0].ID)
	assert.Equal(t, "WD-2024-001", page.Items[0].Reference)
}

func TestListTransactionsRejectsBadQueries(t *testing.T) {
	m := newMock(t)
	_, err := m.client.ListTransactions(context.Background(), TransactionsQuery{Limit: -1})
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
	_, err = m.client.ListTransactions(context.Background(), TransactionsQuery{Status: "paid"})
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
	assert.Empty(t, m.all())
}

func TestListTransactionsBadItem(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, reply(200, envelopeOf(`{"items":[`+item(1, "A", "PENDING")+`,{"transaction_id":"x","amount":"lots"}]}`)))
	_, err := m.client.ListTransactions(context.Background(), TransactionsQuery{})
	require.ErrorIs(t, err, payout.ErrProviderError)
	assert.Contains(t, err.Error(), "item 1: amount")
}

func TestTransactionsIteratesEveryPageAndStops(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, pager(t, map[string]string{
		"":   string(envelopeOf(`{"items":[` + item(5, "E", "PENDING") + `,` + item(4, "D", "SUCCESS") + `],"next_cursor":"c1"}`)),
		"c1": string(envelopeOf(`{"overview":{},"items":[` + item(3, "C", "FAILED") + `],"nextCursor":"c2"}`)),
		"c2": string(envelopeOf(`{"items":[` + item(2, "B", "REVERSED") + `,` + item(1, "A", "SUCCESS") + `],"next_cursor":""}`)),
	}))
	var refs []string
	for p, err := range m.client.Transactions(context.Background(), TransactionsQuery{Limit: 2, Type: TypeB2C}) {
		require.NoError(t, err)
		refs = append(refs, p.Reference)
	}
	assert.Equal(t, []string{"E", "D", "C", "B", "A"}, refs)
	reqs := m.all()
	require.Len(t, reqs, 3, "stops when the cursor is empty")
	for i, cur := range []string{"", "c1", "c2"} {
		q, _ := url.ParseQuery(reqs[i].RawQuery)
		assert.Equal(t, cur, q.Get("cursor"))
		assert.Equal(t, "2", q.Get("limit"), "the filters stay on every page")
		assert.Equal(t, "B2C", q.Get("type"))
	}
}

func TestTransactionsStopsWithoutCursor(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, reply(200, envelopeOf(`{"items":[`+item(1, "A", "PENDING")+`]}`)))
	n := 0
	for _, err := range m.client.Transactions(context.Background(), TransactionsQuery{}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
	assert.Len(t, m.all(), 1)
}

func TestTransactionsYieldsTheFirstErrorAndStops(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, pager(t, map[string]string{
		"":    string(envelopeOf(`{"items":[` + item(2, "B", "PENDING") + `],"next_cursor":"bad"}`)),
		"bad": `{"success":false,"error":{"message":"Invalid cursor","code":"INVALID_CURSOR"}}`,
	}))
	var got []string
	var errs []error
	for p, err := range m.client.Transactions(context.Background(), TransactionsQuery{}) {
		if err != nil {
			errs = append(errs, err)
			assert.Nil(t, p)
			continue
		}
		got = append(got, p.Reference)
	}
	assert.Equal(t, []string{"B"}, got)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], payout.ErrInvalidRequest)
	assert.Len(t, m.all(), 2)
}

func TestTransactionsBreakStopsFetching(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, reply(200, envelopeOf(`{"items":[`+item(2, "B", "PENDING")+`,`+item(1, "A", "PENDING")+`],"next_cursor":"more"}`)))
	for range m.client.Transactions(context.Background(), TransactionsQuery{}) {
		break
	}
	assert.Len(t, m.all(), 1)
}

func TestTransactionsDetectsARepeatingCursor(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, reply(200, envelopeOf(`{"items":[`+item(1, "A", "PENDING")+`],"next_cursor":"same"}`)))
	var last error
	n := 0
	for _, err := range m.client.Transactions(context.Background(), TransactionsQuery{}) {
		n++
		last = err
	}
	require.Error(t, last)
	assert.Contains(t, last.Error(), "cursor repeats")
	assert.Equal(t, 3, n, "two pages of one item, then the error")
}

func TestTransactionsStopsOnCancelledContext(t *testing.T) {
	m := newMock(t)
	ctx, cancel := context.WithCancel(context.Background())
	m.on(http.MethodGet, listURL, func(req *http.Request) (*http.Response, error) {
		cancel()
		return reply(200, envelopeOf(`{"items":[`+item(1, "A", "PENDING")+`],"next_cursor":"next"}`))(req)
	})
	var errs []error
	for _, err := range m.client.Transactions(ctx, TransactionsQuery{}) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Len(t, m.all(), 1)
}

func TestFindByReference(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, listURL, pager(t, map[string]string{
		"":   string(envelopeOf(`{"items":[` + item(3, "C", "PENDING") + `],"next_cursor":"p2"}`)),
		"p2": string(envelopeOf(`{"items":[` + item(2, "B", "SUCCESS") + `,` + item(1, "B", "FAILED") + `],"next_cursor":"p3"}`)),
		"p3": string(envelopeOf(`{"items":[` + item(0, "A", "SUCCESS") + `]}`)),
	}))
	p, err := m.client.FindByReference(context.Background(), "B")
	require.NoError(t, err)
	assert.Equal(t, "2f9c1e77-0000-0000-0000-000000000002", p.ID, "the newest with that reference")
	assert.Equal(t, payout.StatusSucceeded, p.Status)
	reqs := m.all()
	require.Len(t, reqs, 2, "stops at the first match")
	q, _ := url.ParseQuery(reqs[0].RawQuery)
	assert.Equal(t, url.Values{"limit": {"50"}, "type": {"B2C"}}, q)

	_, err = m.client.FindByReference(context.Background(), "Z")
	require.ErrorIs(t, err, payout.ErrNotFound)
	var pe *payout.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Z", pe.Reference)

	_, err = m.client.FindByReference(context.Background(), "")
	require.ErrorIs(t, err, payout.ErrInvalidRequest)
}

func TestFindByReferenceIsBounded(t *testing.T) {
	m := newMock(t)
	var n int
	m.on(http.MethodGet, listURL, func(req *http.Request) (*http.Response, error) {
		n++
		return reply(200, envelopeOf(fmt.Sprintf(`{"items":[%s],"next_cursor":"c%d"}`, item(n, "other", "SUCCESS"), n)))(req)
	})
	_, err := m.client.FindByReference(context.Background(), "WD-404")
	require.ErrorIs(t, err, payout.ErrNotFound)
	assert.Contains(t, err.Error(), "bounded")
	assert.Len(t, m.all(), FindMaxPages)
}

func TestServiceBalance(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/wallets/service/balance", reply(200, fixture(t, "service_balance.json")))
	b, err := m.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	reqs := m.all()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/v1/wallets/service/balance", reqs[0].Path)
	assert.Equal(t, wantAuth, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, &ServiceBalance{
		WalletID:  "e3f2a1b0-0000-0000-0000-000000000001",
		TenantID:  "b6fbe75f-ce87-4d44-b318-6cfdb8b7de4d",
		Available: money.New(4250_00, money.KES),
		Ledger:    money.New(4250_00, money.KES),
		UpdatedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	}, b)
}

func TestServiceBalanceSnakeCaseAndErrors(t *testing.T) {
	m := newMock(t)
	m.on(http.MethodGet, baseURL+"/wallets/service/balance",
		reply(200, envelopeOf(`{"wallet_id":"w","tenant_id":"t","currency":"KES","available_balance":"12.5","ledger_balance":13,"updated_at":"2026-03-01T10:00:00Z"}`)),
		reply(404, errorBody(t, 404, "WALLET_NOT_FOUND")),
		reply(200, envelopeOf(`{"available_balance":"12.555"}`)))
	b, err := m.client.ServiceBalance(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "w", b.WalletID)
	assert.Equal(t, money.New(12_50, money.KES), b.Available)
	assert.Equal(t, money.New(13_00, money.KES), b.Ledger)

	_, err = m.client.ServiceBalance(context.Background())
	require.ErrorIs(t, err, payout.ErrNotFound)

	_, err = m.client.ServiceBalance(context.Background())
	require.ErrorIs(t, err, payout.ErrProviderError, "three decimals cannot be KES")
	assert.True(t, strings.Contains(err.Error(), "availableBalance"), err.Error())
}
