package slack

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/metricstest"
)

// editJSON decodes a JSON object, lets change edit it and encodes it again.
func editJSON(tb testing.TB, b []byte, change func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// clickPayload is an interactivity form: a block_actions payload of a press
// on a copbot button, changed by change.
func clickPayload(tb testing.TB, change func(m map[string]any)) []byte {
	tb.Helper()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U5", "username": "eve", "name": "eve", "team_id": "T1"},
		"api_app_id": "A1", "token": "9s8d9as89d8as9d8as989",
		"container":  map[string]any{"type": "message", "message_ts": "1700000100.000100", "channel_id": "C1", "is_ephemeral": true},
		"trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
		"team":       map[string]any{"id": "T1", "domain": "copbot-test"}, "channel": map[string]any{"id": "C1", "name": "general"},
		"state": map[string]any{"values": map[string]any{}}, "response_url": "https://hooks.slack.com/actions/T1/1/x",
		"actions": []map[string]any{{"action_id": "cop-0", "block_id": "a1B2", "value": "tips recent page:2", "type": "button",
			"text": map[string]any{"type": "plain_text", "text": "More results"}, "action_ts": "1700000101.000200"}},
	})
	if change != nil {
		payload = editJSON(tb, payload, change)
	}
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}

// TestHTTP_BadInput sends each route what Slack would never send, signed,
// and checks the exact answer, that the refusal is counted under the right
// reason (and no other), and that nothing was written. Events and clicks
// are answered 400 when copbot cannot use them (the contract: a signed but
// malformed body is 400, and Slack retries any non-2xx the same way), and
// so are deliveries in the wrong format: Slack posts events as JSON and
// commands and clicks as forms, and the signature does not cover the
// Content-Type header, so copbot reads each route's body in the format
// Slack documents for it and refuses what is not. A slash command whose
// text is not text (a NUL byte, invalid UTF-8) is answered with a reply
// saying so, since a person is waiting. Deliveries copbot has no use for
// (other event types, other interactions) are answered 200 and counted as
// ignored, as Slack expects.
func TestHTTP_BadInput(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, &harnessOpts{options: Options{Registerer: reg}})
	reaction := reactionPayload("Ev1", "reaction_added", "U2", "bulb", "C1", "1700000000.000100", "U1")
	withEvent := func(change func(ev map[string]any)) []byte {
		return editJSON(t, reaction, func(m map[string]any) { change(m["event"].(map[string]any)) })
	}
	without := func(field string) []byte { return editJSON(t, reaction, func(m map[string]any) { delete(m, field) }) }
	command := func(change func(url.Values)) []byte {
		form := commandForm("U1", "C1", "general", "save A tip worth keeping", "https://hooks.slack.com/commands/T1/1/x")
		change(form)
		return []byte(form.Encode())
	}
	big := append(append([]byte(`{"type":"event_callback","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...)
	pinned := withEvent(func(ev map[string]any) { ev["type"] = "pin_added" })
	exactlyOneMiB := append(append(pinned[:len(pinned)-1:len(pinned)-1], `,"pad":"`...), bytes.Repeat([]byte("x"), 1<<20-len(pinned)-len(`,"pad":""}`)+1)...)
	exactlyOneMiB = append(exactlyOneMiB, `"}`...)
	const form, js = "application/x-www-form-urlencoded", "application/json"

	tests := []struct {
		name        string
		path        string
		contentType string
		body        []byte
		status      int
		reason      string // the rejection counted; "" when the delivery is taken and ignored
		answer      string // the body of the answer, exactly
	}{
		{"EventOverOneMiB", "/slack/events", js, big, 413, rejectTooLarge, "Request Entity Too Large\n"},
		{"EventOfExactlyOneMiB", "/slack/events", js, exactlyOneMiB, 200, "", ""},
		{"CommandOverOneMiB", "/slack/commands", form, append([]byte("text="), bytes.Repeat([]byte("x"), 1<<20)...), 413, rejectTooLarge, "Request Entity Too Large\n"},
		{"ClickOverOneMiB", "/slack/interactivity", form, append([]byte("payload="), bytes.Repeat([]byte("x"), 1<<20)...), 413, rejectTooLarge, "Request Entity Too Large\n"},

		{"EventInvalidUTF8", "/slack/events", js, bytes.Replace(reaction, []byte(`"U2"`), []byte("\"U\xff2\""), 1), 400, rejectMalformed, "Bad Request\n"},
		{"EventNULEscaped", "/slack/events", js, withEvent(func(ev map[string]any) { ev["user"] = "U\x002" }), 400, rejectMalformed, "Bad Request\n"},
		{"EventNULByte", "/slack/events", js, bytes.Replace(reaction, []byte(`"U2"`), []byte("\"U\x002\""), 1), 400, rejectMalformed, "Bad Request\n"},
		{"EventMalformedJSON", "/slack/events", js, []byte(`{"type":"event_callback","event":`), 400, rejectMalformed, "Bad Request\n"},
		{"EventJSONNull", "/slack/events", js, []byte(`null`), 400, rejectMalformed, "Bad Request\n"},
		{"EventJSONArray", "/slack/events", js, []byte(`[{"type":"event_callback"}]`), 400, rejectMalformed, "Bad Request\n"},
		{"EventInnerNotAnObject", "/slack/events", js, editJSON(t, reaction, func(m map[string]any) { m["event"] = "reaction_added" }), 400, rejectMalformed, "Bad Request\n"},
		{"EventEmptyBody", "/slack/events", js, nil, 400, rejectMalformed, "Bad Request\n"},
		{"EventJSONAsTextPlain", "/slack/events", "text/plain", pinned, 200, "", ""},
		{"EventPostedAsForm", "/slack/events", form, []byte("type=event_callback&team_id=T1&event_id=Ev1"), 400, rejectMalformed, "Bad Request\n"},
		{"EventWithoutTeam", "/slack/events", js, without("team_id"), 400, rejectMalformed, "Bad Request\n"},
		{"EventWithoutEventID", "/slack/events", js, without("event_id"), 400, rejectMalformed, "Bad Request\n"},
		{"ReactionWithoutUser", "/slack/events", js, withEvent(func(ev map[string]any) { delete(ev, "user") }), 400, rejectMalformed, "Bad Request\n"},
		{"ReactionWithoutMessage", "/slack/events", js, withEvent(func(ev map[string]any) { delete(ev["item"].(map[string]any), "ts") }), 400, rejectMalformed, "Bad Request\n"},
		{"EventOfUnknownType", "/slack/events", js, withEvent(func(ev map[string]any) { ev["type"] = "pin_added" }), 200, "", ""},
		{"DeliveryOfUnknownType", "/slack/events", js, []byte(`{"type":"app_rate_limited","token":"x","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`), 200, "", ""},

		{"CommandInvalidUTF8", "/slack/commands", form, command(func(f url.Values) { f.Set("text", "save \xff\xfe tip") }), 200, rejectMalformed,
			`{"text":"I could not read that command: it holds characters that are not text. Try ` + "`/cop help`" + `.","response_type":"ephemeral","replace_original":false,"delete_original":false}` + "\n"},
		{"CommandNULByte", "/slack/commands", form, command(func(f url.Values) { f.Set("text", "save a\x00tip") }), 200, rejectMalformed,
			`{"text":"I could not read that command: it holds characters that are not text. Try ` + "`/cop help`" + `.","response_type":"ephemeral","replace_original":false,"delete_original":false}` + "\n"},
		{"CommandBadPercentEncoding", "/slack/commands", form, []byte("team_id=T1&user_id=U1&channel_id=C1&trigger_id=1&text=save+%zz"), 400, rejectMalformed, "Bad Request\n"},
		{"CommandPostedAsJSON", "/slack/commands", js, []byte(`{"team_id":"T1","user_id":"U1","channel_id":"C1","text":"help","trigger_id":"1"}`), 400, rejectMalformed, "Bad Request\n"},
		{"CommandFormAsTextPlain", "/slack/commands", "text/plain", command(func(url.Values) {}), 400, rejectMalformed, "Bad Request\n"},
		{"CommandEmptyBody", "/slack/commands", form, nil, 400, rejectMalformed, "Bad Request\n"},
		{"CommandWithoutTeam", "/slack/commands", form, command(func(f url.Values) { f.Del("team_id") }), 400, rejectMalformed, "Bad Request\n"},
		{"CommandWithoutUser", "/slack/commands", form, command(func(f url.Values) { f.Del("user_id") }), 400, rejectMalformed, "Bad Request\n"},
		{"CommandWithoutTrigger", "/slack/commands", form, command(func(f url.Values) { f.Del("trigger_id") }), 400, rejectMalformed, "Bad Request\n"},

		{"ClickMalformedJSON", "/slack/interactivity", form, []byte(url.Values{"payload": {`{"type":"block_actions",`}}.Encode()), 400, rejectMalformed, "Bad Request\n"},
		{"ClickPostedAsJSON", "/slack/interactivity", js, []byte(`{"type":"block_actions"}`), 400, rejectMalformed, "Bad Request\n"},
		{"ClickEmptyBody", "/slack/interactivity", form, nil, 400, rejectMalformed, "Bad Request\n"},
		{"ClickInvalidUTF8", "/slack/interactivity", form, []byte("payload=" + url.QueryEscape(strings.Replace(string(clickPayload(t, nil)), "eve", "e\xffe", 1))), 400, rejectMalformed, "Bad Request\n"},
		{"ClickNULInValue", "/slack/interactivity", form, clickPayload(t, func(m map[string]any) {
			m["actions"].([]any)[0].(map[string]any)["value"] = "tips\x00"
		}), 400, rejectMalformed, "Bad Request\n"},
		{"ClickWithoutTeam", "/slack/interactivity", form, clickPayload(t, func(m map[string]any) {
			delete(m, "team")
			delete(m["user"].(map[string]any), "team_id")
		}), 400, rejectMalformed, "Bad Request\n"},
		{"ClickWithoutUser", "/slack/interactivity", form, clickPayload(t, func(m map[string]any) { delete(m, "user") }), 400, rejectMalformed, "Bad Request\n"},
		{"ClickWithoutTrigger", "/slack/interactivity", form, clickPayload(t, func(m map[string]any) { delete(m, "trigger_id") }), 400, rejectMalformed, "Bad Request\n"},
		{"InteractionOfUnknownType", "/slack/interactivity", form, clickPayload(t, func(m map[string]any) { m["type"] = "shortcut" }), 200, "", ""},
	}
	labels := map[string]string{"platform": "slack"}
	reasons := []string{rejectBadSignature, rejectStale, rejectTooLarge, rejectMalformed, rejectNotRecorded}
	if len(exactlyOneMiB) != 1<<20 {
		t.Fatalf("the 1 MiB body has %d bytes", len(exactlyOneMiB))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := metricstest.Values(t, reg, "copbot_events_rejected_total", labels, "reason", reasons)
			ignored := metricstest.Value(t, reg, "copbot_events_received_total", map[string]string{"platform": "slack", "kind": kindIgnored})
			status, answer := do(t, h.request(t, tt.path, tt.contentType, tt.body))
			if status != tt.status || answer != tt.answer {
				t.Errorf("answered %d %q\nwant %d %q", status, answer, tt.status, tt.answer)
			}
			metricstest.OneMore(t, reg, "copbot_events_rejected_total", labels, "reason", before, tt.reason)
			nowIgnored := metricstest.Value(t, reg, "copbot_events_received_total", map[string]string{"platform": "slack", "kind": kindIgnored})
			if wantIgnored := tt.reason == ""; (nowIgnored == ignored+1) != wantIgnored {
				t.Errorf("copbot_events_received_total{kind=ignored} went from %v to %v; counted as ignored: want %v", ignored, nowIgnored, wantIgnored)
			}
			// Storage itself: no store method says that nothing at all, in
			// any workspace, was written.
			if got := dbtest.Written(t, h.pool); got != "" {
				t.Errorf("after the delivery: %s; want nothing written", got)
			}
		})
	}
}
