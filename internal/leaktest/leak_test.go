package leaktest

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/payouttest"
	"github.com/payoutkit/payout/webhook"
)

// The credentials of this test. Each carries a marker ("CANARY") so that a
// partial copy (a truncated key in a message) is caught too, except the
// webhook secret, whose base64 cannot spell it.
const (
	marker = "CANARY"

	palKey      = "pk_test_LEAKCANARY_palpluss_key_7f3a9c1e"
	palWrongKey = "pk_test_WRONGCANARY_palpluss_key_2b8d"

	payosMerchant    = "3f6e2a1c-9b7d-4e5f-8a2c-1d0b9e8f7a6c" // not a secret: clients print it
	payosSecret      = "cs_test_LEAKCANARY_payos_secret_5e1f"
	payosWrongSecret = "cs_test_WRONGCANARY_payos_secret_9a4c"
	customToken      = "tok_LEAKCANARY_custom_source_token_31c7"

	webhookKey     = "LEAKCANARY-payos-webhook-key-32B" // the key bytes behind the whsec_ secret
	callbackSecret = "LEAKCANARY-callback-signer-secret-4d2a"
)

var webhookSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte(webhookKey))

// Malformed credentials a caller might pass by mistake (a pasted newline, a
// space, a broken secret): the constructors refuse them without repeating
// them.
var malformed = []string{
	palKey + "\n",
	"pk_live_LEAKCANARY malformed",
	"whsec_LEAKCANARY!!not-base64",
	"LEAKCANARY-short",
}

// The recipients of this test's payouts, in the spellings callers use, and
// the sender's KYC number. None may appear unmasked in a log line.
var (
	phones = []string{"0712 345 678", "+254712345678", "254722000111", "0110123456", "0799-000-111",
		payouttest.SandboxPhoneInvalidAccount, payouttest.SandboxPhoneLimitExceeded, payouttest.SandboxPhoneHeld}
	senderPhone = "254733444555"
)

