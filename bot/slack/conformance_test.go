package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/bot/bottest"
	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/testlog"
)

// TestConformance holds the Slack adapter, in HTTP mode, to the contract
// every adapter keeps (bottest.Exercise): signed Events API deliveries,
// slash commands and clicks in, the fake Slack's Web API and response URLs
// out.
func TestConformance(t *testing.T) { bottest.Exercise(t, slackHarness{}) }

// textMax is the most characters of a message's text Slack shows: it
// truncates longer ones (https://api.slack.com/changelog/2018-04-truncating-really-long-messages).
const textMax = 40_000

type slackHarness struct{}

func (slackHarness) Setup() bottest.Setup {
	return bottest.Setup{
		Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"},
		Channel:   "C1", User: "U1", Other: "U2", Newcomer: "U9", Emoji: "bulb",
		Limits: bottest.Limits{Blocks: maxBlocks},
		Lacks: map[bottest.Ability]string{
			bottest.Event(bot.ReactionsCleared): "Slack has no event for reactions taken off a message at once: each removal is its own reaction_removed",
			bottest.HugeReplies: "the adapter sends each reply as one message: without buttons as one text field, which Slack " +
				"truncates after 40,000 characters (escaping can double a reply's length: 20,000 characters of & and < " +
				"render as more), and with buttons as at most 50 blocks, the rest cut to \"…\"",
		},
	}
}

// Start serves the adapter's routes, with a fake Slack behind its Web API.
func (slackHarness) Start(t *testing.T, h bot.Handler) bottest.Platform {
	fake := newFakeSlack(t)
	for _, u := range []slackfake.User{{ID: "U1", Name: "ada"}, {ID: "U2", Name: "bob"}, {ID: "U9", Name: "newt"}} {
		fake.AddUser(u)
	}
	logs := &testlog.Buffer{}
	a, err := New(testBotToken, &Options{SigningSecret: testSecret, APIURL: fake.APIURL()},
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	url := bottest.Serve(t, a, h, logs)
	return &slackPlatform{a: a, fake: fake, url: url, authors: map[string]string{}, answers: map[string]bottest.Where{}}
}

type slackPlatform struct {
	a    *Adapter
	fake *slackfake.Server
	url  string

	mu   sync.Mutex
	seq  int
	sent []bottest.Message
	// authors are the authors of posted messages, by ts; answers say who
	// sees an ephemeral answer at each response URL (by its id).
	authors map[string]string
	answers map[string]bottest.Where
}

func (p *slackPlatform) Adapter() bot.Adapter { return p.a }

func (p *slackPlatform) next() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return p.seq
}

func (p *slackPlatform) Post(t *testing.T, author, text string) string {
	ts := fmt.Sprintf("1700000000.%06d", p.next())
	p.fake.AddMessage("C1", slackfake.Message{TS: ts, User: author, Text: slackEscaped(text)})
	p.mu.Lock()
	p.authors[ts] = author
	p.mu.Unlock()
	return ts
}

// Do sends the act as Slack does: /cop as a slash command's form, the rest
// as Events API deliveries, shaped as in Slack's documentation (and as
// slackevents decodes them).
func (p *slackPlatform) Do(t *testing.T, act bottest.Act) {
	t.Helper()
	if act.Kind == bot.Command {
		p.command(t, act, testSecret, http.StatusOK)
		return
	}
	n := p.next()
	eventID := "EvConformance" + strconv.Itoa(n)
	now := fmt.Sprintf("1700000100.%06d", n)
	p.mu.Lock()
	author := p.authors[act.Message]
	p.mu.Unlock()
	var inner map[string]any
	switch act.Kind {
	case bot.ReactionAdded, bot.ReactionRemoved:
		kind := "reaction_added"
		if act.Kind == bot.ReactionRemoved {
			kind = "reaction_removed"
		}
		p.deliver(t, "/slack/events", "application/json", loadgen.SlackReaction("T1", eventID, kind, act.User, act.Emoji, "C1", act.Message, author),
			testSecret, http.StatusOK)
		return
	case bot.MemberJoined:
		inner = map[string]any{"type": "member_joined_channel", "user": act.User, "channel": "C1", "channel_type": "C",
			"team": "T1", "inviter": "U1", "event_ts": now}
	case bot.MessageEdited:
		inner = map[string]any{"type": "message", "subtype": "message_changed", "hidden": true, "channel": "C1", "ts": now,
			"channel_type": "channel", "event_ts": now,
			"message": map[string]any{"type": "message", "user": act.User, "text": slackEscaped(act.Text), "ts": act.Message,
				"edited": map[string]any{"user": act.User, "ts": now}},
			"previous_message": map[string]any{"type": "message", "user": act.User, "text": "before", "ts": act.Message}}
	case bot.MessageDeleted:
		inner = map[string]any{"type": "message", "subtype": "message_deleted", "hidden": true, "channel": "C1", "ts": now,
			"deleted_ts": act.Message, "channel_type": "channel", "event_ts": now,
			"previous_message": map[string]any{"type": "message", "user": act.User, "text": "before", "ts": act.Message}}
	case bot.ChannelDeleted:
		inner = map[string]any{"type": "channel_deleted", "channel": "C1"}
	default:
		t.Fatalf("no Slack payload for a %s event", act.Kind)
	}
	body, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": "T1", "context_team_id": "T1", "api_app_id": "A1", "event": inner,
		"type": "event_callback", "event_id": eventID, "event_time": 1700000100,
		"authorizations":        []map[string]any{{"enterprise_id": nil, "team_id": "T1", "user_id": "UBOT", "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
	})
	p.deliver(t, "/slack/events", "application/json", body, testSecret, http.StatusOK)
}

