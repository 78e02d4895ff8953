package commands_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
)

// workspaces sends commands as Slack members of several workspaces, each
// command settled in its workspace. UADMIN is an admin, so a facilitator,
// in every workspace.
type workspaces struct {
	t    *testing.T
	core *commands.Core
	seq  int
}

func (w *workspaces) cmd(workspace, channel, user, text string) bot.Reply {
	w.t.Helper()
	w.seq++
	ctx := context.Background()
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: workspace}
	replies, err := w.core.HandleEvent(ctx, &bot.Event{ID: fmt.Sprintf("P%d", w.seq), Kind: bot.Command, Text: text, Community: ref,
		Channel: bot.Channel{ID: channel, Name: channel}, User: bot.User{ID: user, Name: strings.ToLower(user), IsAdmin: user == "UADMIN"}})
	if err != nil || len(replies) != 1 {
		w.t.Fatalf("%s %s: %q: %v, %v", workspace, user, text, replies, err)
	}
	if err := w.core.Settle(ctx, ref); err != nil {
		w.t.Fatal(err)
	}
	return replies[0]
}

func (w *workspaces) says(workspace, user, text string, want ...string) string {
	w.t.Helper()
	got := w.cmd(workspace, "C1", user, text).Text.String()
	for _, s := range want {
		if !strings.Contains(got, s) {
			w.t.Errorf("%s %s /cop %s:\n%s\nlacks %q", workspace, user, text, got, s)
		}
	}
	return got
}

func (w *workspaces) lacks(workspace, user, text string, never ...string) {
	w.t.Helper()
	got := w.cmd(workspace, "C1", user, text).Text.String()
	for _, s := range never {
		if strings.Contains(got, s) {
			w.t.Errorf("%s %s /cop %s shows %q:\n%s", workspace, user, text, s, got)
		}
	}
}

