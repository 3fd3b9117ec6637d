package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/payoutkit/payout"
	"github.com/payoutkit/payout/palpluss"
	"github.com/payoutkit/payout/payos"
)

// Exit statuses of the command: a script reads them (see usageText).
const (
	// exitOK: done; for batch, every row accepted.
	exitOK = 0
	// exitFailed: the provider or the network refused; nothing was paid
	// (batch: some rows were refused, none is in doubt).
	exitFailed = 1
	// exitUsage: a bad command line or input file; nothing was sent.
	exitUsage = 2
	// exitUnknown: the outcome of a send is unknown: it may have been paid.
	// Never treat it as "not paid": send again with the same reference
	// (batch: run the same command again).
	exitUnknown = 3
	// exitNotFound: no such payout (get, find) or other resource.
	exitNotFound = 4
	// exitIncomplete: a batch stopped before its end (Ctrl-C, SIGTERM, a
	// state file that could not be written); run it again to resume.
	exitIncomplete = 5
)

// usageText is printed for -h.
const usageText = `payout: send and inspect payouts through PalPluss or PayOS.

usage:
  payout -provider palpluss|payos get <transaction-id>
  payout -provider palpluss|payos find <reference>
  payout -provider palpluss balance
  payout -provider palpluss list [-limit N] [-status S]
  payout -provider palpluss|payos send -reference R -amount 500.00 -phone 0712345678
         [-name N] [-description D] [-callback URL] [-sender-json FILE] [-yes]
  payout -provider palpluss|payos batch [-yes] [-state FILE] [-out FILE] [-rate N]
         [-concurrency N] [-sender-json FILE] [-retry-failed] [-resend-stale] payouts.csv
  payout version

send and batch without -yes are dry runs: they check every payout against
the provider's own rules and print what they would send, and to where.
"payout COMMAND -h" shows a command's flags.

global flags (before or after the command):
  -provider string   palpluss or payos (required)
  -json              one JSON object per line, errors included (on stderr)
  -timeout duration  bound on the whole command; for batch, on each request (default 30s)
  -retries int       retries of a failed request (default 3)
  -v                 debug logs to stderr (secrets redacted, phones masked)

environment: PALPLUSS_API_KEY, PALPLUSS_BASE_URL;
             PAYOS_MERCHANT_ID, PAYOS_CLIENT_SECRET, PAYOS_BASE_URL

exit status:
  0  ok (batch: every row accepted)
  1  failed: the provider or the network refused; not paid
     (batch: some rows refused, none in doubt)
  2  usage error or invalid input (bad flag, bad CSV row); nothing sent
  3  outcome unknown: the payout MAY HAVE BEEN PAID; send again with the
     same reference, or run the same batch again, to learn which
  4  not found (get, find)
  5  batch incomplete: interrupted or stopped; run the same command again
`

// usageError is a mistake of the operator's: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError built like fmt.Sprintf.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitError ends the command with a given status and, unless msg is empty,
// one line on stderr; batch returns one to report its outcome.
type exitError struct {
	code int
	kind string // its "code" in -json ("outcome_unknown", "incomplete", "failed")
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// helpRequest is -h given to a command: its usage is printed on stdout.
type helpRequest struct{ cmd string }

func (h *helpRequest) Error() string { return "help requested" }

// options are the global flags, shared by every command.
type options struct {
	provider string
	json     bool
	timeout  time.Duration
	retries  int
	verbose  bool
}

// register defines the global flags on fs, bound to o, with o's current
// values as defaults, so that they may come before or after the command.
func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.provider, "provider", o.provider, "palpluss or payos (required)")
	fs.BoolVar(&o.json, "json", o.json, "one JSON object per line")
	fs.DurationVar(&o.timeout, "timeout", o.timeout, "bound on the whole command")
	fs.IntVar(&o.retries, "retries", o.retries, "retries of a failed request")
	fs.BoolVar(&o.verbose, "v", o.verbose, "debug logs to stderr")
}

// env is how run reads the environment (os.Getenv in main, a map in tests).
type env func(string) string

