package payout

// Version is the SDK's version, sent in the User-Agent header as
// "payout-go/<Version> (<Go version>)".
const Version = "0.1.0"
