package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/metricstest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/wait"
)

func TestHTTP_SlashCommand(t *testing.T) {
	h := newHarness(t, nil)
	h.slack.AddUser(slackfake.User{ID: "U1", Name: "ada", DisplayName: "Ada L.", Admin: true})

	status, body := h.command(t, "U1", "facilitator list")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	typ, text, blocks := reply(t, body)
	if typ != "ephemeral" || !strings.Contains(text, "• Ada L. (admin)") || blocks != "null" {
		t.Errorf("reply = %q %q blocks %s; want an ephemeral list naming the workspace admin by display name", typ, text, blocks)
	}
	// The second command needs no users.info: the profile is cached.
	if status, body = h.command(t, "U1", "help"); status != http.StatusOK || !strings.Contains(body, "/cop help") {
		t.Errorf("help: %d %s", status, body)
	}
	if n := h.slack.Calls("users.info"); n != 1 {
		t.Errorf("users.info called %d times for two commands by one member; want 1 (cached)", n)
	}
}

// slowBy makes the core take d over each event, for a harness's wrap.
func slowBy(d time.Duration) func(bot.Handler) bot.Handler {
	return func(next bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
			time.Sleep(d)
			return next.HandleEvent(ctx, ev)
		})
	}
}

func TestHTTP_SlowCommandAnswersAtResponseURL(t *testing.T) {
	slow := slowBy(300 * time.Millisecond)
	h := newHarness(t, &harnessOpts{wrap: slow, options: Options{CommandBudget: 50 * time.Millisecond}})
	start := time.Now()
	status, body := h.command(t, "U1", "help")
	if status != http.StatusOK || body != "" || time.Since(start) > 250*time.Millisecond {
		t.Fatalf("slow command answered %d %q after %s; want an empty 200 within the budget", status, body, time.Since(start))
	}
	p := nextPost(t, h.slack, 5*time.Second)
	if p.Method != "response_url" || !strings.Contains(p.Text, "/cop help") ||
		p.JSON["response_type"] != "ephemeral" || p.JSON["replace_original"] != false {
		t.Errorf("late reply = %+v; want the help, ephemeral, at the response URL, not replacing anything", p)
	}
}

