package payouttest

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/payoutkit/payout/money"
	"github.com/payoutkit/payout/webhook"
)

// SandboxOption configures a Sandbox; pass them to NewSandbox or
// StartSandbox.
type SandboxOption func(*sandboxConfig)

type sandboxConfig struct {
	settleDelay time.Duration

	palKey       string
	b2c, service money.Amount
	fee          func(money.Amount) money.Amount
	snake        bool
	palAccount   PalPlussAccountState

	payosMerchant, payosSecret string
	payosWebhookSecret         string
	payosWebhookURL            string
	tokenTTL                   time.Duration

	rateN   int
	ratePer time.Duration

	palRetries, payosRetries []time.Duration
	webhookTimeout           time.Duration

	logger *slog.Logger

	sharedAddr, palAddr, payosAddr string

	fault FaultFunc

	control bool

	errs []error
}

func (c *sandboxConfig) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("payouttest: "+format, args...))
}

// WithSandboxSettleDelay makes payouts settle on their own: a payout moves
// to processing after d/2 and to its final status after d (a failed
// PalPluss payout is reversed d/2 later). With 0, the default, payouts
// settle only when told, by Settle, SettleAs or SettleAll, which keeps tests
// deterministic.
func WithSandboxSettleDelay(d time.Duration) SandboxOption {
	return func(c *sandboxConfig) {
		if d < 0 {
			c.fail("WithSandboxSettleDelay: negative delay %v", d)
			return
		}
		c.settleDelay = d
	}
}

// WithPalPlussAPIKey sets the API key the PalPluss side accepts (default
// DefaultSandboxPalPlussAPIKey).
func WithPalPlussAPIKey(key string) SandboxOption {
	return func(c *sandboxConfig) {
		if key == "" || strings.ContainsAny(key, ": \t\r\n") {
			c.fail("WithPalPlussAPIKey: the key must be non-empty, without spaces or colons")
			return
		}
		c.palKey = key
	}
}

// WithPalPlussBalances sets the starting balances of the PalPluss B2C
// wallet, which pays the recipients, and of the service wallet, which pays
// the fees. Both must be KES. The defaults are KES 10,000,000 and
// KES 1,000,000, enough for any test that does not test the wallets.
func WithPalPlussBalances(b2c, service money.Amount) SandboxOption {
	return func(c *sandboxConfig) {
		if b2c.Currency != money.KES || service.Currency != money.KES || b2c.IsNegative() || service.IsNegative() {
			c.fail("WithPalPlussBalances: balances must be non-negative KES amounts, got %s and %s", b2c, service)
			return
		}
		c.b2c, c.service = b2c, service
	}
}

// WithPalPlussFee sets what PalPluss charges the service wallet for a
// payout of amount (default a flat KES 15). fee must return a
// non-negative KES amount; return KES 0 to model a tenant with no pricing
// rule.
func WithPalPlussFee(fee func(amount money.Amount) money.Amount) SandboxOption {
	return func(c *sandboxConfig) {
		if fee == nil {
			c.fail("WithPalPlussFee: nil fee function")
			return
		}
		c.fee = fee
	}
}

// WithPalPlussSnakeCase makes the PalPluss transaction endpoints answer with
// the snake_case field names of the provider's OpenAPI contract
// (transaction_id, phone_number, next_cursor...) instead of the camelCase
// of its documentation pages (transactionId, phone, nextCursor...). A real
// client must read both; run its tests against both.
func WithPalPlussSnakeCase() SandboxOption {
	return func(c *sandboxConfig) { c.snake = true }
}

// WithPayOSCredentials sets the merchant id and client secret the PayOS
// token endpoint accepts (defaults DefaultSandboxPayOSMerchantID and
// DefaultSandboxPayOSClientSecret).
func WithPayOSCredentials(merchantID, clientSecret string) SandboxOption {
	return func(c *sandboxConfig) {
		if merchantID == "" || clientSecret == "" {
			c.fail("WithPayOSCredentials: merchant id and client secret are required")
			return
		}
		c.payosMerchant, c.payosSecret = merchantID, clientSecret
	}
}

// WithPayOSWebhookSecret sets the Standard Webhooks secret ("whsec_" and
// base64) PayOS webhooks are signed with (default
// DefaultSandboxPayOSWebhookSecret).
func WithPayOSWebhookSecret(secret string) SandboxOption {
	return func(c *sandboxConfig) {
		if !strings.HasPrefix(secret, "whsec_") {
			c.fail(`WithPayOSWebhookSecret: the secret must start with "whsec_"`)
			return
		}
		if _, err := webhook.NewStandardVerifier(secret); err != nil {
			c.fail("WithPayOSWebhookSecret: %v", err)
			return
		}
		c.payosWebhookSecret = secret
	}
}

