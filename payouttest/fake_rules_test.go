package payouttest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
)

func kycSender() *payout.Sender {
	return &payout.Sender{FullName: "Jane Smith", PhoneNumber: "27821234567", Identity: payout.IdentityPassport,
		IdentityNumber: "A12345678", DateOfBirth: "1990-01-15", PurposeOfFunds: "salary",
		SourceOfFunds: "business income", Relationship: "employer"}
}

// ruleCase is a request that one provider refuses (field set) or accepts.
type ruleCase struct {
	name  string
	edit  func(*payout.Request)
	field string // "" when the provider accepts it
}

func kes(major int64) func(*payout.Request) {
	return func(r *payout.Request) { r.Amount = money.New(major*100, money.KES) }
}

// TestProviderFakesRefuseWhatProductionRefuses sends the same requests to a
// provider-true Fake and to the real adapter over the Sandbox: the Fake
// refuses exactly what the adapter refuses, with the same code and field,
// and accepts what it accepts. The neutral Fake accepts them all.
func TestProviderFakesRefuseWhatProductionRefuses(t *testing.T) {
	ctx := context.Background()
	s := payouttest.NewSandbox()
	t.Cleanup(s.Close)
	pal, err := palpluss.New(s.PalPlussAPIKey(), adapterOptions(s.PalPlussURL())...)
	require.NoError(t, err)
	pos, err := payos.New(s.PayOSMerchantID(), s.PayOSClientSecret(), adapterOptions(s.PayOSURL())...)
	require.NoError(t, err)

	providers := []struct {
		name  string
		fake  *payouttest.Fake
		real  payout.Client
		cases []ruleCase
	}{
		{"palpluss", payouttest.NewPalPlussFake(), pal, []ruleCase{
			{"KES 5", kes(5), "amount"},
			{"KES 200,000", kes(200_000), "amount"},
			{"KES 20.50", func(r *payout.Request) { r.Amount = money.New(20_50, money.KES) }, "amount"},
			{"UGX", func(r *payout.Request) { r.Amount = money.New(500_00, money.UGX) }, "amount"},
			{"reference of 121 characters", func(r *payout.Request) { r.Reference += strings.Repeat("x", 121) }, "reference"},
			{"KES 10", kes(10), ""},
			{"KES 150,000", kes(150_000), ""},
			{"no sender, no name", func(r *payout.Request) { r.Sender, r.Recipient.Name = nil, "" }, ""},
		}},
		{"payos", payouttest.NewPayOSFake(), pos, []ruleCase{
			{"KES 5", kes(5), "amount"},
			{"KES 200,000", kes(200_000), "amount"},
			{"no sender", func(r *payout.Request) { r.Sender = nil }, "sender"},
			{"no recipient name", func(r *payout.Request) { r.Recipient.Name = "" }, "recipient.name"},
			{"reference of 256 characters", func(r *payout.Request) { r.Reference += strings.Repeat("x", 256) }, "reference"},
			{"KES 10", kes(10), ""},
			{"KES 150,000", kes(150_000), ""},
			{"KES 20.50", func(r *payout.Request) { r.Amount = money.New(20_50, money.KES) }, ""},
		}},
	}
	for _, p := range providers {
		for i, tc := range p.cases {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				req := payout.Request{Reference: fmt.Sprintf("RULES-%s-%d", p.name, i), Amount: money.New(500_00, money.KES),
					Recipient: payout.Recipient{Name: "John Doe", Phone: "0712345678"}, Sender: kycSender()}
				tc.edit(&req)
				require.NoError(t, req.Validate(), "the shared rules accept every case")

				_, fakeErr := p.fake.Send(ctx, req)
				_, realErr := p.real.Send(ctx, req)
				if tc.field == "" {
					assert.NoError(t, realErr, "production accepts it")
					assert.NoError(t, fakeErr, "so the Fake accepts it")
					return
				}
				for who, err := range map[string]error{"production": realErr, "fake": fakeErr} {
					var pe *payout.Error
					require.True(t, errors.As(err, &pe), "%s: %v", who, err)
					assert.Equal(t, payout.CodeInvalidRequest, pe.Code, who)
					assert.Equal(t, tc.field, pe.Field, who)
				}
				assert.Equal(t, realErr, fakeErr, "the same error, word for word")
				assert.Equal(t, fakeErr, payout.Check(p.fake, req), "Check is a dry run of the Fake's Send")

				_, err := payouttest.NewFake().Send(ctx, req)
				assert.NoError(t, err, "the neutral Fake knows only the shared rules")
			})
		}
	}
	for _, p := range providers {
		var accepted int
		for _, tc := range p.cases {
			if tc.field == "" {
				accepted++
			}
		}
		assert.Len(t, p.fake.Payouts(), accepted, "%s: a refused request creates no payout", p.name)
		assert.Len(t, p.fake.Requests(), len(p.cases), "%s: but every Send is recorded", p.name)
	}
	assert.Len(t, s.Payouts(payouttest.SandboxPalPluss), 3, "production created only what it accepted")
	assert.Len(t, s.Payouts(payouttest.SandboxPayOS), 3)
}