// TestPartners_TwoWorkspaces: facilitators of two workspaces' communities
// become partners, search each other, and one offers a tip that the other
// accepts; a third workspace that offered a partnership alone sees nothing,
// and nothing is seen once the partnership ends.
func TestPartners_TwoWorkspaces(t *testing.T) {
	pool := dbtest.Pool(t)
	slack := &fakeSlack{}
	core, _ := newCore(t, pool, slack)
	w := &workspaces{t: t, core: core}

	w.says("T1", "UADMIN", "save Quarantine flaky tests and fix one a day #ci")
	w.says("T2", "UBOB", "save Retry flaky tests once, then quarantine them")
	w.says("T3", "USAM", "save Flaky tests are the stranger's secret")

	w.says("T1", "UADMIN", "partner", "default has no partner communities yet")
	w.says("T1", "UADA", "partner add slack:T2", "Only facilitators can use `/cop partner add`")
	w.says("T1", "UADMIN", "partner add slack:T2",
		"Offered slack:T2 a partnership. It begins when a facilitator of slack:T2 adds default back: `/cop in default partner add slack:T1`")
	w.says("T1", "UADMIN", "partner add slack:T2", "default offered slack:T2 a partnership already")
	w.says("T2", "UADMIN", "partner", "Offers default received:", "• *slack:T1*: `/cop partner add slack:T1` accepts")
	// The command the offer named, as typed on the other side.
	w.says("T2", "UADMIN", "in default partner add slack:T1", "default and slack:T1 are partners now")
	w.says("T1", "UADMIN", "partner", "Partners of default:", "• *slack:T2*: `/cop share <tip> slack:T2` offers it a tip")
	w.says("T1", "UADMIN", "partner add slack:T2", "default and slack:T2 are partners already")
	w.says("T3", "UADMIN", "partner add slack:T1", "Offered slack:T1 a partnership") // never answered

	// Plain-words refusals.
	w.says("T1", "UADMIN", "partner add default", "That is this community; a community cannot be its own partner.")
	w.says("T1", "UADMIN", "partner add nowhere", "There is no community called nowhere here")
	w.says("T1", "UADMIN", "partner add slack:T9", "I know no community slack:T9")
	w.says("T1", "UADMIN", "partner add teams:X", "“teams:X” is not a community's name")
	w.says("T1", "UADMIN", "partner remove slack:T9", "I know no community slack:T9")
	w.says("T2", "UADMIN", "partner remove slack:T3", "slack:T3 is not a partner of default, and neither offered the other a partnership")
	w.says("T1", "UADMIN", "partner add", "Name one community")

	// Partner search: T1 sees T2's tip, named by its community, not T3's.
	got := w.says("T1", "UADA", "search flaky in:partners", "Tips matching “flaky” here and in partner communities",
		"*1* Quarantine flaky tests", "*slack:T2 #1* Retry flaky tests once")
	if strings.Contains(got, "stranger") {
		t.Errorf("a partner search showed a stranger's tip:\n%s", got)
	}
	w.lacks("T1", "UADA", "search flaky", "slack:T2")
	w.says("T3", "USAM", "search flaky in:partners", "*1* Flaky tests are the stranger's secret", "This community has no partners yet")
	w.lacks("T3", "USAM", "search flaky in:partners", "Quarantine", "Retry")
	w.says("T1", "UADA", "search flaky in:elsewhere", "“in:elsewhere” is not a place to search")

	// Share: offered, told, accepted once.
	w.says("T1", "UADA", "share 1 slack:T3", "slack:T3 is not a partner of default")
	w.says("T1", "UADA", "share 7 slack:T2", "There is no tip 7 in the repository.")
	w.says("T1", "UADA", "share 1 slack:T2",
		"Offered tip 1 to slack:T2 (their offer 1). Its facilitators are told; they add it to their repository with `/cop in default share accept 1`.")
	wait.Until(t, "the offer's notice", func() bool { return len(slack.sent("offers default a tip")) == 1 })
	n := slack.sent("offers default a tip")[0]
	if n.Community.ExternalID != "T2" || n.UserID != "UADMIN" || len(n.Reply.Buttons) != 2 || n.Reply.Buttons[0].Command != "share accept 1" ||
		!strings.Contains(n.Reply.Text.String(), "*slack:T1 #1* Quarantine flaky tests") {
		t.Errorf("the offer's notice = %+v", n)
	}
	w.says("T1", "UADA", "share 1 slack:T2", "Tip 1 was offered to slack:T2 already (their offer 1) and waits for an answer")
	w.says("T2", "UBOB", "share", "No offers to answer")
	w.says("T2", "UBOB", "share accept 1", "Only facilitators can use `/cop share accept`")
	w.says("T2", "UADMIN", "share", "Tips partners offered default, waiting for an answer:", "• offer 1: *slack:T1 #1* Quarantine flaky tests")
	w.says("T2", "UADMIN", "share accept 1", "Accepted offer 1: it is tip 2 here now, shared from slack:T1 #1.")
	w.says("T2", "UADMIN", "share accept 1", "Offer 1 was accepted already: it is tip 2 here.")
	w.says("T2", "UBOB", "search quarantine", "*2* Quarantine flaky tests and fix one a day")
	w.says("T1", "UADA", "share", "Tips you offered lately:", "• tip 1 to slack:T2: accepted, their tip 2")
	if n := dbtest.Count(t, pool, `SELECT count(*) FROM tips t JOIN communities c ON c.id = t.community_id
		WHERE c.external_id = 'T2' AND t.text LIKE '%Shared from slack:T1 #1' AND t.permalink = ''`); n != 1 {
		t.Errorf("%d tips of T2 say where they came from; want the one accepted", n)
	}
	if len(slack.sent("offers default a tip")) != 1 {
		t.Errorf("the offer's notice went out %d times", len(slack.sent("offers default a tip")))
	}

	// Removing ends it for both at once.
	w.says("T1", "UADMIN", "partner remove slack:T2", "default and slack:T2 are no longer partners")
	w.lacks("T2", "UBOB", "search flaky in:partners", "slack:T1")
	w.says("T1", "UADA", "share 1 slack:T2", "slack:T2 is not a partner of default")
	w.says("T2", "UADMIN", "partner", "default has no partner communities yet")
}

