package console

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/copbot/copbot/bot"
)

// print writes a reply: private ones are marked, continuation lines indented,
// and buttons listed with the command they run.
func (a *Adapter) print(r bot.Reply) {
	who := "copbot"
	if r.Visibility == bot.Ephemeral {
		who = "copbot (only you)"
	}
	text := Render(r.Text)
	fmt.Fprintf(a.out, "%s: %s\n", who, strings.ReplaceAll(text, "\n", "\n    "))
	for _, b := range r.Buttons {
		fmt.Fprintf(a.out, "    [%s] /cop %s\n", b.Label, b.Command)
	}
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
