package fuzztext

import (
	"strings"

	"github.com/copbot/copbot/bot"
)

// maxSpans bounds the spans of one text.
const maxSpans = 16

// Text builds a reply's text from fuzzed input. The pieces of s are cut at
// U+001F, and each byte of layout makes one span of the next piece: its low
// two bits give the kind (Markup, UserText, Mention, Link; a Link takes the
// piece after it as its URL) and the next three repeat the piece up to 128
// times, so that small inputs make replies long enough to be split into
// several messages or sections. It also returns how many Mention spans
// name each id: the only mentions the rendered text may hold.
func Text(layout []byte, s string) (bot.Text, map[string]int) {
	pieces := strings.Split(s, "\x1f")
	var t bot.Text
	mentions := map[string]int{}
	for i, k := range layout {
		if len(pieces) == 0 || i == maxSpans {
			break
		}
		sp := bot.Span{Kind: bot.SpanKind(k & 3), Text: strings.Repeat(pieces[0], 1<<(k>>2&7))}
		pieces = pieces[1:]
		switch sp.Kind {
		case bot.Link:
			if len(pieces) > 0 {
				sp.URL, pieces = pieces[0], pieces[1:]
			}
		case bot.Mention:
			mentions[sp.Text]++
		}
		t = append(t, sp)
	}
	return t, mentions
}

// Counts copies mention counts, for a check that uses them up.
func Counts(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
