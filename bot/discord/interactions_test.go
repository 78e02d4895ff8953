package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/reqtest"
	"github.com/copbot/copbot/internal/storetest"
)

var interactionSeq = 800000000000000000

// interaction is an INTERACTION_CREATE payload as Discord sends it, from
// member userID (with the given computed permissions) in #general.
func interaction(typ int, userID, perms, data string) (id, token, payload string) {
	interactionSeq++
	id = strconv.Itoa(interactionSeq)
	token = "aW50ZXJhY3Rpb24" + id
	payload = fmt.Sprintf(`{"id": %q, "application_id": %q, "type": %d, "token": %q, "version": 1,
		"guild_id": %q, "channel_id": %q,
		"channel": {"id": %q, "type": 0, "guild_id": %q, "name": "general", "permissions": "1024"},
		"member": {"user": {"id": %q, "username": "u%s", "global_name": null, "avatar": null, "discriminator": "0"},
			"roles": [], "permissions": %q, "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
		"data": %s, "app_permissions": "2248473465835073", "locale": "en-GB", "guild_locale": "en-US",
		"entitlements": [], "authorizing_integration_owners": {"0": %q}, "context": 0}`,
		id, appID, typ, token, guildID, general, general, guildID, userID, userID[len(userID)-2:], perms, data, guildID)
	return id, token, payload
}

func slash(options string) string {
	return fmt.Sprintf(`{"id": "910000000000000000", "name": "cop", "type": 1, "guild_id": %q, "options": %s}`, guildID, options)
}

// callback is an interaction response as the fake received it.
type callback struct {
	Type int `json:"type"`
	Data struct {
		Content    string `json:"content"`
		Flags      int    `json:"flags"`
		Components []struct {
			Components []struct {
				Label    string `json:"label"`
				CustomID string `json:"custom_id"`
			} `json:"components"`
		} `json:"components"`
	} `json:"data"`
}

func (h *harness) callback(id string) callback {
	h.t.Helper()
	reqs := h.fake.waitSent("POST", "/interactions/"+id+"/", 1)
	var cb callback
	if err := json.Unmarshal(reqs[0].Payload, &cb); err != nil {
		h.t.Fatalf("callback %s: %v", reqs[0].Payload, err)
	}
	return cb
}

func TestAdapter_SlashCommand(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	id, _, p := interaction(2, adaID, "1024", slash(`[{"name": "save", "type": 1, "options": [
		{"name": "text", "type": 3, "value": "Ping @everyone and <@123> about *flaky* tests #testing"}]}]`))
	h.fake.Dispatch("INTERACTION_CREATE", p)
	cb := h.callback(id)
	if cb.Type != 4 || cb.Data.Flags != 64 || !strings.Contains(cb.Data.Content, "Saved as tip 1, tagged #testing;") {
		t.Errorf("save answered %+v; want an ephemeral message (type 4, flags 64) saying tip 1", cb)
	}

	// A subcommand's options come back as the text grammar, in its order.
	id, _, p = interaction(2, bobID, "1024", slash(`[{"name": "search", "type": 1, "options": [
		{"name": "from", "type": 6, "value": "`+adaID+`"}, {"name": "tag", "type": 3, "value": "testing"},
		{"name": "query", "type": 3, "value": "flaky"}]}]`))
	h.fake.Dispatch("INTERACTION_CREATE", p)
	cb = h.callback(id)
	got := cb.Data.Content
	if cb.Type != 4 || !contains(got, "Tips matching", "flaky #testing from:@u01", "@\u200beveryone", `\<@123\>`, `\*flaky\*`, "tests #testing — u01") {
		t.Errorf("search answered %d %q; want the tip, its text escaped", cb.Type, got)
	}
	if strings.Contains(got, "<@123>") || strings.Contains(got, "@everyone") {
		t.Errorf("user text can ping: %q", got)
	}
}

