package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
)

// runLive pays KES 10 to QUICKSTART_PHONE through each provider whose
// credentials are set, and follows each payout with Get.
func runLive(ctx context.Context, out io.Writer) error {
	number := os.Getenv("QUICKSTART_PHONE")
	if number == "" {
		return errors.New("provider credentials are set, so this would move real money: set QUICKSTART_PHONE to the number to pay KES 10, or unset the credentials to use the Sandbox")
	}
	type named struct {
		name   string
		client payout.Client
	}
	var clients []named
	if os.Getenv("PALPLUSS_API_KEY") != "" {
		c, err := palpluss.NewFromEnv()
		if err != nil {
			return err
		}
		clients = append(clients, named{"palpluss", c})
	}
	if os.Getenv("PAYOS_MERCHANT_ID") != "" {
		c, err := payos.NewFromEnv()
		if err != nil {
			return err
		}
		clients = append(clients, named{"payos", c})
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	var rows []row
	for _, c := range clients {
		fmt.Fprintf(out, "Talking to the real %s API: KES 10 to %s.\n", c.name, number)
		req := payout.Request{Reference: "QS-" + stamp + "-" + c.name, Amount: money.New(1000, money.KES),
			Recipient: payout.Recipient{Name: os.Getenv("QUICKSTART_NAME"), Phone: number}, Description: "payout quickstart"}
		if c.name == "payos" {
			req.Sender = liveSender()
		}
		p, err := c.client.Send(ctx, req)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		path := []string{strings.ToUpper(string(p.Status))}
		for !p.Status.Terminal() {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s %s still %s: %w", c.name, p.ID, p.Status, ctx.Err())
			case <-time.After(5 * time.Second):
			}
			if p, err = c.client.Get(ctx, p.ID); err != nil {
				return err
			}
			if s := strings.ToUpper(string(p.Status)); s != path[len(path)-1] {
				path = append(path, s)
			}
		}
		rows = append(rows, payoutRow(req, c.name, strings.Join(path, " -> "), p))
	}
	printTable(out, rows)
	return nil
}

// liveSender reads the PayOS sender KYC from QUICKSTART_SENDER_* variables.
func liveSender() *payout.Sender {
	env := func(k string) string { return os.Getenv("QUICKSTART_SENDER_" + k) }
	return &payout.Sender{FullName: env("NAME"), PhoneNumber: env("PHONE"), Nationality: env("NATIONALITY"),
		Identity: payout.Identity(env("IDENTITY")), IdentityNumber: env("IDENTITY_NUMBER"), DateOfBirth: env("DATE_OF_BIRTH"),
		PurposeOfFunds: env("PURPOSE"), SourceOfFunds: env("SOURCE"), Relationship: env("RELATIONSHIP")}
}