// app is one invocation: its options, output and provider client.
type app struct {
	opts   options
	stdout io.Writer
	stderr io.Writer
	getenv env
	// ctx ends on SIGINT or SIGTERM (main); commands derive theirs from it.
	ctx context.Context
	// now is the clock (time.Now), and skew how much earlier than a send
	// the payout it returns must have been created to count as an
	// existing one (replaySkew; tests shorten it).
	now  func() time.Time
	skew time.Duration
	// cmd is the command being run, for the hint of a usage error, and
	// helpFlags its own flags, for its -h.
	cmd       string
	helpFlags *flag.FlagSet

	client    provider
	baseURL   string // the API the client calls
	account   string // the provider account, where it is no secret (PayOS merchant id)
	transport *http.Transport
}

// provider is what both adapters offer.
type provider interface {
	payout.Client
	payout.Validator
	FindByReference(ctx context.Context, reference string) (*payout.Payout, error)
}

// command is one subcommand: it parses its own flags from args and runs.
type command struct {
	run func(a *app, args []string) error
	// usage is its synopsis and what it does, for "payout CMD -h".
	usage string
}

// commands are the subcommands by name. (A function, not a variable: the
// table refers to functions that print it.)
func commands() map[string]command {
	return map[string]command{
		"get":     {cmdGet, "payout -provider palpluss|payos get <transaction-id>\n\nPrints the payout with this provider transaction id."},
		"find":    {cmdFind, "payout -provider palpluss|payos find <reference>\n\nPrints the payout sent with this reference (PalPluss: among the newest 1,000)."},
		"balance": {cmdBalance, "payout -provider palpluss balance\n\nPrints the PalPluss service wallet's balance (it pays PalPluss's fees)."},
		"list":    {cmdList, "payout -provider palpluss list [-limit N] [-status S]\n\nPrints recent PalPluss transactions, newest first."},
		"send":    {cmdSend, sendUsage},
		"batch":   {cmdBatch, batchUsage},
		"version": {cmdVersion, "payout version\n\nPrints the version of this tool and of the SDK it is built on."},
	}
}

// run is the whole command: it parses args, runs the command and returns
// the exit status. Nothing is read from the process environment except
// through getenv; ctx ending (SIGINT, SIGTERM) stops a batch gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return newApp(ctx, stdout, stderr, getenv).main(args)
}

// newApp returns an app with the default options.
func newApp(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string) *app {
	return &app{
		opts:   options{timeout: 30 * time.Second, retries: payout.DefaultMaxRetries},
		stdout: stdout, stderr: stderr, getenv: getenv, ctx: ctx, now: time.Now, skew: replaySkew,
	}
}

// main runs the command named in args and returns the exit status.
func (a *app) main(args []string) int {
	defer a.close()
	fs := flag.NewFlagSet("payout", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.opts.register(fs)
	err := parseErr(fs.Parse(args))
	if err == nil {
		err = a.dispatch(fs.Args())
	}
	return a.report(err)
}

// dispatch finds the command named by rest[0] and runs it.
func (a *app) dispatch(rest []string) error {
	if len(rest) == 0 {
		return usagef("no command given")
	}
	cmd, ok := commands()[rest[0]]
	if !ok {
		return usagef("unknown command %q", rest[0])
	}
	a.cmd = rest[0]
	return cmd.run(a, rest[1:])
}

// parseFlags parses a command's flags (the global ones included, before
// or after the positional arguments) and checks that exactly the
// positional arguments named by argNames were given. -h is a
// *helpRequest listing the command's own flags.
func (a *app) parseFlags(fs *flag.FlagSet, args []string, argNames ...string) ([]string, error) {
	fs.SetOutput(io.Discard)
	own := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) { own.Var(f.Value, f.Name, f.Usage) })
	a.helpFlags = own
	a.opts.register(fs)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{cmd: fs.Name()}
			}
			return nil, parseErr(err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	switch {
	case len(pos) < len(argNames):
		return nil, usagef("%s: missing <%s>", fs.Name(), argNames[len(pos)])
	case len(pos) > len(argNames):
		return nil, usagef("%s: unexpected argument %q", fs.Name(), pos[len(argNames)])
	}
	return pos, nil
}

// parseErr turns a flag parsing error into a usage error ("invalid value
// ... for flag -limit" names the flag); -h stays flag.ErrHelp.
func parseErr(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{msg: err.Error()}
}

