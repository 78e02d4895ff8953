package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/metricstest"
	"github.com/copbot/copbot/internal/reqtest"
	"github.com/copbot/copbot/knowledge"
)

// postSigned posts body to the interactions endpoint, signed with key now.
func postSigned(tb testing.TB, url string, key ed25519.PrivateKey, contentType string, body []byte) (int, string) {
	tb.Helper()
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, url+"/discord/interactions", strings.NewReader(string(body)))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	return reqtest.Do(tb, req)
}

// ephemeral is the body of copbot's immediate, private answer, as
// discordgo writes it.
func ephemeral(content string) string {
	c, _ := json.Marshal(content)
	return `{"type":4,"data":{"tts":false,"content":` + string(c) + `,"components":null,"embeds":null,` +
		`"allowed_mentions":{"parse":[],"replied_user":false},"flags":64}}` + "\n"
}

// TestRoutes_HTTPInteractionBadInput posts signed interactions that
// Discord would not send and checks the exact answer, that the refusal is
// counted under the right reason (and no other), and that nothing was
// written. A body copbot cannot read as an interaction is answered 400 (the
// contract for a signed but malformed body), whatever its Content-Type
// says: Discord posts JSON and the signature does not cover the header, so
// the body is read as JSON and refused when it is not. A command a person
// is waiting on gets an answer saying what is wrong instead, when copbot
// can read enough of it to answer: one whose text is not text, or whose
// options do not make a command. Interaction types copbot never asks for
// (modal submits, types newer than copbot) are answered 200 with a private
// message saying there is nothing to do, and counted as ignored.
func TestRoutes_HTTPInteractionBadInput(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOptions{options: func(o *Options) { o.Registerer = reg }})
	srv := h.serve(nil)

	save := func(text string) []byte {
		_, _, p := interaction(2, adaID, "1024", slash(`[{"name": "save", "type": 1, "options": [{"name": "text", "type": 3, "value": `+text+`}]}]`))
		return []byte(p)
	}
	help := func(change func(string) string) []byte {
		_, _, p := interaction(2, adaID, "1024", slash(`[{"name": "help", "type": 1}]`))
		return []byte(change(p))
	}
	const js = "application/json"
	unreadable := ephemeral("I could not read that command: it holds characters that are not text. Try `/cop help`.")
	tests := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		reason      string // the rejection counted; "" when the interaction is taken and ignored
		answer      string
	}{
		{"OverOneMiB", js, []byte(`{"pad": "` + strings.Repeat("x", 1<<20) + `"}`), 413, "too_large", "Request Entity Too Large\n"},
		{"ExactlyOneMiB", js, help(func(p string) string {
			p = strings.Replace(p, `"type": 2`, `"type": 99`, 1)
			return p[:len(p)-1] + `, "pad": "` + strings.Repeat("x", 1<<20-len(p)-len(`, "pad": ""}`)+1) + `"}`
		}), 200, "", ephemeral("copbot has nothing to do with that.")},
		{"InvalidUTF8", js, save("\"tip \xff\xfe text\""), 400, "malformed", "Bad Request\n"},
		{"NULByte", js, save("\"tip \x00 text\""), 400, "malformed", "Bad Request\n"},
		{"NULEscaped", js, save(`"tip \u0000 text"`), 200, "malformed", unreadable},
		{"MalformedJSON", js, []byte(`{"type": 2, "data": [`), 400, "malformed", "Bad Request\n"},
		{"EmptyBody", js, nil, 400, "malformed", "Bad Request\n"},
		{"JSONNull", js, []byte(`null`), 400, "malformed", "Bad Request\n"},
		{"PostedAsForm", "application/x-www-form-urlencoded", []byte("id=1&token=t&type=2"), 400, "malformed", "Bad Request\n"},
		{"TypeAsString", js, help(func(p string) string { return strings.Replace(p, `"type": 2`, `"type": "2"`, 1) }), 400, "malformed", "Bad Request\n"},
		{"DataNotAnObject", js, help(func(p string) string { return p[:strings.Index(p, `"data":`)] + `"data": "help"}` }), 400, "malformed", "Bad Request\n"},
		{"WithoutID", js, help(func(p string) string { return strings.Replace(p, `"id": "8`, `"idx": "8`, 1) }), 400, "malformed", "Bad Request\n"},
		{"WithoutToken", js, help(func(p string) string { return strings.Replace(p, `"token":`, `"tokenx":`, 1) }), 400, "malformed", "Bad Request\n"},
		{"WithoutUser", js, help(func(p string) string {
			return strings.Replace(p, `"user": {"id": "`+adaID+`"`, `"userx": {"id": "`+adaID+`"`, 1)
		}), 400, "malformed", "Bad Request\n"},
		{"NullOption", js, []byte(func() string {
			_, _, p := interaction(2, adaID, "1024", slash(`[null]`))
			return p
		}()), 200, "malformed", ephemeral("I could not read that command; try `/cop help`.")},
		{"NullSubOption", js, save(`"x"}, null, {"name": "text", "type": 3, "value": "y"`), 200, "malformed", ephemeral("I could not read that command; try `/cop help`.")},
		{"ModalSubmit", js, help(func(p string) string { return strings.Replace(p, `"type": 2`, `"type": 5`, 1) }), 200, "",
			ephemeral("copbot has nothing to do with that.")},
		{"UnknownTypeAsTextPlain", "text/plain", help(func(p string) string { return strings.Replace(p, `"type": 2`, `"type": 99`, 1) }), 200, "",
			ephemeral("copbot has nothing to do with that.")},
	}
	labels := map[string]string{"platform": "discord"}
	ignored := func() float64 {
		return metricstest.Value(t, reg, "copbot_events_received_total", map[string]string{"platform": "discord", "kind": "ignored"})
	}
	reasons := []string{"bad_signature", "stale", "too_large", "malformed", "not_recorded"}
	if n := len(tests[1].body); n != 1<<20 {
		t.Fatalf("the 1 MiB body has %d bytes", n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := metricstest.Values(t, reg, "copbot_events_rejected_total", labels, "reason", reasons)
			wasIgnored := ignored()
			status, answer := postSigned(t, srv.URL, h.key, tt.contentType, tt.body)
			if status != tt.status || answer != tt.answer {
				t.Errorf("answered %d %.300q\nwant %d %q", status, answer, tt.status, tt.answer)
			}
			metricstest.OneMore(t, reg, "copbot_events_rejected_total", labels, "reason", before, tt.reason)
			if got, want := ignored(), wasIgnored+map[bool]float64{true: 1}[tt.reason == ""]; got != want {
				t.Errorf("copbot_events_received_total{kind=ignored} went from %v to %v; want %v", wasIgnored, got, want)
			}
			// Storage itself: no store method says that nothing at all, in
			// any guild, was written.
			if got := dbtest.Written(t, h.pool); got != "" {
				t.Errorf("after the interaction: %s; want nothing written", got)
			}
		})
	}
}

