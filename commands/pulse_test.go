package commands_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// pulseCore is a core on the real clock whose store the test can reach,
// with its background work running.
func pulseCore(t *testing.T, pool *pgxpool.Pool, adapter bot.Adapter) (*knowledge.Store, *commands.Core, *commands.Background) {
	t.Helper()
	store, err := knowledge.NewStore(pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	core := commands.NewCore(store, slog.New(slog.NewTextHandler(io.Discard, nil)), adapter)
	return store, core, startBackground(t, core, nil)
}

// waitForNotice waits for a notice whose text holds s; on a loaded machine
// (the whole suite runs at once) a chain of jobs can take seconds.
func waitForNotice(t *testing.T, slack *fakeSlack, s string) bot.Notice {
	t.Helper()
	wait.Until(t, fmt.Sprintf("a notice with %q", s), func() bool { return len(slack.sent(s)) > 0 })
	return slack.sent(s)[0]
}

func TestPulse_Stats(t *testing.T) {
	pool := dbtest.Pool(t)
	slack := &fakeSlack{messages: map[string]bot.FetchedMessage{
		"1700.1": {Text: "Quarantine flaky tests <!channel>", Author: bot.User{ID: "U2", Name: "ada"}},
	}}
	_, core, _ := pulseCore(t, pool, slack)
	c := &chat{tb: t, core: core}
	join := slackEvent(bot.MemberJoined, "J1", "U3")
	join.Time = time.Now()
	if _, err := core.HandleEvent(context.Background(), join); err != nil {
		t.Fatal(err)
	}
	react := func(user string) {
		c.seq++
		ev := slackEvent(bot.ReactionAdded, fmt.Sprintf("R%d", c.seq), user)
		ev.Emoji, ev.Message = "bulb", bot.MessageRef{ID: "1700.1"}
		if _, err := core.HandleEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		if err := core.Settle(context.Background(), slackT1); err != nil {
			t.Fatal(err)
		}
	}
	react("U3")
	c.cmd("U3", "search flaky")

	tests := []struct {
		name, user, text string
		want             []string
	}{
		{"Default", "UADMIN", "stats", []string{
			"the last 30 days", "leave out bots and facilitators",
			"Active members: 2 (+2)", "tips saved: 1 (+1)", "searches: 1 (+1)",
			"Most tips saved: ada 1 (+1)", "Most votes received: ada 1 (+1)",
			"participant 1 (+1)", "Moved up: ada (newcomer → participant)",
			"joined in the period: 1 (+1)", "First save: 1 of 1, after under a minute (median)",
		}},
		{"WeekWithFacilitators", "UADMIN", "stats week all", []string{"the last 7 days", "Member counts leave out bots."}},
		{"Quarter", "UADMIN", "stats 90d", []string{"the last 90 days"}},
		{"BadPeriod", "UADMIN", "stats fortnight", []string{"`fortnight` is not a period I know", "`7d`"}},
		{"TwoPeriods", "UADMIN", "stats 7d 30d", []string{"I don't understand “30d” here.", "Usage:"}},
		{"MemberRefused", "U3", "stats", []string{"Only facilitators can use `/cop stats`."}},
		{"MemberRefusedEvenWithBadInput", "U3", "stats fortnight", []string{"Only facilitators can use `/cop stats`."}},
		{"StoriesRefused", "U3", "stories", []string{"Only facilitators can use `/cop stories`."}},
		{"HelpListsThem", "U3", "help", []string{"`/cop stats`", "`/cop digest`", "`/cop story`", "`/cop stories`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.cmd(tt.user, tt.text)
			mustContain(t, got, tt.want...)
			if tt.name == "Default" && strings.Contains(got, "<!channel>") {
				t.Errorf("stats repeat a message's text: %q", got)
			}
		})
	}
}

func TestPulse_StoryAfterPairingEnds(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	slack := &fakeSlack{}
	store, core, _ := pulseCore(t, pool, slack)
	c := &chat{tb: t, core: core}
	c.cmd("U1", "mentor offer testing")
	c.cmd("U2", "mentor request testing")
	c.cmd("U1", "mentor accept 1")
	c.cmd("U2", "mentor end 1 Great help rating 5")

	if n, err := store.PlanStoryPrompts(ctx); err != nil || n != 1 {
		t.Fatalf("story questions queued = %d, %v; want one for the mentee", n, err)
	}
	q := waitForNotice(t, slack, "Did this change how you work?")
	if q.UserID != "U2" || q.ChannelID != "" || !strings.Contains(q.Reply.Text.String(), "pairing 1") {
		t.Errorf("question = %+v, want a direct message to U2 about pairing 1", q)
	}
	if !slices.ContainsFunc(q.Reply.Buttons, func(b bot.Button) bool { return b.Command == "story skip" }) {
		t.Errorf("the question has no way to decline: %+v", q.Reply.Buttons)
	}
	mustContain(t, c.cmd("U2", "story"), "Tell it in one line")
	mustContain(t, c.cmd("U2", "story <!here> I write the test first now"), "Thank you!", "with pairing 1")
	mustContain(t, c.cmd("U2", "story skip"), "No question is waiting for you")
	list := c.cmdReply("UADMIN", "stories")
	mustContain(t, list.Text.String(), "I write the test first now", "u2, today (pairing 1)")
	for _, sp := range list.Text {
		if sp.Kind == bot.Markup && strings.Contains(sp.Text, "<!here>") {
			t.Errorf("a story reached the list as copbot's markup: %q", sp.Text)
		}
	}
	// Asked once: planning again asks nothing.
	if n, err := store.PlanStoryPrompts(ctx); err != nil || n != 0 {
		t.Errorf("second planning queued %d, %v; want nothing", n, err)
	}
}

func TestPulse_StoryAfterReuse(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	slack := &fakeSlack{messages: map[string]bot.FetchedMessage{
		"1700.1": {Text: "Quarantine flaky tests and fix one a day", Author: bot.User{ID: "U1", Name: "ada"}},
	}}
	store, core, _ := pulseCore(t, pool, slack)
	c := &chat{tb: t, core: core}
	react := func(id, user string) {
		ev := slackEvent(bot.ReactionAdded, id, user)
		ev.Emoji, ev.Message = "bulb", bot.MessageRef{ID: "1700.1"}
		if _, err := core.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if err := core.Settle(ctx, slackT1); err != nil {
			t.Fatal(err)
		}
	}
	react("R1", "U2")                                             // U2 saves ada's message: tip 1
	mustContain(t, c.cmd("U3", "search flaky"), "*1* Quarantine") // U3 finds it…
	react("R2", "U3")                                             // …and saves it too

	if n, err := store.PlanStoryPrompts(ctx); err != nil || n != 1 {
		t.Fatalf("story questions queued = %d, %v; want one for U3", n, err)
	}
	q := waitForNotice(t, slack, "Did this change how you work?")
	if q.UserID != "U3" || !strings.Contains(q.Reply.Text.String(), "tip 1") {
		t.Errorf("question = %+v, want one to U3 about tip 1", q)
	}
	mustContain(t, c.cmd("U3", "story skip"), "won't ask about that again")
}

func TestPulse_InvitationToMentor(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	messages := map[string]bot.FetchedMessage{}
	for i := range 2 {
		messages[fmt.Sprintf("1700.%d", i)] = bot.FetchedMessage{Text: fmt.Sprintf("Tip %d #testing", i), Author: bot.User{ID: "U1", Name: "ada"}}
	}
	slack := &fakeSlack{messages: messages}
	store, core, background := pulseCore(t, pool, slack)
	c := &chat{tb: t, core: core}
	// Ten members save ada's messages: ten votes from others.
	for i := range 10 {
		ev := slackEvent(bot.ReactionAdded, fmt.Sprintf("R%d", i), fmt.Sprintf("U%d", 10+i))
		ev.Emoji, ev.Message = "bulb", bot.MessageRef{ID: fmt.Sprintf("1700.%d", i%2)}
		if _, err := core.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := core.Settle(ctx, slackT1); err != nil {
		t.Fatal(err)
	}
	community, err := store.Community(ctx, "slack", "T1")
	if err != nil {
		t.Fatal(err)
	}
	// The refresh job (the hourly planner queues one per community) ends
	// by deciding invitations; each is its own job.
	if _, err := background.Jobs().Insert(ctx, knowledge.RefreshEngagementArgs{CommunityID: community.ID}, nil); err != nil {
		t.Fatal(err)
	}
	inv := waitForNotice(t, slack, "Would you mentor")
	if inv.UserID != "U1" || inv.ChannelID != "" {
		t.Errorf("invitation = %+v, want a direct message to U1", inv)
	}
	mustContain(t, inv.Reply.Text.String(), "10 times in the last 90 days", "`/cop mentor offer testing`", "the only time I'll ask")
	var commands []string
	for _, b := range inv.Reply.Buttons {
		commands = append(commands, b.Command)
	}
	if !slices.Equal(commands, []string{"mentor offer testing", "mentor invitation decline"}) {
		t.Errorf("buttons run %v, want an offer on #testing and a decline", commands)
	}
	mustContain(t, c.cmd("U1", "mentor invitation decline"), "I won't ask again")
	mustContain(t, c.cmd("U1", "mentor invitation accept"), "`/cop mentor invitation decline`")

	// Deciding again invites nobody: ada was invited (and said no).
	if n, err := store.PlanInvitations(ctx, community.ID); err != nil || n != 0 {
		t.Errorf("second planning queued %d invitations (%v), want none", n, err)
	}
}
