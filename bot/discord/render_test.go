package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		text bot.Text
		want string
	}{
		{"MarkupBoldBecomesDiscords", bot.Plain("*12* saved, `/cop tag 12 #x`"), "**12** saved, `/cop tag 12 #x`"},
		{"MarkdownEscaped", bot.Textf("Tip: %s", bot.Untrusted("*bold* _it_ ~~s~~ `c` ||spoiler|| [x](y)")),
			"Tip: \\*bold\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|spoiler\\|\\| \\[x\\]\\(y\\)"},
		{"PingsNeutralised", bot.Textf("%s", bot.Untrusted("@everyone @Here <@123> <@&456> <#789> ada@example.com")),
			"@\u200beveryone @\u200bHere \\<@123\\> \\<@&456\\> \\<#789\\> ada@example.com"},
		{"LineStartMarkers", bot.Textf("first\n%s", bot.Untrusted("# Heading\n> quote\n- item\n#tag mid #tag")),
			"first\n\\# Heading\n\\> quote\n\\- item\n\\#tag mid #tag"},
		{"InCodeAsTyped", bot.Textf("More: `/cop %s`, then %s", bot.Untrusted("search ci_cd (*x*) `y`\n#z page:2"), bot.Untrusted("_a_")),
			"More: `/cop search ci_cd (*x*) \u02cby\u02cb #z page:2`, then \\_a\\_"},
		{"InCodeStillDefused", bot.Textf("`%s`", bot.Untrusted("<@123> @everyone")), "`<\\@123> @\u200beveryone`"},
		{"NotAtLineStart", bot.Textf("Tags: %s", bot.Untrusted("#testing")), "Tags: #testing"},
		{"URLsLeftWhole", bot.Textf("%s", bot.Untrusted("see https://example.com/a_b_(c) now")), "see https://example.com/a_b_(c) now"},
		{"Mention", bot.Textf("%s is a facilitator", bot.MentionOf("500000000000000001")), "<@500000000000000001> is a facilitator"},
		{"MentionOfNonID", bot.Textf("%s", bot.MentionOf("@everyone")), "@@\u200beveryone"},
		{"Link", bot.Textf("%s", bot.LinkTo{Label: "[source] *", URL: "https://discord.com/channels/1/2/3"}),
			"[\\[source\\] \\*](<https://discord.com/channels/1/2/3>)"},
		{"LinkThatCouldBreakOut", bot.Textf("%s", bot.LinkTo{Label: "x", URL: "https://e.com/>)[y](https://evil"}),
			"x (https://e.com/\\>\\)\\[y\\]\\(https://evil)"},
		{"LinkNotHTTP", bot.Textf("%s", bot.LinkTo{Label: "x", URL: "javascript:alert(1)"}), "x (javascript:alert\\(1\\))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.text); got != tt.want {
				t.Errorf("Render = %q\nwant     %q", got, tt.want)
			}
		})
	}
}

func TestMessages_SplitLongRepliesAndLayOutButtons(t *testing.T) {
	line := strings.Repeat("x", 150) + "\n"
	var bs []bot.Button
	for range 7 {
		bs = append(bs, bot.Button{Label: "Next", Command: "tips page:2"})
	}
	bs = append(bs, bot.Button{Label: "Too long", Command: strings.Repeat("y", 100)})
	msgs := messages(bot.Reply{Text: bot.Plain(strings.Repeat(line, 30)), Buttons: bs,
		Files: []bot.File{{Name: "a.png", Data: []byte("png")}}})
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	total := 0
	for i, m := range msgs {
		if n := utf8.RuneCountInString(m.content); n > maxContent || strings.HasSuffix(m.content, "\n") {
			t.Errorf("message %d has %d characters or a trailing newline", i, n)
		}
		total += strings.Count(m.content, "x")
		if (i == 0) != (len(m.files) == 1) || (i == 2) != (m.components != nil) {
			t.Errorf("message %d: files %d, components %v; files go first, buttons last", i, len(m.files), m.components)
		}
	}
	if total != 30*150 {
		t.Errorf("split lost text: %d x, want %d", total, 30*150)
	}
	rows := msgs[2].components
	if len(rows) != 2 || len(rows[0].(discordgo.ActionsRow).Components) != 5 || len(rows[1].(discordgo.ActionsRow).Components) != 2 {
		t.Errorf("button rows %+v; want 5 + 2 (the one whose command exceeds custom_id is left out)", rows)
	}
	if pieces := split(strings.Repeat(`\*`, 1500), maxContent); strings.HasSuffix(pieces[0], `\`) && !strings.HasSuffix(pieces[0], `\*`) {
		t.Errorf("a split separated an escape from its character")
	}
}

func TestTransport_EveryCallGoesUnderTheBase(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if _, err := h.adapter.api.Request("GET", "https://cdn.discordapp.com/emojis/1.png", nil); err == nil ||
		!strings.Contains(err.Error(), "refusing a request outside the API base") {
		t.Errorf("a CDN request was not refused: %v", err)
	}
	cmds, err := h.adapter.Register(context.Background(), guildID)
	if err != nil || len(cmds) != 1 || cmds[0].ID == "" {
		t.Fatalf("Register = %v, %v", cmds, err)
	}
	put := h.fake.sent(http.MethodPut, "/applications/"+appID+"/guilds/"+guildID+"/commands")
	var body []map[string]any
	if len(put) != 1 || json.Unmarshal(put[0].Payload, &body) != nil || body[0]["name"] != "cop" || body[0]["dm_permission"] != false {
		t.Errorf("registration sent %+v", put)
	}
	if _, err := h.adapter.Register(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if len(h.fake.sent(http.MethodPut, "/applications/"+appID+"/commands")) != 1 {
		t.Error("global registration did not PUT the global commands")
	}
	for _, c := range []struct{ in, want string }{
		{"channels/123/messages/456", "channels/{id}/messages/{id}"},
		{"webhooks/123/aW50ZXJhY3Rpb24/messages/@original", "webhooks/{id}/{token}/messages/@original"},
		{"interactions/123/aW50ZXJhY3Rpb24/callback", "interactions/{id}/{token}/callback"},
		{"users/@me/channels", "users/@me/channels"},
		{"gateway/bot?v=10", "gateway/bot"},
	} {
		if got := route(c.in); got != c.want {
			t.Errorf("route(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
