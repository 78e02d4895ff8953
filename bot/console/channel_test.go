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
