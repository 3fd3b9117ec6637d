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

// Exit statuses of the command.
const (
	exitOK       = 0
	exitProvider = 1
	exitUsage    = 2
)

// usageText is printed for -h and after a usage error.
const usageText = `usage:
  payout -provider palpluss|payos get <transaction-id>
  payout -provider palpluss|payos find <reference>
  payout -provider palpluss balance
  payout -provider palpluss list [-limit N] [-status S]
  payout -provider palpluss|payos send -reference R -amount 500.00 -phone 0712345678
         [-name N] [-description D] [-callback URL] [-sender-json FILE] [-yes]

send without -yes is a dry run: it validates and prints what it would send.

global flags (before or after the command):
  -provider string   palpluss or payos (required)
  -json              one JSON object per line
  -timeout duration  bound on the whole command (default 30s)
  -retries int       retries of a failed request (default 3)
  -v                 debug logs to stderr (secrets redacted, phones masked)

environment: PALPLUSS_API_KEY, PALPLUSS_BASE_URL;
             PAYOS_MERCHANT_ID, PAYOS_CLIENT_SECRET, PAYOS_BASE_URL
exit status: 0 ok, 1 provider or network error, 2 usage error
`

// usageError is a mistake of the operator's: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError built like fmt.Sprintf.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

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

	client    provider
	transport *http.Transport
}

// provider is what both adapters offer.
type provider interface {
	payout.Client
	FindByReference(ctx context.Context, reference string) (*payout.Payout, error)
}

// command is one subcommand: it parses its own flags from args and runs.
type command func(a *app, args []string) error

var commands = map[string]command{
	"get":     cmdGet,
	"find":    cmdFind,
	"balance": cmdBalance,
	"list":    cmdList,
	"send":    cmdSend,
}

// run is the whole command: it parses args, runs the command and returns
// the exit status. Nothing is read from the process environment except
// through getenv.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{
		opts:   options{timeout: 30 * time.Second, retries: payout.DefaultMaxRetries},
		stdout: stdout, stderr: stderr, getenv: getenv,
	}
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
	cmd, ok := commands[rest[0]]
	if !ok {
		return usagef("unknown command %q", rest[0])
	}
	return cmd(a, rest[1:])
}

// parseFlags parses a command's flags (the global ones included, before
// or after the positional arguments) and checks that exactly the
// positional arguments named by argNames were given.
func (a *app) parseFlags(fs *flag.FlagSet, args []string, argNames ...string) ([]string, error) {
	fs.SetOutput(io.Discard)
	a.opts.register(fs)
	var pos []string
	for {
		if err := parseErr(fs.Parse(args)); err != nil {
			return nil, err
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
		if base := get(palpluss.EnvBaseURL); base != "" {
			sdk = append(sdk, payout.WithBaseURL(base))
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
		if base := get(payos.EnvBaseURL); base != "" {
			sdk = append(sdk, payout.WithBaseURL(base))
		}
		c, err := payos.New(id, secret, sdk...)
		if err != nil {
			return usagef("%v", err) // never repeats the secret
		}
		a.client = c
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
	return context.WithTimeout(context.Background(), a.opts.timeout)
}

// close releases the connections the client kept open.
func (a *app) close() {
	if a.transport != nil {
		a.transport.CloseIdleConnections()
	}
}

// report prints err (if any) on stderr and returns the exit status.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(a.stdout, usageText)
		return exitOK
	}
	if code, msg, ok := usageOf(err); ok {
		fmt.Fprintf(a.stderr, "payout: %s\n\n%s", msg, usageText)
		return code
	}
	fmt.Fprintln(a.stderr, oneLine(err))
	if hint := outcomeHint(err, a.opts.provider); hint != "" {
		fmt.Fprintln(a.stderr, hint)
	}
	return exitProvider
}

// usageOf reports whether err is the operator's mistake: a *usageError, a
// flag parsing error, or an invalid request the SDK refused before sending
// anything (its field named as the flag that set it).
func usageOf(err error) (code int, msg string, ok bool) {
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage, ue.msg, true
	}
	var pe *payout.Error
	if errors.As(err, &pe) {
		// Found before any request: HTTPStatus 0. A provider's own refusal
		// is a provider error.
		local := pe.HTTPStatus == 0 && pe.Field != ""
		if local && (pe.Code == payout.CodeInvalidRequest || pe.Code == payout.CodeInvalidRecipient) {
			return exitUsage, flagFor(pe.Field) + ": " + oneLine(err), true
		}
	}
	return 0, "", false
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
