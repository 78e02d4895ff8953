package bottest

import (
	"slices"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
)

// sourceURL is the address of copbot's own link in the replies Exercise
// sends; it must take effect.
const sourceURL = "https://copbot.example/tips/1"

// hostile is text people type that some platform would act on if it were
// not escaped: mass pings, mentions and channel links in Slack's and
// Discord's syntax, masked links and markdown.
func hostile(s Setup) []string {
	return []string{
		"@everyone @here @channel",
		"<!channel> <!here> <!everyone> <!subteam^S0614TZR7|@devs>",
		"<@U0123ABCD> <@W0123ABCD|ada> <#C0123ABCD> <#C0123ABCD|general>",
		"<@500000000000000099> <@!500000000000000099> <@&300000000000000001> <#400000000000000001>",
		"<@" + s.Other + "> <@!" + s.Other + "> @" + s.Other,
		"[free nitro](https://evil.example/nitro) <https://evil.example/x|click here>",
		"*bold* _italic_ ~strike~ `code` ||spoiler|| > quote",
	}
}

// terminalControl is text that clears a terminal and turns it red.
const terminalControl = "\x1b[2J\x1b[31mred\x07"

// joined are people's texts that spell something only where the spans
// meet, as when a name follows a "<" someone typed.
func joined(s Setup) [][]string {
	return [][]string{{"<", "@" + s.Other, ">"}, {"@", "everyone"}, {"<!", "here>"}, {"[free](", "https://evil.example/y)"}}
}

// hostileReply is a reply holding every hostile text as people's text,
// with copbot's own two mentions and its link.
func hostileReply(s Setup) bot.Reply {
	t := bot.Textf("Saved for %s:", bot.MentionOf(s.User))
	for _, h := range append(hostile(s), terminalControl) {
		t = t.Line("• %s", bot.Untrusted(h))
	}
	for _, spans := range joined(s) {
		t = t.Append(bot.Plain("\n• "))
		for _, sp := range spans {
			t = t.Append(bot.Text{{Kind: bot.UserText, Text: sp}})
		}
	}
	t = t.Line("Thanks to %s · %s · %s", bot.MentionOf(s.Other), bot.LinkTo{Label: "source", URL: sourceURL},
		bot.LinkTo{Label: "not a link", URL: "!channel"})
	t = t.Line("Usage: `/cop tag <tip> #tag` & more")
	return bot.Reply{Text: t}
}

// wantEffects are the effects copbot's own spans in hostileReply have.
func wantEffects(t *testing.T, s Setup) []string {
	if lacks(t, s, Mentions) {
		return []string{}
	}
	want := []string{"@" + s.User, "@" + s.Other, "link:" + sourceURL}
	slices.Sort(want)
	return want
}

// exerciseInertness sends hostileReply as a notice and as an answer: the
// platform must read only copbot's mentions and link in it, and show
// people's text as they typed it.
func exerciseInertness(t *testing.T, s Setup, start func(*testing.T) *session) {
	reply := hostileReply(s)
	ss := start(t)
	t.Run("InANotice", func(t *testing.T) {
		n := len(ss.p.Sent(t))
		ss.notify(t, bot.Notice{ChannelID: s.Channel, Reply: bot.Reply{Text: reply.Text, Visibility: bot.InChannel}})
		checkInert(t, ss, ss.sentAfter(t, n, "the notice", ss.containing("Usage:")))
	})
	t.Run("InAnAnswer", func(t *testing.T) {
		ss.rec.answerWith(answeredWith(reply))
		n := len(ss.p.Sent(t))
		ss.p.Do(t, Act{Kind: bot.Command, User: s.User, Text: "tips"})
		checkInert(t, ss, ss.sentAfter(t, n, "the answer", ss.containing("Usage:")))
	})
}

func checkInert(t *testing.T, ss *session, ms []Message) {
	t.Helper()
	want := wantEffects(t, ss.s)
	got := []string{}
	var shown strings.Builder
	for _, m := range ms {
		for _, p := range m.Parts {
			effects := ss.p.Effects(p.Text)
			if !p.Shadow {
				got = append(got, effects...)
				shown.WriteString(ss.p.Display(p.Text) + "\n")
				continue
			}
			for _, e := range effects {
				if !slices.Contains(want, e) {
					t.Errorf("the platform acts on %q in a notification's text: %q", e, p.Text)
				}
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the platform acts on %q, want exactly copbot's own %q, in:\n%s", got, want, texts(ms))
	}
	for _, h := range hostile(ss.s) {
		if !strings.Contains(shown.String(), h) {
			t.Errorf("people's text %q is not shown as typed:\n%s", h, shown.String())
		}
	}
	for _, spans := range joined(ss.s) {
		if h := strings.Join(spans, ""); !strings.Contains(shown.String(), h) {
			t.Errorf("people's text %q is not shown as typed:\n%s", h, shown.String())
		}
	}
}

// texts is the raw text of messages, for failure reports.
func texts(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		for _, p := range m.Parts {
			b.WriteString(p.Text + "\n")
		}
	}
	return b.String()
}

// holds says whether s contains every word.
func holds(s string, words ...string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
