package commands_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
)

// sides sends events to one core from a Slack workspace (T1) and a Discord
// server (G1), and fails a test on any reply that shows a qualified id.
type sides struct {
	t     *testing.T
	core  *commands.Core
	seq   int
	slack *fakeSlack
	disc  *fakeSlack
}

var discordG1 = bot.CommunityRef{Platform: bot.Discord, ExternalID: "G1"}

func (s *sides) send(ev *bot.Event) []bot.Reply {
	s.t.Helper()
	s.seq++
	ev.ID = ev.Community.String() + "-" + string(rune('a'+s.seq%26)) + strings.Repeat("x", s.seq/26)
	replies, err := s.core.HandleEvent(context.Background(), ev)
	if err != nil {
		s.t.Fatalf("%+v: %v", ev, err)
	}
	for _, ref := range []bot.CommunityRef{slackT1, discordG1} {
		if err := s.core.Settle(context.Background(), ref); err != nil {
			s.t.Fatal(err)
		}
	}
	for _, r := range replies {
		noQualifiedIDs(s.t, r.Text)
	}
	return replies
}

func noQualifiedIDs(t *testing.T, text bot.Text) {
	t.Helper()
	for _, sp := range text {
		if strings.Contains(sp.Text, "~slack:") || strings.Contains(sp.Text, "~discord:") {
			t.Errorf("a qualified id reached people: %q in %q", sp.Text, text.String())
		}
	}
}

func (s *sides) cmd(ws bot.CommunityRef, user, text string) string {
	s.t.Helper()
	ev := &bot.Event{Kind: bot.Command, Community: ws, Text: text, User: bot.User{ID: user, Name: strings.ToLower(user), IsAdmin: strings.HasSuffix(user, "ADMIN")},
		Channel: bot.Channel{ID: "C1", Name: "general"}}
	return s.send(ev)[0].Text.String()
}

func (s *sides) react(ws bot.CommunityRef, user, message string) {
	s.t.Helper()
	s.send(&bot.Event{Kind: bot.ReactionAdded, Community: ws, Emoji: "bulb", User: bot.User{ID: user, Name: strings.ToLower(user)},
		Channel: bot.Channel{ID: "C1", Name: "general"}, Message: bot.MessageRef{ID: message}})
}

var linkCode = regexp.MustCompile(`\*([A-Z0-9]{4}-[A-Z0-9]{4})\*`)