// TestNothingSecretLeaks is design rule 5 over the whole SDK: it runs both
// adapters (successes, refusals, invalid requests, faults and retries,
// unknown outcomes, token expiry and refresh, wrong credentials), webhooks
// through webhook.Handler (signed PayOS deliveries, PalPluss callbacks with
// signed URLs, forgeries), and the Fake, with debug logging on in text and
// JSON, then looks for every credential in every log line, error and
// formatted value, and for every phone number in the logs.
func TestNothingSecretLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the whole SDK against the Sandbox")
	}
	logs := newLogSink()
	logger := logs.logger
	col := &collector{}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	spy := &wireSpy{next: tr}
	ctx := context.Background()

	// Registered before the Sandbox's Close, so it runs after it: no
	// delivery is in flight when the receiver goes.
	var handled handledEvents
	mux := http.NewServeMux()
	hooks := httptest.NewServer(mux)
	t.Cleanup(hooks.Close)

	sb := payouttest.NewSandbox(
		payouttest.WithPalPlussAPIKey(palKey),
		payouttest.WithPayOSCredentials(payosMerchant, payosSecret),
		payouttest.WithPayOSWebhookSecret(webhookSecret),
		payouttest.WithPayOSTokenTTL(400*time.Millisecond),
		payouttest.WithSandboxWebhookRetries(5*time.Millisecond, 20*time.Millisecond, 50*time.Millisecond, 100*time.Millisecond),
		payouttest.WithSandboxWebhookTimeout(5*time.Second),
	)
	t.Cleanup(sb.Close)

	options := func(base string, extra ...payout.Option) []payout.Option {
		return append([]payout.Option{
			payout.WithBaseURL(base),
			payout.WithHTTPClient(&http.Client{Transport: spy}),
			payout.WithRetryWait(time.Millisecond, 5*time.Millisecond),
			payout.WithLogger(logger),
		}, extra...)
	}
	newPal := func(key string, extra ...payout.Option) *palpluss.Client {
		c, err := palpluss.New(key, options(sb.PalPlussURL(), extra...)...)
		require.NoError(t, err)
		return c
	}
	newPayOS := func(secret string, extra ...payout.Option) *payos.Client {
		c, err := payos.New(payosMerchant, secret, options(sb.PayOSURL(), extra...)...)
		require.NoError(t, err)
		return c
	}
	pal, pos := newPal(palKey), newPayOS(payosSecret)

	signer, err := webhook.NewCallbackSigner(callbackSecret)
	require.NoError(t, err)
	verifier, err := webhook.NewStandardVerifier(webhookSecret)
	require.NoError(t, err)
	handle := func(_ context.Context, ev payout.Event) error {
		col.value("handled event", ev)
		handled.add(ev.Provider)
		return nil
	}
	palHook := pal.WebhookHandler(handle, webhook.WithVerifier(signer.Verifier()), webhook.WithLogger(logger))
	posHook := webhook.NewHandler(payos.ParseWebhook, handle, webhook.WithVerifier(verifier), webhook.WithLogger(logger))
	fakeHook := webhook.NewHandler(payouttest.ParseWebhook, handle, webhook.WithVerifier(verifier), webhook.WithLogger(logger))
	mux.Handle("/hooks/palpluss", palHook)
	mux.Handle("/hooks/payos", posHook)
	require.NoError(t, sb.SetPayOSWebhookURL(hooks.URL+"/hooks/payos"))

	palReq := func(ref, ph string, kes int64) payout.Request {
		cb, err := signer.CallbackURL(hooks.URL+"/hooks/palpluss", ref)
		require.NoError(t, err)
		return payout.Request{Reference: ref, Amount: money.New(kes*100, money.KES),
			Recipient: payout.Recipient{Name: "Wanjiru Kamau", Phone: ph}, Description: "leak test", CallbackURL: cb}
	}
	posReq := func(ref, ph string, kes int64) payout.Request {
		s, err := payout.NewIndividualSender("Jane Smith", senderPhone, payout.IdentityPassport, "A12345678", "1990-01-15",
			payout.Funds{Purpose: "salary", Source: "business income", Relationship: "employer"})
		require.NoError(t, err)
		return payout.Request{Reference: ref, Amount: money.New(kes*100, money.KES),
			Recipient: payout.Recipient{Name: "John Doe", Phone: ph}, Sender: s}
	}

	codes := map[payout.Code]int{}
	var codesMu sync.Mutex
	note := func(label string, err error) {
		col.err(label, err)
		var pe *payout.Error
		if errors.As(err, &pe) {
			codesMu.Lock()
			codes[pe.Code]++
			codesMu.Unlock()
		}
	}
	var ids sync.Map // provider -> []string of payout ids
	send := func(c payout.Client, label string, req payout.Request) *payout.Payout {
		col.value(label+" request", req)
		p, err := c.Send(ctx, req)
		note(label+" send error", err)
		if p != nil {
			col.value(label+" payout", p)
			v, _ := ids.LoadOrStore(p.Provider, &[]string{})
			*v.(*[]string) = append(*v.(*[]string), p.ID)
		}
		return p
	}
	get := func(c payout.Client, label, id string) {
		p, err := c.Get(ctx, id)
		note(label+" get error", err)
		if p != nil {
			col.value(label+" got", p)
		}
	}
	find := func(label string, f func(context.Context, string) (*payout.Payout, error), ref string) {
		p, err := f(ctx, ref)
		note(label+" find error", err)
		if p != nil {
			col.value(label+" found", p)
		}
	}

	// 1. The plain paths: successes in every spelling of a number,
	// idempotent resends, refusals, invalid requests, lookups.
	for i, ph := range phones {
		send(pal, "palpluss", palReq(fmt.Sprintf("LT-PAL-%d", i), ph, int64(100+i)))
		send(pos, "payos", posReq(fmt.Sprintf("LT-POS-%d", i), ph, int64(100+i)))
	}
	first := send(pal, "palpluss resend", palReq("LT-PAL-0", phones[0], 100))
	posFirst := send(pos, "payos resend", posReq("LT-POS-0", phones[0], 100))
	send(pos, "payos conflicting resend", posReq("LT-POS-0", phones[0], 999))
	send(pal, "palpluss insufficient funds", palReq("LT-PAL-FUNDS", phones[1], payouttest.SandboxInsufficientFundsKES))
	send(pos, "payos insufficient funds", posReq("LT-POS-FUNDS", phones[1], payouttest.SandboxInsufficientFundsKES))
	b2c, service := sb.PalPlussBalances()
	require.NoError(t, sb.SetPalPlussBalances(b2c, money.New(0, money.KES)))
	send(pal, "palpluss service balance", palReq("LT-PAL-FEE", phones[2], 100))
	require.NoError(t, sb.SetPalPlussBalances(b2c, service))
	invalid := []payout.Request{
		{Reference: "LT-BAD-PHONE", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: "+255712345678"}},
		{Reference: "LT-BAD-AMOUNT", Amount: money.New(0, money.KES), Recipient: payout.Recipient{Phone: phones[0]}},
		{Reference: "LT-CENTS", Amount: money.New(20_50, money.KES), Recipient: payout.Recipient{Phone: phones[0]}},
		{Reference: "LT-\x00", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: phones[0]}},
		{Reference: "LT-CB", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: phones[0]}, CallbackURL: "http://example.com/hook"},
		{Reference: "LT-NO-SENDER", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Name: "X", Phone: phones[0]}},
	}
	for _, req := range invalid {
		send(pal, "palpluss invalid", req)
		send(pos, "payos invalid", req)
	}
	require.NotNil(t, first, "the first PalPluss payout was sent")
	require.NotNil(t, posFirst, "the first PayOS payout was sent")
	get(pal, "palpluss", first.ID)
	get(pal, "palpluss unknown", "00000000-0000-4000-8000-000000000000")
	get(pal, "palpluss malformed id", "not-a-uuid")
	get(pos, "payos", posFirst.ID)
	get(pos, "payos unknown", "no-such-payout")
	find("palpluss", pal.FindByReference, "LT-PAL-1")
	find("palpluss unknown", pal.FindByReference, "LT-NONE")
	find("payos", pos.FindByReference, "LT-POS-1")
	find("payos unknown", pos.FindByReference, "LT-NONE")
	bal, err := pal.ServiceBalance(ctx)
	note("palpluss balance error", err)
	col.value("palpluss balance", bal)
	page, err := pal.ListTransactions(ctx, palpluss.TransactionsQuery{Limit: 5})
	note("palpluss list error", err)
	col.value("palpluss page", page)

	// 2. Each fault on purpose, against clients that give up quickly, so
	// that unknown outcomes, network errors and timeouts all happen.
	time.Sleep(500 * time.Millisecond) // the PayOS token expires at the Sandbox, not yet at the client
	quickPal := newPal(palKey, payout.WithMaxRetries(1), payout.WithTimeout(300*time.Millisecond))
	quickPos := newPayOS(payosSecret, payout.WithMaxRetries(1), payout.WithTimeout(300*time.Millisecond))
	send(pos, "payos after expiry", posReq("LT-POS-EXPIRED", phones[0], 120)) // a 401, a refresh, a retry
	for i, f := range []payouttest.Fault{
		payouttest.FaultResetAfterProcess(), payouttest.FaultStatusAfterProcess(502), payouttest.FaultTruncate(),
		payouttest.FaultDelay(2 * time.Second), payouttest.FaultResetBeforeRead(), payouttest.FaultStatus(503),
		payouttest.FaultStatus(500), payouttest.FaultRateLimit(0),
	} {
		sb.SetFault(func(provider string, r *http.Request) payouttest.Fault {
			if strings.HasSuffix(r.URL.Path, "/auth/oauth2/token") {
				return payouttest.FaultNone()
			}
			return f
		})
		send(quickPal, "palpluss fault "+f.String(), palReq(fmt.Sprintf("LT-PAL-F%d", i), phones[i%len(phones)], 150))
		send(quickPos, "payos fault "+f.String(), posReq(fmt.Sprintf("LT-POS-F%d", i), phones[i%len(phones)], 150))
		get(quickPal, "palpluss fault "+f.String(), first.ID)
		get(quickPos, "payos fault "+f.String(), posFirst.ID)
	}

	// 3. Random faults on every request, the token endpoint included,
	// through clients that retry.
	sb.SetFault(payouttest.RandomFaults(20260101,
		payouttest.FaultChance{Fault: payouttest.FaultResetBeforeRead(), P: 0.08},
		payouttest.FaultChance{Fault: payouttest.FaultStatus(503), P: 0.08},
		payouttest.FaultChance{Fault: payouttest.FaultRateLimit(0), P: 0.05},
		payouttest.FaultChance{Fault: payouttest.FaultResetAfterProcess(), P: 0.06},
		payouttest.FaultChance{Fault: payouttest.FaultStatusAfterProcess(502), P: 0.05},
		payouttest.FaultChance{Fault: payouttest.FaultTruncate(), P: 0.05},
	))
	for i := 0; i < 12; i++ {
		if i == 6 {
			time.Sleep(500 * time.Millisecond) // let the token expire once more, under faults
		}
		ph := phones[i%len(phones)]
		if p := send(pal, "palpluss random", palReq(fmt.Sprintf("LT-PAL-R%d", i), ph, 200)); p != nil {
			get(pal, "palpluss random", p.ID)
		}
		if p := send(pos, "payos random", posReq(fmt.Sprintf("LT-POS-R%d", i), ph, 200)); p != nil {
			get(pos, "payos random", p.ID)
		}
		find("payos random", pos.FindByReference, fmt.Sprintf("LT-POS-R%d", i))
	}
	sb.SetFault(nil)

	// 4. Refused credentials: a wrong API key, a wrong client secret, and a
	// token source whose tokens the API refuses. None of them may leak.
	palBad := newPal(palWrongKey)
	send(palBad, "palpluss wrong key", palReq("LT-PAL-401", phones[0], 100))
	get(palBad, "palpluss wrong key", first.ID)
	posBad := newPayOS(payosWrongSecret)
	send(posBad, "payos wrong secret", posReq("LT-POS-401", phones[0], 100))
	get(posBad, "payos wrong secret", posFirst.ID)
	find("payos wrong secret", posBad.FindByReference, "LT-POS-1")
	posCustom := newPayOS("", payos.WithTokenSource(payos.TokenSourceFunc(func(context.Context) (*payos.Token, error) {
		return &payos.Token{AccessToken: customToken, Expiry: time.Now().Add(time.Hour)}, nil
	})))
	send(posCustom, "payos refused token", posReq("LT-POS-TS", phones[0], 100))
	get(posCustom, "payos refused token", posFirst.ID)
	for _, m := range malformed {
		_, err := palpluss.New(m, options(sb.PalPlussURL())...)
		note("palpluss malformed key", err)
		_, err = webhook.NewStandardVerifier(m)
		note("malformed webhook secret", err)
		_, err = webhook.Sign(m, "msg_1", time.Now(), []byte(`{}`))
		note("malformed signing secret", err)
		_, err = webhook.NewCallbackSigner(m)
		note("malformed callback secret", err)
	}

	// 5. Webhooks: everything settles, the Sandbox delivers (PalPluss to
	// the signed callback URLs, PayOS signed), the handlers verify, confirm
	// and log. Then forgeries and malformed deliveries, answered directly.
	sb.SettleAll()
	waitDelivered(t, sb)
	forge := func(label string, h http.Handler, r *http.Request) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		col.text(label+" answer", fmt.Sprintf("%d %s %v", w.Code, w.Body.String(), w.Header()))
	}
	post := func(target, body string, hdr http.Header) *http.Request {
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		for k, v := range hdr {
			r.Header[k] = v
		}
		return r
	}
	signed := func(secret, body string, at time.Time) http.Header {
		h, err := webhook.Sign(secret, "msg_leaktest_"+fmt.Sprint(at.UnixNano()), at, []byte(body))
		require.NoError(t, err)
		return h
	}
	posBody := `{"type":"payout.completed","payload":{"id":"po_forged","status":"COMPLETED","merchantReference":"LT-X",` +
		`"recipient":{"phoneNumber":"254712345678"},"minorAmount":10000,"currency":"KES"}}`
	otherSecret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another-endpoint-secret-32-bytes"))
	forge("payos wrong signature", posHook, post(hooks.URL+"/hooks/payos", posBody, signed(otherSecret, posBody, time.Now())))
	forge("payos stale signature", posHook, post(hooks.URL+"/hooks/payos", posBody, signed(webhookSecret, posBody, time.Now().Add(-time.Hour))))
	forge("payos unsigned", posHook, post(hooks.URL+"/hooks/payos", posBody, nil))
	cut := posBody[:len(posBody)/2+10]
	forge("payos malformed", posHook, post(hooks.URL+"/hooks/payos", cut, signed(webhookSecret, cut, time.Now())))
	forge("payos signed forgery", posHook, post(hooks.URL+"/hooks/payos", posBody, signed(webhookSecret, posBody, time.Now())))
	palBody := `{"event":"transaction.updated","event_type":"transaction.success","transaction":{"id":"` + first.ID +
		`","status":"SUCCESS","reference":"LT-PAL-0","phone":"254712345678","amount":100}}`
	good, err := signer.CallbackURL(hooks.URL+"/hooks/palpluss", "LT-PAL-0")
	require.NoError(t, err)
	other, err := signer.CallbackURL(hooks.URL+"/hooks/palpluss", "LT-PAL-1")
	require.NoError(t, err)
	forge("palpluss no token", palHook, post(hooks.URL+"/hooks/palpluss", palBody, nil))
	forge("palpluss wrong token", palHook, post(hooks.URL+"/hooks/palpluss?ref=LT-PAL-0&token=AAAA", palBody, nil))
	forge("palpluss other payout's token", palHook, post(other, palBody, nil))
	forge("palpluss malformed", palHook, post(good, palBody[:len(palBody)-30], nil))
	forge("palpluss redelivery", palHook, post(good, palBody, nil))
	forge("palpluss unknown transaction", palHook, post(good, strings.Replace(palBody, first.ID, "00000000-0000-4000-8000-00000000beef", 1), nil))

	// 6. The Fake, and its signed webhook through a Handler.
	fake := payouttest.NewFake()
	fake.OnReference("LT-FAKE-2", payouttest.Outcome{Err: payouttest.Failure(payout.CodeInsufficientFunds)})
	fake.OnReference("LT-FAKE-3", payouttest.Outcome{Err: payouttest.Failure(payout.CodeOutcomeUnknown), Create: true})
	fp := send(fake, "fake", payout.Request{Reference: "LT-FAKE-1", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: phones[0]}})
	send(fake, "fake refusal", payout.Request{Reference: "LT-FAKE-2", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: phones[1]}})
	send(fake, "fake unknown", payout.Request{Reference: "LT-FAKE-3", Amount: money.New(100_00, money.KES), Recipient: payout.Recipient{Phone: phones[2]}})
	send(fake, "fake invalid", invalid[0])
	require.NotNil(t, fp)
	_, err = fake.Settle(fp.ID, payout.StatusSucceeded)
	note("fake settle error", err)
	get(fake, "fake", fp.ID)
	r, err := fake.WebhookRequest(fp.ID, hooks.URL+"/hooks/fake", webhookSecret)
	require.NoError(t, err)
	col.value("fake webhook request header", r.Header)
	forge("fake webhook", fakeHook, r)
	_, err = fake.WebhookRequest(fp.ID, hooks.URL+"/hooks/fake", malformed[2])
	note("fake webhook bad secret", err)

	// 7. The SDK's values, formatted and logged as a caller might, through
	// the caller's own (non-redacting) logger.
	creds := spy.credentials()
	values := map[string]any{
		"palpluss client": pal, "palpluss client value": *pal, "palpluss wrong-key client": palBad,
		"payos client": pos, "payos client value": *pos, "payos wrong-secret client": posBad, "payos custom client": posCustom,
		"standard verifier": verifier, "standard verifier value": *verifier,
		"callback signer": signer, "callback signer value": *signer, "callback verifier": signer.Verifier(),
		"palpluss handler": palHook, "payos handler": posHook, "fake": fake,
	}
	// A payos.Token hides its AccessToken from fmt, slog, encoding/json and
	// encoding.TextMarshaler (a TokenSource that persists tokens copies
	// the fields explicitly).
	callerLogs := newLogSink()
	for i, tok := range creds["Bearer"] {
		for _, v := range []any{payos.Token{AccessToken: tok, TokenType: "Bearer", Expiry: time.Now()}, &payos.Token{AccessToken: tok}} {
			label := fmt.Sprintf("token %d %T", i, v)
			col.value(label, v)
			if tm, ok := v.(interface{ MarshalText() ([]byte, error) }); ok {
				b, err := tm.MarshalText()
				require.NoError(t, err)
				col.text(label+" text", string(b))
			}
			callerLogs.logger.Info("a caller logs a token", slog.Any("token", v), slog.String("label", label))
		}
	}
	// The caller's logger is not the SDK's: its lines are searched for
	// secrets (the values' LogValue and Format must hide them) but not for
	// phone numbers (a Fake prints the requests it recorded).
	for label, v := range values {
		col.value(label, v)
		callerLogs.logger.Info("a caller logs an SDK value", slog.Any("value", v), slog.String("label", label))
	}

	// The test must have done what it claims, or finding nothing proves
	// nothing.
	require.GreaterOrEqual(t, len(creds["Bearer"]), 3, "PayOS tokens issued (first, refreshed, custom): %v", creds)
	require.Contains(t, creds["Basic"], base64.StdEncoding.EncodeToString([]byte(palKey+":")))
	require.Contains(t, creds["Basic"], base64.StdEncoding.EncodeToString([]byte(palWrongKey+":")))
	for _, c := range []payout.Code{payout.CodeInvalidRequest, payout.CodeInvalidRecipient, payout.CodeUnauthorized,
		payout.CodeInsufficientFunds, payout.CodeInsufficientFeeBalance, payout.CodeNotFound, payout.CodeOutcomeUnknown,
		payout.CodeNetwork, payout.CodeDuplicateReference} {
		assert.Positive(t, codes[c], "no error with code %s happened: %v", c, codes)
	}
	assert.Positive(t, handled.count(palpluss.ProviderName), "PalPluss webhooks handled")
	assert.Positive(t, handled.count(payos.ProviderName), "PayOS webhooks handled")
	assert.Positive(t, handled.count(payouttest.FakeProvider), "Fake webhooks handled")

	// The scan.
	lines := logs.lines()
	require.Greater(t, len(lines), 200, "the SDK logged at debug level")
	logText := logs.text.lines("text")
	joined := ""
	for _, l := range logText {
		joined += l.text + "\n"
	}
	assert.Contains(t, joined, "2547****", "masked phone numbers are logged")
	assert.Contains(t, joined, "access token refused", "a token was refused and refreshed")
	assert.Contains(t, joined, "payout http retry", "requests were retried")
	assert.Contains(t, joined, "webhook rejected", "forged webhooks were logged")

	if dir := os.Getenv("LEAKTEST_DUMP"); dir != "" { // keep the logs to read them
		require.NoError(t, os.WriteFile(filepath.Join(dir, "leaktest-sdk.log"), []byte(joined), 0o644))
	}
	secrets := credentialSecrets(creds)
	all := append(append(col.snapshot(), lines...), callerLogs.lines()...)
	for _, f := range scanSecrets(secrets, all) {
		t.Errorf("LEAK: %s", f)
	}
	for _, f := range scanPhones(append(phones, senderPhone), lines) {
		t.Errorf("LEAK: %s", f)
	}
	t.Logf("scanned %d SDK log lines (text and JSON) and %d other outputs for %d secrets, and the log lines for %d phone numbers; errors seen by code: %v",
		len(lines), len(all)-len(lines), len(secrets), len(phones)+1, codes)
}

