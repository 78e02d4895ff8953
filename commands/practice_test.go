package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/bot/console"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
)

// fakeSlack is the commands tests' recording adapter: a Slack (or, with
// platform set, another platform) whose reaction events carry no text, so
// the core fetches the message, and which keeps the message ids it was
// asked for and the notices it was asked to send. It answers with a rate
// limit first when told, and panics when asked for another platform's
// message. Tests that need another answer embed it and override a method.
type fakeSlack struct {
	platform  bot.Platform // bot.Slack when empty
	mu        sync.Mutex
	messages  map[string]bot.FetchedMessage
	rateLimit int // this many fetches answer 429 first
	fetched   []string
	notices   []bot.Notice
}

func (f *fakeSlack) Name() string {
	if f.platform == "" {
		return string(bot.Slack)
	}
	return string(f.platform)
}

func (f *fakeSlack) Run(ctx context.Context, _ bot.Handler) error { <-ctx.Done(); return nil }

func (f *fakeSlack) FetchMessage(_ context.Context, ref bot.CommunityRef, _, messageID, _ string) (bot.FetchedMessage, error) {
	if string(ref.Platform) != f.Name() {
		panic("asked to fetch another platform's message")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetched = append(f.fetched, messageID)
	if f.rateLimit > 0 {
		f.rateLimit--
		return bot.FetchedMessage{}, &bot.RateLimitedError{RetryAfter: time.Second}
	}
	m, ok := f.messages[messageID]
	if !ok {
		return bot.FetchedMessage{}, bot.ErrMessageGone
	}
	return m, nil
}

func (f *fakeSlack) Notify(_ context.Context, n bot.Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, n)
	return nil
}

// sent returns the notices so far whose text contains s.
func (f *fakeSlack) sent(s string) []bot.Notice {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []bot.Notice
	for _, n := range f.notices {
		if strings.Contains(n.Reply.Text.String(), s) {
			out = append(out, n)
		}
	}
	return out
}

// fakeGroupChat adds group conversations, as Slack's conversations.open does.
type fakeGroupChat struct {
	fakeSlack
	opened [][]string // user ids of each conversation, then the channel it came from
}

func (f *fakeGroupChat) OpenConversation(_ context.Context, _ bot.CommunityRef, from string, users []string, _ string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, append(slices.Clone(users), from))
	return "G-" + strings.Join(users, "-"), nil
}

func slackEvent(kind bot.EventKind, id, user string) *bot.Event {
	return &bot.Event{ID: id, Kind: kind, Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"},
		User: bot.User{ID: user, Name: strings.ToLower(user)}, Channel: bot.Channel{ID: "C1", Name: "general"}}
}

