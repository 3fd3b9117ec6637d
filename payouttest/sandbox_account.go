package payouttest

import (
	"fmt"
	"net/http"
)

// PalPlussAccountState is the state of the PalPluss tenant and account a
// Sandbox's API key belongs to. Anything but PalPlussAccountActive makes the
// PalPluss side refuse calls as the provider documents, so that a test can
// check how its client reports those refusals.
type PalPlussAccountState int

// The PalPluss account states (see WithPalPlussAccountState).
const (
	// PalPlussAccountActive, the default: every call is served.
	PalPlussAccountActive PalPlussAccountState = iota
	// PalPlussKYCNotVerified: the tenant's KYC is not approved, which B2C
	// needs. POST /b2c/payouts answers 403 KYC_NOT_VERIFIED and creates
	// nothing; the GET endpoints still work.
	PalPlussKYCNotVerified
	// PalPlussAccountInactive: the account is inactive. Every call with a
	// valid API key answers 403 ACCOUNT_INACTIVE.
	PalPlussAccountInactive
	// PalPlussTenantInactive: the tenant is inactive. Every call with a
	// valid API key answers 401 TENANT_INACTIVE.
	PalPlussTenantInactive
)

// String returns "active", "kyc_not_verified", "account_inactive" or
// "tenant_inactive".
func (st PalPlussAccountState) String() string {
	switch st {
	case PalPlussAccountActive:
		return "active"
	case PalPlussKYCNotVerified:
		return "kyc_not_verified"
	case PalPlussAccountInactive:
		return "account_inactive"
	case PalPlussTenantInactive:
		return "tenant_inactive"
	}
	return fmt.Sprintf("PalPlussAccountState(%d)", int(st))
}

func (st PalPlussAccountState) valid() bool {
	return st >= PalPlussAccountActive && st <= PalPlussTenantInactive
}

// WithPalPlussAccountState starts the Sandbox with the PalPluss account in
// state (default PalPlussAccountActive). SetPalPlussAccountState changes it
// later.
func WithPalPlussAccountState(state PalPlussAccountState) SandboxOption {
	return func(c *sandboxConfig) {
		if !state.valid() {
			c.fail("WithPalPlussAccountState: unknown state %v", state)
			return
		}
		c.palAccount = state
	}
}

// SetPalPlussAccountState puts the PalPluss account in state, as the
// provider's back office would, from the next request on. Payouts already
// accepted still settle.
func (s *Sandbox) SetPalPlussAccountState(state PalPlussAccountState) error {
	if !state.valid() {
		return fmt.Errorf("payouttest: SetPalPlussAccountState: unknown state %v", state)
	}
	s.palpluss.account.Store(int32(state))
	return nil
}

// accountRefusal writes the refusal the account state calls for, if any,
// and reports whether it did. b2c says whether the request is a B2C payout.
func (p *palplussState) accountRefusal(w http.ResponseWriter, b2c bool) bool {
	switch PalPlussAccountState(p.account.Load()) {
	case PalPlussTenantInactive:
		palplussError(w, http.StatusUnauthorized, "TENANT_INACTIVE", "Tenant is inactive.", nil)
	case PalPlussAccountInactive:
		palplussError(w, http.StatusForbidden, "ACCOUNT_INACTIVE", "Account is inactive.", nil)
	case PalPlussKYCNotVerified:
		if !b2c {
			return false
		}
		palplussError(w, http.StatusForbidden, "KYC_NOT_VERIFIED", "KYC verification must be approved before B2C payouts.", nil)
	default:
		return false
	}
	return true
}
