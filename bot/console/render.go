package console

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/copbot/copbot/bot"
)

// Notify prints a notice; a private one names who it is for.
func (a *Adapter) Notify(_ context.Context, n bot.Notice) error {
	to := ""
	if n.Reply.Visibility == bot.Ephemeral {
		to = n.UserID
	}
	a.print(n.Reply, to)
	return nil
}

// print writes a reply: private ones are marked (to "" is the current
// member), continuation lines indented, and buttons listed with the command
// they run.
func (a *Adapter) print(r bot.Reply, to string) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	who := "copbot"
	if r.Visibility == bot.Ephemeral {
		who = "copbot (only you)"
		if to != "" && to != a.user {
			who = "copbot (only " + to + ")"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", who, strings.ReplaceAll(Render(r.Text), "\n", "\n    "))
	for _, btn := range r.Buttons {
		fmt.Fprintf(&b, "    [%s] /cop %s\n", btn.Label, btn.Command)
	}
	fmt.Fprint(a.out, b.String())
}

// say writes to the output, whole, even when job workers print notices.
func (a *Adapter) say(s ...any) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	fmt.Fprint(a.out, s...)
}

func (a *Adapter) sayf(format string, args ...any) {
	a.say(fmt.Sprintf(format, args...))
}

// Render gives a reply's text as the console shows it. User text is printed
// as typed, except control characters, which could drive the terminal.
func Render(t bot.Text) string {
	return t.Render(nil, inert, func(id string) string { return "@" + inert(id) },
		func(label, url string) string { return inert(label) + " <" + inert(url) + ">" })
}

func inert(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return '\uFFFD'
		}
		return r
	}, s)
}