// TestCore_LinkedAcrossWorkspaces: a Discord server linked into a Slack
// workspace's community shares its repository: a reaction on Discord saves
// a tip (fetched from Discord, confirmed to the reactor on Discord) that a
// search on Slack finds; after /cop unlink, Discord's reactions save into
// its own community again.
func TestCore_LinkedAcrossWorkspaces(t *testing.T) {
	slack := &fakeSlack{messages: map[string]bot.FetchedMessage{}}
	disc := &fakeSlack{platform: bot.Discord, messages: map[string]bot.FetchedMessage{
		"M1": {Text: "Run flaky tests in a loop with -count=50 before you blame CI", Author: bot.User{ID: "D9", Name: "nine"},
			Permalink: "https://discord.com/channels/G1/C1/M1"},
		"M2": {Text: "Quarantine a flaky test with a tracking issue", Author: bot.User{ID: "D9", Name: "nine"},
			Permalink: "https://discord.com/channels/G1/C1/M2"},
	}}
	core, _ := newCore(t, dbtest.Pool(t), slack, disc)
	s := &sides{t: t, core: core, slack: slack, disc: disc}

	reply := s.cmd(slackT1, "UADMIN", "link")
	m := linkCode.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("no code in %q", reply)
	}
	mustContain(t, s.cmd(discordG1, "DMEMBER", "link "+m[1]), "Only facilitators")
	mustContain(t, s.cmd(discordG1, "DADMIN", "link "+m[1]), "Linked", "one with *default on slack:T1*")
	mustContain(t, s.cmd(discordG1, "DADMIN", "link "+m[1]), "linked with")

	s.react(discordG1, "DMEMBER", "M1")
	mustContain(t, s.cmd(slackT1, "UADA", "search flaky loop"), "Run flaky tests in a loop")
	mustContain(t, s.cmd(discordG1, "DMEMBER", "search flaky loop"), "Run flaky tests in a loop")
	disc.mu.Lock()
	var confirmed bool
	for _, n := range disc.notices {
		noQualifiedIDs(t, n.Reply.Text)
		if n.UserID == "DMEMBER" && n.Community.Platform == bot.Discord && n.ChannelID == "C1" {
			confirmed = true
		}
	}
	fetched := strings.Join(disc.fetched, ",")
	disc.mu.Unlock()
	if !confirmed || fetched != "M1" {
		t.Errorf("Discord fetched %q and confirmed %v; want M1 fetched and the reactor told on Discord", fetched, confirmed)
	}
	slack.mu.Lock()
	if len(slack.fetched) > 0 || len(slack.notices) > 0 {
		t.Errorf("Slack was asked for a Discord message or notice: %v %+v", slack.fetched, slack.notices)
	}
	slack.mu.Unlock()

	// One community: the Discord admin who linked facilitates it, and a
	// Slack list of facilitators names them without a Discord mention.
	list := s.cmd(slackT1, "UADA", "facilitator list")
	mustContain(t, list, "dadmin")
	mustContain(t, s.cmd(discordG1, "DMEMBER", "community"), "linked with")
	mustContain(t, s.cmd(discordG1, "DADMIN", "community rename web"), "stay as they were while linked")
	mustContain(t, s.cmd(discordG1, "DADMIN", "community create web <#C5|web>"), "Created the community *web*")
	mustContain(t, s.cmd(discordG1, "DADMIN", "community"), "*web*: #web")

	// Mentoring across the two: each is introduced where they are, and
	// the other is named, not mentioned with an id their platform lacks.
	s.cmd(slackT1, "UADA", "mentor offer #testing")
	mustContain(t, s.cmd(discordG1, "DMEMBER", "mentor request #testing"), "uada")
	intro := func(f *fakeSlack, user string) string {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, n := range f.notices {
			if n.UserID == user && strings.Contains(n.Reply.Text.String(), "Mentoring introduction") {
				noQualifiedIDs(t, n.Reply.Text)
				return n.Reply.Text.String()
			}
		}
		return ""
	}
	wait.Until(t, "an introduction on each side", func() bool { return intro(slack, "UADA") != "" && intro(disc, "DMEMBER") != "" })
	mustContain(t, intro(slack, "UADA"), "@dmember (on discord)", "different workspaces")
	mustContain(t, intro(disc, "DMEMBER"), "@uada (on slack)")

	// Unlinked, Discord's reactions save into its own community.
	mustContain(t, s.cmd(discordG1, "DMEMBER", "unlink"), "facilitator")
	mustContain(t, s.cmd(discordG1, "DADMIN", "unlink"), "Unlinked")
	s.react(discordG1, "DMEMBER", "M2")
	mustContain(t, s.cmd(discordG1, "DMEMBER", "search quarantine"), "Quarantine a flaky test")
	if got := s.cmd(slackT1, "UADA", "search quarantine"); strings.Contains(got, "Quarantine") {
		t.Errorf("after unlink, Slack found Discord's new tip: %q", got)
	}
	mustContain(t, s.cmd(slackT1, "UADA", "search flaky loop"), "Run flaky tests in a loop")
}

// TestQualifier_AgreesWithBot: the store finds a side's people by the
// prefix bot.CommunityRef.Qualify writes (after /cop unlink, they stop
// facilitating): an unlinked Discord admin is no facilitator of the Slack
// community any more, and the Slack list says where each facilitator is.
func TestQualifier_AgreesWithBot(t *testing.T) {
	disc := &fakeSlack{platform: bot.Discord, messages: map[string]bot.FetchedMessage{}}
	core, _ := newCore(t, dbtest.Pool(t), &fakeSlack{messages: map[string]bot.FetchedMessage{}}, disc)
	s := &sides{t: t, core: core, disc: disc}
	code := linkCode.FindStringSubmatch(s.cmd(slackT1, "UADMIN", "link"))[1]
	mustContain(t, s.cmd(discordG1, "DADMIN", "link "+code), "Linked")
	mustContain(t, s.cmd(slackT1, "UADA", "facilitator list"), "dadmin (on discord:G1)", "uadmin (admin)")
	mustContain(t, s.cmd(discordG1, "DADMIN", "unlink"), "Unlinked")
	if got := s.cmd(slackT1, "UADA", "facilitator list"); strings.Contains(got, "dadmin") {
		t.Errorf("after unlink the Discord admin still facilitates: %q", got)
	}
	// A person's two accounts, linked and unlinked again.
	code = linkCode.FindStringSubmatch(s.cmd(slackT1, "UADMIN", "link"))[1]
	mustContain(t, s.cmd(discordG1, "DADMIN", "link "+code), "Linked")
	me := linkCode.FindStringSubmatch(s.cmd(slackT1, "UADA", "link me"))[1]
	mustContain(t, s.cmd(discordG1, "DBOB", "link me "+me), "one person", "on slack:T1")
	mustContain(t, s.cmd(discordG1, "DBOB", "unlink me"), "of its own again")
	mustContain(t, s.cmd(discordG1, "DBOB", "unlink me"), "nothing to undo")
}