// WithPayOSWebhookURL sets the endpoint PayOS webhooks are delivered to.
// PayOS's payout request has no callback URL: the merchant configures one
// endpoint in the PayOS dashboard, which this models. Without it (and
// without SetPayOSWebhookURL) no PayOS webhook is sent.
func WithPayOSWebhookURL(url string) SandboxOption {
	return func(c *sandboxConfig) {
		if err := sandboxCheckURL(url); err != nil {
			c.fail("WithPayOSWebhookURL: %v", err)
			return
		}
		c.payosWebhookURL = url
	}
}

// WithPayOSTokenTTL sets how long a PayOS access token is valid (default
// one hour). The token response's expiresIn is the TTL in whole seconds,
// rounded up, so a test can use a TTL of milliseconds to exercise expiry.
func WithPayOSTokenTTL(d time.Duration) SandboxOption {
	return func(c *sandboxConfig) {
		if d <= 0 {
			c.fail("WithPayOSTokenTTL: %v is not positive", d)
			return
		}
		c.tokenTTL = d
	}
}

// WithSandboxRateLimit limits each provider to n requests per window per,
// counted from the first request of a window. PalPluss documents 60 per
// minute: WithSandboxRateLimit(60, time.Minute). Over the limit a request
// is answered 429 with Retry-After (seconds until the window ends) and
// changes nothing. While the limit is on, every PalPluss response carries
// x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset (unix
// seconds), as the provider documents. Off by default.
func WithSandboxRateLimit(n int, per time.Duration) SandboxOption {
	return func(c *sandboxConfig) {
		if n <= 0 || per <= 0 {
			c.fail("WithSandboxRateLimit: need n > 0 and per > 0, got %d, %v", n, per)
			return
		}
		c.rateN, c.ratePer = n, per
	}
}

// WithSandboxWebhookRetries sets, for both providers, the waits between
// redeliveries of a webhook the receiver did not answer with a 2xx: one
// first delivery, then one more per entry. Tests use milliseconds. The
// defaults are DefaultSandboxPalPlussRetries and
// DefaultSandboxPayOSRetries; with no argument, failed deliveries are not
// repeated.
func WithSandboxWebhookRetries(waits ...time.Duration) SandboxOption {
	return func(c *sandboxConfig) {
		for _, w := range waits {
			if w < 0 {
				c.fail("WithSandboxWebhookRetries: negative wait %v", w)
				return
			}
		}
		c.palRetries = append([]time.Duration{}, waits...)
		c.payosRetries = append([]time.Duration{}, waits...)
	}
}

// WithSandboxWebhookTimeout bounds each webhook delivery attempt (default
// 30 s, PalPluss's documented limit); a receiver slower than that counts as
// a failed delivery.
func WithSandboxWebhookTimeout(d time.Duration) SandboxOption {
	return func(c *sandboxConfig) {
		if d <= 0 {
			c.fail("WithSandboxWebhookTimeout: %v is not positive", d)
			return
		}
		c.webhookTimeout = d
	}
}

// WithSandboxLogger sends the Sandbox's log lines to l: at Info, payouts
// created, every status a payout enters (its settlement), webhook
// deliveries, faults and control API actions; at Debug also every request
// served (provider, method, path, status). By default it logs nothing.
func WithSandboxLogger(l *slog.Logger) SandboxOption {
	return func(c *sandboxConfig) { c.logger = l }
}

// WithSandboxAddr serves both providers on one listener at addr
// ("127.0.0.1:8080"). Their paths do not collide: PalPluss answers under
// /v1, PayOS under /api/v1. PalPlussURL is then "http://addr/v1" and
// PayOSURL "http://addr".
func WithSandboxAddr(addr string) SandboxOption {
	return func(c *sandboxConfig) {
		c.sharedAddr, c.palAddr, c.payosAddr = addr, "", ""
	}
}

// WithSandboxAddrs serves PalPluss on a listener at palpluss and PayOS on
// one at payos, as two hosts, which is the default with ports chosen by the
// system on 127.0.0.1.
func WithSandboxAddrs(palpluss, payos string) SandboxOption {
	return func(c *sandboxConfig) {
		c.sharedAddr, c.palAddr, c.payosAddr = "", palpluss, payos
	}
}

// WithSandboxFault installs a fault hook from the start, as SetFault does.
func WithSandboxFault(f FaultFunc) SandboxOption {
	return func(c *sandboxConfig) { c.fault = f }
}