// credentialSecrets lists every secret of this test and every credential
// seen on the wire.
func credentialSecrets(wire map[string][]string) []secret {
	s := []secret{
		{"canary marker", marker},
		{"PalPluss API key", palKey},
		{"PalPluss Basic credential", base64.StdEncoding.EncodeToString([]byte(palKey + ":"))},
		{"wrong PalPluss API key", palWrongKey},
		{"wrong PalPluss Basic credential", base64.StdEncoding.EncodeToString([]byte(palWrongKey + ":"))},
		{"PayOS client secret", payosSecret},
		{"wrong PayOS client secret", payosWrongSecret},
		{"custom PayOS token", customToken},
		{"PayOS webhook secret", webhookSecret},
		{"PayOS webhook secret (base64 key)", strings.TrimPrefix(webhookSecret, "whsec_")},
		{"PayOS webhook key bytes", webhookKey},
		{"PayOS webhook key bytes (hex)", hex.EncodeToString([]byte(webhookKey))},
		{"callback signer secret", callbackSecret},
		{"callback signer secret (hex)", hex.EncodeToString([]byte(callbackSecret))},
		{"callback signer secret (base64)", base64.StdEncoding.EncodeToString([]byte(callbackSecret))},
	}
	for _, m := range malformed {
		s = append(s, secret{"malformed credential", m}, secret{"malformed credential (trimmed)", strings.TrimSpace(m)})
	}
	for scheme, creds := range wire {
		for _, c := range creds {
			s = append(s, secret{scheme + " credential seen on the wire", c})
		}
	}
	return s
}

// waitDelivered waits until the Sandbox has delivered every webhook it
// started, each accepted by the receiver (or given up on).
func waitDelivered(t *testing.T, sb *payouttest.Sandbox) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	lastSeen := -1
	for {
		pending, seen := 0, 0
		for _, prov := range []string{payouttest.SandboxPalPluss, payouttest.SandboxPayOS} {
			ok := map[string]bool{}
			last := map[string]payouttest.SandboxDelivery{}
			for _, d := range sb.Deliveries(prov) {
				seen++
				ok[d.ID] = ok[d.ID] || d.OK()
				last[d.ID] = d
			}
			for id, d := range last {
				if !ok[id] && d.Attempt < 5 { // 1 + the 4 retries configured
					pending++
				}
			}
		}
		// Deliveries start in the background: done when nothing is
		// pending and no new attempt appeared for a while.
		if seen > 0 && pending == 0 && seen == lastSeen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhooks still pending after 20s: %d (of %d attempts)", pending, seen)
		}
		lastSeen = seen
		time.Sleep(250 * time.Millisecond)
	}
}

type handledEvents struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *handledEvents) add(provider string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = map[string]int{}
	}
	h.n[provider]++
}

func (h *handledEvents) count(provider string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[provider]
}
