// Command copbot runs the copbot chat bot: `serve` runs the platform adapters
// and the HTTP server, `dev` opens a local console on a throwaway database,
// `migrate` applies the schema, and `version` says which build this is.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	_ "time/tzdata" // community time zones must work on minimal images

	"github.com/copbot/copbot/internal/redact"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `copbot — a bot for communities of practice on Slack and Discord

Usage:
  copbot dev        open a local console (a throwaway database unless DATABASE_URL is set)
  copbot serve      run the Slack and Discord adapters and the HTTP server
  copbot migrate    apply database migrations to DATABASE_URL
  copbot export [--community] slack:T0123 [--format json|md|csv] [--include-removed]
                    write a community's practice repository to standard output
  copbot import [--community ID] [--file F]
                    read a JSON export back (idempotent)
  copbot discord register [--guild ID]
                    register the /cop command with Discord (globally, or in one guild at once)
  copbot version    print the version

Configuration is read from the environment; see the README.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status. Status 2
// means the command line or the configuration is wrong.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch args[0] {
	case "dev":
		if err = noFlags("copbot dev: open a local console (a throwaway database unless DATABASE_URL is set)", args[1:], stdout); err == nil {
			err = runDev(ctx, stdin, stdout, stderr)
		}
	case "serve":
		if err = noFlags("copbot serve: run the Slack and Discord adapters and the HTTP server (configured from the environment; see the README)", args[1:], stdout); err == nil {
			err = runServe(ctx, stderr)
		}
	case "migrate":
		if err = noFlags("copbot migrate: apply database migrations to DATABASE_URL", args[1:], stdout); err == nil {
			err = runMigrate(ctx, stdout)
		}
	case "export":
		err = runExport(ctx, args[1:], stdout, stderr)
	case "import":
		err = runImport(ctx, args[1:], stdin, stdout, stderr)
	case "discord":
		err = runDiscord(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "copbot", buildVersion())
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "copbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "copbot %s: %v\n", args[0], err)
	var cfgErr *ConfigError
	var usage *usageError
	if errors.As(err, &cfgErr) || errors.As(err, &usage) {
		return 2
	}
	return 1
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// newLogger logs JSON for machines and text for people at a terminal.
// Every line goes through internal/redact first, which removes secrets
// (and whatever has the shape of a token or a capability URL): errors of
// the Slack and Discord clients carry whole request URLs.
func newLogger(w io.Writer, level slog.Level, secrets ...string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if isTerminal(w) {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(redact.New(secrets...).Handler(h))
}

// isTerminal reports whether f (standard input or output) is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	fi, err := file.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// errHelp is a subcommand's -h or --help: its usage went to standard
// output, and copbot exits with status 0.
var errHelp = errors.New("help requested")

// usageError is a wrong command line: exit status 2, like bad configuration.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseFlags parses a subcommand's flags. -h prints its synopsis and flags
// to stdout and returns errHelp; a wrong flag is a usageError that repeats
// the synopsis.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, synopsis string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "usage: %s\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return errHelp
	}
	if err != nil {
		return &usageError{msg: fmt.Sprintf("%v; usage: %s", err, synopsis)}
	}
	return nil
}

// noFlags is parseFlags for a subcommand that takes no flags or arguments;
// synopsis is "copbot name: what it does".
func noFlags(synopsis string, args []string, stdout io.Writer) error {
	name, _, _ := strings.Cut(synopsis, ":")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout, synopsis); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("%s takes no arguments; got %q", name, fs.Args())}
	}
	return nil
}