func TestCore_CaptureFetchesTheMessage(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	slack := &fakeSlack{rateLimit: 1, messages: map[string]bot.FetchedMessage{
		"1700000000.000100": {Text: "<!channel> @everyone ask <@U123> about #flaky tests", Author: bot.User{ID: "U9", Name: "nine"},
			Permalink: "https://t1.slack.com/archives/C1/p1700000000000100"},
	}}
	core, _ := newCore(t, pool, slack)

	react := func(id, user, ts string) {
		ev := slackEvent(bot.ReactionAdded, id, user)
		ev.Emoji, ev.Message = "bulb", bot.MessageRef{ID: ts}
		if _, err := core.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	react("Ev1", "U1", "1700000000.000100")
	react("Ev1", "U1", "1700000000.000100") // Slack's retry of the same event
	react("Ev2", "U2", "1700000000.000100")
	react("Ev3", "U1", "1700000000.000999") // a message that is gone

	// The first fetch is rate limited; the job snoozes and tries again.
	var fetches, notices int
	if !wait.Within(wait.Timeout, func() bool {
		if err := core.Settle(ctx, bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}); err != nil {
			t.Fatal(err)
		}
		slack.mu.Lock()
		defer slack.mu.Unlock()
		fetches, notices = len(slack.fetched), len(slack.notices)
		return notices == 2 && fetches >= 3 // the reactor's confirmation and the author's note
	}) {
		t.Fatalf("capture did not finish: %d fetches, %d notices", fetches, notices)
	}
	n := slack.notices[0]
	if n.UserID != "U1" || n.ChannelID != "C1" || n.Reply.Visibility != bot.Ephemeral || !strings.Contains(n.Reply.Text.String(), "Saved as tip 1") {
		t.Errorf("confirmation = %+v, want an ephemeral 'Saved as tip 1' to U1 in C1", n)
	}
	if a := slack.notices[1]; a.UserID != "U9" || a.ChannelID != "" || !strings.Contains(a.Reply.Text.String(), "Your message was saved") {
		t.Errorf("the author's note = %+v, want a direct message to U9 saying their message was saved", a)
	}

	ev := slackEvent(bot.Command, "Cmd1", "U3")
	ev.Text = "search flaky"
	replies, err := core.HandleEvent(ctx, ev)
	if err != nil || len(replies) != 1 {
		t.Fatalf("search = %v, %v", replies, err)
	}
	reply := replies[0].Text
	if !strings.Contains(reply.String(), "2 votes") || !strings.Contains(reply.String(), "— nine") {
		t.Errorf("search reply = %q, want the tip by nine with 2 votes", reply.String())
	}
	// The saved text reaches adapters only as user text, which they escape:
	// nothing in it can ping a channel or mention anyone through copbot.
	for _, sp := range reply {
		if sp.Kind == bot.Markup && (strings.Contains(sp.Text, "<!channel>") || strings.Contains(sp.Text, "@everyone") || strings.Contains(sp.Text, "<@U123>")) {
			t.Errorf("user text leaked into copbot's own markup: %q", sp.Text)
		}
		if sp.Kind == bot.Mention {
			t.Errorf("a search result mentions %q", sp.Text)
		}
	}
	var sawLink bool
	for _, sp := range reply {
		sawLink = sawLink || (sp.Kind == bot.Link && strings.HasPrefix(sp.URL, "https://t1.slack.com/archives/C1/"))
	}
	if !sawLink {
		t.Errorf("search result has no link back to the source: %#v", reply)
	}
	ev = slackEvent(bot.Command, "Cmd2", "U3")
	ev.Text = "tips"
	if replies, _ := core.HandleEvent(ctx, ev); strings.Count(replies[0].Text.String(), "\n") != 1 {
		t.Errorf("the gone message became a tip:\n%s", replies[0].Text.String())
	}
}

func TestCore_MessageEditedAndDeleted(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool)
	script(t, core, "Use feature flags for risky changes", "/react m1 bulb")
	// The console's message ids are private to its run; find the source id.
	var source string
	if err := pool.QueryRow(ctx, "SELECT source_message FROM tips WHERE number = 1").Scan(&source); err != nil {
		t.Fatalf("no tip captured: %v", err)
	}
	console := bot.CommunityRef{Platform: bot.Console, ExternalID: bot.ConsoleCommunityID}
	send := func(ev *bot.Event) string {
		ev.Community, ev.User = console, bot.User{ID: "host", Name: "host", IsAdmin: true}
		replies, err := core.HandleEvent(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := core.Settle(ctx, console); err != nil {
			t.Fatal(err)
		}
		if len(replies) == 0 {
			return ""
		}
		return replies[0].Text.String()
	}
	send(&bot.Event{ID: "ed1", Kind: bot.MessageEdited, Message: bot.MessageRef{ID: source, Text: "Use feature flags for every risky change #release"}})
	if got := send(&bot.Event{ID: "s1", Kind: bot.Command, Text: "search release"}); !strings.Contains(got, "every risky change") {
		t.Errorf("the tip did not follow the edit: %s", got)
	}
	send(&bot.Event{ID: "del1", Kind: bot.MessageDeleted, Message: bot.MessageRef{ID: source}})
	if got := send(&bot.Event{ID: "s2", Kind: bot.Command, Text: "tips"}); strings.Contains(got, "feature flags") {
		t.Errorf("the tip of a deleted message is still listed: %s", got)
	}
}

