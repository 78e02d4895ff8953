package discord

import (
	"regexp"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/fuzztext"
)

// discordMention is Discord's syntax for a user (<@id>, <@!id>), a role
// (<@&id>) and a channel (<#id>).
var discordMention = regexp.MustCompile(`<(@[!&]?|#)([0-9]+)>`)

// discordPing is @everyone and @here, in any case.
var discordPing = regexp.MustCompile(`(?i)@(everyone|here)`)

// activeDiscord returns what in rendered Discord markdown could mention or
// ping that copbot did not mean. "Active" is taken strictly: any
// <@id>, <@!id>, <@&id> or <#id> in the raw text counts, even where a
// backslash before it or a code span around it would make Discord's client
// show it as text (a parser's view is easy to get wrong, and the server
// reads the raw text), and so does any @everyone or @here, in any case.
// Only <@id> for an id that one of the text's Mention spans named is
// allowed, once per span (mentions is used up); allowed_mentions
// {"parse": []} is a second guard that this check does not count on.
func activeDiscord(s string, mentions map[string]int) []string {
	var bad []string
	for _, m := range discordMention.FindAllStringSubmatch(s, -1) {
		if m[1] == "@" && mentions[m[2]] > 0 {
			mentions[m[2]]--
			continue
		}
		bad = append(bad, m[0])
	}
	return append(bad, discordPing.FindAllString(s, -1)...)
}

// FuzzRender checks that nothing a person typed, nothing in a link and
// nothing in copbot's own markup becomes a mention or a ping on Discord:
// in the rendered text, and in each message of a reply split to fit
// Discord's limit.
func FuzzRender(f *testing.F) {
	f.Add([]byte{1}, "@everyone @here @Everyone <@123> <@!123> <@&456> <#789>")
	f.Add([]byte{0}, "<@123> <#1> @here")
	f.Add([]byte{0, 1, 0}, "<\x1f@123\x1f>")
	f.Add([]byte{1, 0}, "@\x1feveryone")
	f.Add([]byte{1, 1}, "@ever\x1fyone")
	f.Add([]byte{2, 1}, "123\x1f>")
	f.Add([]byte{2}, "everyone")
	f.Add([]byte{3}, "<@123>\x1fhttps://e.com/@everyone")
	f.Add([]byte{3}, "x\x1fhttps://e.com/>)[y](https://evil")
	f.Add([]byte{1, 0}, "https://e.com/a<@123\x1f>")
	f.Add([]byte{0, 1, 0}, "\\\x1f<@123\x1f>")
	f.Add([]byte{1, 2}, "see https://e.com/a_b_(c)\\\x1f500000000000000001")
	f.Add([]byte{0 | 7<<2, 1 | 5<<2}, "line of copbot's *markup*\n\x1f# <@1> @here ")
	f.Fuzz(func(t *testing.T, layout []byte, s string) {
		text, mentions := fuzztext.Text(layout, s)
		out := Render(text)
		if bad := activeDiscord(out, fuzztext.Counts(mentions)); len(bad) > 0 {
			t.Fatalf("Render(%#v) = %q\nmentions or pings %q, which copbot did not put there", text, out, bad)
		}
		left := fuzztext.Counts(mentions)
		for i, m := range messages(bot.Reply{Text: text}) {
			if bad := activeDiscord(m.content, left); len(bad) > 0 {
				t.Fatalf("message %d of %#v is %q\nit mentions or pings %q", i, text, m.content, bad)
			}
		}
	})
}

// TestRender_MentionsOnlyFromMentionSpans pins what FuzzRender found.
func TestRender_MentionsOnlyFromMentionSpans(t *testing.T) {
	tests := []struct {
		name string
		text bot.Text
		want string
	}{
		{"MarkupMention", bot.Plain("ask <@123> in <#9>"), "ask <\\@123> in <\\#9>"},
		{"AcrossSpans", bot.Text{{Kind: bot.Markup, Text: "<"}, {Kind: bot.UserText, Text: "@123"}, {Kind: bot.Markup, Text: ">"}},
			"<\\@123>"},
		{"PingAcrossSpans", bot.Text{{Kind: bot.UserText, Text: "@"}, {Kind: bot.UserText, Text: "Here"}}, "@\u200bHere"},
		{"MarkupPing", bot.Plain("@everyone"), "@\u200beveryone"},
		{"DeliberateMentionStays", bot.Text{{Kind: bot.Markup, Text: "<"}, {Kind: bot.Mention, Text: "123"}}, "<<@123>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.text); got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
			if strings.Contains(tt.name, "Deliberate") {
				return
			}
			if bad := activeDiscord(Render(tt.text), map[string]int{}); len(bad) > 0 {
				t.Errorf("Render = %q mentions %q", Render(tt.text), bad)
			}
		})
	}
}