// TestRoutes_HTTPInteractionFortyThousandCharacters: a /cop save of
// 40,000 characters (Discord stops at 6,000, Slack at 40,000, the core
// takes 40,000) keeps every character; one more is refused with the limit.
func TestRoutes_HTTPInteractionFortyThousandCharacters(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	srv := h.serve(nil)
	text := func(n int) string { return strings.Repeat("Ünïcödé ☕ <@1> ", n/15) + strings.Repeat("x", n%15) }
	post := func(s string) (int, string) {
		_, _, p := interaction(2, adaID, "1024", slash(`[{"name": "save", "type": 1, "options": [{"name": "text", "type": 3, "value": `+strconv.Quote(s)+`}]}]`))
		return postSigned(t, srv.URL, h.key, "application/json", []byte(p))
	}
	long := text(knowledge.MaxTipText)
	if status, answer := post(long); status != 200 || answer != ephemeral("Saved as tip 1; add tags with `/cop tag 1 #tag`.") {
		t.Errorf("save of 40,000 characters answered %d %q", status, answer)
	}
	if tips := h.tips(); len(tips) != 1 || tips[0].Text != long {
		t.Errorf("saved %d tips; want one of exactly the 40,000 characters sent", len(tips))
	}
	if status, answer := post(text(knowledge.MaxTipText + 1)); status != 200 || answer != ephemeral("That tip is 40001 characters long; the limit is 40000.") {
		t.Errorf("save of 40,001 characters answered %d %q", status, answer)
	}
	if tips := h.tips(); len(tips) != 1 {
		t.Errorf("%d tips after a refused save; want 1", len(tips))
	}
}

// TestAdapter_GatewayEventThatIsNotText: an edit whose text holds a NUL
// byte (PostgreSQL stores none) is refused and counted, not recorded or
// spooled, where it would fail again and again and hold up every event
// behind it; the next event is captured as usual.
func TestAdapter_GatewayEventThatIsNotText(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOptions{options: func(o *Options) { o.Registerer = reg }})
	h.run()
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "Measure twice")
	h.fake.Dispatch("MESSAGE_UPDATE", fmt.Sprintf(`{"id": "600000000000000009", "channel_id": %q, "guild_id": %q, "type": 0,
		"content": "cut \u0000 once", "edited_timestamp": "2024-05-01T13:00:00.000000+00:00",
		"timestamp": "2024-05-01T12:00:00.000000+00:00", "author": {"id": %q, "username": "bob", "discriminator": "0"},
		"attachments": [], "embeds": [], "mentions": []}`, general, guildID, bobID))
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	if tips := h.waitTips(1); tips[0].Text != "Measure twice" {
		t.Errorf("tip %+v; want the message the reaction saved", tips[0])
	}
	if got := metricstest.Value(t, reg, "copbot_events_rejected_total", map[string]string{"platform": "discord", "reason": "malformed"}); got != 1 {
		t.Errorf("rejected{reason=malformed} = %v; want 1", got)
	}
	// Storage itself: the refused edit must not be recorded, and no store
	// method reads the inbox by kind.
	if edits := dbtest.Count(t, h.pool, "SELECT count(*) FROM inbox WHERE kind = 'edit'"); edits != 0 {
		t.Errorf("%d edits recorded; want none", edits)
	}
}