func TestConsole_ConfirmsCaptureToTheReactor(t *testing.T) {
	pool := dbtest.Pool(t)
	var out bytes.Buffer
	lines := "Write the failing test first\n/as ada\n/react m1 bulb\n/as host\n/cop tips\n"
	con := console.New(strings.NewReader(lines), &out, nil)
	core, _ := newCore(t, pool, con)
	if err := con.Run(context.Background(), core); err != nil {
		t.Fatal(err)
	}
	// The notice comes from a job worker, yet lands right after the line that
	// caused it, addressed to the member who reacted.
	want := "ada #general> /react m1 bulb\ncopbot (only you): Saved as tip 1; add tags with `/cop tag 1 #tag`.\n" +
		"copbot (direct message to host): Your message was saved to the community's repository as tip 1 by @ada."
	if !strings.Contains(out.String(), want) {
		t.Errorf("transcript lacks %q:\n%s", want, out.String())
	}
	if !strings.Contains(out.String(), "*1* Write the failing test first — host · 1 vote") {
		t.Errorf("tip 1 not listed:\n%s", out.String())
	}
}

// TestCore_FreeTextKeepsItsQuotes: a tip or a story is taken as typed, an
// unclosed quote included; a command with a grammar still says what is wrong.
func TestCore_FreeTextKeepsItsQuotes(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	out := script(t, core, `/cop save He said "ship it and left #release`, `/cop SAVE “curly #release`,
		`/cop story She said "never again`, `/cop tips #release`, `/cop search "unclosed`)
	for _, want := range []string{
		"Saved as tip 1, tagged #release;", "Saved as tip 2, tagged #release;", "Your story is kept",
		`He said "ship it and left #release`, "“curly #release",
		"There is an opening quote without a closing one.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}

// TestCore_MoreResultsKeepTheAuthor: the "More results" of a search by an
// author whose name has spaces runs the same search, page 2.
func TestCore_MoreResultsKeepTheAuthor(t *testing.T) {
	ctx := context.Background()
	core, _ := newCore(t, dbtest.Pool(t))
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}
	ada := bot.User{ID: "U-ada", Name: "Ada Lovelace"}
	run := func(id string, u bot.User, text string) bot.Reply {
		t.Helper()
		replies, err := core.HandleEvent(ctx, &bot.Event{ID: id, Kind: bot.Command, Community: ref, User: u, Text: text})
		if err != nil || len(replies) != 1 {
			t.Fatalf("%s: %v, %v", text, replies, err)
		}
		return replies[0]
	}
	for i := range 12 {
		run(fmt.Sprintf("s%d", i), ada, fmt.Sprintf("save Flaky test number %d goes to quarantine", i))
	}
	run("o1", bot.User{ID: "U-bob", Name: "bob"}, "save Flaky tests by someone else")
	first := run("q1", bot.User{ID: "U-bob", Name: "bob"}, "search flaky from:<@U-ada|Ada Lovelace>")
	if !strings.Contains(first.Text.String(), "“flaky from:@Ada Lovelace”") || len(first.Buttons) != 1 ||
		!strings.Contains(first.Text.String(), "More: `/cop search flaky from:@Ada Lovelace page:2`") {
		t.Fatalf("first page:\n%s\nbuttons %+v", first.Text.String(), first.Buttons)
	}
	next := run("q2", bot.User{ID: "U-bob", Name: "bob"}, first.Buttons[0].Command)
	got := next.Text.String()
	if strings.Count(got, "Flaky test number") != 2 || strings.Contains(got, "someone else") {
		t.Errorf("%q gave:\n%s\nwant Ada's last 2 tips", first.Buttons[0].Command, got)
	}
}