func TestAdapter_DeferredWhenCoreIsSlow(t *testing.T) {
	h := newHarness(t, harnessOptions{options: func(o *Options) { o.AckWithin = 100 * time.Millisecond }})
	h.slow = 600 * time.Millisecond
	h.run()
	start := time.Now()
	id, token, p := interaction(2, adaID, "1024", slash(`[{"name": "help", "type": 1}]`))
	h.fake.Dispatch("INTERACTION_CREATE", p)
	cb := h.callback(id)
	if cb.Type != 5 || cb.Data.Flags != 64 {
		t.Errorf("first response %+v; want a deferred ephemeral one (type 5, flags 64)", cb)
	}
	if d := time.Since(start); d > 550*time.Millisecond {
		t.Errorf("deferral took %s; it must not wait for the core", d)
	}
	edit := h.fake.waitSent("PATCH", "/webhooks/"+appID+"/"+token+"/messages/@original", 1)
	var m struct{ Content string }
	json.Unmarshal(edit[0].Payload, &m)
	if !strings.Contains(m.Content, "/cop search") {
		t.Errorf("edited answer %q; want the help text", m.Content)
	}
}

func TestAdapter_ButtonRunsItsCommand(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	for i := range 11 {
		asAdmin(h, fmt.Sprintf("save Tip number %d about testing", i+1))
	}
	id, _, p := interaction(2, adaID, "1024", slash(`[{"name": "search", "type": 1, "options": [{"name": "query", "type": 3, "value": "testing"}]}]`))
	h.fake.Dispatch("INTERACTION_CREATE", p)
	cb := h.callback(id)
	if len(cb.Data.Components) != 1 || len(cb.Data.Components[0].Components) != 1 {
		t.Fatalf("search answer has components %+v; want one row with a More button", cb.Data.Components)
	}
	button := cb.Data.Components[0].Components[0]
	if button.CustomID != "cop:search testing page:2" {
		t.Errorf("button custom_id = %q", button.CustomID)
	}
	id, _, p = interaction(3, bobID, "1024", fmt.Sprintf(`{"custom_id": %q, "component_type": 2}`, button.CustomID))
	h.fake.Dispatch("INTERACTION_CREATE", p)
	cb = h.callback(id)
	if cb.Type != 4 || !strings.Contains(cb.Data.Content, "Tip number") || len(cb.Data.Components) != 0 {
		t.Errorf("click answered %+v; want page 2 of the search without a further button", cb)
	}
	if _, ok := storetest.Member(t, h.store, guildRef, bobID); !ok {
		t.Error("the click was not served as the member who pressed the button")
	}
}

func TestRoutes_HTTPInteractions(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	srv := h.serve(nil)
	_, wrongKey, _ := ed25519.GenerateKey(nil)

	post := func(key ed25519.PrivateKey, ts time.Time, body string, tamper bool) (int, string) {
		t.Helper()
		stamp := strconv.FormatInt(ts.Unix(), 10)
		sig := ed25519.Sign(key, []byte(stamp+body))
		if tamper {
			body = strings.Replace(body, adaID, bobID, 1)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/discord/interactions", strings.NewReader(body))
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("Content-Type", "application/json")
		return reqtest.Do(t, req)
	}
	now := time.Now()
	ping := fmt.Sprintf(`{"id": "800000000000000500", "application_id": %q, "type": 1, "token": "dG9rZW4", "version": 1, "user": {"id": %q, "username": "ada", "discriminator": "0"}}`, appID, adaID)
	_, _, help := interaction(2, adaID, "1024", slash(`[{"name": "help", "type": 1}]`))

	tests := []struct {
		name     string
		key      ed25519.PrivateKey
		ts       time.Time
		body     string
		tamper   bool
		status   int
		contains string
	}{
		{"PingIsPong", h.key, now, ping, false, 200, `{"type":1}`},
		{"CommandIsAnswered", h.key, now, help, false, 200, `"type":4`},
		{"WrongKey", wrongKey, now, help, false, 401, ""},
		{"StaleTimestamp", h.key, now.Add(-6 * time.Minute), help, false, 401, ""},
		{"TamperedBody", h.key, now, help, true, 401, ""},
		{"SignedButMalformed", h.key, now, `{"type": 2, "data": [`, false, 400, ""},
		{"TooLarge", h.key, now, `{"pad": "` + strings.Repeat("x", 1<<20) + `"}`, false, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.key, tt.ts, tt.body, tt.tamper)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("status %d, body %.200s; want %d with %q", status, body, tt.status, tt.contains)
			}
			if status == 200 && strings.Contains(body, `"data"`) {
				var resp struct{ Data json.RawMessage }
				json.Unmarshal([]byte(body), &resp)
				if err := checkNoMentions(resp.Data); err != nil {
					t.Errorf("%v: %s", err, body)
				}
			}
		})
	}

	// Without a public key there is no endpoint.
	a, err := New(Options{AppID: appID, APIURL: h.fake.apiURL()}, h.adapter.log)
	if err != nil {
		t.Fatal(err)
	}
	empty := http.NewServeMux()
	a.Routes(empty, h)
	if _, pattern := empty.Handler(httptest.NewRequest("POST", "/discord/interactions", bytes.NewReader(nil))); pattern != "" {
		t.Errorf("an adapter without a public key mounted %q", pattern)
	}
}

