package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/payos"
	"github.com/payoutkit/payout/webhook"
)

// sent is one request as the server saw it.
type sent struct {
	method, path string
	header       http.Header
	body         any
}

// capture runs call against a recording server and returns what reached it.
func capture(t *testing.T, call func(base string) error) []sent {
	t.Helper()
	srv := newServer(t)
	defer srv.Close()
	var mu sync.Mutex
	var out []sent
	srv.record = func(r *http.Request, body []byte) {
		var v any
		if len(body) > 0 {
			require.NoError(t, json.Unmarshal(body, &v))
		}
		mu.Lock()
		out = append(out, sent{r.Method, r.URL.Path, r.Header.Clone(), v})
		mu.Unlock()
	}
	require.NoError(t, call(srv.URL))
	return out
}

// same asserts the baseline's request is the SDK's: method, path, body
// (as JSON) and the headers that matter.
func same(t *testing.T, sdk, bl sent) {
	t.Helper()
	assert.Equal(t, sdk.method, bl.method)
	assert.Equal(t, sdk.path, bl.path)
	assert.Equal(t, sdk.body, bl.body)
	for _, h := range []string{"Authorization", "Content-Type", "Accept", "Idempotency-Key"} {
		assert.Equal(t, sdk.header.Values(h), bl.header.Values(h), h)
	}
	assert.NotEmpty(t, sdk.header.Get("User-Agent"))
	assert.NotEmpty(t, bl.header.Get("User-Agent"))
}

// TestBaselinesSendWhatTheSDKSends keeps the comparison honest: each
// baseline sends the very request the SDK sends.
func TestBaselinesSendWhatTheSDKSends(t *testing.T) {
	ctx := context.Background()
	t.Run("palpluss send", func(t *testing.T) {
		sdk := capture(t, func(base string) error { _, err := palClient(t, base).Send(ctx, palRequest()); return err })
		bl := capture(t, func(base string) error {
			in := &palSendBody{Amount: 500, Phone: "0712345678", Reference: reference, Currency: "KES",
				Description: "Commission payout", CallbackURL: "https://yourserver.com/webhooks/b2c"}
			_, err := palBaseline(base).palSend(ctx, in)
			return err
		})
		require.Len(t, sdk, 1)
		require.Len(t, bl, 1)
		same(t, sdk[0], bl[0])
	})
	t.Run("palpluss get", func(t *testing.T) {
		sdk := capture(t, func(base string) error { _, err := palClient(t, base).Get(ctx, palID); return err })
		bl := capture(t, func(base string) error { _, err := palBaseline(base).palGet(ctx, palID); return err })
		require.Len(t, sdk, 1)
		require.Len(t, bl, 1)
		same(t, sdk[0], bl[0])
	})
	t.Run("payos send", func(t *testing.T) {
		// The first request of each is the token exchange.
		sdk := capture(t, func(base string) error {
			c, err := payos.New(merchantID, clientSecret, payoutBase(base))
			if err != nil {
				return err
			}
			_, err = c.Send(ctx, payosRequest())
			return err
		})
		bl := capture(t, func(base string) error {
			c, err := payosBaseline(ctx, base)
			if err != nil {
				return err
			}
			in := newPosSendBody()
			_, err = c.posSend(ctx, &in)
			return err
		})
		require.Len(t, sdk, 2)
		require.Len(t, bl, 2)
		same(t, sdk[0], bl[0])
		same(t, sdk[1], bl[1])
	})
	t.Run("payos get", func(t *testing.T) {
		sdk := capture(t, func(base string) error {
			c, err := payos.New(merchantID, clientSecret, payoutBase(base))
			if err != nil {
				return err
			}
			_, err = c.Get(ctx, payosID)
			return err
		})
		bl := capture(t, func(base string) error {
			c, err := payosBaseline(ctx, base)
			if err != nil {
				return err
			}
			_, err = c.posGet(ctx, payosID)
			return err
		})
		require.Len(t, sdk, 2)
		require.Len(t, bl, 2)
		same(t, sdk[1], bl[1])
	})
}

// TestWebhookBaselineAgrees: the hand-written verifier accepts what the
// SDK accepts and rejects a tampered body, and both parse the same payout.
func TestWebhookBaselineAgrees(t *testing.T) {
	body := webhookBody(t)
	require.Len(t, body, 1024)
	h, err := webhook.Sign(whSecret, "msg_1", timeNow(), body)
	require.NoError(t, err)
	sdk, err := webhook.NewStandardVerifier(whSecret)
	require.NoError(t, err)
	bl, err := newStdVerifier(whSecret, timeNow)
	require.NoError(t, err)
	require.NoError(t, sdk.Verify(h, body))
	require.NoError(t, bl.verify(h, body))
	tampered := append([]byte{}, body...)
	tampered[100] ^= 1
	assert.Error(t, sdk.Verify(h, tampered))
	assert.Error(t, bl.verify(h, tampered))

	ev, err := payos.ParseWebhook(body)
	require.NoError(t, err)
	var bev webhookEvent
	require.NoError(t, json.Unmarshal(body, &bev))
	assert.Equal(t, ev.Payout.ID, bev.Payload.TransactionID)
	assert.Equal(t, ev.Payout.Reference, bev.Payload.MerchantReference)
	assert.Equal(t, ev.Type, bev.Type)
}

func payoutBase(base string) payout.Option { return payout.WithBaseURL(base) }

func timeNow() time.Time { return time.Now() }
