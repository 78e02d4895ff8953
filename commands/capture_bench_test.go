package commands_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
)

// echoFetcher is a Slack-like adapter that can fetch any message at once.
type echoFetcher struct{ fakeSlack }

func (*echoFetcher) FetchMessage(_ context.Context, _ bot.CommunityRef, _, messageID, _ string) (bot.FetchedMessage, error) {
	return bot.FetchedMessage{Text: "Tip from message " + messageID + " #bench", Author: bot.User{ID: "U-author", Name: "author"}}, nil
}

func (*echoFetcher) Notify(context.Context, bot.Notice) error { return nil }

// BenchmarkCapture measures tips captured per second end to end: the save
// reaction recorded (event id, vote, pending tip, job, one transaction), the
// river job fetching the message, numbering and saving the tip. Reactions on
// distinct messages arrive from 16 concurrent senders. Target: ≥ 2,000 tips/s.
func BenchmarkCapture(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.Pool(b)
	core, _ := newCore(b, pool, &echoFetcher{})
	runJobs(b, pool, core)

	var next atomic.Int64
	send := func(n int) {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for {
					i := next.Add(1)
					if i > int64(n) {
						return
					}
					ev := slackEvent(bot.ReactionAdded, fmt.Sprintf("Ev%d", i), fmt.Sprintf("U%d", i%200))
					ev.Emoji, ev.Message = "bulb", bot.MessageRef{ID: fmt.Sprintf("17000.%06d", i)}
					if _, err := core.HandleEvent(ctx, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	saved := func() int {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM tips WHERE state = 'saved'").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	start := time.Now()
	b.ResetTimer()
	send(b.N)
	acked := time.Since(start)
	for saved() < b.N {
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("only %d of %d tips captured after 5 minutes", saved(), b.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tips/s")
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acks/s")
}
