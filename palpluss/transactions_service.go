package palpluss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/internal/httpx"
)

// TypeB2C is the transaction type of a payout (business to customer), for
// TransactionsQuery.Type.
const TypeB2C = "B2C"

// TransactionsQuery filters GET /transactions. The zero value lists every
// transaction, newest first, in pages of the provider's default size.
type TransactionsQuery struct {
	// Limit is the page size; 0 leaves it to PalPluss.
	Limit int
	// Status keeps transactions in this status only; "" keeps all.
	Status payout.Status
	// Type keeps transactions of this type only (TypeB2C, ...); "" keeps
	// all.
	Type string
	// Cursor starts the listing after a page: the NextCursor of a previous
	// TransactionsPage. "" starts with the newest transaction.
	Cursor string
}

// TransactionsPage is one page of the transaction list.
type TransactionsPage struct {
	// Items are the page's transactions, newest first.
	Items []*payout.Payout
	// NextCursor continues the listing (TransactionsQuery.Cursor); "" on the
	// last page.
	NextCursor string
	// Overview is the summary PalPluss's documentation shows beside the
	// items, as sent; nil when absent.
	Overview json.RawMessage
}

// wirePage is a page in either of the provider's shapes: {items,
// next_cursor} (the contract) or {overview, items, nextCursor} (the docs).
type wirePage struct {
	Items           []wireTx        `json:"items"`
	NextCursor      flexString      `json:"nextCursor"`
	NextCursorSnake flexString      `json:"next_cursor"`
	Overview        json.RawMessage `json:"overview"`
}

func (w *wirePage) nextCursor() string { return string(first(w.NextCursor, w.NextCursorSnake)) }

// ListTransactions returns one page of transactions (GET /transactions),
// newest first. Use Transactions to walk every page.
func (c *Client) ListTransactions(ctx context.Context, q TransactionsQuery) (*TransactionsPage, error) {
	v := url.Values{}
	if q.Limit < 0 {
		return nil, payout.InvalidField("limit", "must not be negative, got %d", q.Limit)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Status != "" {
		s, ok := providerStatuses[q.Status]
		if !ok {
			return nil, payout.InvalidField("status", "unknown status %q", q.Status)
		}
		v.Set("status", s)
	}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	resp, err := c.eng.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "/transactions", Query: v})
	if err != nil {
		return nil, err
	}
	env, err := decodeEnvelope[json.RawMessage](resp.Body)
	if err != nil {
		return nil, c.unreadable(resp, "the transaction list", err)
	}
	if env.failed() {
		return nil, c.envelopeError(resp, &env.wireError, "")
	}
	var page wirePage
	if env.Data != nil {
		if err := readPage(*env.Data, &page); err != nil {
			return nil, c.unreadable(resp, "the transaction list", err)
		}
	}
	out := &TransactionsPage{Items: make([]*payout.Payout, 0, len(page.Items)), NextCursor: page.nextCursor()}
	if len(page.Overview) > 0 && string(page.Overview) != "null" {
		out.Overview = page.Overview
	}
	for i := range page.Items {
		p, err := page.Items[i].toPayout()
		if err != nil {
			return nil, c.unreadable(resp, "the transaction list", fmt.Errorf("item %d: %w", i, err))
		}
		out.Items = append(out.Items, c.eng.Redactor().Payout(p))
	}
	return out, nil
}

// readPage decodes data as a page object, or as a bare array of items.
func readPage(data json.RawMessage, page *wirePage) error {
	if len(data) > 0 && data[0] == '[' {
		return decodeStrictArray(data, &page.Items)
	}
	if string(data) == "null" {
		return nil
	}
	return decodeStrict(data, page)
}

// Transactions walks the transaction list page after page, newest first,
// following the cursor until PalPluss returns none. It yields each
// transaction with a nil error; on the first error (of any page) it yields
// (nil, err) once and stops. Breaking out of the loop stops it too.
//
//	for p, err := range client.Transactions(ctx, palpluss.TransactionsQuery{Type: palpluss.TypeB2C}) {
//		if err != nil { return err }
//		...
//	}
func (c *Client) Transactions(ctx context.Context, q TransactionsQuery) iter.Seq2[*payout.Payout, error] {
	return func(yield func(*payout.Payout, error) bool) {
		seen := map[string]bool{}
		for {
			page, err := c.ListTransactions(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, p := range page.Items {
				if !yield(p, nil) {
					return
				}
			}
			if page.NextCursor == "" {
				return
			}
			if seen[page.NextCursor] {
				yield(nil, &payout.Error{Code: payout.CodeProviderError, Provider: ProviderName,
					Message: "the transaction list's cursor repeats; stopping instead of looping"})
				return
			}
			seen[page.NextCursor] = true
			q.Cursor = page.NextCursor
		}
	}
}

// Bounds of FindByReference's scan.
const (
	// FindPageSize is the page size FindByReference asks for.
	FindPageSize = 50
	// FindMaxPages is how many pages FindByReference reads at most.
	FindMaxPages = 20
)

// FindByReference returns the newest B2C transaction whose reference is
// ref. PalPluss's API has no filter by reference, so this is a scan of the
// transaction list, newest first, of at most FindMaxPages pages of
// FindPageSize (1,000 payouts): an older payout is reported as not found,
// with a message that says the scan was bounded. Use it to resolve an
// unknown outcome soon after the Send; calling Send again with the same
// Reference is cheaper and exact.
func (c *Client) FindByReference(ctx context.Context, ref string) (*payout.Payout, error) {
	if ref == "" {
		return nil, payout.InvalidField("reference", "is required")
	}
	q := TransactionsQuery{Limit: FindPageSize, Type: TypeB2C}
	seen := map[string]bool{}
	for page := 0; page < FindMaxPages; page++ {
		res, err := c.ListTransactions(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, p := range res.Items {
			if p.Reference == ref {
				return p, nil
			}
		}
		if res.NextCursor == "" || seen[res.NextCursor] {
			return nil, &payout.Error{Code: payout.CodeNotFound, Provider: ProviderName, Reference: ref,
				Message: "no B2C transaction has this reference"}
		}
		seen[res.NextCursor] = true
		q.Cursor = res.NextCursor
	}
	return nil, &payout.Error{Code: payout.CodeNotFound, Provider: ProviderName, Reference: ref,
		Message: fmt.Sprintf("no B2C transaction has this reference among the newest %d (the scan is bounded)", FindPageSize*FindMaxPages)}
}

// decodeStrictArray decodes a JSON array with numbers kept as text.
func decodeStrictArray(data []byte, v any) error {
	if len(data) == 0 || data[0] != '[' {
		return errors.New("not a JSON array")
	}
	return decodeJSON(data, v)
}
