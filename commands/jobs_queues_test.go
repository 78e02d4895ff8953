package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
)

// TestCore_JobsGoToProcessesThatCanWorkThem: two copbot processes share a
// database, one with only a Slack adapter and one with only Discord (as the
// HTTP replicas and a gateway shard do); each platform's captures and
// notices are worked by the process that can, and none fails for want of
// an adapter.
func TestCore_JobsGoToProcessesThatCanWorkThem(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	messages := map[string]bot.FetchedMessage{
		"s1": {Text: "tip s1", Author: bot.User{ID: "UA"}},
		"d1": {Text: "tip d1", Author: bot.User{ID: "UA"}},
	}
	slack, discord := &fakeSlack{messages: messages}, &fakeSlack{platform: bot.Discord, messages: messages}
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
	wait.Until(t, "both captures", func() bool {
		n := dbtest.Count(t, pool, `SELECT count(*) FROM tips WHERE state = 'saved'`)
		// each reactor's confirmation and author's note
		return n == 2 && len(slack.sent("")) == 2 && len(discord.sent("")) == 2
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
