package commands

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/copbot/copbot/knowledge"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []token
	}{
		{"", nil},
		{"  help  ", []token{{Kind: wordToken, Text: "help"}}},
		{`save "a quoted tip" #Testing #go-lang`, []token{
			{Kind: wordToken, Text: "save"}, {Kind: quotedToken, Text: "a quoted tip"},
			{Kind: tagToken, Text: "testing"}, {Kind: tagToken, Text: "go-lang"},
		}},
		{"objective add “Five strategies” target 5", []token{
			{Kind: wordToken, Text: "objective"}, {Kind: wordToken, Text: "add"}, {Kind: quotedToken, Text: "Five strategies"},
			{Kind: wordToken, Text: "target"}, {Kind: wordToken, Text: "5"},
		}},
		{"facilitator add <@U123|ada> <@!456> <@789> @bob", []token{
			{Kind: wordToken, Text: "facilitator"}, {Kind: wordToken, Text: "add"},
			{Kind: mentionToken, Text: "<@U123|ada>", ID: "U123", Name: "ada"},
			{Kind: mentionToken, Text: "<@!456>", ID: "456"},
			{Kind: mentionToken, Text: "<@789>", ID: "789"},
			{Kind: mentionToken, Text: "@bob", Name: "bob"},
		}},
		{"search flaky tests from:<@U1|ada> from:@bob", []token{
			{Kind: wordToken, Text: "search"}, {Kind: wordToken, Text: "flaky"}, {Kind: wordToken, Text: "tests"},
			{Kind: mentionToken, Text: "<@U1|ada>", ID: "U1", Name: "ada", Key: "from"},
			{Kind: mentionToken, Text: "@bob", Name: "bob", Key: "from"},
		}},
		{"config digest-channel <#C1|general>", []token{
			{Kind: wordToken, Text: "config"}, {Kind: wordToken, Text: "digest-channel"},
			{Kind: channelToken, Text: "<#C1|general>", ID: "C1", Name: "general"},
		}},
		{"save see <https://example.com/x|example> now", []token{
			{Kind: wordToken, Text: "save"}, {Kind: wordToken, Text: "see"}, {Kind: wordToken, Text: "https://example.com/x"}, {Kind: wordToken, Text: "now"},
		}},
		{"save don't panic # alone", []token{
			{Kind: wordToken, Text: "save"}, {Kind: wordToken, Text: "don't"}, {Kind: wordToken, Text: "panic"}, {Kind: wordToken, Text: "#"}, {Kind: wordToken, Text: "alone"},
		}},
		{"tips #Tag.", []token{{Kind: wordToken, Text: "tips"}, {Kind: tagToken, Text: "tag"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(withoutRaw(a.toks), tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, a.toks, tt.want)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	for _, in := range []string{`save "unclosed`, "tag 3 #!!!", "save “half"} {
		if _, err := parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded, want a ParseError", in)
		}
	}
}

func TestArgs_Consumers(t *testing.T) {
	a, err := parse(`offer testing #go capacity 3 from:@ada "pair work"`)
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := a.ShiftWord(); !ok || w != "offer" {
		t.Fatalf("ShiftWord = %q, %v", w, ok)
	}
	if v, found, has := a.Option("capacity"); !found || !has || v.Text != "3" {
		t.Fatalf("Option(capacity) = %+v, %v, %v", v, found, has)
	}
	if from := a.Keyed("from"); len(from) != 1 || from[0].Name != "ada" {
		t.Fatalf("Keyed(from) = %+v", from)
	}
	if tags := a.Tags(); !reflect.DeepEqual(tags, []string{"go"}) {
		t.Fatalf("Tags = %v", tags)
	}
	if rest := a.Rest(); rest != `testing "pair work"` {
		t.Fatalf("Rest = %q", rest)
	}
	if a.Len() != 0 {
		t.Fatalf("Len after Rest = %d", a.Len())
	}
	b, _ := parse("offer capacity")
	if _, found, has := b.Option("capacity"); !found || has {
		t.Fatalf("Option without a value: found %v, hasValue %v", found, has)
	}
}

// FuzzParse checks properties of the parser on any text: it never panics;
// every mention, channel reference and quoted string it returns is written
// in the text as it says (so no input yields a mention or a tag that the
// text did not hold, and quoted text never yields one); tags are already
// normal; and the tokens round-trip: Rest writes them back as text that
// parses to the same tokens (a "More results" button runs such text).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"help", `save "x" #t`, "<@U1|a> <#C1> <https://x|y>", "“a”", "from:@x", "\x00\xff",
		`search flaky tests from:<@U1|ada> #ci page:2`, `save "<@U1> @everyone #not-a-tag"`,
		"save <https://a b> <mailto:@x> <https:#t> <mailto:a@b.c|a@b.c>", "facilitator add <@!456> <@789> @bob",
		"tag 3 #Go #go #GO. #İstanbul", "in:<#C1|x> a:# b:@ c:<@U2>", "@ # <@ <# <@U1 x> \"„x”\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parse(s)
		if err != nil {
			var pe *parseError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("Parse(%q) error %v, want a ParseError with words for people", s, err)
			}
			return
		}
		toks := append([]token(nil), a.toks...)
		var mentions, hashes int
		for _, tok := range toks {
			if tok.Key != "" && !strings.Contains(s, tok.Key+":") {
				t.Fatalf("Parse(%q): key %q is not in the text", s, tok.Key)
			}
			switch tok.Kind {
			case mentionToken:
				mentions++
				switch {
				case !strings.Contains(s, tok.Text):
					t.Fatalf("Parse(%q): mention %q is not in the text", s, tok.Text)
				case tok.ID != "" && !userMention.MatchString(tok.Text):
					t.Fatalf("Parse(%q): mention of id %q from %q, which is no platform mention", s, tok.ID, tok.Text)
				case tok.ID != "" && !strings.Contains(tok.Text, tok.ID):
					t.Fatalf("Parse(%q): mention of id %q from %q", s, tok.ID, tok.Text)
				case tok.ID == "" && (tok.Name == "" || tok.Text != "@"+tok.Name):
					t.Fatalf("Parse(%q): mention %+v; want @name", s, tok)
				}
			case channelToken:
				hashes++
				if !strings.Contains(s, tok.Text) || !strings.HasPrefix(tok.Text, "<#") || !strings.Contains(tok.Text, tok.ID) {
					t.Fatalf("Parse(%q): channel %+v is not in the text", s, tok)
				}
			case tagToken:
				hashes++
				if tok.Text == "" || knowledge.NormalizeTag(tok.Text) != tok.Text {
					t.Fatalf("Parse(%q): tag %q is empty or not normal", s, tok.Text)
				}
			case quotedToken:
				if !strings.Contains(s, tok.Text) || strings.IndexFunc(tok.Text, isQuote) >= 0 {
					t.Fatalf("Parse(%q): quoted %q is not in the text, or holds a quote", s, tok.Text)
				}
			case wordToken:
				if tok.Text == "" || strings.IndexFunc(tok.Text, unicode.IsSpace) >= 0 {
					t.Fatalf("Parse(%q): word %q is empty or holds a space", s, tok.Text)
				}
			}
		}
		if n := strings.Count(s, "@"); mentions > n {
			t.Fatalf("Parse(%q): %d mentions from %d @", s, mentions, n)
		}
		if n := strings.Count(s, "#"); hashes > n {
			t.Fatalf("Parse(%q): %d tags and channels from %d #", s, hashes, n)
		}

		rest := a.Rest()
		again, err := parse(rest)
		if err != nil {
			t.Fatalf("Parse(%q) wrote back %q, which does not parse: %v", s, rest, err)
		}
		if len(again.toks) != len(toks) {
			t.Fatalf("Parse(%q) = %+v\nwritten back as %q, it parses to %+v", s, toks, rest, again.toks)
		}
		for i, tok := range again.toks {
			// Quotes come back straight, a link's label is gone, and a
			// #word comes back as the tag it files under.
			if tok.Raw, toks[i].Raw = "", ""; tok != toks[i] {
				t.Fatalf("Parse(%q) token %d = %+v\nwritten back as %q, it parses to %+v", s, i, toks[i], rest, tok)
			}
		}
		if back := again.Rest(); back != rest {
			t.Fatalf("Rest is not stable: %q, then %q", rest, back)
		}
	})
}

// withoutRaw is tokens without what a #word was typed as, which the tables
// below leave out.
func withoutRaw(toks []token) []token {
	out := slices.Clone(toks)
	for i := range out {
		out[i].Raw = ""
	}
	return out
}
