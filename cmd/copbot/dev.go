package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/copbot/copbot/bot/console"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/knowledge"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
	// The store's clock in SQL (copbot_now, migration 017) is the
	// console's, set on each connection as it is taken from the pool.
	var storeClock atomic.Pointer[func() time.Time]
	pool, err := openDatabase(ctx, url, func(cfg *pgxpool.Config) {
		cfg.PrepareConn = func(ctx context.Context, conn *pgx.Conn) (bool, error) {
			now := time.Now
			if c := storeClock.Load(); c != nil {
				now = *c
			}
			_, err := conn.Exec(ctx, "SELECT set_config('copbot.now', $1, false)", now().UTC().Format(time.RFC3339Nano))
			return err == nil, err
		}
	})
	if err != nil {
		return err
	}
	defer pool.Close()

	store, err := knowledge.NewStore(pool, log)
	if err != nil {
		return err
	}
	con := console.New(stdin, stdout, &console.Options{Interactive: isTerminal(stdin)})
	// What copbot decides by time (reminders, digests, "today") follows
	// the console's clock, which /clock sets and moves.
	store.SetClock(con.Now)
	now := con.Now
	storeClock.Store(&now)
	// Link codes are counted, not random, so that a script can type back
	// the code /cop link gave it: dev's database is nobody else's.
	var codes atomic.Int32
	store.SetLinkCodes(func() string { return fmt.Sprintf("DEVC-%04d", codes.Add(1)) })
	core := commands.NewCore(store, log, con)
	// No periodic jobs on river's schedule: reminders, digests and story
	// questions come on a schedule of minutes to weeks, and a script must
	// come out the same every time. /clock runs them instead, as the
	// console's clock passes their time.
	background, clock, err := core.StartHandClock(ctx, &commands.BackgroundOptions{Interactive: true})
	if err != nil {
		return err
	}
	defer background.Stop(context.WithoutCancel(ctx))
	if cfg.DatabaseURL != "" {
		// A database of one's own may be shared with copbot serve: the
		// planners a move runs would act for its communities too, by a
		// clock that is not theirs. The console's clock then only tells
		// the time.
		return con.Run(ctx, core)
	}
	return con.Run(ctx, devHandler{Core: core, HandClock: clock})
}

// devHandler is the core as copbot dev's console sees it: moves of the
// console's clock run the core's periodic work (commands.HandClock).
type devHandler struct {
	*commands.Core
	*commands.HandClock
}
