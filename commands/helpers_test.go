package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/bot/console"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/testlog"
	"github.com/copbot/copbot/knowledge"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Test helpers shared by the core's tests: a core with its background
// work, console scripts run through it, and the chat of several members.

// newCore gives a test a core whose background work (inbox passes, jobs)
// runs until the test ends: the console waits on it after each line.
func newCore(tb testing.TB, pool *pgxpool.Pool, adapters ...bot.Adapter) (*commands.Core, *testlog.Buffer) {
	tb.Helper()
	core, logs := newIdleCore(tb, pool, adapters...)
	startBackground(tb, core, nil)
	return core, logs
}

// newIdleCore is newCore without the background work, for tests that start
// and stop it themselves.
func newIdleCore(tb testing.TB, pool *pgxpool.Pool, adapters ...bot.Adapter) (*commands.Core, *testlog.Buffer) {
	tb.Helper()
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	store, err := knowledge.NewStore(pool, log)
	if err != nil {
		tb.Fatal(err)
	}
	return commands.NewCore(store, log, adapters...), logs
}

// startBackground runs the core's inbox passes and jobs until the test ends
// (or until the test stops them), polling often. Periodic jobs run only when
// opts asks for them.
func startBackground(tb testing.TB, core *commands.Core, opts *commands.BackgroundOptions) *commands.Background {
	tb.Helper()
	if opts == nil {
		opts = &commands.BackgroundOptions{NoPeriodic: true}
	}
	opts.Interactive = true
	b, err := core.StartBackground(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.Stop(ctx); err != nil {
			tb.Errorf("stop background work: %v", err)
		}
	})
	return b
}

// script runs console lines through the core and returns the transcript.
func script(tb testing.TB, core bot.Handler, lines ...string) string {
	tb.Helper()
	var out bytes.Buffer
	con := console.New(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, nil)
	if err := con.Run(context.Background(), core); err != nil {
		tb.Fatalf("console: %v\n%s", err, out.String())
	}
	return out.String()
}

// wiredConsole runs console lines against a core that knows the console as
// its adapter, as copbot dev wires them (channels by name, notices).
func wiredConsole(t *testing.T, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	con := console.New(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, nil)
	core, _ := newCore(t, dbtest.Pool(t), con)
	if err := con.Run(context.Background(), core); err != nil {
		t.Fatalf("console: %v\n%s", err, out.String())
	}
	return out.String()
}

// chat sends commands and joins to a core as Slack members of T1. UADMIN is
// a workspace admin, so a facilitator.
type chat struct {
	tb   testing.TB
	core *commands.Core
	seq  int
}

func mustContain(tb testing.TB, got string, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			tb.Errorf("%q lacks %q", got, w)
		}
	}
}

// consoleScript runs console lines through a core of its own, on a fresh
// database, writing attachments under a temporary directory.
func consoleScript(t *testing.T, lines ...string) string {
	t.Helper()
	core, _ := newCore(t, dbtest.Pool(t))
	var out bytes.Buffer
	con := console.New(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, &console.Options{FileDir: t.TempDir()})
	if err := con.Run(context.Background(), core); err != nil {
		t.Fatalf("console: %v\n%s", err, out.String())
	}
	return out.String()
}

func (c *chat) event(kind bot.EventKind, user, text string) []bot.Reply {
	c.tb.Helper()
	c.seq++
	ev := slackEvent(kind, fmt.Sprintf("Ev%d", c.seq), user)
	ev.Text, ev.User.IsAdmin = text, user == "UADMIN"
	replies, err := c.core.HandleEvent(context.Background(), ev)
	if err != nil {
		c.tb.Fatalf("%s %q: %v", user, text, err)
	}
	if err := c.core.Settle(context.Background(), slackT1); err != nil {
		c.tb.Fatal(err)
	}
	return replies
}

// cmd runs a command and returns its reply's text.
func (c *chat) cmd(user, text string) string {
	c.tb.Helper()
	return c.event(bot.Command, user, text)[0].Text.String()
}

func (c *chat) cmdReply(user, text string) bot.Reply {
	c.tb.Helper()
	return c.event(bot.Command, user, text)[0]
}
