package commands_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
)

// oneFetcher is an adapter of one platform that fetches any message and
// counts its fetches and notices.
type oneFetcher struct {
	platform bot.Platform
	mu       sync.Mutex
	fetched  []string
	notices  int
}

func (f *oneFetcher) Name() string                                 { return string(f.platform) }
func (f *oneFetcher) Run(ctx context.Context, _ bot.Handler) error { <-ctx.Done(); return nil }

func (f *oneFetcher) FetchMessage(_ context.Context, ref bot.CommunityRef, _, messageID, _ string) (bot.FetchedMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref.Platform != f.platform {
		panic("asked to fetch another platform's message")
	}
	f.fetched = append(f.fetched, messageID)
	return bot.FetchedMessage{Text: "tip " + messageID, Author: bot.User{ID: "UA"}}, nil
}

func (f *oneFetcher) Notify(context.Context, bot.Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices++
	return nil
}

// TestCore_JobsGoToProcessesThatCanWorkThem: two copbot processes share a
// database, one with only a Slack adapter and one with only Discord (as the
// HTTP replicas and a gateway shard do); each platform's captures and
// notices are worked by the process that can, and none fails for want of
// an adapter.
func TestCore_JobsGoToProcessesThatCanWorkThem(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	slack, discord := &oneFetcher{platform: bot.Slack}, &oneFetcher{platform: bot.Discord}
	slackCore, slackLogs := newCore(t, pool, slack)
	discordCore, discordLogs := newCore(t, pool, discord)
	for i, ev := range []struct {
		core *commands.Core
		ref  bot.CommunityRef
		msg  string
	}{
		{slackCore, bot.CommunityRef{Platform: bot.Discord, ExternalID: "G1"}, "d1"}, // recorded by the Slack process
		{discordCore, bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}, "s1"}, // and the other way round
	} {
		_, err := ev.core.HandleEvent(ctx, &bot.Event{ID: ev.msg, Kind: bot.ReactionAdded, Community: ev.ref, Emoji: "bulb",
			User: bot.User{ID: "U1"}, Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: ev.msg}})
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	waitUntil(t, "both captures", func() bool {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM tips WHERE state = 'saved'`).Scan(&n)
		slack.mu.Lock()
		discord.mu.Lock()
		defer slack.mu.Unlock()
		defer discord.mu.Unlock()
		return n == 2 && slack.notices == 2 && discord.notices == 2 // each reactor's confirmation and author's note
	})
	if strings.Join(slack.fetched, ",") != "s1" || strings.Join(discord.fetched, ",") != "d1" {
		t.Errorf("Slack fetched %v and Discord %v; want each its own platform's message", slack.fetched, discord.fetched)
	}
	for _, logs := range []string{slackLogs.String(), discordLogs.String()} {
		if strings.Contains(logs, "no adapter here") {
			t.Errorf("a process took a job it could not work:\n%s", logs)
		}
	}
}