func TestHTTP_RejectedRequests(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, &harnessOpts{options: Options{Registerer: reg}})
	event := reactionPayload("Ev1", "reaction_added", "U2", "bulb", "C1", "1700000000.000100", "U1")
	tests := []struct {
		name   string
		path   string
		req    func() *http.Request
		status int
		reason string
	}{
		{"WrongSecret", "/slack/events", func() *http.Request {
			req := h.request(t, "/slack/events", "application/json", event)
			sign(req, "not-the-secret", time.Now(), event)
			return req
		}, http.StatusUnauthorized, rejectBadSignature},
		{"TamperedBody", "/slack/events", func() *http.Request {
			req := h.request(t, "/slack/events", "application/json", event)
			req.Body, req.ContentLength = readerOf(bytes.Replace(event, []byte("bulb"), []byte("bulc"), 1))
			return req
		}, http.StatusUnauthorized, rejectBadSignature},
		{"OldTimestamp", "/slack/events", func() *http.Request {
			req := h.request(t, "/slack/events", "application/json", event)
			sign(req, testSecret, time.Now().Add(-6*time.Minute), event)
			return req
		}, http.StatusUnauthorized, rejectStale},
		{"MissingSignature", "/slack/commands", func() *http.Request {
			req := h.request(t, "/slack/commands", "application/x-www-form-urlencoded", []byte("text=help"))
			req.Header.Del("X-Slack-Signature")
			return req
		}, http.StatusUnauthorized, rejectBadSignature},
		{"MissingTimestamp", "/slack/interactivity", func() *http.Request {
			req := h.request(t, "/slack/interactivity", "application/x-www-form-urlencoded", []byte("payload=%7B%7D"))
			req.Header.Del("X-Slack-Request-Timestamp")
			return req
		}, http.StatusUnauthorized, rejectBadSignature},
		{"BodyOverOneMiB", "/slack/events", func() *http.Request {
			big := append(append([]byte(`{"type":"event_callback","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...)
			return h.request(t, "/slack/events", "application/json", big)
		}, http.StatusRequestEntityTooLarge, rejectTooLarge},
		{"BodyOverOneMiBWithoutLength", "/slack/events", func() *http.Request {
			big := append(append([]byte(`{"type":"event_callback","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...)
			req := h.request(t, "/slack/events", "application/json", big)
			req.ContentLength = -1 // chunked: the limit holds while reading
			return req
		}, http.StatusRequestEntityTooLarge, rejectTooLarge},
		{"MalformedEvent", "/slack/events", func() *http.Request {
			return h.request(t, "/slack/events", "application/json", []byte(`{"type":"event_callback","event":`))
		}, http.StatusBadRequest, rejectMalformed},
		{"CommandWithoutTeam", "/slack/commands", func() *http.Request {
			form := commandForm("U1", "C1", "general", "help", "")
			form.Del("team_id")
			return h.request(t, "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()))
		}, http.StatusBadRequest, rejectMalformed},
		{"InteractivityWithoutPayload", "/slack/interactivity", func() *http.Request {
			return h.request(t, "/slack/interactivity", "application/x-www-form-urlencoded", []byte("payload="))
		}, http.StatusBadRequest, rejectMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := metricstest.Value(t, reg, "copbot_events_rejected_total", map[string]string{"reason": tt.reason})
			if status, body := do(t, tt.req()); status != tt.status {
				t.Errorf("status %d (%s); want %d", status, body, tt.status)
			}
			if after := metricstest.Value(t, reg, "copbot_events_rejected_total", map[string]string{"reason": tt.reason, "platform": "slack"}); after != before+1 {
				t.Errorf("copbot_events_rejected_total{reason=%q} went from %v to %v; want one more", tt.reason, before, after)
			}
		})
	}
	// Storage itself: no store method says that nothing at all, in any
	// workspace, was written.
	if got := dbtest.Rows(t, h.pool, "communities", "inbox"); got != "communities 0, inbox 0" {
		t.Errorf("rejected requests wrote %s; want nothing", got)
	}
}

func readerOf(b []byte) (*readCloser, int64) { return &readCloser{bytes.NewReader(b)}, int64(len(b)) }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func TestHTTP_URLVerification(t *testing.T) {
	h := newHarness(t, nil)
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	status, got := h.event(t, body, 0)
	if status != http.StatusOK || got != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification answered %d %q; want the challenge", status, got)
	}
}

func TestHTTP_ReactionDeliveredThreeTimes(t *testing.T) {
	h := newHarness(t, nil)
	coretest.RunJobs(t, h.core, nil)
	h.slack.AddUser(slackfake.User{ID: "U1", Name: "ada", DisplayName: "Ada L."})
	// Slack escapes &, < and > in message text; copbot stores what was typed.
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000000.000100", User: "U1", Text: "Pin flaky tests &amp; fix one a day <!here>"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000050.000100", User: "U1", Text: "a later message"})

	ev := reactionPayload("Ev0001", "reaction_added", "U2", "bulb", "C1", "1700000000.000100", "U1")
	for retry := range 3 { // the first delivery and two retries of the same event
		if status, body := h.event(t, ev, retry); status != http.StatusOK || body != "" {
			t.Fatalf("delivery %d: %d %q; want an empty 200", retry+1, status, body)
		}
	}
	wait.Until(t, "the tip to be saved", func() bool { return len(h.tips(t)) == 1 })

	// One message is at most one tip, saved or waiting for its capture.
	tips := h.tips(t)
	if tip := tips[0]; len(tips) != 1 || tip.Votes != 1 || tip.Text != "Pin flaky tests & fix one a day <!here>" || tip.AuthorName != "Ada L." ||
		tip.Permalink != "https://copbot-test.slack.com/archives/C1/p1700000000000100" {
		t.Errorf("tips=%d votes=%d text=%q author=%q permalink=%q; want one tip with one vote, the raw text, the author's name and the permalink",
			len(tips), tip.Votes, tip.Text, tip.AuthorName, tip.Permalink)
	}
	if n := h.slack.Calls("conversations.history"); n != 1 {
		t.Errorf("conversations.history called %d times; want 1", n)
	}
	confirm := nextPost(t, h.slack, 5*time.Second)
	if confirm.Method != "chat.postEphemeral" || confirm.Channel != "C1" || confirm.User != "U2" || !strings.Contains(confirm.Text, "Saved as tip 1") {
		t.Errorf("confirmation = %+v; want an ephemeral 'Saved as tip 1' to U2 in C1", confirm)
	}

	// The tip lists with its text inert and its permalink as a link.
	_, body := h.command(t, "U2", "tips")
	_, listed, _ := reply(t, body)
	want := "Pin flaky tests &amp; fix one a day &lt;!here&gt; — Ada L. · 1 vote · <https://copbot-test.slack.com/archives/C1/p1700000000000100|source>"
	if !strings.Contains(listed, want) {
		t.Errorf("tips = %q; want it to contain %q", listed, want)
	}
}

