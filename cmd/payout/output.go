package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
)

// payoutJSON is the -json form of a payout. Amounts are money.Amount's
// {"minor":..,"currency":..}; absent values are left out.
type payoutJSON struct {
	ID             string        `json:"id"`
	Reference      string        `json:"reference"`
	Provider       string        `json:"provider"`
	Status         payout.Status `json:"status"`
	ProviderStatus string        `json:"providerStatus,omitempty"`
	Amount         *money.Amount `json:"amount,omitempty"`
	Fee            *money.Amount `json:"fee,omitempty"`
	Phone          string        `json:"phone,omitempty"`
	Receipt        string        `json:"receipt,omitempty"`
	FailureCode    string        `json:"failureCode,omitempty"`
	FailureMessage string        `json:"failureMessage,omitempty"`
	CreatedAt      *time.Time    `json:"createdAt,omitempty"`
	UpdatedAt      *time.Time    `json:"updatedAt,omitempty"`
	// Existing is set by send: the provider returned the payout this
	// Reference already had, and made none.
	Existing bool `json:"existing,omitempty"`
}

// toJSON converts p to its -json form.
func toJSON(p *payout.Payout) payoutJSON {
	out := payoutJSON{
		ID: p.ID, Reference: p.Reference, Provider: p.Provider, Status: p.Status, ProviderStatus: p.ProviderStatus,
		Amount: amountPtr(p.Amount), Fee: amountPtr(p.Fee), Phone: p.Phone, Receipt: p.Receipt,
		FailureCode: p.FailureCode, FailureMessage: p.FailureMessage,
	}
	if !p.CreatedAt.IsZero() {
		out.CreatedAt = &p.CreatedAt
	}
	if !p.UpdatedAt.IsZero() {
		out.UpdatedAt = &p.UpdatedAt
	}
	return out
}

