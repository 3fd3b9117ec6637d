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
	// Ledger is the booked balance, holds included.
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
	UpdatedAt             flexString `json:"updatedAt"`
	UpdatedAtSnake        flexString `json:"updated_at"`
}

// ServiceBalance returns the service (fee) wallet's balance
// (GET /wallets/service/balance).
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
	if b.Available, err = parseBalance(w.AvailableBalance, w.AvailableBalanceSnake, cur); err != nil {
		return nil, c.unreadable(resp, "the service balance", fmt.Errorf("availableBalance: %w", err))
	}
	if b.Ledger, err = parseBalance(w.LedgerBalance, w.LedgerBalanceSnake, cur); err != nil {
		return nil, c.unreadable(resp, "the service balance", fmt.Errorf("ledgerBalance: %w", err))
	}
	return b, nil
}

// parseBalance reads a balance from whichever spelling is present; an
// absent balance is zero in the wallet's currency.
func parseBalance(camel, snake flexNumber, cur money.Currency) (money.Amount, error) {
	n := first(camel, snake)
	if n == "" {
		return money.New(0, cur), nil
	}
	return parseAmount(n, cur)
}
