package console

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/bot/bottest"
	"github.com/copbot/copbot/internal/testlog"
	"github.com/copbot/copbot/internal/wait"
)

// TestConformance holds the console to the contract every adapter keeps
// (bottest.Exercise), reading and writing it as a person at the terminal
// would: console lines in, its transcript out.
func TestConformance(t *testing.T) { bottest.Exercise(t, consoleHarness{}) }

type consoleHarness struct{}

func (consoleHarness) Setup() bottest.Setup {
	return bottest.Setup{
		Community: bot.CommunityRef{Platform: bot.Console, ExternalID: bot.ConsoleCommunityID},
		Channel:   "general", User: "ada", Other: "bob", Newcomer: "newt", Emoji: "bulb",
		Lacks: map[bottest.Ability]string{
			bottest.Event(bot.MessageEdited):    "console lines are never edited",
			bottest.Event(bot.MessageDeleted):   "console lines are never deleted",
			bottest.Event(bot.ChannelDeleted):   "console channels exist once named and are never deleted",
			bottest.Event(bot.ReactionsCleared): "the console has no moderator to take every reaction off a message; /unreact takes one",
			bottest.Signature:                   "the console reads the terminal it runs in: nothing arrives from elsewhere to be forged",
			bottest.Buttons:                     "the console lists each button's /cop command for the person to type; there is nothing to press",
			bottest.Mentions: "a terminal has no mentions, pings or links: copbot writes @name and addresses as text, " +
				"and only terminal controls could act, which Exercise checks are gone",
		},
	}
}

// Start runs a console on a pipe, as a script would feed it, and reads its
// transcript.
func (consoleHarness) Start(t *testing.T, h bot.Handler) bottest.Platform {
	in, feed := io.Pipe()
	out := &testlog.Buffer{}
	a := New(in, out, &Options{FileDir: t.TempDir()})
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background(), h) }()
	t.Cleanup(func() {
		feed.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(wait.Timeout):
			t.Errorf("Run did not return %s after its input ended", wait.Timeout)
		}
		if t.Failed() {
			t.Logf("the console's transcript:\n%s", out.String())
		}
	})
	p := &consolePlatform{a: a, feed: feed, out: out}
	p.settle(t)
	return p
}

type consolePlatform struct {
	a    *Adapter
	feed *io.PipeWriter
	out  *testlog.Buffer
	// settled counts the lines settle fed; posts the messages Post wrote.
	settled, posts int
}

func (p *consolePlatform) Adapter() bot.Adapter { return p.a }

// send feeds console lines and waits until the console has handled them.
func (p *consolePlatform) send(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(p.feed, l+"\n"); err != nil {
			t.Fatalf("feed the console %q: %v", l, err)
		}
	}
	p.settle(t)
}

// settleLine changes nothing; its echo shows that every line fed before
// it has been handled, since the console reads a line only after the
// last one's effects.
const settleLine = "/channel general"

func (p *consolePlatform) settle(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(p.feed, settleLine+"\n"); err != nil {
		t.Fatalf("feed the console: %v", err)
	}
	p.settled++
	wait.Until(t, "the console to handle its lines", func() bool {
		return strings.Count(p.out.String(), "> "+settleLine+"\n") >= p.settled
	})
}

// Post writes a message; the console prints its short id ([m1]) and its
// events name it after the run (Adapter.run), so that ids of two runs
// never meet.
func (p *consolePlatform) Post(t *testing.T, author, text string) string {
	p.send(t, "/as "+author, text)
	p.posts++
	return p.a.run + ".m" + strconv.Itoa(p.posts)
}

func (p *consolePlatform) Do(t *testing.T, act bottest.Act) {
	t.Helper()
	switch act.Kind {
	case bot.Command:
		p.send(t, "/as "+act.User, "/cop "+act.Text)
	case bot.ReactionAdded, bot.ReactionRemoved:
		line := "/react "
		if act.Kind == bot.ReactionRemoved {
			line = "/unreact "
		}
		p.send(t, "/as "+act.User, line+strings.TrimPrefix(act.Message, p.a.run+".")+" "+act.Emoji)
	case bot.MemberJoined:
		p.send(t, "/join "+act.User)
	default:
		t.Fatalf("the console has no line for a %s event", act.Kind)
	}
}

func (p *consolePlatform) Forge(t *testing.T, _ bottest.Act) {
	t.Fatal("the console has no signatures to forge")
}

func (p *consolePlatform) Press(t *testing.T, _ bottest.Message, _ int, _ string) {
	t.Fatal("the console has no buttons to press")
}

var (
	// echo is an input line as the console echoes it, after the prompt
	// that names the current member and channel.
	echo = regexp.MustCompile(`^(\S+) #(\S+)> `)
	// header starts a message: to everyone here, only to someone, by
	// direct message, or in another channel.
	header = regexp.MustCompile(`^copbot(?: \((?:only you|only (\S+)|direct message to (\S+))\)| in #(\S+))?: `)
	// buttonLine is a button listed under a message's text.
	buttonLine = regexp.MustCompile(`^    \[(.*)\] /cop (.*)$`)
)

// Sent reads the transcript: each message, who sees it (from its header
// and the prompt before it), its text and its buttons.
func (p *consolePlatform) Sent(*testing.T) []bottest.Message {
	var ms []bottest.Message
	var cur *bottest.Message
	var text []string
	user, channel := Host, "general"
	flush := func() {
		if cur != nil {
			cur.Parts = []bottest.Part{{Text: strings.Join(text, "\n")}}
			ms = append(ms, *cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(p.out.String(), "\n") {
		if cur != nil && strings.HasPrefix(line, "    ") {
			if m := buttonLine.FindStringSubmatch(line); m != nil {
				cur.Buttons = append(cur.Buttons, bottest.Button{Label: m[1], Key: m[2]})
			} else if !strings.HasPrefix(line, "    [file") {
				text = append(text, line[4:])
			}
			continue
		}
		flush()
		if m := echo.FindStringSubmatch(line); m != nil {
			user, channel = m[1], m[2]
		}
		m := header.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		w := bottest.Where{Channel: channel}
		switch {
		case strings.HasPrefix(line, "copbot (only you)"):
			w.User = user
		case m[1] != "":
			w.User = m[1]
		case m[2] != "":
			w = bottest.Where{User: m[2]}
		case m[3] != "":
			w.Channel = m[3]
		}
		cur = &bottest.Message{Where: w}
		text = []string{line[len(m[0]):]}
	}
	flush()
	return ms
}

// Effects finds what a terminal would obey: control characters other than
// line breaks and tabs.
func (p *consolePlatform) Effects(text string) []string {
	effects := []string{}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			effects = append(effects, "control")
		}
	}
	return effects
}

// Display is the transcript as it reads: the console has no markup.
func (p *consolePlatform) Display(text string) string { return text }