// Forge signs a slash command with another app's secret.
func (p *slackPlatform) Forge(t *testing.T, act bottest.Act) {
	t.Helper()
	p.command(t, act, "0123456789abcdef0123456789abcdef", http.StatusUnauthorized)
}

// command posts /cop in C1 and keeps the reply Slack reads in the
// response, as the answer the member sees.
func (p *slackPlatform) command(t *testing.T, act bottest.Act, secret string, status int) {
	t.Helper()
	n := p.next()
	id := "command-" + strconv.Itoa(n)
	p.mu.Lock()
	p.answers[id] = bottest.Where{Channel: "C1", User: act.User}
	p.mu.Unlock()
	form := loadgen.SlackCommand("T1", act.User, "C1", "general", slackEscaped(act.Text), p.fake.ResponseURL(id), "conformance"+strconv.Itoa(n))
	body := p.deliver(t, "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()), secret, status)
	if status != http.StatusOK || body == "" {
		return
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("the slash command's response is not JSON: %v\n%s", err, body)
	}
	text, _ := m["text"].(string)
	blocks, _ := json.Marshal(m["blocks"])
	p.keep(p.answer(id, m["response_type"], text, string(blocks)))
}

// Press clicks a button as Slack reports it: a block_actions payload with
// the button's action_id and value, in the message's channel (a DM's
// channel is slackfake's D<user>).
func (p *slackPlatform) Press(t *testing.T, m bottest.Message, i int, user string) {
	t.Helper()
	actionID, value, _ := strings.Cut(m.Buttons[i].Key, " ")
	channel := m.Where.Channel
	if channel == "" {
		channel = "D" + m.Where.User
	}
	n := p.next()
	id := "press-" + strconv.Itoa(n)
	p.mu.Lock()
	p.answers[id] = bottest.Where{Channel: channel, User: user}
	p.mu.Unlock()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": "T1"},
		"api_app_id": "A1", "token": "9s8d9as89d8as9d8as989",
		"container":  map[string]any{"type": "message", "message_ts": "1700000200.000100", "channel_id": channel, "is_ephemeral": false},
		"trigger_id": "13345224609.8534564800.conformance" + strconv.Itoa(n),
		"team":       map[string]any{"id": "T1", "domain": "copbot-test"}, "enterprise": nil, "is_enterprise_install": false,
		"channel": map[string]any{"id": channel, "name": strings.ToLower(channel)}, "state": map[string]any{"values": map[string]any{}},
		"response_url": p.fake.ResponseURL(id),
		"actions": []map[string]any{{"action_id": actionID, "block_id": "b" + strconv.Itoa(n), "value": value, "type": "button",
			"text": map[string]any{"type": "plain_text", "text": m.Buttons[i].Label, "emoji": true}, "action_ts": "1700000201.000200"}},
	})
	p.deliver(t, "/slack/interactivity", "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(payload)}}.Encode()),
		testSecret, http.StatusOK)
}

// deliver posts a body signed with secret, checks the answer's status and
// returns its body.
func (p *slackPlatform) deliver(t *testing.T, route, contentType string, body []byte, secret string, status int) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.url+route, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	loadgen.SignSlack(req.Header, secret, time.Now(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", route, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s answered %d %q, want %d", route, resp.StatusCode, answer, status)
	}
	return string(answer)
}

