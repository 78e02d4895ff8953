package bot

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestTextf(t *testing.T) {
	tests := []struct {
		name string
		got  Text
		want Text
	}{
		{"markup only", Textf("tip %d", 12), Text{{Kind: Markup, Text: "tip 12"}}},
		{"user text between markup", Textf("Saved %s as tip %d.", Untrusted("<!channel> hi"), 3), Text{
			{Kind: Markup, Text: "Saved "}, {Kind: UserText, Text: "<!channel> hi"}, {Kind: Markup, Text: " as tip 3."},
		}},
		{"mention and link at the edges", Textf("%s see %s", MentionOf("U1"), LinkTo{Label: "tip", URL: "https://x"}), Text{
			{Kind: Mention, Text: "U1"}, {Kind: Markup, Text: " see "}, {Kind: Link, Text: "tip", URL: "https://x"},
		}},
		{"user text that looks like a placeholder stays user text", Textf("%s", Untrusted("\x00\x010\x01\x00")), Text{
			{Kind: UserText, Text: "\x00\x010\x01\x00"},
		}},
		{"line joins with a newline", Plain("a").Line("b %s", Untrusted("c")), Text{
			{Kind: Markup, Text: "a"}, {Kind: Markup, Text: "\n"}, {Kind: Markup, Text: "b "}, {Kind: UserText, Text: "c"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v\nwant %#v", tt.got, tt.want)
			}
		})
	}
}

func TestText_Render(t *testing.T) {
	txt := Textf("%s saved %s", MentionOf("U1"), Untrusted("<@U2>"))
	got := txt.Render(nil, func(s string) string { return "[" + s + "]" }, func(id string) string { return "<@" + id + ">" }, nil)
	if want := "<@U1> saved [<@U2>]"; got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}

// TestTextf_TextArgumentKeepsItsSpans: a Text handed to Textf (an
// objective's name with its title) keeps its user text as user text; it
// was once flattened into copbot's markup, where a title like <!channel>
// would have pinged.
func TestTextf_TextArgumentKeepsItsSpans(t *testing.T) {
	name := Textf("objective %d “%s”", 3, Untrusted("<!channel> *now*"))
	got := Textf("Added %s by %s.", name, MentionOf("U1"))
	var kinds []SpanKind
	for _, sp := range got {
		if sp.Kind == Markup && strings.Contains(sp.Text, "channel") {
			t.Fatalf("the title became markup: %#v", got)
		}
		if sp.Kind != Markup || len(kinds) == 0 || kinds[len(kinds)-1] != Markup {
			kinds = append(kinds, sp.Kind)
		}
	}
	if want := []SpanKind{Markup, UserText, Markup, Mention, Markup}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("Textf = %#v; want kinds %v", got, want)
	}
}

// FuzzTextf: whatever people typed, handed to Textf as Untrusted, directly
// or inside a Text that is itself an argument (an objective's name, a
// member's name in a sentence), comes out as a UserText span of its own,
// as typed, and copbot's markup is only the formats' own words.
func FuzzTextf(f *testing.F) {
	f.Add("<!channel> *title*", "[Verify here](https://x.test) @everyone", 3)
	f.Add("", "%s %d", 0)
	f.Add("a\x00\x01b", "“quoted”", -1)
	f.Fuzz(func(t *testing.T, title, name string, n int) {
		inner := Textf("objective %d “%s”", n, Untrusted(title))
		got := Textf("%s added %s; owner %s.", Untrusted(name), inner, MentionOf("U1"))
		var users []string
		var markup strings.Builder
		for _, sp := range got {
			switch sp.Kind {
			case UserText:
				users = append(users, sp.Text)
			case Markup:
				markup.WriteString(sp.Text)
			}
		}
		if want := []string{name, title}; !reflect.DeepEqual(users, want) {
			t.Fatalf("user text spans %q; want %q as typed, each its own span (%#v)", users, want, got)
		}
		if want := fmt.Sprintf(" added objective %d “”; owner .", n); markup.String() != want {
			t.Fatalf("copbot's markup is %q; want only the formats' words %q (%#v)", markup.String(), want, got)
		}
	})
}
