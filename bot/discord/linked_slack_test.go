package discord

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	slackbot "github.com/copbot/copbot/bot/slack"
	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/internal/reqtest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/testlog"
	"github.com/copbot/copbot/internal/wait"
)

// TestAdapters_LinkHandshakeAcrossSlackAndDiscord: one core serves a Slack
// adapter (HTTP mode, against internal/slackfake) and the Discord adapter
// (against the fake Discord), as copbot serve wires them. A Slack
// workspace admin's /cop link prints a code; a Discord member with Manage
// Server types it in /cop link (a signed interaction), which links the
// server into the Slack community. A 💡 on a Discord message then saves a
// tip that /cop search on Slack finds, its permalink Discord's, and the
// confirmation goes to the reactor on Discord, never to Slack. After
// /cop unlink on Discord, its reactions save into its own community again,
// which Slack does not search, while the tip saved together stays with
// Slack's.
func TestAdapters_LinkHandshakeAcrossSlackAndDiscord(t *testing.T) {
	s := newSlackSide(t)
	h := newHarness(t, harnessOptions{adapters: []bot.Adapter{s.adapter},
		options: func(o *Options) { o.AckWithin = 2 * time.Second }})
	s.serve(t, h.core)
	h.run()
	srv := h.serve(nil)

	reply := s.command(t, "U1", "link")
	m := regexp.MustCompile(`\*([A-Z0-9]{4}-[A-Z0-9]{4})\*`).FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("/cop link on Slack answered %q; want a code like *K7PQ-2MXA*", reply)
	}
	code := m[1]
	if got := signedCommand(t, h, srv.URL, adaID, "1024", "link "+code); !strings.Contains(got, "Only facilitators") {
		t.Errorf("/cop link %s by a member without Manage Server answered %q; want it refused", code, got)
	}
	if got := signedCommand(t, h, srv.URL, ownerID, "1056", "link "+code); !contains(got, "Linked", "slack:T1") {
		t.Fatalf("/cop link %s by a member with Manage Server answered %q; want the server linked with slack:T1", code, got)
	}

	// A reaction on Discord saves into the linked (Slack) community.
	const flaky = "600000000000000021"
	h.fake.addMessage(general, flaky, bobID, "Bob", "Run flaky tests in a loop with -count=50 before you blame CI")
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, flaky, unicodeEmoji("💡")))
	permalink := "https://discord.com/channels/" + guildID + "/" + general + "/" + flaky
	wait.Until(t, "the Discord tip in the Slack community", func() bool {
		tips := storetest.Tips(t, h.store, slackT1)
		return len(tips) == 1 && strings.HasPrefix(tips[0].Text, "Run flaky tests in a loop") && tips[0].Permalink == permalink
	})
	if got := s.command(t, "U2", "search flaky loop"); !contains(got, "Run flaky tests in a loop", "<"+permalink+"|") {
		t.Errorf("/cop search flaky loop on Slack answered %q; want the tip saved on Discord, linking to its message there", got)
	}
	confirmed := h.fake.waitSent("POST", "/channels/9"+adaID[1:]+"/messages", 1)
	if !strings.Contains(string(confirmed[0].Payload), "Saved as tip 1") {
		t.Errorf("the reactor's DM on Discord = %s; want the confirmation", confirmed[0].Payload)
	}
	h.fake.waitSent("POST", "/channels/9"+bobID[1:]+"/messages", 1) // the author's note, the last notice
	s.nothingSent(t)

	// Unlinked, Discord's reactions save into its own community.
	if got := signedCommand(t, h, srv.URL, ownerID, "1056", "unlink"); !strings.Contains(got, "Unlinked") {
		t.Fatalf("/cop unlink on Discord answered %q", got)
	}
	const quarantine = "600000000000000022"
	h.fake.addMessage(general, quarantine, bobID, "Bob", "Quarantine a flaky test with a tracking issue")
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, quarantine, unicodeEmoji("💡")))
	wait.Until(t, "the Discord tip in Discord's own community", func() bool {
		tips := h.tips()
		return len(tips) > 0 && tips[len(tips)-1].Text == "Quarantine a flaky test with a tracking issue"
	})
	if got := signedCommand(t, h, srv.URL, adaID, "1024", "search quarantine"); !strings.Contains(got, "Quarantine a flaky test") {
		t.Errorf("/cop search quarantine on Discord answered %q; want Discord's new tip", got)
	}
	if got := s.command(t, "U2", "search quarantine"); strings.Contains(got, "Quarantine a flaky test") {
		t.Errorf("after unlink, /cop search quarantine on Slack found Discord's new tip: %q", got)
	}
	if got := s.command(t, "U2", "search flaky loop"); !strings.Contains(got, "Run flaky tests in a loop") {
		t.Errorf("after unlink, /cop search flaky loop on Slack answered %q; want the tip saved while linked", got)
	}
	if tips := storetest.Tips(t, h.store, slackT1); len(tips) != 1 {
		t.Errorf("the Slack community has %d tips after unlink, want the 1 saved while linked", len(tips))
	}
}

