package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestCore_Commands(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"EmptyCommandIsHelp", []string{"/cop"}, []string{"`/cop facilitator`", "`/cop help <command>`"}},
		{"HelpOnUnknownTopic", []string{"/cop help facilitatr"}, []string{"Did you mean `/cop help facilitator`?"}},
		{"SubcommandTypo", []string{"/cop facilitator lst"}, []string{"Did you mean `/cop facilitator list`?", "Usage:"}},
		{"MissingSubcommandListsThem", []string{"/cop config save-emoji"}, []string{"`save-emoji` = bulb"}},
		{"AddWithoutMention", []string{"/cop facilitator add ada"}, []string{"Mention the members"}},
		{"UnknownSetting", []string{"/cop config save-emoj star"}, []string{"Did you mean `/cop config save-emoji`?"}},
		{"BadValueChangesNothing", []string{"/cop config save-emoji two words", "/cop config save-emoji"},
			[]string{"is not an emoji name", "`save-emoji` = bulb"}},
		{"SeveralMentions", []string{"/join ada", "/join bob", "/cop facilitator add @ada @bob"},
			[]string{"ada is now a facilitator.", "bob is now a facilitator."}},
		{"MentionedUserTextIsInert", []string{"/cop facilitator add @<!channel>"}, []string{"I don't know anyone called @<!channel>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := script(t, core, tt.lines...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("transcript lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCore_DatabaseDown(t *testing.T) {
	pool := dbtest.Pool(t)
	core, logs := newCore(t, pool)
	pool.Close() // every query now fails, as when PostgreSQL is unreachable

	replies, err := core.HandleEvent(context.Background(), &bot.Event{
		ID: "e1", Kind: bot.Command, Text: "help",
		Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}, User: bot.User{ID: "U1"},
	})
	if err != nil || len(replies) != 1 || !strings.Contains(replies[0].Text.String(), "can't reach my database") {
		t.Errorf("command with the database down = %v, %v; want a friendly reply and no error", replies, err)
	}
	if !strings.Contains(logs.String(), "command not served") {
		t.Errorf("the failure was not logged:\n%s", logs.String())
	}
	_, err = core.HandleEvent(context.Background(), &bot.Event{
		ID: "e2", Kind: bot.MemberJoined,
		Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}, User: bot.User{ID: "U2"},
	})
	if err == nil {
		t.Error("a join that was not recorded returned no error; the platform would not retry it")
	}
}

func TestCore_CommunitiesAreSeparate(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	ctx := context.Background()
	send := func(team, user, text string, admin bool) string {
		replies, err := core.HandleEvent(ctx, &bot.Event{ID: team + text, Kind: bot.Command, Text: text,
			Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: team},
			User:      bot.User{ID: user, Name: user, IsAdmin: admin}})
		if err != nil || len(replies) != 1 {
			t.Fatalf("%s: %v, %v", text, replies, err)
		}
		return replies[0].Text.String()
	}
	send("T1", "U1", "config save-emoji star", true)
	if got := send("T2", "U1", "config save-emoji", true); !strings.Contains(got, "= bulb") {
		t.Errorf("T2 sees T1's setting: %s", got)
	}
	// The same platform user id in another workspace is another member.
	if got := send("T2", "U9", "facilitator list", false); !strings.Contains(got, "U1") {
		t.Errorf("T2's admin U1 missing from its list: %s", got)
	}
	send("T1", "U1", "facilitator add <@U5|eve>", true)
	if got := send("T2", "U9", "facilitator list", false); strings.Contains(got, "eve") {
		t.Errorf("T1's facilitator shows in T2: %s", got)
	}
}

func TestCore_OtherReactionsWriteNothing(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool)
	ev := &bot.Event{ID: "E1", Kind: bot.ReactionAdded, Emoji: "thumbsup",
		Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}, User: bot.User{ID: "U77", Name: "new"},
		Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: "1700.1"}}
	if _, err := core.HandleEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if got := dbtest.Rows(t, pool, "members", "tips", "inbox", "events_seen"); got != "members 0, tips 0, inbox 0, events_seen 0" {
		t.Errorf("a non-save reaction wrote %s; want nothing", got)
	}
}

// TestCore_CommandDeliveredTwiceRunsOnce: a platform may deliver a command
// again (Discord replays a gateway dispatch after a resume); the second
// delivery must not save, check in or pair a second time.
func TestCore_CommandDeliveredTwiceRunsOnce(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool)
	ev := func() *bot.Event {
		return &bot.Event{ID: "I1", Kind: bot.Command, Text: "save Pin flaky tests to one runner #ci",
			Community: bot.CommunityRef{Platform: bot.Discord, ExternalID: "G1"}, User: bot.User{ID: "U1", Name: "ada"}}
	}
	first, err := core.HandleEvent(ctx, ev())
	if err != nil || !strings.Contains(first[0].Text.String(), "Saved as tip 1") {
		t.Fatalf("first delivery = %v, %v", first, err)
	}
	again, err := core.HandleEvent(ctx, ev())
	if err != nil || !strings.Contains(again[0].Text.String(), "already ran that command") {
		t.Fatalf("second delivery = %v, %v", again, err)
	}
	if tips := dbtest.Count(t, pool, "SELECT count(*) FROM tips"); tips != 1 {
		t.Fatalf("%d tips, want 1", tips)
	}
}

// TestCore_TypedWordsInErrorsAreUserText: an answer that quotes what the
// person typed carries it as user text, which adapters escape, never in
// copbot's own markup, where a backtick or a masked link would take effect.
func TestCore_TypedWordsInErrorsAreUserText(t *testing.T) {
	ctx := context.Background()
	core, _ := newCore(t, dbtest.Pool(t))
	const typed = "x`[ping](https://evil.example)`*@everyone*"
	for _, text := range []string{typed, "help " + typed, "config " + typed, "mentor " + typed, "tips " + typed,
		"checkin 1 " + typed, "objective list " + typed, "stats " + typed} {
		replies, err := core.HandleEvent(ctx, &bot.Event{ID: text, Kind: bot.Command, Text: text,
			Community: bot.CommunityRef{Platform: bot.Discord, ExternalID: "G1"}, User: bot.User{ID: "U1", IsAdmin: true}})
		if err != nil || len(replies) != 1 {
			t.Fatalf("%s: %v, %v", text, replies, err)
		}
		found := false
		for _, sp := range replies[0].Text {
			if sp.Kind == bot.Markup && (strings.Contains(sp.Text, "evil.example") || strings.Contains(sp.Text, "@everyone")) {
				t.Errorf("/cop %s: the typed word is in copbot's markup: %q", text, sp.Text)
			}
			found = found || sp.Kind == bot.UserText && strings.Contains(sp.Text, "evil.example")
		}
		if !found {
			t.Errorf("/cop %s: the answer does not quote the typed word: %q", text, replies[0].Text.String())
		}
	}
}
