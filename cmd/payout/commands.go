package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
)

// cmdGet prints the payout with the given provider transaction id.
func cmdGet(a *app, args []string) error {
	return lookup(a, "get", "transaction-id", args, func(ctx context.Context, id string) (*payout.Payout, error) {
		return a.client.Get(ctx, id)
	})
}

// cmdFind prints the payout sent with the given reference.
func cmdFind(a *app, args []string) error {
	return lookup(a, "find", "reference", args, func(ctx context.Context, ref string) (*payout.Payout, error) {
		return a.client.FindByReference(ctx, ref)
	})
}

// lookup runs a command that takes one argument, named arg, fetches one
// payout with it and prints it.
func lookup(a *app, name, arg string, args []string, fetch func(context.Context, string) (*payout.Payout, error)) error {
	pos, err := a.parseFlags(flag.NewFlagSet(name, flag.ContinueOnError), args, arg)
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	ctx, cancel := a.context()
	defer cancel()
	p, err := fetch(ctx, pos[0])
	if err != nil {
		return err
	}
	return a.printPayout(p)
}

// palpluss returns the PalPluss client, or a usage error naming what is
// PalPluss-only.
func (a *app) palpluss(what string) (*palpluss.Client, error) {
	if err := a.connect(); err != nil {
		return nil, err
	}
	c, ok := a.client.(*palpluss.Client)
	if !ok {
		return nil, usagef("%s is PalPluss only: %s has no such API (use -provider palpluss)", what, a.opts.provider)
	}
	return c, nil
}

// cmdBalance prints the PalPluss service (fee) wallet's balance.
func cmdBalance(a *app, args []string) error {
	if _, err := a.parseFlags(flag.NewFlagSet("balance", flag.ContinueOnError), args); err != nil {
		return err
	}
	c, err := a.palpluss("balance")
	if err != nil {
		return err
	}
	ctx, cancel := a.context()
	defer cancel()
	b, err := c.ServiceBalance(ctx)
	if err != nil {
		return err
	}
	return a.printBalance(b)
}

// cmdList prints recent PalPluss transactions, newest first, reading pages
// until -limit are printed.
func cmdList(a *app, args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	limit := fs.Int("limit", 20, "how many transactions to print at most")
	status := fs.String("status", "", "only transactions in this status (pending, processing, succeeded, failed, reversed, ...)")
	if _, err := a.parseFlags(fs, args); err != nil {
		return err
	}
	if *limit <= 0 {
		return usagef("-limit must be positive, got %d", *limit)
	}
	c, err := a.palpluss("list")
	if err != nil {
		return err
	}
	q := palpluss.TransactionsQuery{Limit: min(*limit, 100), Status: payout.Status(strings.ToLower(strings.TrimSpace(*status)))}
	ctx, cancel := a.context()
	defer cancel()
	var list []*payout.Payout
	for p, err := range c.Transactions(ctx, q) {
		if err != nil {
			return err
		}
		list = append(list, p)
		if len(list) == *limit {
			break
		}
	}
	return a.printList(list)
}

// sendFlags are the flags of send.
type sendFlags struct {
	reference, amount, phone, name, description, callback, senderJSON string
	yes                                                               bool
}

// cmdSend validates one payout and, with -yes, sends it.
func cmdSend(a *app, args []string) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	var f sendFlags
	fs.StringVar(&f.reference, "reference", "", "your unique id for this payout (the idempotency anchor)")
	fs.StringVar(&f.amount, "amount", "", "amount in KES, e.g. 500.00")
	fs.StringVar(&f.phone, "phone", "", "recipient's mobile number, e.g. 0712345678")
	fs.StringVar(&f.name, "name", "", "recipient's name (PayOS requires it)")
	fs.StringVar(&f.description, "description", "", "note for the provider's records")
	fs.StringVar(&f.callback, "callback", "", "webhook URL for this payout (PalPluss)")
	fs.StringVar(&f.senderJSON, "sender-json", "", "file with the sender's KYC record as JSON (PayOS requires it)")
	fs.BoolVar(&f.yes, "yes", false, "really send: real money moves")
	if _, err := a.parseFlags(fs, args); err != nil {
		return err
	}
	req, err := buildRequest(f, a.opts.provider)
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	if !f.yes {
		return a.printDryRun(req)
	}
	ctx, cancel := a.context()
	defer cancel()
	p, err := a.client.Send(ctx, req)
	if err != nil {
		return err
	}
	return a.printPayout(p)
}

// buildRequest turns send's flags into a validated payout.Request. Its
// errors are usage errors naming the flag at fault.
func buildRequest(f sendFlags, provider string) (payout.Request, error) {
	for _, r := range []struct{ name, value string }{{"-reference", f.reference}, {"-amount", f.amount}, {"-phone", f.phone}} {
		if strings.TrimSpace(r.value) == "" {
			return payout.Request{}, usagef("send: %s is required", r.name)
		}
	}
	amount, err := money.Parse(strings.TrimSpace(f.amount), money.KES)
	if err != nil {
		return payout.Request{}, usagef("-amount: %v", err)
	}
	req := payout.Request{
		Reference:   f.reference,
		Amount:      amount,
		Recipient:   payout.Recipient{Name: f.name, Phone: f.phone},
		Description: f.description,
		CallbackURL: f.callback,
	}
	if f.senderJSON != "" {
		s, err := readSender(f.senderJSON)
		if err != nil {
			return payout.Request{}, usagef("-sender-json: %v", err)
		}
		req.Sender = s
	}
	if err := req.Validate(); err != nil {
		var pe *payout.Error
		if errors.As(err, &pe) {
			return payout.Request{}, usagef("%s: %s", flagFor(pe.Field), oneLine(err))
		}
		return payout.Request{}, err
	}
	switch provider {
	case palpluss.ProviderName:
		if amount.Minor%100 != 0 {
			return payout.Request{}, usagef("-amount: PalPluss pays whole shillings only, got %s", amount)
		}
		if amount.Minor < palpluss.MinAmountKES*100 {
			return payout.Request{}, usagef("-amount: PalPluss pays at least KES %d, got %s", palpluss.MinAmountKES, amount)
		}
	case payos.ProviderName:
		if strings.TrimSpace(f.name) == "" {
			return payout.Request{}, usagef("-name: PayOS requires the recipient's name")
		}
		if req.Sender == nil {
			return payout.Request{}, usagef("-sender-json: PayOS requires the sender's KYC record")
		}
	}
	return req, nil
}

// readSender reads a payout.Sender from a JSON file whose member names are
// the Sender's fields in camelCase (fullName, phoneNumber, ...). Unknown
// members are refused, to catch misspellings.
func readSender(path string) (*payout.Sender, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var s payout.Sender
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}
