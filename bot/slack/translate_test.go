package slack

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/wait"
)

// callbackOf wraps an inner event in the outer payload Slack delivers.
func callbackOf(inner string) string {
	return `{"token":"XXYYZZ","team_id":"T1","api_app_id":"A1","event":` + inner +
		`,"type":"event_callback","event_id":"Ev9","event_time":1358878755,"authorizations":[{"team_id":"T1","user_id":"UBOT","is_bot":true}]}`
}

func TestEventFromCallback(t *testing.T) {
	slackRef := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}
	at := time.Unix(1358878755, 0)
	tests := []struct {
		name  string
		inner string
		want  *bot.Event
	}{
		{"ReactionAdded", `{"type":"reaction_added","user":"U2","reaction":"bulb","item_user":"U1","item":{"type":"message","channel":"C1","ts":"1360782400.498405"},"event_ts":"1360782804.083113"}`,
			&bot.Event{ID: "Ev9", Kind: bot.ReactionAdded, Community: slackRef, Time: at, User: bot.User{ID: "U2"}, Emoji: "bulb",
				Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: "1360782400.498405", Author: bot.User{ID: "U1"}}}},
		{"ReactionRemovedInDM", `{"type":"reaction_removed","user":"U2","reaction":"bulb","item_user":"U1","item":{"type":"message","channel":"D1","ts":"1.2"},"event_ts":"3.4"}`,
			&bot.Event{ID: "Ev9", Kind: bot.ReactionRemoved, Community: slackRef, Time: at, User: bot.User{ID: "U2"}, Emoji: "bulb",
				Channel: bot.Channel{ID: "D1", Private: true}, Message: bot.MessageRef{ID: "1.2", Author: bot.User{ID: "U1"}}}},
		{"ReactionToFileIgnored", `{"type":"reaction_added","user":"U2","reaction":"bulb","item":{"type":"file","file":"F1"},"event_ts":"3.4"}`, nil},
		{"MemberJoinedPrivate", `{"type":"member_joined_channel","user":"W06GH7XHN","channel":"C0698JE0H","channel_type":"G","team":"T1","inviter":"U123456789"}`,
			&bot.Event{ID: "Ev9", Kind: bot.MemberJoined, Community: slackRef, Time: at, User: bot.User{ID: "W06GH7XHN"},
				Channel: bot.Channel{ID: "C0698JE0H", Private: true}}},
		{"MessageChanged", `{"type":"message","subtype":"message_changed","hidden":true,"channel":"C123","ts":"1358878755.000001","channel_type":"channel",` +
			`"message":{"type":"message","user":"U123","text":"Hello &amp; welcome","ts":"1355517523.000005","thread_ts":"1355517500.000001","edited":{"user":"U123","ts":"1358878755.000001"}},` +
			`"previous_message":{"type":"message","user":"U123","text":"Hello","ts":"1355517523.000005"},"event_ts":"1358878755.000001"}`,
			&bot.Event{ID: "Ev9", Kind: bot.MessageEdited, Community: slackRef, Time: at, User: bot.User{ID: "U123"},
				Channel: bot.Channel{ID: "C123"}, Message: bot.MessageRef{ID: "1355517523.000005", ThreadID: "1355517500.000001",
					Author: bot.User{ID: "U123"}, Text: "Hello & welcome"}}},
		{"BotMessageChanged", `{"type":"message","subtype":"message_changed","channel":"C1","channel_type":"channel",` +
			`"message":{"type":"message","subtype":"bot_message","bot_id":"B1","username":"deploybot","text":"v2","ts":"5.6"},"event_ts":"7.8"}`,
			&bot.Event{ID: "Ev9", Kind: bot.MessageEdited, Community: slackRef, Time: at, User: bot.User{Name: "deploybot", IsBot: true},
				Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: "5.6", Text: "v2", Author: bot.User{Name: "deploybot", IsBot: true}}}},
		{"MessageDeleted", `{"type":"message","subtype":"message_deleted","hidden":true,"channel":"G1","ts":"1358878755.000001","deleted_ts":"1358878749.000002",` +
			`"event_ts":"1358878755.000001","channel_type":"group","previous_message":{"type":"message","user":"U123","text":"Hello","ts":"1358878749.000002"}}`,
			&bot.Event{ID: "Ev9", Kind: bot.MessageDeleted, Community: slackRef, Time: at, User: bot.User{ID: "U123"},
				Channel: bot.Channel{ID: "G1", Private: true}, Message: bot.MessageRef{ID: "1358878749.000002", Author: bot.User{ID: "U123"}}}},
		// A deleted thread parent stays as a tombstone, delivered as an edit.
		{"ThreadParentTombstone", `{"type":"message","subtype":"message_changed","hidden":true,"channel":"C1","ts":"9.9","channel_type":"channel",` +
			`"message":{"type":"message","subtype":"tombstone","text":"This message was deleted.","user":"USLACKBOT","hidden":true,"ts":"1.2","thread_ts":"1.2","reply_count":2},` +
			`"previous_message":{"type":"message","user":"U1","text":"a tip","ts":"1.2","thread_ts":"1.2"},"event_ts":"9.9"}`,
			&bot.Event{ID: "Ev9", Kind: bot.MessageDeleted, Community: slackRef, Time: at, User: bot.User{ID: "USLACKBOT"},
				Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: "1.2", Author: bot.User{ID: "USLACKBOT"}}}},
		{"ChannelDeleted", `{"type":"channel_deleted","channel":"C024BE91L"}`,
			&bot.Event{ID: "Ev9", Kind: bot.ChannelDeleted, Community: slackRef, Time: at, Channel: bot.Channel{ID: "C024BE91L"}}},
		{"PrivateChannelDeleted", `{"type":"group_deleted","channel":"G024BE91L"}`,
			&bot.Event{ID: "Ev9", Kind: bot.ChannelDeleted, Community: slackRef, Time: at, Channel: bot.Channel{ID: "G024BE91L"}}},
		{"NewMessageIgnored", `{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1.1","event_ts":"1.1","channel_type":"channel",` +
			`"blocks":[{"type":"rich_text","block_id":"x","elements":[]}]}`, nil},
		{"UnsubscribedEventWithObjectFieldsIgnored", `{"type":"channel_created","channel":{"id":"C9","name":"new","created":1,"creator":"U1"},"event_ts":"1.1"}`, nil},
		{"UserChangeIgnored", `{"type":"user_change","user":{"id":"U1","name":"ada"},"event_ts":"1.1"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Adapter{channels: newChannelKinds()}
			env, err := decodeEnvelope([]byte(callbackOf(tt.inner)))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			got, err := a.eventFromCallback(env)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestChannelKinds(t *testing.T) {
	k := newChannelKinds()
	tests := []struct {
		name                   string
		id, chanType, chanName string
		want                   bool
	}{
		{"PublicByID", "C1", "", "", false},
		{"OldPrivateByID", "G1", "", "", true},
		{"DMByID", "D1", "", "", true},
		{"ConvertedPrivateUnknownYet", "C2", "", "", false},
		{"MessageTeachesPrivate", "C2", "group", "", true},
		{"ReactionThenKnowsIt", "C2", "", "", true},
		{"SlashCommandPrivateGroup", "C3", "", "privategroup", true},
		{"ClickThenKnowsIt", "C3", "", "", true},
		{"SlashCommandDirectMessage", "D2", "", "directmessage", true},
		{"SlashCommandGroupDM", "C4", "", "mpdm-ada--bob-1", true},
		{"MemberJoinedPublic", "C5", "C", "", false},
		{"MemberJoinedCSaysNothingOfAKnownPrivate", "C3", "C", "", true},
		{"MadePublicAgain", "C2", "channel", "", false},
		{"ReactionThenPublic", "C2", "", "", false},
	}
	for _, tt := range tests { // in order: each row learns from the ones above
		if got := k.private(tt.id, tt.chanType, tt.chanName); got != tt.want {
			t.Errorf("%s: private(%q, %q, %q) = %v; want %v", tt.name, tt.id, tt.chanType, tt.chanName, got, tt.want)
		}
	}
}

func TestCommandEvent(t *testing.T) {
	a := &Adapter{channels: newChannelKinds()}
	ev, err := a.commandEvent(&slack.SlashCommand{TeamID: "T1", ChannelID: "C7", ChannelName: "privategroup", UserID: "U1",
		UserName: "ada", Command: "/cop", Text: "search a &lt;b&gt; &amp;amp; c", TriggerID: "123.456.abc"})
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Event{ID: "command:123.456.abc", Kind: bot.Command, Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"},
		User: bot.User{ID: "U1", Name: "ada"}, Channel: bot.Channel{ID: "C7", Private: true}, Text: "search a <b> &amp; c",
		Mentions: []string{}}
	ev.Time = time.Time{}
	if !reflect.DeepEqual(*ev, want) {
		t.Errorf("got  %+v\nwant %+v", *ev, want)
	}
	// A mention Slack made is one; one typed to look like a mention is
	// escaped by Slack, and mentions nobody.
	ev, err = a.commandEvent(&slack.SlashCommand{TeamID: "T1", ChannelID: "C7", UserID: "U1", TriggerID: "1.2.3",
		Text: "facilitator add <@U2|bob> &lt;@UFAKE|boss&gt;"})
	if err != nil || ev.Text != "facilitator add <@U2|bob> <@UFAKE|boss>" || !reflect.DeepEqual(ev.Mentions, []string{"U2"}) {
		t.Errorf("mentions of %+v, %v; want only U2, Slack's own", ev, err)
	}
	if _, err := a.commandEvent(&slack.SlashCommand{TeamID: "T1", ChannelID: "C1"}); err == nil || !strings.Contains(err.Error(), "user_id") {
		t.Errorf("a command without a user: err = %v", err)
	}
	// Without a trigger_id there is nothing to tell deliveries apart by,
	// rather than an id every such command would share: refused.
	if _, err := a.commandEvent(&slack.SlashCommand{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "tips"}); err == nil {
		t.Error("a command without a trigger_id was taken")
	}
}

func TestRun_LearnsPrivateChannels(t *testing.T) {
	h := newHarness(t, nil)
	h.slack.SetPrivate("C8", "C9") // private channels made after March 2021 have C ids
	h.slack.Limit("users.conversations", 1)
	h.slack.AddMessage("C9", slackfake.Message{TS: "1700000000.000100", User: "U1", Text: "internal only"})

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.adapter.Run(ctx, h.core) }()
	wait.Until(t, "the private channels to be learned", func() bool { return h.adapter.channels.private("C9", "", "") })
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	if !h.adapter.channels.private("C8", "", "") || h.adapter.channels.private("C1", "", "") {
		t.Error("want C8 private (first page, after a 429) and C1 public")
	}

	// The core leaves reactions in private channels out of the repository
	// unless a facilitator allows the channel.
	coretest.RunJobs(t, h.core, nil)
	if status, _ := h.event(t, reactionPayload("EvPriv", "reaction_added", "U2", "bulb", "C9", "1700000000.000100", "U1"), 0); status != 200 {
		t.Fatalf("status %d", status)
	}
	if err := h.core.Settle(context.Background(), slackT1); err != nil {
		t.Fatal(err)
	}
	if tips := h.tips(t); len(tips) != 0 {
		t.Errorf("%d tips from a reaction in a private channel; want none", len(tips))
	}
}

// TestManifest_MatchesAdapter keeps the app manifest in step with what the
// adapter serves and handles.
func TestManifest_MatchesAdapter(t *testing.T) {
	b, err := os.ReadFile("../../deploy/slack/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := string(b)
	for _, want := range []string{
		"command: /cop", "/slack/commands", "/slack/events", "/slack/interactivity", "should_escape: true",
		"- reaction_added", "- reaction_removed", "- member_joined_channel", "- message.channels", "- message.groups",
		"- channel_deleted", "- group_deleted",
		"- commands ", "- reactions:read ", "- channels:history ", "- groups:history ", "- chat:write ", "- im:write ",
		"- mpim:write ", "- users:read ", "- files:write ", "- groups:read ", "socket_mode_enabled: false",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("deploy/slack/manifest.yaml lacks %q", want)
		}
	}
}