// connect builds the client of -provider from the environment.
func (a *app) connect() error {
	if a.client != nil {
		return nil
	}
	if a.opts.timeout <= 0 {
		return usagef("-timeout must be positive, got %v", a.opts.timeout)
	}
	if a.opts.retries < 0 {
		return usagef("-retries must not be negative, got %d", a.opts.retries)
	}
	a.transport = http.DefaultTransport.(*http.Transport).Clone()
	sdk := []payout.Option{
		payout.WithHTTPClient(&http.Client{Transport: a.transport}),
		payout.WithTimeout(a.opts.timeout),
		payout.WithMaxRetries(a.opts.retries),
		payout.WithUserAgent("payout-cli"),
	}
	if a.opts.verbose {
		sdk = append(sdk, payout.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	get := func(k string) string { return strings.TrimSpace(a.getenv(k)) }
	switch a.opts.provider {
	case palpluss.ProviderName:
		key := get(palpluss.EnvAPIKey)
		if key == "" {
			return usagef("%s is not set", palpluss.EnvAPIKey)
		}
		a.baseURL = palpluss.DefaultBaseURL
		if base := get(palpluss.EnvBaseURL); base != "" {
			sdk = append(sdk, payout.WithBaseURL(base))
			a.baseURL = strings.TrimRight(base, "/")
		}
		c, err := palpluss.New(key, sdk...)
		if err != nil {
			return usagef("%v", err) // never repeats the key
		}
		a.client = c
	case payos.ProviderName:
		id, secret := get(payos.EnvMerchantID), get(payos.EnvClientSecret)
		if id == "" {
			return usagef("%s is not set", payos.EnvMerchantID)
		}
		if secret == "" {
			return usagef("%s is not set", payos.EnvClientSecret)
		}
		a.baseURL = payos.DefaultBaseURL
		if base := get(payos.EnvBaseURL); base != "" {
			sdk = append(sdk, payout.WithBaseURL(base))
			a.baseURL = strings.TrimSuffix(strings.TrimRight(base, "/"), "/api/v1")
		}
		c, err := payos.New(id, secret, sdk...)
		if err != nil {
			return usagef("%v", err) // never repeats the secret
		}
		a.client, a.account = c, c.MerchantID()
	case "":
		return usagef("-provider is required: palpluss or payos")
	default:
		return usagef("-provider must be palpluss or payos, got %q", a.opts.provider)
	}
	return nil
}

// context bounds a command's calls by -timeout, read once every flag is
// parsed.
func (a *app) context() (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.ctx, a.opts.timeout)
}

// close releases the connections the client kept open.
func (a *app) close() {
	if a.transport != nil {
		a.transport.CloseIdleConnections()
	}
}

// report prints err (if any) on stderr, as one line (one JSON object with
// -json), and returns the exit status.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(a.stdout, usageText)
		return exitOK
	}
	var help *helpRequest
	if errors.As(err, &help) {
		a.printCommandHelp(help.cmd)
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			a.printError(errorJSON{Code: ee.kind, Message: ee.msg, Exit: ee.code}, "payout: "+ee.msg)
		}
		return ee.code
	}
	if msg, ok := usageOf(err); ok {
		hint := "payout -h"
		if a.cmd != "" {
			hint = "payout " + a.cmd + " -h"
		}
		a.printError(errorJSON{Code: "usage", Message: msg, Exit: exitUsage}, fmt.Sprintf("payout: %s (see %s)", msg, hint))
		return exitUsage
	}
	code := exitCode(err)
	e := errorJSON{Code: "error", Message: strings.TrimPrefix(oneLine(err), "payout: "), Exit: code, Hint: outcomeHint(err, a.opts.provider)}
	var pe *payout.Error
	if errors.As(err, &pe) {
		e.Code, e.Provider, e.ProviderCode, e.HTTPStatus = string(pe.Code), pe.Provider, pe.ProviderCode, pe.HTTPStatus
		e.Field, e.Reference, e.RequestID = pe.Field, pe.Reference, pe.RequestID
	}
	text := oneLine(err)
	if e.Hint != "" {
		text += "\n" + e.Hint
	}
	a.printError(e, text)
	return code
}

