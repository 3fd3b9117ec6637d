// Package safeurl holds the SDK's one rule for URLs that carry secrets: a
// base URL the credentials go to with every request, a callback URL with
// its token in the query. Such a URL is https, or plain http only to a
// loopback host (127.0.0.0/8, ::1, localhost), for tests and local
// sandboxes, where nothing crosses a network.
//
// The root package (payout.WithBaseURL, payout.ValidateCallbackURL) and
// package webhook (CallbackSigner.CallbackURL) all decide by Check, each
// saying in its own words what is wrong.
package safeurl

import (
	"net"
	"net/url"
	"strings"
)

// Verdict is Check's answer about a URL's scheme and host.
type Verdict int

const (
	// Allowed is https to any host, or http to a loopback host.
	Allowed Verdict = iota
	// Cleartext is http to a host that is not a loopback host: secrets
	// would cross a network unencrypted.
	Cleartext
	// NotHTTP is a scheme that is neither https nor http.
	NotHTTP
)

// Check applies the rule to u. It looks only at the scheme and the host:
// whether u is absolute, or carries user information, is the caller's
// decision. url.Parse has already folded the scheme to lower case.
func Check(u *url.URL) Verdict {
	switch u.Scheme {
	case "https":
		return Allowed
	case "http":
		if IsLoopback(u.Hostname()) {
			return Allowed
		}
		return Cleartext
	default:
		return NotHTTP
	}
}

// IsLoopback reports whether host (a URL's Hostname, without port or
// brackets) names this machine: "localhost" in any case, or an IP address
// in 127.0.0.0/8 or ::1. Names that merely end in localhost
// ("localhost.example.com") are not loopback hosts: DNS decides where they
// go.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
