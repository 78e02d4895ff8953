package slackfake

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// The conversation methods: what copbot reads to capture a message.

func tsLess(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	ai, _ := strconv.ParseInt(as, 10, 64)
	bi, _ := strconv.ParseInt(bs, 10, 64)
	if ai != bi {
		return ai < bi
	}
	return af < bf
}

// inRange applies oldest, latest and inclusive as Slack documents them.
func inRange(ts string, form url.Values) bool {
	incl := form.Get("inclusive") == "1" || form.Get("inclusive") == "true"
	if o := form.Get("oldest"); o != "" && (tsLess(ts, o) || (!incl && ts == o)) {
		return false
	}
	if l := form.Get("latest"); l != "" && (tsLess(l, ts) || (!incl && ts == l)) {
		return false
	}
	return true
}

func (m Message) json() map[string]any {
	v := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	for k, s := range map[string]string{"user": m.User, "thread_ts": m.ThreadTS, "bot_id": m.BotID, "subtype": m.SubType, "username": m.Username} {
		if s != "" {
			v[k] = s
		}
	}
	return v
}

func limitOf(form url.Values, def int) int {
	if n, err := strconv.Atoi(form.Get("limit")); err == nil && n > 0 {
		return n
	}
	return def
}

// channel returns a channel's messages, with a synthesized one for the ts
// asked about when there is a synthesizer. The caller holds mu.
func (f *Server) channel(form url.Values, ts string) ([]Message, bool) {
	ch := form.Get("channel")
	msgs, found := f.messages[ch]
	if f.opts.Synthesize != nil && ts != "" {
		if m, made := f.opts.Synthesize(ch, ts); made {
			return append(msgs[:len(msgs):len(msgs)], m), true
		}
	}
	return msgs, found
}

// history returns a channel's main history, newest first: messages that
// are not thread replies.
func (f *Server) history(form url.Values) answer {
	msgs, found := f.channel(form, form.Get("latest"))
	if !found {
		return fail("channel_not_found")
	}
	sorted := append([]Message(nil), msgs...)
	sort.Slice(sorted, func(i, j int) bool { return tsLess(sorted[j].TS, sorted[i].TS) })
	out := []map[string]any{}
	for _, m := range sorted {
		if (m.ThreadTS == "" || m.ThreadTS == m.TS) && inRange(m.TS, form) && len(out) < limitOf(form, 100) {
			out = append(out, m.json())
		}
	}
	return ok(map[string]any{"messages": out, "has_more": false, "pin_count": 0,
		"response_metadata": map[string]any{"next_cursor": ""}})
}

// replies returns a thread, oldest first: given a parent's ts the parent
// and its replies in range; given a reply's ts, that reply alone.
func (f *Server) replies(form url.Values) answer {
	ts := form.Get("ts")
	msgs, _ := f.channel(form, ts)
	var target *Message
	for i := range msgs {
		if msgs[i].TS == ts {
			target = &msgs[i]
		}
	}
	if target == nil {
		return fail("thread_not_found")
	}
	out := []map[string]any{target.json()}
	if target.ThreadTS == "" || target.ThreadTS == target.TS {
		var thread []Message
		for _, m := range msgs {
			if m.ThreadTS == ts && m.TS != ts && inRange(m.TS, form) {
				thread = append(thread, m)
			}
		}
		sort.Slice(thread, func(i, j int) bool { return tsLess(thread[i].TS, thread[j].TS) })
		for _, m := range thread {
			if len(out) < limitOf(form, 1000) {
				out = append(out, m.json())
			}
		}
	}
	return ok(map[string]any{"messages": out, "has_more": false, "response_metadata": map[string]any{"next_cursor": ""}})
}