// slackT1 is the Slack workspace the Slack side's commands come from.
var slackT1 = bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slackSide is copbot's Slack adapter in HTTP mode, talking to a fake
// Slack, with its routes on a test server.
type slackSide struct {
	fake     *slackfake.Server
	adapter  *slackbot.Adapter
	srv      *httptest.Server
	triggers atomic.Int64
}

// newSlackSide makes the adapter, whose routes serve once the core that
// serves it exists (serve); workspace T1 has an admin, U1, and a member, U2.
func newSlackSide(t *testing.T) *slackSide {
	t.Helper()
	s := &slackSide{fake: slackfake.New(nil)}
	t.Cleanup(s.fake.Close)
	s.fake.AddUser(slackfake.User{ID: "U1", Name: "facilitator", Admin: true})
	s.fake.AddUser(slackfake.User{ID: "U2", Name: "ada"})
	logs := &testlog.Buffer{}
	var err error
	s.adapter, err = slackbot.New("xoxb-test-token", &slackbot.Options{SigningSecret: slackSecret, APIURL: s.fake.APIURL(),
		CommandBudget: 2500 * time.Millisecond}, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the Slack adapter's log:\n%s", logs.String())
		}
	})
	return s
}

// serve puts the Slack adapter's routes, with h as their core, on a test
// server that closes when the test ends.
func (s *slackSide) serve(t *testing.T, h bot.Handler) {
	mux := http.NewServeMux()
	s.adapter.Routes(mux, h)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
}

// command posts /cop text as Slack does (signed, from user in #general of
// T1) and returns the answer's text, from the acknowledgement or, when the
// core took longer than the budget, the response URL. The answer to a bare
// /cop link, which carries the code, must be ephemeral.
func (s *slackSide) command(t *testing.T, user, text string) string {
	t.Helper()
	trigger := strconv.FormatInt(s.triggers.Add(1), 10)
	body := []byte(loadgen.SlackCommand("T1", user, "C1", "general", text, s.fake.ResponseURL("cmd"+trigger), trigger).Encode())
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/slack/commands", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	loadgen.SignSlack(req.Header, slackSecret, time.Now(), body)
	status, answer := reqtest.Do(t, req)
	if status != http.StatusOK {
		t.Fatalf("/cop %s on Slack answered %d %q", text, status, answer)
	}
	var m struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if answer == "" {
		p, err := s.fake.NextPost(wait.Timeout)
		if err != nil {
			t.Fatalf("/cop %s on Slack: an empty acknowledgement and %v", text, err)
		}
		m.ResponseType, _ = p.JSON["response_type"].(string)
		m.Text = p.Text
	} else if err := json.Unmarshal([]byte(answer), &m); err != nil {
		t.Fatalf("/cop %s on Slack answered %q: %v", text, answer, err)
	}
	if text == "link" && m.ResponseType != "ephemeral" {
		t.Errorf("/cop link on Slack answered %q; the code is for the facilitator's eyes alone", m.ResponseType)
	}
	return m.Text
}

// nothingSent fails the test when copbot sent Slack a message or asked it
// for one: a Discord event's work belongs on Discord.
func (s *slackSide) nothingSent(t *testing.T) {
	t.Helper()
	select {
	case p := <-s.fake.Posted():
		t.Errorf("copbot posted to Slack: %+v", p)
	default:
	}
	for _, method := range []string{"chat.postMessage", "chat.postEphemeral", "conversations.open",
		"conversations.history", "conversations.replies"} {
		if n := s.fake.Calls(method); n > 0 {
			t.Errorf("copbot called Slack's %s %d times for Discord's events", method, n)
		}
	}
}

// signedCommand posts /cop text, as the registered command's options, to
// the HTTP interactions endpoint at url, signed with the application's
// key, from userID with the given permissions in #general, and returns
// the answer's content (the edit of the original, when it was deferred).
func signedCommand(t *testing.T, h *harness, url, userID, perms, text string) string {
	t.Helper()
	_, token, payload := interaction(2, userID, perms, slash(commandOptions(t, text)))
	status, answer := postSigned(t, url, h.key, "application/json", []byte(payload))
	var cb struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(answer), &cb); status != http.StatusOK || err != nil {
		t.Fatalf("/cop %s on Discord answered %d %q", text, status, answer)
	}
	if cb.Type != 5 {
		return cb.Data.Content
	}
	edit := h.fake.waitSent("PATCH", "/webhooks/"+appID+"/"+token+"/messages/@original", 1)
	var m struct{ Content string }
	if err := json.Unmarshal(edit[0].Payload, &m); err != nil {
		t.Fatalf("/cop %s on Discord: the edit %s: %v", text, edit[0].Payload, err)
	}
	return m.Content
}
