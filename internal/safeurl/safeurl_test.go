package safeurl

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	for raw, want := range map[string]Verdict{
		"https://api.payos.money":         Allowed,
		"HTTPS://api.payos.money":         Allowed,
		"https://10.0.0.1/v1":             Allowed,
		"http://127.0.0.1:8080/v1":        Allowed,
		"http://127.9.9.9/v1":             Allowed,
		"http://[::1]:9000":               Allowed,
		"http://localhost:1/api":          Allowed,
		"http://LocalHost/cb":             Allowed,
		"http://[::ffff:127.0.0.1]/cb":    Allowed, // an IPv4-mapped loopback address
		"http://api.palpluss.com/v1":      Cleartext,
		"http://10.0.0.1/v1":              Cleartext,
		"http://128.0.0.1":                Cleartext,
		"http://localhost.example.com/cb": Cleartext,
		"http://evil.com#@localhost/cb":   Cleartext,
		"http://localhost@evil.com/cb":    Cleartext, // user information, not the host
		"http://[::2]/cb":                 Cleartext,
		"http://[fe80::1%25lo]/cb":        Cleartext,
		"ftp://127.0.0.1":                 NotHTTP,
		"ws://localhost/cb":               NotHTTP,
		"mailto:someone@example.com":      NotHTTP,
		"//api.palpluss.com":              NotHTTP,
		"/relative/cb":                    NotHTTP,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, want, Check(u), raw)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.255.255.254": true, "::1": true,
		"": false, "localhost.": false, "my.localhost": false, "128.0.0.1": false, "0.0.0.0": false, "::": false, "[::1]": false,
	} {
		assert.Equal(t, want, IsLoopback(host), host)
	}
}
