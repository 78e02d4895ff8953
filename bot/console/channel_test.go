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

// recorder is a handler that records the events it gets (and the moves of
// the console's clock, clock_test.go).
type recorder struct {
	a      *Adapter
	events []*bot.Event
	moves  []string
}

func (r *recorder) HandleEvent(_ context.Context, ev *bot.Event) ([]bot.Reply, error) {
	r.events = append(r.events, ev)
	return nil, nil
}

// realNow stands in for the real clock, which the console follows until
// /clock sets its own.
var realNow = time.Date(2026, 12, 2, 17, 47, 0, 0, time.UTC)

// run runs console lines against the handler that handler gives for the
// console, and returns the transcript without its echoed input lines.
func run(t *testing.T, handler func(*Adapter) bot.Handler, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	a := New(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, &Options{
		FileDir: t.TempDir(), Now: func() time.Time { return realNow }})
	if err := a.Run(context.Background(), handler(a)); err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(out.String(), "\n") {
		if !echo.MatchString(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}

// on makes r the console's handler.
func (r *recorder) on(a *Adapter) bot.Handler {
	r.a = a
	return r
}

func TestAdapter_PrivateChannels(t *testing.T) {
	r := &recorder{}
	out := run(t, r.on,
		"/channel",
		"/channel secret hidden",
		"/channel secret private",
		"in the secret channel",
		"/cop help",
		"/channel general",
		"/react m1 bulb", // the message's channel is private, not this one
		"/cop help",
		"/channel #secret", // stays private
		"/cop help",
		"/channel secret public",
		"/cop help",
	)
	want := `! usage: /channel <name> [private|public], e.g. /channel secret private
! a channel is private or public, not “hidden”: /channel <name> [private|public]
* #secret is private
[m1]
* #secret is public
`
	if out != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
	}
	var got []string
	for _, ev := range r.events[1:] { // after host's join
		got = append(got, fmt.Sprintf("%s #%s private=%t", ev.Kind, ev.Channel.Name, ev.Channel.Private))
	}
	want = strings.Join([]string{
		"command #secret private=true",
		"reaction_added #secret private=true",
		"command #general private=false",
		"command #secret private=true",
		"command #secret private=false",
	}, "\n")
	if strings.Join(got, "\n") != want {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	ch, _, _ := r.a.FindChannel(context.Background(), bot.CommunityRef{}, "secret")
	if ch.Private {
		t.Errorf("FindChannel says #secret is private after /channel secret public")
	}
}

// TestConsole_SecondJoinSaysSo: /join for a member who joined already says
// so, and is still delivered, as a platform delivers a second join.
func TestConsole_SecondJoinSaysSo(t *testing.T) {
	var out bytes.Buffer
	rec := &joinCounter{}
	con := New(strings.NewReader("/join ada\n/join ada\n"), &out, nil)
	if err := con.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "* ada joined the community\n") || !strings.Contains(out.String(), "* ada joined again") || rec.joins != 2 {
		t.Errorf("two joins printed %q and delivered %d events; want the second said as such, both delivered", out.String(), rec.joins)
	}
}

type joinCounter struct{ joins int }

func (j *joinCounter) HandleEvent(_ context.Context, ev *bot.Event) ([]bot.Reply, error) {
	if ev.Kind == bot.MemberJoined && ev.User.ID == "ada" {
		j.joins++
	}
	return nil, nil
}