func (p *slackPlatform) keep(m bottest.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, m)
}

// Sent adds what reached the fake Slack since the last call (Web API
// posts, response URLs) to the answers kept from slash commands.
func (p *slackPlatform) Sent(*testing.T) []bottest.Message {
	for {
		select {
		case post := <-p.fake.Posted():
			switch post.Method {
			case "chat.postMessage":
				m := readMessage(post.Text, post.Blocks)
				m.Where = bottest.Where{Channel: post.Channel}
				if user, ok := strings.CutPrefix(post.Channel, "D"); ok {
					m.Where = bottest.Where{User: user}
				}
				p.keep(m)
			case "chat.postEphemeral":
				m := readMessage(post.Text, post.Blocks)
				m.Where = bottest.Where{Channel: post.Channel, User: post.User}
				p.keep(m)
			case "response_url":
				p.keep(p.answer(path.Base(post.Path), post.JSON["response_type"], post.Text, post.Blocks))
			}
		default:
			p.mu.Lock()
			defer p.mu.Unlock()
			return append([]bottest.Message(nil), p.sent...)
		}
	}
}

// answer is a reply at the response URL id (or in a slash command's
// response): for the channel, or only for the member who acted.
func (p *slackPlatform) answer(id string, responseType any, text, blocks string) bottest.Message {
	p.mu.Lock()
	w := p.answers[id]
	p.mu.Unlock()
	if responseType == "in_channel" {
		w.User = ""
	}
	if user, ok := strings.CutPrefix(w.Channel, "D"); ok {
		w = bottest.Where{User: user}
	}
	m := readMessage(text, blocks)
	m.Where = w
	return m
}

// readMessage reads a message's text and blocks: with blocks, the sections
// are what people read and the text is the notification's fallback.
func readMessage(text, blocks string) bottest.Message {
	var bs []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"elements"`
	}
	if blocks != "" && blocks != "null" {
		if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
			bs = nil
			text += "\n(blocks not read: " + err.Error() + ")"
		}
	}
	if len(bs) == 0 {
		return bottest.Message{Parts: []bottest.Part{{Text: text, Max: textMax}}}
	}
	m := bottest.Message{Blocks: len(bs)}
	for _, b := range bs {
		switch {
		case b.Type == "section" && b.Text != nil:
			m.Parts = append(m.Parts, bottest.Part{Text: b.Text.Text, Max: sectionMax})
		case b.Type == "actions":
			for _, e := range b.Elements {
				m.Buttons = append(m.Buttons, bottest.Button{Label: e.Text.Text, Key: e.ActionID + " " + e.Value})
			}
		}
	}
	m.Parts = append(m.Parts, bottest.Part{Text: text, Max: textMax, Shadow: true})
	return m
}

// sequence is a control sequence of Slack's mrkdwn: <@U1>, <!here>,
// <#C1|general>, <https://…|label>.
var sequence = regexp.MustCompile(`<([^<>]*)>`)

// Effects reads mrkdwn as Slack does: only <…> sequences act (copbot
// never sets link_names, so a bare @here is text).
func (p *slackPlatform) Effects(text string) []string {
	effects := []string{}
	for _, m := range sequence.FindAllStringSubmatch(text, -1) {
		target, _, labelled := strings.Cut(m[1], "|")
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
			effects = append(effects, target)
		case target == "!channel" || target == "!here" || target == "!everyone":
			effects = append(effects, "@"+target[1:])
		case strings.HasPrefix(target, "!subteam^"):
			effects = append(effects, "@&"+strings.TrimPrefix(target, "!subteam^"))
		case labelled:
			effects = append(effects, "link:"+target)
		case isWebAddress(target):
			// an address shown as itself, as Slack links any typed one
		default:
			effects = append(effects, m[0])
		}
	}
	return effects
}

// Display shows mrkdwn as Slack does: sequences as their labels or names,
// then the three entities undone.
func (p *slackPlatform) Display(text string) string {
	text = sequence.ReplaceAllStringFunc(text, func(seq string) string {
		target, label, labelled := strings.Cut(seq[1:len(seq)-1], "|")
		switch {
		case strings.HasPrefix(target, "!"):
			return "@" + target[1:]
		case labelled && strings.HasPrefix(target, "#"):
			return "#" + label
		case labelled && !strings.HasPrefix(target, "@"):
			return label
		}
		return target
	})
	return unescape(text)
}
