package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/copbot/copbot/bot"
)

// Notify prints a notice, saying where it went: privately to someone, as a
// direct message, or in a channel other than the current one; and, when it
// is for another workspace than the first, or than the one the console is
// in, which workspace it is for (copbot@north).
func (a *Adapter) Notify(_ context.Context, n bot.Notice) error {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	copbot := "copbot" + a.markOf(n.Community)
	// In another workspace than the console's, nobody is "you" and no
	// channel is the current one.
	var user, channel string
	if a.lookup(n.Community.ExternalID) == a.ws {
		user, channel = a.ws.user, a.ws.channel
	}
	var who string
	switch {
	case n.ChannelID == "":
		who = copbot + " (direct message to " + n.UserID + ")"
	case n.Reply.Visibility == bot.Ephemeral && n.UserID != "" && n.UserID != user:
		who = copbot + " (only " + n.UserID + ")"
	case n.Reply.Visibility == bot.Ephemeral:
		who = copbot + " (only you)"
	case n.ChannelID != channel:
		who = copbot + " in #" + n.ChannelID
	default:
		who = copbot
	}
	a.write(a.sink(), who, n.Reply)
	return nil
}

// OpenConversation makes a private channel for the given members and says so.
func (a *Adapter) OpenConversation(_ context.Context, community bot.CommunityRef, _ string, userIDs []string, topic string) (string, error) {
	id := "private-" + strings.Join(userIDs, "-")
	a.outMu.Lock()
	defer a.outMu.Unlock()
	fmt.Fprintf(a.sink(), "* copbot%s opened #%s with %s: %s\n", a.markOf(community), id, strings.Join(userIDs, ", "), inert(topic))
	return id, nil
}

// print writes a command's reply, from the workspace the console is in.
func (a *Adapter) print(r bot.Reply) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	who := "copbot" + a.ws.mark()
	if r.Visibility == bot.Ephemeral {
		who += " (only you)"
	}
	a.write(a.out, who, r)
}

// sink is where a notice goes: held back while an event is being handled,
// straight out otherwise. The caller holds outMu.
func (a *Adapter) sink() io.Writer {
	if a.held != nil {
		return a.held
	}
	return a.out
}

// write prints a reply after who: continuation lines indented, buttons listed
// with the command they run, and files saved to FileDir with their path
// shown. The caller holds outMu.
func (a *Adapter) write(w io.Writer, who string, r bot.Reply) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", who, strings.ReplaceAll(Render(r.Text), "\n", "\n    "))
	for _, btn := range r.Buttons {
		fmt.Fprintf(&b, "    [%s] /cop %s\n", btn.Label, btn.Command)
	}
	for _, f := range r.Files {
		path, err := a.saveFile(f)
		if err != nil {
			fmt.Fprintf(&b, "    [file %s not saved: %v]\n", inert(f.Name), err)
			continue
		}
		fmt.Fprintf(&b, "    [file: %s]\n", path)
	}
	fmt.Fprint(w, b.String())
}

// saveFile writes an attachment into FileDir, numbered so that files of one
// session never overwrite each other.
func (a *Adapter) saveFile(f bot.File) (string, error) {
	a.files++
	name := fmt.Sprintf("%d-%s", a.files, filepath.Base(f.Name))
	if err := os.MkdirAll(a.opts.FileDir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(a.opts.FileDir, name)
	return path, os.WriteFile(path, f.Data, 0o644)
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
