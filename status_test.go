package payout

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatusTerminal(t *testing.T) {
	terminal := map[Status]bool{
		StatusPending: false, StatusProcessing: false, StatusSucceeded: true, StatusFailed: true,
		StatusReversed: true, StatusCancelled: true, StatusExpired: true, Status("weird"): false,
	}
	for s, want := range terminal {
		assert.Equal(t, want, s.Terminal(), s)
		assert.Equal(t, s == StatusSucceeded, s.Paid(), s)
	}
}
