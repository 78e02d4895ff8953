package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
)

// TestCore_PeoplesTextNeverBecomesMarkup: names, tips, titles, units,
// topics, tags, notes and feedback that people typed reach adapters only
// as user text, which they escape; never as copbot's own markup, where
// "[Verify here](https://…)" would become a link in copbot's voice and
// "<!channel>" a ping. Every text here carries EVIL; no markup span may.
func TestCore_PeoplesTextNeverBecomesMarkup(t *testing.T) {
	ctx := context.Background()
	core, _ := newCore(t, dbtest.Pool(t))
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T-evil"}
	names := map[string]string{"UADMIN": "EVIL[Verify](https://x.test)<!channel>", "U2": "EVIL*bold* <!here>", "U3": "EVIL`code`"}
	n := 0
	run := func(user, text string) {
		t.Helper()
		n++
		replies, err := core.HandleEvent(ctx, &bot.Event{ID: fmt.Sprint("c", n), Kind: bot.Command, Community: ref,
			User: bot.User{ID: user, Name: names[user], IsAdmin: user == "UADMIN"}, Channel: bot.Channel{ID: "C1", Name: "EVIL-chan"}, Text: text})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		for _, r := range replies {
			for _, sp := range r.Text {
				if sp.Kind == bot.Markup && strings.Contains(sp.Text, "EVIL") {
					t.Errorf("/cop %s: people's text in copbot's markup: %q\nin %q", text, sp.Text, r.Text.String())
				}
			}
		}
	}
	due := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	for _, line := range [][2]string{
		{"U2", "save EVIL tip <!channel> [x](https://x.test) #evil"},
		{"U3", "save EVIL second tip #evil"},
		{"U2", "tag 1 #evilish"},
		{"U2", "tips"},
		{"U2", "tips #evil"},
		{"U2", "search EVIL"},
		{"U2", "search tip from:<@U3>"},
		{"UADMIN", `objective add "EVIL title <!channel>" target 5 unit "EVIL units" due ` + due + ` #evil owner <@U2>`},
		{"U2", "checkin 1 +1 EVIL note <!here>"},
		{"U2", "objective list"},
		{"U2", "objective show 1"},
		{"UADMIN", `objective edit 1 title "EVIL again"`},
		{"U3", "mentor offer EVIL-topic #evil"},
		{"U2", "mentor request EVIL-topic"},
		{"U2", "mentor status"},
		{"U3", "mentor status"},
		{"U3", "mentor accept 1"},
		{"UADMIN", "mentor list"},
		{"U2", "mentor end 1 EVIL feedback rating 4"},
		{"U2", "story EVIL story <!channel>"},
		{"UADMIN", "stories"},
		{"UADMIN", "facilitator add <@U2>"},
		{"UADMIN", "facilitator list"},
		{"UADMIN", "config welcome EVIL welcome <!channel>"},
		{"UADMIN", "config"},
		{"UADMIN", "stats"},
		{"UADMIN", "digest preview"},
		{"U2", "remove 1"},
		{"UADMIN", "tips removed"},
		{"U2", "restore 1"},
	} {
		run(line[0], line[1])
	}
}

// TestCore_WhoANameMeans: only a mention the platform made creates a
// member; text typed to look like one names only a member copbot knows,
// and a plain @name must fit exactly one member.
func TestCore_WhoANameMeans(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool)
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T-names"}
	n := 0
	run := func(user, name, text string, mentions ...string) string {
		t.Helper()
		n++
		replies, err := core.HandleEvent(ctx, &bot.Event{ID: fmt.Sprint("c", n), Kind: bot.Command, Community: ref,
			User: bot.User{ID: user, Name: name, IsAdmin: user == "UADMIN"}, Channel: bot.Channel{ID: "C1"}, Text: text,
			Mentions: append([]string{}, mentions...)})
		if err != nil || len(replies) != 1 {
			t.Fatalf("%s: %v, %v", text, replies, err)
		}
		return replies[0].Text.String()
	}
	members := func() int { return dbtest.Count(t, pool, `SELECT count(*) FROM members`) }
	run("UADMIN", "admin", "tips")
	run("U1", "Sam", "tips")
	run("U2", "sam", "tips")
	before := members()
	if got := run("UADMIN", "admin", "facilitator add <@UGHOST|boss>"); !strings.Contains(got, "I don't know that member") {
		t.Errorf("a typed mention of a stranger = %q; want it refused", got)
	}
	if members() != before {
		t.Errorf("a typed mention created a member")
	}
	if got := run("UADMIN", "admin", "facilitator add @sam"); !strings.Contains(got, "Several members are called @sam") {
		t.Errorf("an ambiguous @name = %q; want it refused", got)
	}
	if got := run("UADMIN", "admin", "facilitator add <@U1|whatever>"); !strings.Contains(got, "Sam is now a facilitator") {
		t.Errorf("a typed mention of a known member = %q; want it to name them", got)
	}
	if got := run("UADMIN", "admin", "facilitator add <@U9|nine>", "U9"); !strings.Contains(got, "nine is now a facilitator") {
		t.Errorf("a platform mention of a new member = %q; want them added", got)
	}
}

