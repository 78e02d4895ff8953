package bottest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/wait"
)

// Exercise runs every conformance check against the adapter h starts, as
// subtests; each group of them has an adapter and a fake platform of its
// own:
//
//   - Events: a /cop command, a reaction added and removed, a member
//     joining, a message edited and deleted and a channel deleted, sent as
//     the platform's payloads, reach the handler as events that pass
//     Event.Check and name the right kind, community, channel, user,
//     message, emoji and text;
//   - ForgedDeliveries: a delivery without a good signature makes no event;
//   - UserTextIsInert: people's text in a notice or an answer, however
//     hostile, spells no mention, ping or link on the platform, while
//     copbot's own mentions and links do take effect;
//   - Notices and Answers: each goes where bot.Notice and bot.Reply say,
//     through the adapter's real sending path;
//   - Buttons: a rendered button, pressed as the platform reports a press,
//     comes back as a /cop command with the button's command, from the
//     member who pressed it;
//   - LongReplies: long replies are split within the platform's limits,
//     with no part over them and no text lost.
func Exercise(t *testing.T, h Harness) {
	s := h.Setup()
	start := func(t *testing.T) *session {
		t.Helper()
		rec := &recorder{}
		return &session{s: s, rec: rec, p: h.Start(t, rec)}
	}
	t.Run("Events", func(t *testing.T) { exerciseEvents(t, s, start) })
	t.Run("ForgedDeliveries", func(t *testing.T) { exerciseForgery(t, s, start) })
	t.Run("UserTextIsInert", func(t *testing.T) { exerciseInertness(t, s, start) })
	t.Run("Notices", func(t *testing.T) { exerciseNotices(t, s, start) })
	t.Run("Answers", func(t *testing.T) { exerciseAnswers(t, s, start) })
	t.Run("Buttons", func(t *testing.T) { exerciseButtons(t, s, start) })
	t.Run("LongReplies", func(t *testing.T) { exerciseLongReplies(t, s, start) })
}

// session is one started adapter, its platform and the handler's record.
type session struct {
	s   Setup
	rec *recorder
	p   Platform
}

// lacks says whether the adapter lacks an ability, logging why if so.
func lacks(t *testing.T, s Setup, a Ability) bool {
	t.Helper()
	why, ok := s.Lacks[a]
	if ok {
		t.Logf("not checked: the adapter has no %s: %s", a, why)
	}
	return ok
}

// recorder is the core as Exercise scripts it: it keeps every event and
// answers commands with what answer returns.
type recorder struct {
	mu     sync.Mutex
	events []bot.Event
	answer func(ev *bot.Event) []bot.Reply
}

func (r *recorder) HandleEvent(_ context.Context, ev *bot.Event) ([]bot.Reply, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, *ev)
	if ev.Kind != bot.Command || r.answer == nil {
		return nil, nil
	}
	return r.answer(ev), nil
}

// answerWith scripts the answers to commands from now on.
func (r *recorder) answerWith(f func(ev *bot.Event) []bot.Reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer = f
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *recorder) since(n int) []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events[n:])
}

// nextEvent waits for the first event after the first n.
func (ss *session) nextEvent(t *testing.T, n int, what string) bot.Event {
	t.Helper()
	wait.Until(t, what, func() bool { return ss.rec.count() > n })
	return ss.rec.since(n)[0]
}

// answeredWith scripts the answer to every command.
func answeredWith(replies ...bot.Reply) func(*bot.Event) []bot.Reply {
	return func(*bot.Event) []bot.Reply { return replies }
}

// sentAfter waits until cond holds of the messages sent after the first
// n, and returns them.
func (ss *session) sentAfter(t *testing.T, n int, what string, cond func([]Message) bool) []Message {
	t.Helper()
	var got []Message
	wait.Until(t, what, func() bool {
		all := ss.p.Sent(t)
		got = nil
		if len(all) > n {
			got = all[n:]
		}
		return cond(got)
	})
	return got
}

// containing is a condition on messages: one of them reads as holding
// every word.
func (ss *session) containing(words ...string) func([]Message) bool {
	return func(ms []Message) bool {
		for _, m := range ms {
			if holds(ss.p.Display(m.Text()), words...) {
				return true
			}
		}
		return false
	}
}

// find is the first message that reads as holding word, or the zero
// Message.
func (ss *session) find(ms []Message, word string) Message {
	for _, m := range ms {
		if holds(ss.p.Display(m.Text()), word) {
			return m
		}
	}
	return Message{}
}

// notify sends a notice in the community through the adapter's
// bot.Notifier; an adapter without one fails, since every adapter copbot
// has sends notices.
func (ss *session) notify(t *testing.T, n bot.Notice) {
	t.Helper()
	notifier, ok := ss.p.Adapter().(bot.Notifier)
	if !ok {
		t.Fatalf("the adapter %T is not a bot.Notifier", ss.p.Adapter())
	}
	n.Community = ss.s.Community
	if err := notifier.Notify(context.Background(), n); err != nil {
		t.Fatalf("Notify(%q): %v", n.Reply.Text.String(), err)
	}
}