// amountPtr is a pointer to a, or nil for an amount the provider did not
// give (no currency), which MarshalJSON could not encode.
func amountPtr(a money.Amount) *money.Amount {
	if !a.Currency.Valid() {
		return nil
	}
	return &a
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

// kv is one "Key: value" line of human output.
type kv struct{ key, value string }

// writeKV writes the non-empty pairs as aligned "Key: value" lines.
func writeKV(w io.Writer, pairs []kv) error {
	width := 0
	for _, p := range pairs {
		if p.value != "" {
			width = max(width, len(p.key)+1)
		}
	}
	var b strings.Builder
	for _, p := range pairs {
		if p.value != "" {
			fmt.Fprintf(&b, "%-*s %s\n", width, p.key+":", p.value)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// amountText is a's human form, "" for an absent amount.
func amountText(a money.Amount) string {
	if !a.Currency.Valid() {
		return ""
	}
	return a.String()
}

// timeText is t in RFC 3339, "" for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// printPayout prints one payout, as aligned lines or one JSON object.
func (a *app) printPayout(p *payout.Payout) error {
	if a.opts.json {
		return writeJSON(a.stdout, toJSON(p))
	}
	status := string(p.Status)
	if p.ProviderStatus != "" {
		status += " (" + p.ProviderStatus + ")"
	}
	failure := p.FailureCode
	if p.FailureMessage != "" {
		failure = strings.TrimSpace(failure + " " + p.FailureMessage)
	}
	fee := ""
	if !p.Fee.IsZero() {
		fee = amountText(p.Fee)
	}
	return writeKV(a.stdout, []kv{
		{"ID", p.ID}, {"Reference", p.Reference}, {"Provider", p.Provider}, {"Status", status},
		{"Amount", amountText(p.Amount)}, {"Fee", fee}, {"Phone", p.Phone}, {"Receipt", p.Receipt},
		{"Failure", failure}, {"Created", timeText(p.CreatedAt)}, {"Updated", timeText(p.UpdatedAt)},
	})
}

// printSent prints what send -yes got back; existing marks a payout the
// provider had made before this call (an idempotent re-send).
func (a *app) printSent(p *payout.Payout, existing bool) error {
	if a.opts.json {
		out := toJSON(p)
		out.Existing = existing
		return writeJSON(a.stdout, out)
	}
	if err := a.printPayout(p); err != nil {
		return err
	}
	if !existing {
		return nil
	}
	_, err := fmt.Fprintf(a.stdout, "Note: this reference already had a payout (created %s): the provider returned it and paid nothing new.\n",
		timeText(p.CreatedAt))
	return err
}

// printList prints payouts: one JSON object per line, or a table.
func (a *app) printList(list []*payout.Payout) error {
	if a.opts.json {
		for _, p := range list {
			if err := writeJSON(a.stdout, toJSON(p)); err != nil {
				return err
			}
		}
		return nil
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no transactions")
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREFERENCE\tSTATUS\tAMOUNT\tPHONE\tCREATED")
	for _, p := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, dash(p.Reference), p.Status, dash(amountText(p.Amount)), dash(p.Phone), dash(timeText(p.CreatedAt)))
	}
	return tw.Flush()
}

// dash is s, or "-" when s is empty, for table cells.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// balanceJSON is the -json form of the service wallet's balance.
type balanceJSON struct {
	Provider  string        `json:"provider"`
	Wallet    string        `json:"wallet"`
	WalletID  string        `json:"walletId,omitempty"`
	TenantID  string        `json:"tenantId,omitempty"`
	Available *money.Amount `json:"available,omitempty"`
	Ledger    *money.Amount `json:"ledger,omitempty"`
	UpdatedAt *time.Time    `json:"updatedAt,omitempty"`
}

// printBalance prints the PalPluss service wallet's balance.
func (a *app) printBalance(b *palpluss.ServiceBalance) error {
	if a.opts.json {
		out := balanceJSON{Provider: palpluss.ProviderName, Wallet: "service", WalletID: b.WalletID, TenantID: b.TenantID,
			Available: amountPtr(b.Available), Ledger: amountPtr(b.Ledger)}
		if !b.UpdatedAt.IsZero() {
			out.UpdatedAt = &b.UpdatedAt
		}
		return writeJSON(a.stdout, out)
	}
	return writeKV(a.stdout, []kv{
		{"Provider", palpluss.ProviderName}, {"Wallet", "service (pays PalPluss's fees)"},
		{"WalletID", b.WalletID}, {"TenantID", b.TenantID},
		{"Available", amountText(b.Available)}, {"Ledger", amountText(b.Ledger)}, {"Updated", timeText(b.UpdatedAt)},
	})
}

// dryRunJSON is the -json form of what send would send.
type dryRunJSON struct {
	DryRun      bool          `json:"dryRun"`
	Provider    string        `json:"provider"`
	BaseURL     string        `json:"baseUrl"`
	Reference   string        `json:"reference"`
	Amount      *money.Amount `json:"amount"`
	Phone       string        `json:"phone"`
	Name        string        `json:"name,omitempty"`
	Description string        `json:"description,omitempty"`
	CallbackURL string        `json:"callbackUrl,omitempty"`
	Sender      string        `json:"sender,omitempty"`
}

// printDryRun prints the payout send would send without -yes.
func (a *app) printDryRun(req payout.Request) error {
	sender := ""
	if req.Sender != nil {
		sender = req.Sender.FullName + " (" + req.Sender.Kind().String() + ")"
	}
	if a.opts.json {
		return writeJSON(a.stdout, dryRunJSON{DryRun: true, Provider: a.opts.provider, BaseURL: a.baseURL, Reference: req.Reference,
			Amount: amountPtr(req.Amount), Phone: req.Recipient.Phone, Name: req.Recipient.Name,
			Description: req.Description, CallbackURL: req.CallbackURL, Sender: sender})
	}
	fmt.Fprintln(a.stdout, "DRY RUN: nothing sent. Add -yes to send this payout (real money moves):")
	if err := writeKV(a.stdout, []kv{
		{"Provider", a.opts.provider}, {"Base URL", a.baseURL}, {"Reference", req.Reference}, {"Amount", req.Amount.String()},
		{"Phone", req.Recipient.Phone}, {"Name", req.Recipient.Name}, {"Description", req.Description},
		{"Callback", req.CallbackURL}, {"Sender", sender},
	}); err != nil {
		return err
	}
	_, err := fmt.Fprintln(a.stdout, "It passed every check the SDK makes for "+a.opts.provider+
		" before sending; the provider may still refuse it (funds, the recipient's account).")
	return err
}
