package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/wait"
)

// socketSession is the Slack side of a Socket Mode connection: it sends
// envelopes and collects copbot's acknowledgements.
type socketSession struct {
	conn *websocket.Conn
	acks chan map[string]any
}

func (s *socketSession) send(tb testing.TB, envelope map[string]any) {
	tb.Helper()
	if err := s.conn.WriteJSON(envelope); err != nil {
		tb.Fatal(err)
	}
}

// ack waits for the acknowledgement of envelopeID.
func (s *socketSession) ack(tb testing.TB, envelopeID string) map[string]any {
	tb.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case a := <-s.acks:
			if a["envelope_id"] == envelopeID {
				return a
			}
			tb.Errorf("acknowledgement of %v while waiting for %s", a["envelope_id"], envelopeID)
		case <-timeout:
			tb.Fatalf("envelope %s was not acknowledged", envelopeID)
			return nil
		}
	}
}

// noAck checks that nothing is acknowledged for a while.
func (s *socketSession) noAck(tb testing.TB, within time.Duration) {
	tb.Helper()
	select {
	case a := <-s.acks:
		tb.Errorf("acknowledged %v; want no acknowledgement", a)
	case <-time.After(within):
	}
}

func TestSocketMode_Session(t *testing.T) {
	var mu sync.Mutex
	failOnce := map[string]bool{"EvSockFail": true}
	// The core cannot record EvSockFail the first time, as when the
	// database is briefly down.
	flaky := func(next bot.Handler) bot.Handler {
		return bot.HandlerFunc(func(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
			mu.Lock()
			fail := failOnce[ev.ID]
			delete(failOnce, ev.ID)
			mu.Unlock()
			if fail {
				return nil, context.DeadlineExceeded
			}
			return next.HandleEvent(ctx, ev)
		})
	}
	h := newHarness(t, &harnessOpts{options: Options{AppToken: testAppToken}, wrap: flaky})
	coretest.RunJobs(t, h.core, nil)
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000000.000100", User: "U1", Text: "Socket tip"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000001.000100", User: "U1", Text: "Second socket tip"})

	if err := h.adapter.Ready(); err == nil {
		t.Error("ready before Socket Mode connected")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var handler bot.Handler = flaky(h.core)
	ran := make(chan error, 1)
	go func() { ran <- h.adapter.Run(ctx, handler) }()
	defer func() {
		cancel()
		select {
		case err := <-ran:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}()

	var s socketSession
	select {
	case s.conn = <-h.slack.Sockets():
	case <-time.After(10 * time.Second):
		t.Fatal("copbot did not connect: apps.connections.open and the WebSocket")
	}
	defer s.conn.Close()
	wait.Until(t, "readiness after Slack's hello", func() bool { return h.adapter.Ready() == nil })
	s.acks = make(chan map[string]any, 16)
	go func() {
		for {
			var m map[string]any
			if err := s.conn.ReadJSON(&m); err != nil {
				return
			}
			s.acks <- m
		}
	}()
	if n := h.slack.Calls("apps.connections.open"); n != 1 {
		t.Errorf("apps.connections.open called %d times with the app token; want 1", n)
	}

	eventsAPI := func(envelopeID, eventID, ts string, retry int) map[string]any {
		var payload map[string]any
		_ = json.Unmarshal(reactionPayload(eventID, "reaction_added", "U2", "bulb", "C1", ts, "U1"), &payload)
		return map[string]any{"envelope_id": envelopeID, "payload": payload, "type": "events_api",
			"accepts_response_payload": false, "retry_attempt": retry, "retry_reason": map[bool]string{true: "timeout"}[retry > 0]}
	}

	// An event the core records is acknowledged, with no payload.
	s.send(t, eventsAPI("env-1", "EvSock1", "1700000000.000100", 0))
	if a := s.ack(t, "env-1"); a["payload"] != nil {
		t.Errorf("event ack = %v; want just the envelope id", a)
	}

	// One it cannot record is not acknowledged, so Slack delivers it again.
	s.send(t, eventsAPI("env-2", "EvSockFail", "1700000001.000100", 0))
	s.noAck(t, 500*time.Millisecond)
	s.send(t, eventsAPI("env-3", "EvSockFail", "1700000001.000100", 1))
	s.ack(t, "env-3")

	// A slash command is answered in its acknowledgement.
	form := commandForm("U2", "C1", "general", "help", h.slack.ResponseURL("sock"))
	cmd := map[string]any{}
	for k := range form {
		cmd[k] = form.Get(k)
	}
	cmd["is_enterprise_install"] = false
	s.send(t, map[string]any{"envelope_id": "env-4", "payload": cmd, "type": "slash_commands", "accepts_response_payload": true})
	a := s.ack(t, "env-4")
	payload, _ := a["payload"].(map[string]any)
	if text, _ := payload["text"].(string); payload["response_type"] != "ephemeral" || !strings.Contains(text, "/cop help") {
		t.Errorf("slash command ack = %v; want the help as an ephemeral response payload", a)
	}

	// A click is acknowledged at once and answered at its response URL.
	click := map[string]any{
		"type": "block_actions", "trigger_id": "1.2.3", "response_url": h.slack.ResponseURL("sockclick"),
		"user": map[string]any{"id": "U2", "username": "u2", "name": "u2", "team_id": "T1"},
		"team": map[string]any{"id": "T1", "domain": "copbot-test"}, "channel": map[string]any{"id": "C1", "name": "general"},
		"container": map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": true},
		"actions": []map[string]any{{"action_id": "cop-0", "block_id": "b", "type": "button", "value": "tips", "action_ts": "1.2",
			"text": map[string]any{"type": "plain_text", "text": "Tips"}}},
	}
	s.send(t, map[string]any{"envelope_id": "env-5", "payload": click, "type": "interactive", "accepts_response_payload": false})
	s.ack(t, "env-5")

	wait.Until(t, "both tips", func() bool { return len(h.tips(t)) == 2 })
	var sawClickReply bool
	deadline := time.After(10 * time.Second)
	for !sawClickReply {
		select {
		case p := <-h.slack.Posted():
			sawClickReply = p.Method == "response_url" && p.Path == "/respond/sockclick" && strings.Contains(p.Text, "first:")
		case <-deadline:
			t.Fatal("the click's reply never reached its response URL")
		}
	}

	// What copbot cannot use is acknowledged (Slack would only send it
	// again), counted, and not recorded; a command that is not text gets
	// a reply saying so.
	malformed := testutil.ToFloat64(h.adapter.metrics.rejected.WithLabelValues(rejectMalformed))
	bad := eventsAPI("env-6", "EvSockNUL", "1700000000.000100", 0)
	bad["payload"].(map[string]any)["event"].(map[string]any)["user"] = "U\x002"
	s.send(t, bad)
	if a := s.ack(t, "env-6"); a["payload"] != nil {
		t.Errorf("ack of an event with a NUL byte = %v; want just the envelope id", a)
	}
	cmd["text"], cmd["trigger_id"] = "save \x00", "9.9.9"
	s.send(t, map[string]any{"envelope_id": "env-7", "payload": cmd, "type": "slash_commands", "accepts_response_payload": true})
	a = s.ack(t, "env-7")
	payload, _ = a["payload"].(map[string]any)
	if text, _ := payload["text"].(string); !strings.Contains(text, "characters that are not text") {
		t.Errorf("ack of a command with a NUL byte = %v; want a reply saying it is not text", a)
	}
	if got := testutil.ToFloat64(h.adapter.metrics.rejected.WithLabelValues(rejectMalformed)); got != malformed+2 {
		t.Errorf("rejected{reason=malformed} went from %v to %v; want two more", malformed, got)
	}
	// Storage itself: what was refused must not be recorded, and no store
	// method reads the inbox by event id.
	if recorded := dbtest.Count(t, h.pool, "SELECT count(*) FROM inbox WHERE event_id IN ('EvSockNUL', 'command:9.9.9')"); recorded != 0 {
		t.Errorf("%d refused deliveries recorded; want none", recorded)
	}
}
