package commands_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
)

// echoFetcher is a Slack-like adapter that can fetch any message at once.
type echoFetcher struct{ fakeSlack }

func (*echoFetcher) FetchMessage(_ context.Context, _ bot.CommunityRef, _, messageID, _ string) (bot.FetchedMessage, error) {
	return bot.FetchedMessage{Text: "Tip from message " + messageID + " #bench", Author: bot.User{ID: "U-author", Name: "author"}}, nil
}

func (*echoFetcher) Notify(context.Context, bot.Notice) error { return nil }

// BenchmarkCapture measures tips captured per second end to end: each save
// reaction recorded at acknowledgement (one insert into the inbox), applied
// by the inbox passes (votes, pending tips, capture jobs), and captured by
// the jobs (message fetched from the adapter, numbered, saved, confirmed).
// Reactions on distinct messages arrive from 16 concurrent senders, from 200
// members. Target: ≥ 2,000 tips/s.
//
// A warm-up of 2,000 captures and an ANALYZE come first, untimed: on an
// empty database PostgreSQL plans the foreign-key checks for a tiny table
// and keeps those plans until statistics change, which autovacuum sees to
// within a minute on a running system. The run measures that steady state.
func BenchmarkCapture(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	core, _ := newCore(b, pool, &echoFetcher{})

	sendCaptures(b, core, pool, 0, 2000)
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	acked := sendCaptures(b, core, pool, 2000, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tips/s")
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acks/s")
}

// sendCaptures sends n save reactions on new messages, numbered from
// offset, and waits until all are captured. It returns how long the
// acknowledgements took.
func sendCaptures(b *testing.B, core *commands.Core, pool *pgxpool.Pool, offset, n int) time.Duration {
	ctx := context.Background()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				i += int64(offset)
				ev := slackEvent(bot.ReactionAdded, fmt.Sprintf("Ev%d", i), fmt.Sprintf("U%d", i%200))
				ev.Emoji, ev.Message = "bulb", bot.MessageRef{ID: fmt.Sprintf("17000.%07d", i)}
				if _, err := core.HandleEvent(ctx, ev); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	acked := time.Since(start)
	// Tips are numbered as they are saved: the counter is the count, read
	// without scanning the table, so watching costs the run little.
	var saved int
	if !wait.Within(5*time.Minute-time.Since(start), func() bool {
		saved = dbtest.Count(b, pool, "SELECT COALESCE(max(last_number), 0) FROM tip_counters")
		return saved >= offset+n
	}) {
		b.Fatalf("only %d of %d tips captured after 5 minutes", saved-offset, n)
	}
	return acked
}
