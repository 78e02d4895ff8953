package commands_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
)

// TestCommunity_HomeChannelsRoute: a reaction in a community's home channel
// saves into its repository, commands there act on it, and every other
// channel stays the default community's.
func TestCommunity_HomeChannelsRoute(t *testing.T) {
	out := wiredConsole(t,
		"/cop community create frontend #frontend",
		"/channel frontend",
		"Use CSS grid for page layout",
		"/react m1 bulb",
		"/cop tips",
		"/channel general",
		"Pin your tool versions",
		"/react m2 bulb",
		"/cop tips",
		"/cop in frontend tips",
		"/cop in nowhere tips",
		"/cop community",
	)
	for _, want := range []string{
		"Created the community *frontend*, at home in #frontend. You are its first facilitator.",
		"host #frontend> /cop tips\ncopbot (only you): The repository, best first:\n    *1* Use CSS grid for page layout — host · 1 vote\n",
		"host #general> /cop tips\ncopbot (only you): The repository, best first:\n    *1* Pin your tool versions — host · 1 vote\n",
		"host #general> /cop in frontend tips\ncopbot (only you): The repository, best first:\n    *1* Use CSS grid",
		"There is no community called nowhere here; `/cop community` lists them.",
		"Here you are in the community *default*.",
		"• *frontend*: #frontend; 1 member",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
}

// TestCommunity_DirectMessageAsksWhichOne: in a direct message a member of
// one community acts on it, a member of several is asked with a button for
// each, and the button's command runs where it says.
func TestCommunity_DirectMessageAsksWhichOne(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	ctx := context.Background()
	n := 0
	send := func(user, channel string, private bool, text string) bot.Reply {
		t.Helper()
		n++
		replies, err := core.HandleEvent(ctx, &bot.Event{ID: "e" + strconv.Itoa(n), Kind: bot.Command, Text: text,
			Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"},
			Channel:   bot.Channel{ID: channel, Name: channel, Private: private},
			User:      bot.User{ID: user, Name: user, IsAdmin: user == "admin"}})
		if err != nil || len(replies) != 1 {
			t.Fatalf("%s: %v, %v", text, replies, err)
		}
		return replies[0]
	}
	send("admin", "C1", false, "community create frontend <#C2|frontend>")
	send("ada", "C2", false, "save Grid beats floats")
	// ada took part in frontend only: her direct message acts there.
	if r := send("ada", "D1", true, "tips"); !strings.Contains(r.Text.String(), "Grid beats floats") {
		t.Errorf("ada's tips in a DM = %q; want frontend's", r.Text.String())
	}
	send("ada", "C1", false, "save Pin your versions")
	r := send("ada", "D1", true, "tips recent")
	if !strings.Contains(r.Text.String(), "which one is this for?") || len(r.Buttons) != 2 ||
		r.Buttons[0].Command != "in default tips recent" || r.Buttons[1].Command != "in frontend tips recent" {
		t.Fatalf("ada in two communities was answered %q with %+v; want a choice", r.Text.String(), r.Buttons)
	}
	if r := send("ada", "D1", true, r.Buttons[1].Command); !strings.Contains(r.Text.String(), "Grid beats floats") ||
		strings.Contains(r.Text.String(), "Pin your versions") {
		t.Errorf("the frontend button answered %q", r.Text.String())
	}
	// A public channel that is no home belongs to the default community.
	if r := send("ada", "C7", false, "tips"); !strings.Contains(r.Text.String(), "Pin your versions") {
		t.Errorf("tips in #random = %q; want the default community's", r.Text.String())
	}
}

// TestCommunity_TrialFindings: what a new user hit with several
// communities. Commands suggested after /cop in name the community; votes
// for a tip made before its channel moved stay with that tip; a named
// community's facilitator cannot take the default community's channels;
// /cop in answers privately in another community's channel.
func TestCommunity_TrialFindings(t *testing.T) {
	out := wiredConsole(t,
		"/channel x",
		"Old message about retros",
		"/react m1 bulb",
		"/as ada",
		"/react m1 bulb",
		"/as host",
		"/cop community create xguild #x",
		"/cop community create fe #frontend",
		"/unreact m1 bulb",
		"/as ada",
		"/unreact m1 bulb",
		"/cop in default tips",
		"/as host",
		"/cop facilitator add @ada",
		"/cop in fe facilitator add @ada",
		"/channel general",
		"/cop in fe community archive",
		`/cop in fe objective add "Ship the grid" target 3 due 2099-05-01`,
		"/as ada",
		"/channel frontend",
		"/cop community channels add #general",
	)
	for _, want := range []string{
		"ada #x> /unreact m1 bulb\ncopbot (only you): You took back the last vote for tip 1, so it left the repository.",
		"ada #x> /cop in default tips\ncopbot (only you): The repository is empty so far.",
		"Sure? `/cop in fe community archive confirm`\n    [Archive fe] /cop in fe community archive confirm",
		"copbot (only you): Added objective 1 “Ship the grid”",
		"Check in with `/cop in fe checkin 1 +1`",
		"ada #frontend> /cop community channels add #general\ncopbot (only you): A home channel is taken from the workspace's default community",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
}
