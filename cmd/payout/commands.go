package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
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

// sendUsage is send's -h text.
const sendUsage = `payout -provider palpluss|payos send -reference R -amount 500.00 -phone 0712345678
       [-name N] [-description D] [-callback URL] [-sender-json FILE] [-yes]

Sends one payout. Without -yes it is a dry run: the payout is checked
against the provider's own rules (amount limits, whole shillings for
PalPluss, the name and the sender's KYC record for PayOS) and printed with
the base URL it would be sent to. Sending again with the same -reference is
safe: the provider returns the payout the first send created, and the output
says so ("existing": true with -json) when that payout was created more than
2 seconds before the call.`

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
	req, err := buildRequest(f)
	if err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	// The provider's own rules, exactly as Send applies them: a dry run
	// that passes is a payout -yes sends. Errors name the flag (usageOf).
	if err := a.client.Validate(req); err != nil {
		return err
	}
	if !f.yes {
		return a.printDryRun(req)
	}
	ctx, cancel := a.context()
	defer cancel()
	start := a.now()
	p, err := a.client.Send(ctx, req)
	if err != nil {
		return err
	}
	return a.printSent(p, existing(p, start, a.skew))
}

// replaySkew is how much earlier than the call a returned payout's
// CreatedAt must be for the call to count as having returned an existing
// payout: the provider's clock and this machine's may disagree by this
// much.
const replaySkew = 2 * time.Second

// existing reports whether Send, called at start, returned a payout the
// provider had created before: an idempotent re-send of a Reference already
// used. Neither provider says so in its answer, so this reads the payout's
// CreatedAt; a payout created less than skew (replaySkew) before the call
// is taken as new.
func existing(p *payout.Payout, start time.Time, skew time.Duration) bool {
	return !p.CreatedAt.IsZero() && p.CreatedAt.Before(start.Add(-skew))
}

// buildRequest turns send's flags into a payout.Request. Its errors are
// usage errors naming the flag at fault; the provider's rules are checked
// by the caller.
func buildRequest(f sendFlags) (payout.Request, error) {
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
		s, _, err := readSender(f.senderJSON)
		if err != nil {
			return payout.Request{}, usagef("-sender-json: %v", err)
		}
		req.Sender = s
	}
	return req, nil
}

// readSender reads a payout.Sender from a JSON file whose member names are
// the Sender's fields in camelCase (fullName, phoneNumber, ...). Unknown
// members are refused, to catch misspellings.
// It returns the file's bytes too, which bind a batch's state file.
func readSender(path string) (*payout.Sender, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s payout.Sender
	if err := dec.Decode(&s); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, data, nil
}
