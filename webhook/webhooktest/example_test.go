package webhooktest_test

import (
	"testing"

	"github.com/payoutkit/payout/webhook"
	"github.com/payoutkit/payout/webhook/webhooktest"
)

// In the tests of a shared Store (Redis, SQL), one line holds it to the
// contract webhook.Handler relies on. Each subtest gets a fresh store.
func ExampleStoreConformance() {
	testStore := func(t *testing.T) {
		webhooktest.StoreConformance(t, func() webhook.Store {
			return webhook.NewMemoryStore(0) // your store, connected to a test database
		})
	}
	_ = testStore // func TestMyStore(t *testing.T) { ... } in your _test.go file
}