func TestRoutes_HTTPInteractionDeferredThenEdited(t *testing.T) {
	h := newHarness(t, harnessOptions{options: func(o *Options) { o.AckWithin = 100 * time.Millisecond }})
	h.slow = 500 * time.Millisecond
	mux := http.NewServeMux()
	h.adapter.Routes(mux, h)
	_, token, body := interaction(2, adaID, "1024", slash(`[{"name": "tips", "type": 1, "options": [{"name": "order", "type": 3, "value": "recent"}]}]`))
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req := httptest.NewRequest("POST", "/discord/interactions", strings.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(h.key, []byte(stamp+body))))
	req.Header.Set("X-Signature-Timestamp", stamp)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	if !strings.Contains(w.Body.String(), `"type":5`) || !strings.Contains(w.Body.String(), `"flags":64`) {
		t.Errorf("first answer %s; want a deferred ephemeral response", w.Body.String())
	}
	edit := h.fake.waitSent("PATCH", "/webhooks/"+appID+"/"+token+"/messages/@original", 1)
	if !strings.Contains(string(edit[0].Payload), "The repository is empty") {
		t.Errorf("edit %s; want the tips answer", edit[0].Payload)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.adapter.Run(ctx, h) // returns once answers in flight are delivered
}

func TestAdapter_NoticesAndConversations(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	ref := bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID}
	notices := []bot.Notice{
		{Community: ref, ChannelID: general, UserID: adaID, Reply: bot.Reply{Text: bot.Plain("only ada")}},
		{Community: ref, ChannelID: general, Reply: bot.Reply{Text: bot.Plain("everyone"), Visibility: bot.InChannel,
			Files: []bot.File{{Name: "chart.png", ContentType: "image/png", Data: []byte("\x89PNG")}}}},
		{Community: ref, UserID: bobID, Reply: bot.Reply{Text: bot.Plain("just bob")}},
	}
	for _, n := range notices {
		if err := h.adapter.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct{ path, content, file string }{
		{"/channels/900000000000000001/messages", "only ada", ""},
		{"/channels/" + general + "/messages", "everyone", "chart.png"},
		{"/channels/900000000000000002/messages", "just bob", ""},
	}
	sent := h.fake.sent("POST", "/channels/")
	if len(sent) != len(want) {
		t.Fatalf("sent %d messages, want %d: %+v", len(sent), len(want), sent)
	}
	for i, w := range want {
		var m struct{ Content string }
		json.Unmarshal(sent[i].Payload, &m)
		if sent[i].Path != w.path || m.Content != w.content || (w.file != "" && (len(sent[i].Files) != 1 || sent[i].Files[0] != w.file)) {
			t.Errorf("message %d: %s %q files %v; want %s %q %s", i, sent[i].Path, m.Content, sent[i].Files, w.path, w.content, w.file)
		}
	}

	thread, err := h.adapter.OpenConversation(ctx, ref, general, []string{adaID, bobID}, "Mentoring on #testing")
	if err != nil || thread != "410000000000000001" {
		t.Fatalf("OpenConversation = %q, %v", thread, err)
	}
	var start struct {
		Name string
		Type int
	}
	json.Unmarshal(h.fake.sent("POST", "/channels/"+general+"/threads")[0].Payload, &start)
	added := h.fake.sent("PUT", "/channels/"+thread+"/thread-members/")
	if start.Type != 12 || start.Name != "Mentoring on #testing" || len(added) != 2 {
		t.Errorf("thread %+v with %d members added; want a private thread (12) with both", start, len(added))
	}
}