func TestWithRulesUsesTheGivenClient(t *testing.T) {
	c, err := palpluss.New("pk_test_rules", palpluss.WithMaxAmount(money.New(1_000_00, money.KES)))
	require.NoError(t, err)
	f := payouttest.NewFake(payouttest.WithRules(c))
	req := payout.Request{Reference: "R-1", Amount: money.New(1_001_00, money.KES), Recipient: payout.Recipient{Phone: "0712345678"}}
	_, err = f.Send(context.Background(), req)
	assert.ErrorIs(t, err, payout.ErrInvalidRequest, "the client's own maximum")
	req.Amount = money.New(1_000_00, money.KES)
	_, err = f.Send(context.Background(), req)
	assert.NoError(t, err)
}

// A Fake with PayOS's rules refuses in a unit test what PayOS would refuse
// in production; payout.Check runs the same rules without sending.
func ExampleNewPayOSFake() {
	f := payouttest.NewPayOSFake()
	req := payout.Request{Reference: "WD-1", Amount: money.New(500_00, money.KES),
		Recipient: payout.Recipient{Name: "John Doe", Phone: "0712345678"}} // no Sender
	fmt.Println(payout.Check(f, req))

	req.Sender, _ = payout.NewIndividualSender("Jane Smith", "27821234567", payout.IdentityPassport, "A12345678", "1990-01-15",
		payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
	p, err := f.Send(context.Background(), req)
	fmt.Println(p.Status, err)
	// Output:
	// payout: invalid request: sender: is required by PayOS for payouts to Kenya (KYC): an individual (passport or government issued id) or a company (reference "WD-1")
	// pending <nil>
}

// Review of issues 10/15: a Reference reused for another recipient name or
// another sender was answered by the Fakes with the earlier payout and a
// nil error, while PayOS refuses it (the key's body differs:
// IDEMPOTENCY_CONFLICT, ErrDuplicateReference): a consumer's test passed
// where production says "not made". Each Fake now answers a reused
// Reference as its provider does, over the Sandbox, and the neutral Fake
// as PayOS, the stricter.
func TestFakesAnswerAReusedReferenceAsTheirProvider(t *testing.T) {
	ctx := context.Background()
	s := payouttest.NewSandbox()
	t.Cleanup(s.Close)
	pal, err := palpluss.New(s.PalPlussAPIKey(), adapterOptions(s.PalPlussURL())...)
	require.NoError(t, err)
	pos, err := payos.New(s.PayOSMerchantID(), s.PayOSClientSecret(), adapterOptions(s.PayOSURL())...)
	require.NoError(t, err)
	edits := []struct {
		name string
		edit func(*payout.Request)
	}{
		{"another name", func(r *payout.Request) { r.Recipient.Name = "Mary Roe" }},
		{"another sender", func(r *payout.Request) { r.Sender.IdentityNumber = "B98765432" }},
		{"another phone", func(r *payout.Request) { r.Recipient.Phone = "0798765432" }},
		{"another amount", func(r *payout.Request) { r.Amount = money.New(600_00, money.KES) }},
		{"the same, spaced", func(r *payout.Request) { r.Recipient.Name = " John Doe " }},
	}
	for _, p := range []struct {
		name string
		real payout.Client
		fake func() *payouttest.Fake
	}{
		{"palpluss", pal, payouttest.NewPalPlussFake},
		{"payos", pos, payouttest.NewPayOSFake},
		{"neutral", pos, func() *payouttest.Fake { return payouttest.NewFake() }},
	} {
		for i, e := range edits {
			t.Run(p.name+"/"+e.name, func(t *testing.T) {
				fake := p.fake()
				first := payout.Request{Reference: fmt.Sprintf("REUSE-%s-%d", p.name, i), Amount: money.New(500_00, money.KES),
					Recipient: payout.Recipient{Name: "John Doe", Phone: "0712345678"}, Sender: kycSender()}
				again := first
				again.Sender = kycSender()
				e.edit(&again)
				for who, c := range map[string]payout.Client{"production": p.real, "fake": fake} {
					if p.name == "neutral" && who == "production" {
						continue // production is PayOS's own case
					}
					made, err := c.Send(ctx, first)
					require.NoError(t, err, who)
					got, err := c.Send(ctx, again)
					want := wantReuse(p.name, e.name)
					if want == nil {
						require.NoError(t, err, "%s: the same payout", who)
						assert.Equal(t, made.ID, got.ID, who)
						continue
					}
					assert.Nil(t, got, who)
					assert.ErrorIs(t, err, want, who)
				}
			})
		}
	}
}

// wantReuse is what a provider answers a Reference reused with edit.
func wantReuse(provider, edit string) error {
	switch {
	case edit == "the same, spaced":
		return nil
	case provider == "palpluss" && (edit == "another name" || edit == "another sender"):
		return nil // PalPluss is sent neither
	}
	return payout.ErrDuplicateReference
}