func TestHTTP_ReactionOnThreadReply(t *testing.T) {
	h := newHarness(t, nil)
	coretest.RunJobs(t, h.core, nil)
	h.slack.AddUser(slackfake.User{ID: "U3", Name: "bob"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000000.000100", ThreadTS: "1700000000.000100", User: "U1", Text: "How do you keep CI green?"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000010.000200", ThreadTS: "1700000000.000100", User: "U3", Text: "Quarantine flaky tests #testing"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000020.000300", ThreadTS: "1700000000.000100", User: "U1", Text: "thanks"})

	if status, _ := h.event(t, reactionPayload("Ev0002", "reaction_added", "U2", "bulb", "C1", "1700000010.000200", "U3"), 0); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	wait.Until(t, "the tip to be saved", func() bool { return len(h.tips(t)) == 1 })
	if tip := h.tips(t)[0]; tip.Text != "Quarantine flaky tests #testing" || tip.ThreadID != "1700000000.000100" || tip.AuthorName != "bob" {
		t.Errorf("tip = %q in thread %q by %q; want the reply's own text, its thread, its author", tip.Text, tip.ThreadID, tip.AuthorName)
	}
	if h.slack.Calls("conversations.replies") != 1 {
		t.Errorf("conversations.replies called %d times; want 1", h.slack.Calls("conversations.replies"))
	}
}

func TestHTTP_RateLimitedFetchIsRetried(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, &harnessOpts{options: Options{Registerer: reg}})
	coretest.RunJobs(t, h.core, nil)
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000000.000100", User: "U1", Text: "Write the test first"})
	h.slack.Limit("conversations.history", 1)

	start := time.Now()
	if status, _ := h.event(t, reactionPayload("Ev0003", "reaction_added", "U2", "bulb", "C1", "1700000000.000100", "U1"), 0); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if time.Since(start) > time.Second {
		t.Errorf("the acknowledgement took %s; it must not wait on the Web API", time.Since(start))
	}
	wait.Until(t, "the tip to be saved after the rate limit", func() bool { return len(h.tips(t)) == 1 })
	if time.Since(start) < time.Second {
		t.Errorf("tip saved %s after a 429 with Retry-After: 1; the retry came too early", time.Since(start))
	}
	if n := h.slack.Calls("conversations.history"); n != 2 {
		t.Errorf("conversations.history called %d times; want 2 (429, then success)", n)
	}
	if v := metricstest.Value(t, reg, "copbot_platform_api_calls_total", map[string]string{"method": "conversations.history", "outcome": "rate_limited"}); v != 1 {
		t.Errorf("rate-limited calls counted %v; want 1", v)
	}
}

func TestHTTP_ButtonClick(t *testing.T) {
	h := newHarness(t, nil)
	for i := range 11 {
		if status, body := h.command(t, "U1", "save Tip number "+string(rune('a'+i))); status != http.StatusOK || !strings.Contains(body, "Saved as tip") {
			t.Fatalf("save %d: %d %s", i, status, body)
		}
	}
	_, body := h.command(t, "U1", "tips recent")
	var listing struct {
		Blocks []struct {
			Type     string `json:"type"`
			Elements []struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
				Text     struct{ Text string }
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &listing); err != nil {
		t.Fatal(err)
	}
	last := listing.Blocks[len(listing.Blocks)-1]
	if last.Type != "actions" || len(last.Elements) != 1 || last.Elements[0].Value != "tips recent page:2" {
		t.Fatalf("tips reply blocks = %s; want an actions block with the next page's button", body)
	}
	button := last.Elements[0]

	payload, _ := json.Marshal(map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": "U5", "username": "eve", "name": "eve", "team_id": "T1"},
		"api_app_id": "A1", "token": "9s8d9as89d8as9d8as989",
		"container":  map[string]any{"type": "message", "message_ts": "1700000100.000100", "channel_id": "C1", "is_ephemeral": true},
		"trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
		"team":       map[string]any{"id": "T1", "domain": "copbot-test"},
		"enterprise": nil, "is_enterprise_install": false,
		"channel":      map[string]any{"id": "C1", "name": "general"},
		"state":        map[string]any{"values": map[string]any{}},
		"response_url": h.slack.ResponseURL("click"),
		"actions": []map[string]any{{
			"action_id": button.ActionID, "block_id": "a1B2", "value": button.Value, "type": "button",
			"text": map[string]any{"type": "plain_text", "text": button.Text.Text, "emoji": true}, "action_ts": "1700000101.000200",
		}},
	})
	req := h.request(t, "/slack/interactivity", "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(payload)}}.Encode()))
	if status, body := do(t, req); status != http.StatusOK || body != "" {
		t.Fatalf("click answered %d %q; want an empty 200", status, body)
	}
	p := nextPost(t, h.slack, 5*time.Second)
	if p.Method != "response_url" || p.Path != "/respond/click" || !strings.Contains(p.Text, "*1* Tip number a") ||
		p.JSON["response_type"] != "ephemeral" || p.JSON["replace_original"] != false {
		t.Errorf("click reply = %+v; want page 2 (tip 1) at the click's response URL, ephemeral, not replacing", p)
	}
	if _, ok := storetest.Member(t, h.store, slackT1, "U5"); !ok {
		t.Errorf("the presser U5 is not a member; the click must run as the person who pressed")
	}
}

func TestHTTP_SavedMentionsRenderInert(t *testing.T) {
	h := newHarness(t, nil)
	// With "escape channels, users and links" on, Slack sends a typed
	// @channel and @user as these sequences.
	status, body := h.command(t, "U1", "save <!channel> @everyone <@U123> use &lt;b&gt; tags")
	if status != http.StatusOK {
		t.Fatalf("save: %d %s", status, body)
	}
	_, body = h.command(t, "U1", "tips")
	_, text, _ := reply(t, body)
	if !strings.Contains(text, "&lt;!channel&gt; @everyone &lt;@U123&gt; use &lt;b&gt; tags") {
		t.Errorf("tips = %q; want the saved text escaped", text)
	}
	for _, live := range []string{"<!channel>", "<@U123>", "<!everyone>", "<b>"} {
		if strings.Contains(text, live) {
			t.Errorf("the reply sent to Slack contains %q, which would take effect: %q", live, text)
		}
	}
	if tips := h.tips(t); len(tips) != 1 || tips[0].Text != "<!channel> @everyone <@U123> use <b> tags" {
		t.Errorf("stored %+v; want one tip with the text as typed (Slack's escaping undone once)", tips)
	}
}

func TestHTTP_CommandReplyFilesFollowTheAnswer(t *testing.T) {
	chart := func(bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(context.Context, *bot.Event) ([]bot.Reply, error) {
			return []bot.Reply{{Text: bot.Plain("Objective 3: 40%"), Visibility: bot.InChannel,
				Files: []bot.File{{Name: "objective-3.png", ContentType: "image/png", Data: []byte("png"), AltText: "progress"}}}}, nil
		})
	}
	h := newHarness(t, &harnessOpts{wrap: chart})
	status, body := h.command(t, "U1", "objective show 3")
	if typ, text, _ := reply(t, body); status != http.StatusOK || typ != "in_channel" || text != "Objective 3: 40%" {
		t.Fatalf("answer = %d %q %q; want the reply in channel", status, typ, text)
	}
	p := nextPost(t, h.slack, 5*time.Second)
	if p.Method != "files.completeUploadExternal" || p.Channel != "C1" || !strings.Contains(p.Text, "objective-3.png") {
		t.Errorf("after the answer Slack got %+v; want the chart shared in C1", p)
	}
}

// TestHTTP_ReactionInAPrivateCChannel: private channels made after March
// 2021 have C ids, and a reaction carries only the id; the capture asks
// Slack (conversations.info, once a channel) and keeps the private message
// out of the repository until a facilitator allows the channel.
func TestHTTP_ReactionInAPrivateCChannel(t *testing.T) {
	h := newHarness(t, nil)
	coretest.RunJobs(t, h.core, nil)
	h.slack.AddUser(slackfake.User{ID: "U1", Name: "ada", Admin: true})
	h.slack.SetPrivate("C7")
	h.slack.AddMessage("C7", slackfake.Message{TS: "1700000000.000100", User: "U1", Text: "said in private"})
	h.slack.AddMessage("C7", slackfake.Message{TS: "1700000000.000200", User: "U1", Text: "shared on purpose"})

	if status, _ := h.event(t, reactionPayload("Ev1", "reaction_added", "U2", "bulb", "C7", "1700000000.000100", "U1"), 0); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	// A capture left out of the repository tells no one: its end shows only
	// in storage, as its pending tip leaving.
	wait.Until(t, "the capture to finish", func() bool {
		return dbtest.Count(t, h.pool, `SELECT count(*) FROM tips WHERE state = 'pending'`) == 0 && h.slack.Calls("conversations.info") == 1
	})
	if n := len(h.tips(t)); n != 0 {
		t.Fatalf("%d tips saved from a private channel nobody allowed", n)
	}

	if _, body := h.command(t, "U1", "config allow <#C7|secret>"); !strings.Contains(body, "now save tips") {
		t.Fatalf("allow: %s", body)
	}
	if status, _ := h.event(t, reactionPayload("Ev2", "reaction_added", "U2", "bulb", "C7", "1700000000.000200", "U1"), 0); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	wait.Until(t, "the tip to be saved", func() bool { return len(h.tips(t)) == 1 })
	if n := h.slack.Calls("conversations.info"); n != 1 {
		t.Errorf("conversations.info called %d times; want once for the channel", n)
	}
}

// TestHTTP_LateReplyReachesTheMember: a late reply whose response URL fails
// for a moment is posted again; one whose URL is refused (expired, used up)
// reaches the member as an ephemeral message instead. The command ran, and
// a member who sees no answer types it again.
func TestHTTP_LateReplyReachesTheMember(t *testing.T) {
	slow := slowBy(100 * time.Millisecond)
	for _, tt := range []struct {
		name       string
		fail       int
		status     int
		wantMethod string
	}{
		{"ServerErrorThenFine", 1, http.StatusInternalServerError, "response_url"},
		{"URLExpired", 1, http.StatusNotFound, "chat.postEphemeral"},
		{"ServerErrorEveryTime", 10, http.StatusInternalServerError, "chat.postEphemeral"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, &harnessOpts{wrap: slow, options: Options{CommandBudget: 20 * time.Millisecond}})
			h.slack.FailResponses(tt.fail, tt.status)
			if status, body := h.command(t, "U1", "help"); status != http.StatusOK || body != "" {
				t.Fatalf("slow command answered %d %q; want an empty 200", status, body)
			}
			p := nextPost(t, h.slack, 10*time.Second)
			if p.Method != tt.wantMethod || !strings.Contains(p.Text, "/cop help") {
				t.Fatalf("the reply went as %+v; want it by %s", p, tt.wantMethod)
			}
			if extra, err := h.slack.NextPost(300 * time.Millisecond); err == nil {
				t.Errorf("the reply was sent twice; also %+v", extra)
			}
		})
	}
}
