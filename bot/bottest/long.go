package bottest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/copbot/copbot/bot"
)

// The lengths of the long replies Exercise sends, in characters as copbot
// writes them: longer than any one message or block of Slack and Discord
// (long, 12,000, which escaping may double), and longer than a Slack
// message's text can be (huge).
const longReply, hugeReply = 12_000, 100_000

// exerciseLongReplies sends long replies, with and without buttons, as a
// notice and as an answer, and checks that they are split within the
// platform's limits and that nothing is lost: every line's marker once
// and in order, every letter and digit, every button, copbot's mentions
// and no other effect.
func exerciseLongReplies(t *testing.T, s Setup, start func(*testing.T) *session) {
	ss := start(t)
	for _, size := range []struct {
		name string
		n    int
	}{{"Long", longReply}, {"Huge", hugeReply}} {
		t.Run(size.name, func(t *testing.T) {
			if size.n == hugeReply && lacks(t, s, HugeReplies) {
				return
			}
			for _, withButtons := range []bool{false, true} {
				name := "Plain"
				if withButtons {
					name = "WithButtons"
				}
				t.Run(name, func(t *testing.T) {
					long := newLongText(size.n, s)
					r := bot.Reply{Text: long.text}
					if withButtons {
						r.Buttons = buttons
					}
					t.Run("AsANotice", func(t *testing.T) {
						n := len(ss.p.Sent(t))
						ss.notify(t, bot.Notice{ChannelID: s.Channel, Reply: bot.Reply{Text: r.Text, Buttons: r.Buttons, Visibility: bot.InChannel}})
						ms := ss.sentAfter(t, n, "the long notice", long.complete(ss))
						long.check(t, ss, r, ms, func(w Where) bool { return w == Where{Channel: s.Channel} })
					})
					t.Run("AsAnAnswer", func(t *testing.T) {
						ss.rec.answerWith(answeredWith(r))
						n := len(ss.p.Sent(t))
						ss.p.Do(t, Act{Kind: bot.Command, User: s.User, Text: "tips"})
						ms := ss.sentAfter(t, n, "the long answer", long.complete(ss))
						long.check(t, ss, r, ms, func(w Where) bool { return w.User == s.User && (w.Channel == s.Channel || w.Channel == "") })
					})
				})
			}
		})
	}
}

// longText is a long reply's text and what it holds.
type longText struct {
	text bot.Text
	// markers start each line, once each and in order.
	markers []string
	// mentions counts copbot's mentions of Setup.User in it.
	mentions int
}

// newLongText writes lines until the text has size characters. Most lines
// hold people's text that platforms escape (so that a split must not cut
// through an escape), some a mention of s.User (which a split must not
// break), some a word longer than any platform's piece, some nothing but
// escaped characters, so that a split must cut where it would rather not.
func newLongText(size int, s Setup) longText {
	var l longText
	length := 0
	for i := 0; length < size; i++ {
		marker := fmt.Sprintf("L%05dL", i)
		var line bot.Text
		switch {
		case i%40 == 17:
			line = bot.Textf("*%s* %s", marker, bot.Untrusted(strings.Repeat("w", 4500)))
		case i%40 == 29:
			line = bot.Textf("*%s* %s", marker, bot.Untrusted(strings.Repeat(`<&>\`, 900)))
		case i%7 == 3:
			line = bot.Textf("*%s* thanks %s for %s", marker, bot.MentionOf(s.User), bot.Untrusted("Café ☕ & <pairing> beats > solo"))
			l.mentions++
		default:
			line = bot.Textf("*%s* %s", marker, bot.Untrusted("Quarantine flaky tests & fix <one> a day, @everyone <@"+s.Other+"> é ☕ [x](https://evil.example)"))
		}
		if i > 0 {
			line = bot.Plain("\n").Append(line)
		}
		l.text = l.text.Append(line)
		l.markers = append(l.markers, marker)
		length += utf8.RuneCountInString(line.String())
	}
	return l
}

// complete is a condition on messages: the whole reply has arrived.
func (l longText) complete(ss *session) func([]Message) bool {
	last := l.markers[len(l.markers)-1]
	// The last line may be split too: its marker can be shown before the
	// rest of it has arrived, so the letters must all be there as well.
	want := len(lettersOf(l.text.String()))
	return func(ms []Message) bool {
		text := shown(ss, ms)
		return holds(text, last) && len(lettersOf(text)) >= want
	}
}

// shown is the text of messages as read, each part displayed.
func shown(ss *session, ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		for _, p := range m.Parts {
			if !p.Shadow {
				b.WriteString(ss.p.Display(p.Text) + "\n")
			}
		}
	}
	return b.String()
}

func (l longText) check(t *testing.T, ss *session, r bot.Reply, ms []Message, where func(Where) bool) {
	t.Helper()
	var got []Button
	var effects []string
	wantEffect := "@" + ss.s.User
	for i, m := range ms {
		if !where(m.Where) {
			t.Errorf("message %d reached %s", i, m.Where)
		}
		if max := ss.s.Limits.Blocks; max > 0 && m.Blocks > max {
			t.Errorf("message %d has %d blocks; the platform takes %d", i, m.Blocks, max)
		}
		for j, p := range m.Parts {
			if n := utf8.RuneCountInString(p.Text); p.Max > 0 && n > p.Max {
				t.Errorf("message %d, part %d: %d characters; the platform takes %d", i, j, n, p.Max)
			}
			e := ss.p.Effects(p.Text)
			if !p.Shadow {
				effects = append(effects, e...)
				continue
			}
			for _, e := range e {
				if e != wantEffect {
					t.Errorf("message %d: its notification's text acts on %q", i, e)
				}
			}
		}
		got = append(got, m.Buttons...)
	}
	text := shown(ss, ms)
	at := 0
	for _, marker := range l.markers {
		if c := strings.Count(text, marker); c != 1 {
			t.Errorf("line %s is shown %d times, want once", marker, c)
			continue
		}
		i := strings.Index(text, marker)
		if i < at {
			t.Errorf("line %s is shown out of order", marker)
		}
		at = i
	}
	if got, want := lettersOf(text), lettersOf(r.Text.String()); got != want {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("the letters and digits shown differ from the reply's from byte %d of %d: …%.40q… where the reply has …%.40q…",
			i, len(want), got[i:], want[i:])
	}
	want := []string{}
	if _, ok := ss.s.Lacks[Mentions]; !ok {
		want = slices.Repeat([]string{wantEffect}, l.mentions)
	}
	if effects == nil {
		effects = []string{}
	}
	if !slices.Equal(effects, want) {
		t.Errorf("the platform acts on %d things, want %d mentions of %s: %q", len(effects), len(want), ss.s.User, effects)
	}
	if len(got) != len(r.Buttons) {
		t.Fatalf("the messages have %d buttons, want %d: %+v", len(got), len(r.Buttons), got)
	}
	for i, b := range got {
		if b.Label != r.Buttons[i].Label {
			t.Errorf("button %d is labelled %q, want %q", i, b.Label, r.Buttons[i].Label)
		}
	}
}

// lettersOf is s's letters and digits alone, which no escaping or split
// adds or takes away.
func lettersOf(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}
