package webhook

import (
	"errors"
	"net/http"

	"github.com/payoutkit/payout"
)

// RequestVerifier authenticates a webhook delivery before its body is
// parsed. Handler calls VerifyRequest with the request and its body, read in
// full (the request's Body has been consumed); a non-nil error answers 401
// and the body is never parsed.
//
// *StandardVerifier is one (PayOS); CallbackSigner.Verifier returns one
// (PalPluss). Implementations must be safe for concurrent use.
type RequestVerifier interface {
	// VerifyRequest returns nil when r, whose body is body, is an
	// authentic delivery, and an error saying why not otherwise.
	VerifyRequest(r *http.Request, body []byte) error
}

// EventVerifier is implemented by a RequestVerifier that must also check
// the parsed event against what it authenticated. Handler calls VerifyEvent
// after parsing, before deduplication, confirmation or the user's function;
// a non-nil error answers 401.
//
// The callback-token verifier uses it to bind the event to the payout the
// token was issued for: a token for payout A does not authenticate an event
// about payout B.
type EventVerifier interface {
	// VerifyEvent returns nil when ev, parsed from r, is about what r's
	// credentials authenticate, and an error saying why not otherwise.
	VerifyEvent(r *http.Request, ev *payout.Event) error
}

// ErrReferenceMismatch is the error of the callback verifier's VerifyEvent
// when the event's payout reference is not the one the callback URL's token
// was issued for (or the event carries no payout reference at all).
var ErrReferenceMismatch = errors.New("webhook: event is not about the callback URL's payout")

// Verifier returns the RequestVerifier a Handler uses for callbacks to URLs
// made by s.CallbackURL. Before parsing, it checks the URL's token
// (VerifyRequest); after parsing, it checks that the event's
// Payout.Reference is the URL's ref (it is also an EventVerifier), so that a
// URL leaked for one payout cannot vouch for events about another.
//
// The token proves where the request was sent, not what it says: pair it
// with WithConfirm so that the payout's status comes from the provider.
func (s *CallbackSigner) Verifier() RequestVerifier { return callbackVerifier{s} }

type callbackVerifier struct{ s *CallbackSigner }

func (c callbackVerifier) VerifyRequest(r *http.Request, _ []byte) error {
	_, err := c.s.VerifyRequest(r)
	return err
}

func (c callbackVerifier) VerifyEvent(r *http.Request, ev *payout.Event) error {
	ref, err := c.s.VerifyRequest(r)
	if err != nil {
		return err
	}
	if ev == nil || ev.Payout == nil || ev.Payout.Reference != ref {
		return ErrReferenceMismatch
	}
	return nil
}

// messageIDSource is implemented by verifiers whose signature covers a
// message id header, which Handler may then use as the deduplication key.
type messageIDSource interface {
	messageID(h http.Header) string
}

func (v *StandardVerifier) messageID(h http.Header) string { return messageID(h) }
