package webhooktest_test

import (
	"testing"

	"github.com/payoutkit/payout/webhook"
	"github.com/payoutkit/payout/webhook/webhooktest"
)

func TestMemoryStoreConformance(t *testing.T) {
	webhooktest.StoreConformance(t, func() webhook.Store { return webhook.NewMemoryStore(0) })
}
