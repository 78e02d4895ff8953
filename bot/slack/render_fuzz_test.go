package slack

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/fuzztext"
)

// activeSlack returns what in rendered mrkdwn Slack would act on that
// copbot did not mean: Slack reads control sequences only between angle
// brackets (<@U…> and <@W…> users, <#C…> channels, <!subteam^…> groups,
// <!channel>, <!here>, <!everyone>, <!date…>, <url|label>), while the
// text &lt;!here&gt; shows as typed, and a bare @here or @everyone is
// only text because copbot never sets link_names. So every "<" must open
// either a link to a web address or a <@ID> that one of the text's
// Mention spans asked for (mentions counts them, and is used up). An
// unclosed "<" counts as the sequence it starts, to the end of s.
func activeSlack(s string, mentions map[string]int) []string {
	var bad []string
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			return bad
		}
		seq := s[open+1:]
		if end := strings.IndexByte(seq, '>'); end >= 0 {
			seq = seq[:end]
		}
		s = s[open+1:]
		switch {
		case hasPrefixFold(seq, "https://") || hasPrefixFold(seq, "http://"):
		case strings.HasPrefix(seq, "@") && mentions[seq[1:]] > 0:
			mentions[seq[1:]]--
		default:
			bad = append(bad, "<"+seq+">")
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// FuzzRender checks that nothing a person typed, and nothing in a link,
// becomes a mention, a channel or group ping or a control sequence in
// Slack: in the mrkdwn of a reply, and in each section of its Block Kit
// form (a long reply split in pieces must not be cut into one).
func FuzzRender(f *testing.F) {
	f.Add([]byte{1}, "<!channel> <!here> <!everyone> <@U123> <#C1|general> <!subteam^S1|team>")
	f.Add([]byte{0, 1, 0}, "<\x1f!here\x1f>")
	f.Add([]byte{2, 2, 2}, "U0G9QF9C6\x1fhere>|<!channel\x1f")
	f.Add([]byte{3}, "source\x1fhttps://x.slack.com/archives/C1/p1")
	f.Add([]byte{3}, "\x1f!channel")
	f.Add([]byte{3}, "label\x1f@U123")
	f.Add([]byte{3, 3}, "\x1f#C1\x1fx\x1f!subteam^S1")
	f.Add([]byte{3}, "a|b > <!channel> & c\x1fhttps://e.com/?q=1&r=a|b>c<d e")
	f.Add([]byte{1, 2}, "&lt;@\x1fU1")
	f.Add([]byte{0}, "*Tips* for `/cop tag <tip> #tag` & more")
	f.Add([]byte{1 | 7<<2, 3, 2, 1 | 6<<2}, "tip <@U1> \x1flabel\x1fhttps://e.com/y\x1fU2\x1f<!here> & ")
	f.Add([]byte{1 | 7<<2, 3 | 7<<2}, "x x x x x x x x x x x x x x x x x x x x x x \x1flabel|\x1fhttps://e.com/<!here>")
	f.Fuzz(func(t *testing.T, layout []byte, s string) {
		text, mentions := fuzztext.Text(layout, s)
		out := mrkdwn(text)
		if bad := activeSlack(out, fuzztext.Counts(mentions)); len(bad) > 0 {
			t.Fatalf("mrkdwn(%#v) = %q\nacts on %q, which copbot did not put there", text, out, bad)
		}
		rd := render(bot.Reply{Text: text, Buttons: []bot.Button{{Label: s, Command: s}}})
		left := fuzztext.Counts(mentions)
		for _, b := range rd.blocks {
			sec, ok := b.(*slack.SectionBlock)
			if !ok {
				continue
			}
			if bad := activeSlack(sec.Text.Text, left); len(bad) > 0 {
				t.Fatalf("a section of %#v is %q\nit acts on %q, which copbot did not put there", text, sec.Text.Text, bad)
			}
		}
		if bad := activeSlack(rd.text, fuzztext.Counts(mentions)); len(bad) > 0 {
			t.Fatalf("the fallback text of %#v is %q\nit acts on %q", text, rd.text, bad)
		}
	})
}