// TestCore_NumbersAndSizesAreBounded: numbers past what PostgreSQL's int
// holds, hundreds of #tags, due dates centuries away and targets that show
// as zero get an answer, not an internal error.
func TestCore_NumbersAndSizesAreBounded(t *testing.T) {
	core, logs := newCore(t, dbtest.Pool(t))
	many := strings.Repeat("#t", 0)
	for i := range 30 {
		many += fmt.Sprintf(" #t%d", i)
	}
	out := script(t, core,
		"/cop tag 99999999999 #x", "/cop remove 2147483648", "/cop objective show 99999999999", "/cop mentor end 99999999999",
		"/cop checkin 99999999999 +1",
		"/cop save Too many tags"+many,
		`/cop objective add "Far" target 5 due 2400-01-01`,
		`/cop objective add "Tiny" target 0.001 due 2099-01-01`)
	for _, want := range []string{"Which tip?", "Which objective?", "at most 20 tags; this one has 30",
		"more than 100 years away", "The target must be a number above zero"} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "went wrong") || strings.Contains(logs.String(), "command failed") {
		t.Errorf("an internal error:\n%s\n%s", out, logs.String())
	}
}

// finder is a Slack-like adapter that can look channels up by name.
type finder struct{ fakeSlack }

func (*finder) FindChannel(_ context.Context, _ bot.CommunityRef, name string) (bot.Channel, bool, error) {
	if name == "random" {
		return bot.Channel{ID: "C-RANDOM", Name: "random"}, true, nil
	}
	return bot.Channel{}, false, nil
}

// TestCore_ChannelsByNameAreResolvedOrRefused: a #name typed out is a
// channel only when the platform can say which; copbot never reports a
// policy for a name it stored as if it were a channel.
func TestCore_ChannelsByNameAreResolvedOrRefused(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		adapter bot.Adapter
		text    string
		want    string
		stored  string
	}{
		{"NoFinderRefuses", &fakeSlack{}, "config exclude #secret", "Pick #secret from the list", ""},
		{"ReferenceIsTheChannel", &fakeSlack{}, "config exclude <#C-SECRET|secret>", "no longer save tips", "C-SECRET"},
		{"FinderResolves", &finder{}, "config exclude #random", "no longer save tips", "C-RANDOM"},
		{"FinderDoesNotKnowIt", &finder{}, "config exclude #nowhere", "I can't see a channel called #nowhere", ""},
		{"DigestChannelToo", &finder{}, "config digest-channel #nowhere", "I can't see a channel called #nowhere", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pool := dbtest.Pool(t)
			core, _ := newCore(t, pool, tt.adapter)
			replies, err := core.HandleEvent(ctx, &bot.Event{ID: "c1", Kind: bot.Command, Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"},
				User: bot.User{ID: "UADMIN", IsAdmin: true}, Channel: bot.Channel{ID: "C1"}, Text: tt.text})
			if err != nil || len(replies) != 1 || !strings.Contains(replies[0].Text.String(), tt.want) {
				t.Fatalf("%s = %v, %v; want %q", tt.text, replies, err, tt.want)
			}
			var stored string
			_ = pool.QueryRow(ctx, `SELECT COALESCE(string_agg(channel_id, ','), '') FROM channel_policies`).Scan(&stored)
			if stored != tt.stored {
				t.Errorf("channel policies stored for %q; want %q", stored, tt.stored)
			}
		})
	}
}

// TestCore_TrialAnswers: answers a new user found unclear, now plain.
func TestCore_TrialAnswers(t *testing.T) {
	out := wiredConsole(t,
		"/join ada", "/cop facilitator add @ada @nobody", "/cop facilitator list", "/cop facilitator add @ada @ada",
		"/cop save One tip worth keeping", "/cop remove 1", "/cop remove 1", "/cop tips page:3", "/cop tips removed page:2",
		"/cop config exclude #random", "/cop config exclude #random", "/cop config include #never", "/cop config allow #secret", "/cop config")
	for _, want := range []string{"I don't know anyone called @nobody here yet. So I changed nobody.",
		"#random is excluded already", "#never had no setting of its own",
		"Excluded channels (reactions there save nothing): #random", "Allowed channels (reactions there save tips even if private): #secret",
		"Tip 1 is out of the repository already; `/cop restore 1` brings it back.",
		"There is no page 3", "There is no page 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "ada is now a facilitator") != 1 || strings.Contains(out, "ada was already a facilitator") {
		t.Errorf("@ada @ada answered twice:\n%s", out)
	}
}

// TestCore_TagAnswersSayWhatChanged: a tag that names nothing is refused, a
// tag with other characters says what it is filed as, and tagging or
// untagging says which tags changed nothing.
func TestCore_TagAnswersSayWhatChanged(t *testing.T) {
	out := wiredConsole(t, "/cop save Pin tool versions #ops", "/cop tag 1 #-", "/cop tag 1 #_", "/cop tag 1 #ci!",
		"/cop tag 1 #ops #c++", "/cop untag 1 #nothere #ci")
	for _, want := range []string{"`#-` is not a tag: a tag needs a letter or a digit", "`#_` is not a tag", "Tip 1 is tagged #ops #ci.",
		"It already had #ops.", "#c++ is filed as #c", "It did not have #nothere."} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	// A character dropped from a tag is said, even a trailing ! (issue 23:
	// "/cop tag 1 #ci! drops the ! silently").
	if !strings.Contains(out, "#ci! is filed as #ci") {
		t.Errorf("the ! dropped from #ci! went unsaid:\n%s", out)
	}
}
