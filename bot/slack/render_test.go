package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

func TestMrkdwn(t *testing.T) {
	tests := []struct {
		name string
		text bot.Text
		want string
	}{
		{"MarkupKeepsItsFormatting", bot.Plain("*Tips* for `/cop tag <tip> #tag` & more"), "*Tips* for `/cop tag &lt;tip&gt; #tag` &amp; more"},
		{"UserTextIsInert", bot.Textf("Saved %s.", bot.Untrusted("<!channel> <!here> @everyone <@U123> <https://evil|x> &amp;")),
			"Saved &lt;!channel&gt; &lt;!here&gt; @everyone &lt;@U123&gt; &lt;https://evil|x&gt; &amp;amp;."},
		{"Mention", bot.Textf("thanks %s", bot.MentionOf("U0G9QF9C6")), "thanks <@U0G9QF9C6>"},
		{"MentionOfSomethingElseIsText", bot.Textf("%s", bot.MentionOf("here>|<!channel")), "@here&gt;|&lt;!channel"},
		{"Link", bot.Textf("%s", bot.LinkTo{Label: "source", URL: "https://x.slack.com/archives/C1/p1"}), "<https://x.slack.com/archives/C1/p1|source>"},
		{"LinkLabelAndURLCannotBreakOut", bot.Textf("%s", bot.LinkTo{Label: "a|b > <!channel> & c", URL: "https://e.com/?q=1&r=a|b>c<d e"}),
			"<https://e.com/?q=1&amp;r=a%7Cb%3Ec%3Cd%20e|a∣b &gt; &lt;!channel&gt; &amp; c>"},
		{"LinkWithoutLabel", bot.Textf("%s", bot.LinkTo{URL: "https://e.com"}), "<https://e.com>"},
		{"LinkToSomethingElseIsText", bot.Textf("%s, %s", bot.LinkTo{Label: "source", URL: "!channel"}, bot.LinkTo{URL: "@U123"}),
			"source (!channel), (@U123)"},
		{"LongMentionIsText", bot.Textf("%s", bot.MentionOf(strings.Repeat("U", 41))), "@" + strings.Repeat("U", 41)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mrkdwn(tt.text); got != tt.want {
				t.Errorf("mrkdwn = %q\n          want %q", got, tt.want)
			}
		})
	}
}

func TestRender_ButtonsAsBlocks(t *testing.T) {
	r := render(bot.Reply{Text: bot.Textf("Pair %s?", bot.Untrusted("<@U1>")), Buttons: []bot.Button{
		{Label: "Accept", Command: "mentor accept 3", Style: "primary"},
		{Label: "End pairing", Command: "mentor end 3", Style: "danger"},
		{Label: strings.Repeat("x", 100), Command: "help"},
	}})
	if r.text != "Pair &lt;@U1&gt;?" {
		t.Errorf("fallback text = %q", r.text)
	}
	b, err := json.Marshal(r.blocks)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Type     string `json:"type"`
		Text     *struct{ Type, Text string }
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Style    string `json:"style"`
			Text     struct{ Type, Text string }
		}
	}
	if err := json.Unmarshal(b, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Type != "section" || blocks[0].Text.Type != "mrkdwn" || blocks[0].Text.Text != "Pair &lt;@U1&gt;?" ||
		blocks[1].Type != "actions" || len(blocks[1].Elements) != 3 {
		t.Fatalf("blocks = %s; want a mrkdwn section and an actions block of three buttons", b)
	}
	seen := map[string]bool{}
	for i, e := range blocks[1].Elements {
		if e.Type != "button" || e.Text.Type != "plain_text" || seen[e.ActionID] || !strings.HasPrefix(e.ActionID, actionPrefix) {
			t.Errorf("button %d = %+v; want a plain_text button with its own copbot action_id", i, e)
		}
		seen[e.ActionID] = true
	}
	if e := blocks[1].Elements; e[0].Value != "mentor accept 3" || e[0].Style != "primary" || e[1].Style != "danger" || e[2].Style != "" ||
		utf8.RuneCountInString(e[2].Text.Text) != labelMax {
		t.Errorf("buttons = %+v; want values, styles and labels cut to %d characters", e, labelMax)
	}
}

func TestRender_LongTextSplitsIntoSections(t *testing.T) {
	var text bot.Text
	for i := range 200 {
		text = text.Line("%d %s", i, bot.Untrusted(strings.Repeat("é<", 20)))
	}
	text = text.Line("%s", bot.LinkTo{Label: "source", URL: "https://x/" + strings.Repeat("p", 100)})
	r := render(bot.Reply{Text: text, Buttons: []bot.Button{{Label: "More", Command: "tips page:2"}}})
	var joined []string
	for _, b := range r.blocks[:len(r.blocks)-1] {
		s := b.(*slack.SectionBlock).Text.Text
		if len(s) > sectionMax || !utf8.ValidString(s) {
			t.Errorf("section of %d bytes (valid UTF-8: %v); want at most %d", len(s), utf8.ValidString(s), sectionMax)
		}
		if strings.Count(s, "<") != strings.Count(s, ">") || strings.HasSuffix(s, "&") || strings.HasSuffix(s, "&lt") {
			t.Errorf("a section cuts through a sequence: …%q", s[max(0, len(s)-20):])
		}
		joined = append(joined, s)
	}
	if len(joined) < 2 {
		t.Fatalf("%d sections; want the text split", len(joined))
	}
	if got, want := strings.Join(joined, "\n"), mrkdwn(text); got != want {
		t.Errorf("the sections do not add up to the text")
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"", 10, []string{""}},
		{"line one\nline two", 10, []string{"line one", "line two"}},
		{"aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"abcdef<http://x>", 10, []string{"abcdef", "<http://x>"}},
		{"abcdefgh&amp;x", 10, []string{"abcdefgh", "&amp;x"}},
		{"<https://a.example/long>", 10, []string{"<https://a", ".example/l", "ong>"}}, // longer than a piece: cut anyway
		{"ééééé", 5, []string{"éé", "éé", "é"}},
	}
	for _, tt := range tests {
		got := splitText(tt.in, tt.max)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("splitText(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