// TestPartners_NamedCommunitiesInOneWorkspace: two communities of one
// workspace, named by name, become partners, search each other and share
// a tip, in the console with its notices.
func TestPartners_NamedCommunitiesInOneWorkspace(t *testing.T) {
	out := wiredConsole(t,
		"/cop community create frontend #frontend",
		"/channel frontend",
		"Use CSS grid for page layout, not floats",
		"/react m1 bulb",
		"/channel general",
		"Pin the versions of your build tools",
		"/react m2 bulb",
		"/join ada",
		"/cop partner add frontend",
		"/cop in frontend partner",
		"/cop in frontend partner add default",
		"/as ada",
		"/cop search grid in:partners",
		"/cop share 1 frontend",
		"/as host",
		"/cop in frontend share accept 1",
		"/cop in frontend search versions",
		"/cop in frontend partner remove default",
		"/cop search grid in:partners",
	)
	for _, want := range []string{
		"Offered frontend a partnership. It begins when a facilitator of frontend adds default back: `/cop in frontend partner add default`",
		"Offers frontend received:\n    • *default*: `/cop in frontend partner add default` accepts",
		"frontend and default are partners now",
		"ada #general> /cop search grid in:partners\ncopbot (only you): Tips matching “grid” here and in partner communities, best first:\n    *frontend #1* Use CSS grid for page layout, not floats — host · 1 vote",
		"Offered tip 1 to frontend (their offer 1).",
		"copbot (direct message to host): *default* offers frontend a tip (offer 1):",
		"Accepted offer 1: it is tip 2 here now, shared from default #1.",
		"frontend search versions\ncopbot (only you): Tips matching “versions”, best first:\n    *2* Pin the versions of your build tools — host\n",
		"frontend and default are no longer partners",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
	if i := strings.LastIndex(out, "/cop search grid in:partners"); strings.Contains(out[i:], "frontend #1") {
		t.Errorf("a search after the partnership ended still shows frontend's tip:\n%s", out[i:])
	}
}

// TestShare_HelpShowsEveryForm: /cop share reads its first word itself (a
// tip's number or a subcommand), so the router's grammar does not list its
// subcommands; its help does, and Discord's form names them.
func TestShare_HelpShowsEveryForm(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	help := script(t, core, "/cop help share")
	for _, want := range []string{"`/cop share <tip> <community>`", "`/cop share [list]`", "`/cop share accept <offer>`",
		"`/cop share decline <offer>`"} {
		if !strings.Contains(help, want) {
			t.Errorf("/cop help share lacks %s:\n%s", want, help)
		}
	}
	// Discord writes the offer as "share offer <tip> <community>".
	w := &workspaces{t: t, core: core}
	w.says("T1", "UADA", "share offer 1 slack:T2", "I know no community slack:T2")
	w.says("T1", "UADA", "share offer", "Give the tip's number and the partner community")
	w.says("T1", "UADMIN", "share accept", "Which offer?")
	w.says("T1", "UADMIN", "share decline 3", "There is no offer 3 here")
}

// TestPartners_NameALinkedSide: a workspace linked into another's
// community is that community as a partner, since that one holds the
// repository; naming one's own side is naming oneself.
func TestPartners_NameALinkedSide(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t), &fakeSlack{})
	w := &workspaces{t: t, core: core}
	code := regexp.MustCompile(`\*([A-Z0-9]{4}-[A-Z0-9]{4})\*`).FindStringSubmatch(w.cmd("T1", "C1", "UADMIN", "link").Text.String())
	if code == nil {
		t.Fatal("no link code")
	}
	w.says("T5", "UADMIN", "link "+code[1], "Linked")
	w.says("T2", "UADMIN", "partner add slack:T5", "Offered slack:T1 a partnership")
	w.says("T1", "UADMIN", "partner add slack:T5", "That is this community")
	w.says("T1", "UADMIN", "partner add slack:T2", "default and slack:T2 are partners now")
}