// TestAdapter_UnansweredCommandGoesDirectly: the command ran but Discord
// did not take its answer (the callback came too late, the edit of a
// deferred answer failed); the member gets the answer as a direct message
// rather than nothing, and types nothing twice.
func TestAdapter_UnansweredCommandGoesDirectly(t *testing.T) {
	for _, tt := range []struct {
		name                     string
		failCallbacks, failEdits int
		slow                     time.Duration
	}{
		{"CallbackRefused", 1, 0, 0},
		{"DeferredEditFailed", 0, 1, 300 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{options: func(o *Options) { o.AckWithin = 50 * time.Millisecond }})
			h.fake.failCallbacks, h.fake.failEdits = tt.failCallbacks, tt.failEdits
			h.slow = tt.slow
			h.run()
			id, _, p := interaction(2, adaID, "1024", slash(`[{"name": "help", "type": 1}]`))
			h.fake.Dispatch("INTERACTION_CREATE", p)
			h.fake.waitSent("POST", "/interactions/"+id+"/", 1)
			dm := h.fake.waitSent("POST", "/channels/9"+adaID[1:]+"/messages", 1)
			var m struct{ Content string }
			json.Unmarshal(dm[0].Payload, &m)
			if !strings.Contains(m.Content, "/cop search") {
				t.Errorf("direct message %q; want the help", m.Content)
			}
		})
	}
}

// TestAdapter_ButtonInADirectMessage: a notice's buttons name their server,
// so a click in a direct message (which carries no guild) runs the command
// there, as the member who clicked, once Discord confirms they belong to it.
func TestAdapter_ButtonInADirectMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	ref := bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID}
	if err := h.adapter.Notify(context.Background(), bot.Notice{Community: ref, UserID: adaID, Reply: bot.Reply{
		Text: bot.Plain("Would you mentor?"), Buttons: []bot.Button{{Label: "Tell me more", Command: "help mentor"}}}}); err != nil {
		t.Fatal(err)
	}
	sent := h.fake.waitSent("POST", "/channels/9"+adaID[1:]+"/messages", 1)
	want := `"custom_id":"cop@` + guildID + `:help mentor"`
	if !strings.Contains(string(sent[0].Payload), want) {
		t.Fatalf("notice = %s; want a button with %s", sent[0].Payload, want)
	}
	click := func(userID string) callback {
		t.Helper()
		interactionSeq++
		id := strconv.Itoa(interactionSeq)
		h.fake.Dispatch("INTERACTION_CREATE", fmt.Sprintf(`{"id": %q, "application_id": %q, "type": 3, "token": "dG9rZW4%s", "version": 1,
			"channel_id": "9%s", "channel": {"id": "9%s", "type": 1},
			"user": {"id": %q, "username": "u", "global_name": null, "avatar": null, "discriminator": "0"},
			"message": {"id": "600000000000000900", "channel_id": "9%s", "type": 0, "content": "Would you mentor?"},
			"data": {"custom_id": "cop@%s:help mentor", "component_type": 2},
			"app_permissions": "0", "locale": "en-GB", "entitlements": [], "authorizing_integration_owners": {"1": %q}, "context": 1}`,
			id, appID, id, userID[1:], userID[1:], userID, userID[1:], guildID, userID))
		return h.callback(id)
	}
	if cb := click(adaID); !strings.Contains(cb.Data.Content, "mentor") || strings.Contains(cb.Data.Content, "inside a server") {
		t.Errorf("a member's click in a DM answered %q; want the command run", cb.Data.Content)
	}
	if cb := click("500000000000000077"); !strings.Contains(cb.Data.Content, "no longer a member") {
		t.Errorf("a stranger's click answered %q; want them refused", cb.Data.Content)
	}
}
