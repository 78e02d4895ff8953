// Package coretest runs copbot's core for the tests of the adapters and of
// cmd/copbot, as copbot serve runs it.
package coretest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/copbot/copbot/commands"
)

// RunJobs runs the core's inbox passes and jobs (no periodic ones) until the
// test ends; log, when not nil, receives river's logs.
func RunJobs(tb testing.TB, core *commands.Core, log *slog.Logger) {
	tb.Helper()
	b, err := core.StartBackground(context.Background(), &commands.BackgroundOptions{Logger: log, Interactive: true, NoPeriodic: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.Stop(ctx)
	})
}
