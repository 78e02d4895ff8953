package commands

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []Token
	}{
		{"", nil},
		{"  help  ", []Token{{Kind: Word, Text: "help"}}},
		{`save "a quoted tip" #Testing #go-lang`, []Token{
			{Kind: Word, Text: "save"}, {Kind: Quoted, Text: "a quoted tip"},
			{Kind: Tag, Text: "testing"}, {Kind: Tag, Text: "go-lang"},
		}},
		{"objective add “Five strategies” target 5", []Token{
			{Kind: Word, Text: "objective"}, {Kind: Word, Text: "add"}, {Kind: Quoted, Text: "Five strategies"},
			{Kind: Word, Text: "target"}, {Kind: Word, Text: "5"},
		}},
		{"facilitator add <@U123|ada> <@!456> <@789> @bob", []Token{
			{Kind: Word, Text: "facilitator"}, {Kind: Word, Text: "add"},
			{Kind: Mention, Text: "<@U123|ada>", ID: "U123", Name: "ada"},
			{Kind: Mention, Text: "<@!456>", ID: "456"},
			{Kind: Mention, Text: "<@789>", ID: "789"},
			{Kind: Mention, Text: "@bob", Name: "bob"},
		}},
		{"search flaky tests from:<@U1|ada> from:@bob", []Token{
			{Kind: Word, Text: "search"}, {Kind: Word, Text: "flaky"}, {Kind: Word, Text: "tests"},
			{Kind: Mention, Text: "<@U1|ada>", ID: "U1", Name: "ada", Key: "from"},
			{Kind: Mention, Text: "@bob", Name: "bob", Key: "from"},
		}},
		{"config digest-channel <#C1|general>", []Token{
			{Kind: Word, Text: "config"}, {Kind: Word, Text: "digest-channel"},
			{Kind: ChannelRef, Text: "<#C1|general>", ID: "C1", Name: "general"},
		}},
		{"save see <https://example.com/x|example> now", []Token{
			{Kind: Word, Text: "save"}, {Kind: Word, Text: "see"}, {Kind: Word, Text: "https://example.com/x"}, {Kind: Word, Text: "now"},
		}},
		{"save don't panic # alone", []Token{
			{Kind: Word, Text: "save"}, {Kind: Word, Text: "don't"}, {Kind: Word, Text: "panic"}, {Kind: Word, Text: "#"}, {Kind: Word, Text: "alone"},
		}},
		{"tips #Tag.", []Token{{Kind: Word, Text: "tips"}, {Kind: Tag, Text: "tag"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.toks, tt.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, a.toks, tt.want)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	for _, in := range []string{`save "unclosed`, "tag 3 #!!!", "save “half"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded, want a ParseError", in)
		}
	}
}

func TestArgs_Consumers(t *testing.T) {
	a, err := Parse(`offer testing #go capacity 3 from:@ada "pair work"`)
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
	b, _ := Parse("offer capacity")
	if _, found, has := b.Option("capacity"); !found || has {
		t.Fatalf("Option without a value: found %v, hasValue %v", found, has)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"help", `save "x" #t`, "<@U1|a> <#C1> <https://x|y>", "“a”", "from:@x", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		for _, tok := range a.toks {
			if tok.Kind == Tag && tok.Text == "" {
				t.Fatalf("empty tag from %q", s)
			}
		}
		_ = a.Rest()
	})
}
