package palpluss

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/payoutkit/payout/internal/httpx"
	"github.com/payoutkit/payout/money"
)

// ServiceBalance is the balance of the PalPluss service wallet, the wallet
// that pays PalPluss's transaction fees (Payout.Fee). When it runs low,
// Send fails with payout.ErrInsufficientFeeBalance.
type ServiceBalance struct {
	// WalletID is the service wallet's id.
	WalletID string
	// TenantID is the PalPluss account the wallet belongs to.
	TenantID string
	// Available is what can be spent now.
	Available money.Amount
	// Ledger is the booked balance, holds included; Available when
	// PalPluss reports a single balance.
	Ledger money.Amount
	// UpdatedAt is when the balance last changed (zero if not reported).
	UpdatedAt time.Time
}

type wireBalance struct {
	WalletID              flexString `json:"walletId"`
	WalletIDSnake         flexString `json:"wallet_id"`
	TenantID              flexString `json:"tenantId"`
	TenantIDSnake         flexString `json:"tenant_id"`
	Currency              flexString `json:"currency"`
	AvailableBalance      flexNumber `json:"availableBalance"`
	AvailableBalanceSnake flexNumber `json:"available_balance"`
	LedgerBalance         flexNumber `json:"ledgerBalance"`
	LedgerBalanceSnake    flexNumber `json:"ledger_balance"`
	Balance               flexNumber `json:"balance"`
	UpdatedAt             flexString `json:"updatedAt"`
	UpdatedAtSnake        flexString `json:"updated_at"`
}

// ServiceBalance returns the service (fee) wallet's balance
// (GET /wallets/service/balance). The available balance is read from
// availableBalance (or available_balance), else from a single "balance"
// member; an answer with none of them is an error, never a zero balance.
//
// There is no B2C wallet balance here: PalPluss documents no API for the
// balance of the wallet payouts are paid from (it shows on the dashboard
// only). A payout larger than that balance fails with
// payout.ErrInsufficientFunds.
func (c *Client) ServiceBalance(ctx context.Context) (*ServiceBalance, error) {
	resp, err := c.eng.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "/wallets/service/balance"})
	if err != nil {
		return nil, err
	}
	env, err := decodeEnvelope[wireBalance](resp.Body)
	if err != nil {
		return nil, c.unreadable(resp, "the service balance", err)
	}
	if env.failed() {
		return nil, c.envelopeError(resp, &env.wireError, "")
	}
	if env.Data == nil {
		return nil, c.unreadable(resp, "the service balance", errors.New("no data"))
	}
	w := env.Data
	cur := money.KES
	if s := strings.ToUpper(strings.TrimSpace(string(w.Currency))); s != "" {
		cur = money.Currency(s)
		if !cur.Valid() {
			return nil, c.unreadable(resp, "the service balance", fmt.Errorf("unknown currency %q", string(w.Currency)))
		}
	}
	b := &ServiceBalance{
		WalletID:  string(first(w.WalletID, w.WalletIDSnake)),
		TenantID:  string(first(w.TenantID, w.TenantIDSnake)),
		UpdatedAt: parseTime(string(first(w.UpdatedAt, w.UpdatedAtSnake))),
	}
	avail := first(w.AvailableBalance, w.AvailableBalanceSnake, w.Balance)
	if avail == "" {
		// Never report an absent balance as zero: a caller would top the
		// wallet up, or stop paying, on a number PalPluss never sent.
		return nil, c.unreadable(resp, "the service balance", errors.New("no availableBalance, available_balance or balance"))
	}
	if b.Available, err = parseAmount(avail, cur); err != nil {
		return nil, c.unreadable(resp, "the service balance", fmt.Errorf("availableBalance: %w", err))
	}
	b.Ledger = b.Available
	if ledger := first(w.LedgerBalance, w.LedgerBalanceSnake); ledger != "" {
		if b.Ledger, err = parseAmount(ledger, cur); err != nil {
			return nil, c.unreadable(resp, "the service balance", fmt.Errorf("ledgerBalance: %w", err))
		}
	}
	return b, nil
}