// exitCode is the exit status of a command that failed with err (not a
// usage error): an unknown outcome and not found have their own.
func exitCode(err error) int {
	switch {
	case errors.Is(err, payout.ErrOutcomeUnknown):
		return exitUnknown
	case errors.Is(err, payout.ErrNotFound):
		return exitNotFound
	}
	var pe *payout.Error
	if !errors.As(err, &pe) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		// Not the SDK's verdict: the command was cut short, maybe mid-send.
		return exitUnknown
	}
	return exitFailed
}

// errorJSON is the -json form of an error, one object on stderr.
type errorJSON struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	Exit         int    `json:"exit"`
	Provider     string `json:"provider,omitempty"`
	ProviderCode string `json:"providerCode,omitempty"`
	HTTPStatus   int    `json:"httpStatus,omitempty"`
	Field        string `json:"field,omitempty"`
	Reference    string `json:"reference,omitempty"`
	RequestID    string `json:"requestId,omitempty"`
	Hint         string `json:"hint,omitempty"`
}

// printError writes an error on stderr: e as {"error":{...}} with -json,
// else text.
func (a *app) printError(e errorJSON, text string) {
	if a.opts.json {
		_ = writeJSON(a.stderr, struct {
			Error errorJSON `json:"error"`
		}{e})
		return
	}
	fmt.Fprintln(a.stderr, text)
}

// printCommandHelp prints a command's synopsis and its own flags.
func (a *app) printCommandHelp(name string) {
	cmd := commands()[name]
	fmt.Fprintf(a.stdout, "usage: %s\n", cmd.usage)
	if fs := a.helpFlags; fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(a.stdout, "\nflags:")
			fs.SetOutput(a.stdout)
			fs.PrintDefaults()
		}
	}
	fmt.Fprintln(a.stdout, "\nGlobal flags (-provider, -json, -timeout, -retries, -v) and exit statuses: payout -h")
}

// usageOf reports whether err is the operator's mistake: a *usageError, a
// flag parsing error, or an invalid request the SDK refused before sending
// anything (its field named as the flag that set it).
func usageOf(err error) (msg string, ok bool) {
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.msg, true
	}
	var pe *payout.Error
	if errors.As(err, &pe) {
		// Found before any request: HTTPStatus 0. A provider's own refusal
		// is a provider error.
		local := pe.HTTPStatus == 0 && pe.Field != ""
		if local && (pe.Code == payout.CodeInvalidRequest || pe.Code == payout.CodeInvalidRecipient) {
			return flagFor(pe.Field) + ": " + strings.TrimPrefix(oneLine(err), "payout: "), true
		}
	}
	return "", false
}

// fieldFlags maps the SDK's field names to the flags that set them.
var fieldFlags = map[string]string{
	"reference":       "-reference",
	"amount":          "-amount",
	"recipient.phone": "-phone",
	"recipient.name":  "-name",
	"description":     "-description",
	"callbackURL":     "-callback",
	"limit":           "-limit",
	"status":          "-status",
}

// flagFor names the flag that sets an SDK request field.
func flagFor(field string) string {
	if f, ok := fieldFlags[field]; ok {
		return f
	}
	if strings.HasPrefix(field, "sender") {
		return "-sender-json"
	}
	if field == "" {
		return "invalid request"
	}
	return field
}

// oneLine is err's message on one line, with the "payout: " prefix once.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if !strings.HasPrefix(s, "payout: ") {
		s = "payout: " + s
	}
	return s
}

// outcomeHint tells the operator what to do when the provider may have
// created the payout but no answer says so; "" for any other error.
func outcomeHint(err error, provider string) string {
	if !errors.Is(err, payout.ErrOutcomeUnknown) {
		return ""
	}
	ref := "<reference>"
	var pe *payout.Error
	if errors.As(err, &pe) && pe.Reference != "" {
		ref = shellQuote(pe.Reference)
	}
	if provider == "" {
		provider = "palpluss|payos"
	}
	return fmt.Sprintf("hint: the payout may exist: run `payout -provider %s find %s` or send again with the same -reference", provider, ref)
}

// shellQuote quotes s for a POSIX shell unless it holds only characters
// that need no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// trimPrefix is s without the "payout: " every SDK error starts with.
func trimPrefix(s string) string { return strings.TrimPrefix(s, "payout: ") }
