// Package webhooktest checks implementations of package webhook's
// interfaces. StoreConformance runs the behaviour every webhook.Store must
// have (owner leases, takeover of expired claims, done entries that expire)
// against any implementation, so that a Store backed by Redis or SQL is
// held to the same contract as webhook.MemoryStore:
//
//	func TestRedisStore(t *testing.T) {
//		webhooktest.StoreConformance(t, func() webhook.Store { return newRedisStore(t) })
//	}
package webhooktest
