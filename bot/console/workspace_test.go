package console

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
)

// workspaces is a handler that records, per event, its workspace, member,
// channel and text, and the workspaces settled and clock moves after it.
type workspaces struct {
	a   *Adapter
	log []string
}

func (w *workspaces) HandleEvent(_ context.Context, ev *bot.Event) ([]bot.Reply, error) {
	w.log = append(w.log, fmt.Sprintf("%s %s %s #%s private=%t %q",
		ev.Kind, ev.Community, ev.User.ID, ev.Channel.Name, ev.Channel.Private, ev.Text))
	if ev.Kind == bot.Command {
		return []bot.Reply{{Text: bot.Plain("ok")}}, nil
	}
	return nil, nil
}

func (w *workspaces) Settle(_ context.Context, community bot.CommunityRef) error {
	w.log = append(w.log, "settle "+community.String())
	return nil
}

func (w *workspaces) ClockMoved(_ context.Context, community bot.CommunityRef, d time.Duration) error {
	w.log = append(w.log, fmt.Sprintf("move %s by %s", community, d))
	return nil
}

func (w *workspaces) on(a *Adapter) bot.Handler {
	w.a = a
	return w
}

// Each workspace is what a separate Slack workspace would be: events name
// it, its members, channels and their privacy are its own, and it keeps
// the member and channel the console left it at.
func TestAdapter_WorkspacesAreApart(t *testing.T) {
	w := &workspaces{}
	out := run(t, w.on,
		"/as ada",
		"/channel secret private",
		"/workspace north",
		"/cop who @ada", // no ada in north: her name stays a word
		"/channel secret",
		"/cop help",
		"/as bob",
		"/workspace console",
		"/cop who @ada",
		"/workspace north",
		"/cop help",
		"/workspace north",
		"/workspace",
	)
	want := `* #secret is private
* workspace north (console:north on the command line) is new: you are host, its first member and an admin, in #general
copbot@north (only you): ok
copbot@north (only you): ok
* back in workspace console, as ada in #secret
copbot (only you): ok
* back in workspace north, as bob in #secret
copbot@north (only you): ok
* you are in workspace north already
* you are in workspace north (console:north on the command line), as bob in #secret
  workspaces so far: console, north
`
	if out != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
	}
	wantLog := []string{
		`member_joined console host #general private=false ""`,
		"settle console",
		`member_joined console:north host #general private=false ""`,
		"settle console:north", "settle console",
		`command console:north host #general private=false "who @ada"`,
		"settle console:north", "settle console",
		`command console:north host #secret private=false "help"`,
		"settle console:north", "settle console",
		`command console ada #secret private=true "who <@ada>"`,
		"settle console", "settle console:north",
		`command console:north bob #secret private=false "help"`,
		"settle console:north", "settle console",
	}
	if got := strings.Join(w.log, "\n"); got != strings.Join(wantLog, "\n") {
		t.Errorf("the handler saw\n%s\nwant\n%s", got, strings.Join(wantLog, "\n"))
	}
	ctx := context.Background()
	for ws, private := range map[string]bool{"console": true, "north": false} {
		ch, _, _ := w.a.FindChannel(ctx, bot.CommunityRef{Platform: bot.Console, ExternalID: ws}, "secret")
		if ch.Private != private {
			t.Errorf("FindChannel in workspace %s: #secret private=%t, want %t", ws, ch.Private, private)
		}
	}
}

// A message belongs to its workspace: one cannot react to it from another.
func TestAdapter_ReactionsStayInTheirWorkspace(t *testing.T) {
	w := &workspaces{}
	out := run(t, w.on,
		"in the first workspace",
		"/workspace north",
		"in north",
		"/react m1 bulb",
		"/react m2 bulb",
	)
	want := `[m1]
* workspace north (console:north on the command line) is new: you are host, its first member and an admin, in #general
[m2]
! m1 is a message of workspace console: /workspace console first
`
	if out != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
	}
	if last := w.log[len(w.log)-3]; !strings.HasPrefix(last, "reaction_added console:north host #general") {
		t.Errorf("the reaction in north reached the handler as %s", last)
	}
}

func TestAdapter_WorkspaceNamesAreChecked(t *testing.T) {
	out := run(t, (&workspaces{}).on, "/workspace console:north", "/workspace a b", "/workspace console")
	want := `! usage: /workspace [<name>] (letters, digits, - _ .)
! usage: /workspace [<name>] (letters, digits, - _ .)
* you are in workspace console already
`
	if out != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
	}
}

// The clock is one for every workspace: each step moves it once, and every
// workspace used so far runs what came due for it.
func TestAdapter_ClockMovesEveryWorkspace(t *testing.T) {
	w := &workspaces{}
	run(t, w.on, "/clock 2026-11-02 09:00", "/workspace north", "/workspace console", "/clock +30h")
	var moves []string
	for _, l := range w.log {
		if strings.HasPrefix(l, "move ") {
			moves = append(moves, l)
		}
	}
	want := []string{
		"move console by 24h0m0s", "move console:north by 0s",
		"move console by 6h0m0s", "move console:north by 0s",
	}
	if strings.Join(moves, "\n") != strings.Join(want, "\n") {
		t.Errorf("moves\n%s\nwant\n%s", strings.Join(moves, "\n"), strings.Join(want, "\n"))
	}
}

// A notice is printed for its workspace's members: marked with the
// workspace unless it is the first one and the console is in it, and
// nobody is "you" in a workspace the console is not in.
func TestAdapter_NoticesNameTheirWorkspace(t *testing.T) {
	var out bytes.Buffer
	a := New(strings.NewReader("/workspace north\n"), &out, &Options{FileDir: t.TempDir()})
	ctx := context.Background()
	if err := a.Run(ctx, &workspaces{}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	north := bot.CommunityRef{Platform: bot.Console, ExternalID: "north", Name: "frontend"}
	first := bot.CommunityRef{Platform: bot.Console, ExternalID: bot.ConsoleCommunityID}
	notices := []bot.Notice{
		{Community: north, ChannelID: "general", UserID: Host, Reply: bot.Reply{Text: bot.Plain("to me in north")}},
		{Community: north, ChannelID: "general", Reply: bot.Reply{Text: bot.Plain("to all here"), Visibility: bot.InChannel}},
		{Community: north, UserID: "ada", Reply: bot.Reply{Text: bot.Plain("ada in north")}},
		{Community: first, ChannelID: "general", UserID: Host, Reply: bot.Reply{Text: bot.Plain("to host in the first")}},
		{Community: first, ChannelID: "general", Reply: bot.Reply{Text: bot.Plain("to all there"), Visibility: bot.InChannel}},
		{Community: bot.CommunityRef{Platform: bot.Console, ExternalID: "south"}, UserID: "bob", Reply: bot.Reply{Text: bot.Plain("bob in south")}},
	}
	for _, n := range notices {
		if err := a.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.OpenConversation(ctx, first, "general", []string{"ada", "bob"}, "mentoring"); err != nil {
		t.Fatal(err)
	}
	want := `copbot@north (only you): to me in north
copbot@north: to all here
copbot@north (direct message to ada): ada in north
copbot@console (only host): to host in the first
copbot@console in #general: to all there
copbot@south (direct message to bob): bob in south
* copbot@console opened #private-ada-bob with ada, bob: mentoring
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
