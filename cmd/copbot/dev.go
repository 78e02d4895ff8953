package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/copbot/copbot/bot/console"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/knowledge"
)

// runDev opens the console on DATABASE_URL or a throwaway database. Logs
// go to stderr at warning level and up, so they do not drown the console.
func runDev(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Level(slog.LevelWarn), cfg.Secrets()...)

	url, cleanup, err := devDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer cleanup()
	pool, err := openDatabase(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()

	store, err := knowledge.NewStore(pool, log)
	if err != nil {
		return err
	}
	con := console.New(stdin, stdout, &console.Options{Interactive: isTerminal(stdin)})
	core := commands.NewCore(store, log, con)
	// No periodic jobs: reminders, digests and story questions come on a
	// schedule of minutes to weeks, and a script must come out the same
	// every time; `/cop digest preview` shows a digest on demand.
	background, err := core.StartBackground(ctx, &commands.BackgroundOptions{Interactive: true, NoPeriodic: true})
	if err != nil {
		return err
	}
	defer background.Stop(context.WithoutCancel(ctx))
	return con.Run(ctx, core)
}
