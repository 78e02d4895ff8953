package bottest

import (
	"testing"

	"github.com/copbot/copbot/bot"
)

// eventKinds are the kinds Exercise has people cause, in that order.
var eventKinds = []bot.EventKind{bot.Command, bot.ReactionAdded, bot.ReactionRemoved, bot.MemberJoined,
	bot.MessageEdited, bot.MessageDeleted, bot.ReactionsCleared, bot.ChannelDeleted}

// exerciseEvents has each kind of event happen on the platform, in turn
// (the channel's deletion last), and checks the event the handler gets.
func exerciseEvents(t *testing.T, s Setup, start func(*testing.T) *session) {
	ss := start(t)
	for _, kind := range eventKinds {
		t.Run(kind.String(), func(t *testing.T) {
			if lacks(t, s, Event(kind)) {
				return
			}
			act := Act{Kind: kind, User: s.User}
			switch kind {
			case bot.Command:
				act.Text = "search flaky tests"
			case bot.ReactionAdded, bot.ReactionRemoved:
				act.Message, act.Emoji = ss.p.Post(t, s.Other, "Quarantine flaky tests"), s.Emoji
			case bot.MemberJoined:
				act.User = s.Newcomer
			case bot.MessageEdited:
				act.Message = ss.p.Post(t, s.User, "Quarantine flaky tests")
				act.Text = "Quarantine flaky tests, and fix one a day"
			case bot.MessageDeleted:
				act.Message = ss.p.Post(t, s.User, "Quarantine flaky tests")
			case bot.ReactionsCleared:
				act.Message, act.User = ss.p.Post(t, s.Other, "Quarantine flaky tests"), ""
			case bot.ChannelDeleted:
				act.User = ""
			}
			n := ss.rec.count()
			ss.p.Do(t, act)
			checkEvent(t, s.Community, s.Channel, act, ss.nextEvent(t, n, "the "+kind.String()+" event"))
			if evs := ss.rec.since(n); len(evs) > 1 {
				t.Errorf("one %s made %d events: %+v", kind, len(evs), evs)
			}
		})
	}
}

// checkEvent compares an event with the act that caused it in channel
// ("" for a direct message, whose id is the platform's own): what the
// core needs of every event (Event.Check), and what the act said.
func checkEvent(t *testing.T, community bot.CommunityRef, channel string, act Act, ev bot.Event) {
	t.Helper()
	if err := ev.Check(); err != nil {
		t.Errorf("the event fails Check: %v\n%+v", err, ev)
	}
	if ev.Kind != act.Kind {
		t.Fatalf("event of kind %s, want %s: %+v", ev.Kind, act.Kind, ev)
	}
	want := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s event: %s = %q, want %q", ev.Kind, field, got, want)
		}
	}
	if ev.Community != community {
		t.Errorf("%s event: community %v, want %v", ev.Kind, ev.Community, community)
	}
	inChannel := func() {
		t.Helper()
		if channel != "" {
			want("channel", ev.Channel.ID, channel)
		}
	}
	switch act.Kind {
	case bot.Command:
		want("user", ev.User.ID, act.User)
		inChannel()
		want("text", ev.Text, act.Text)
	case bot.ReactionAdded, bot.ReactionRemoved:
		want("user", ev.User.ID, act.User)
		inChannel()
		want("message", ev.Message.ID, act.Message)
		want("emoji", ev.Emoji, act.Emoji)
	case bot.MemberJoined:
		want("user", ev.User.ID, act.User)
	case bot.MessageEdited:
		inChannel()
		want("message", ev.Message.ID, act.Message)
		want("message's text", ev.Message.Text, act.Text)
		want("message's author", ev.Message.Author.ID, act.User)
	case bot.MessageDeleted:
		inChannel()
		want("message", ev.Message.ID, act.Message)
	case bot.ChannelDeleted:
		inChannel()
	}
}

// exerciseForgery delivers a forged command, then a real one: only the
// real one may reach the handler.
func exerciseForgery(t *testing.T, s Setup, start func(*testing.T) *session) {
	if lacks(t, s, Signature) {
		return
	}
	ss := start(t)
	n := ss.rec.count()
	ss.p.Forge(t, Act{Kind: bot.Command, User: s.Other, Text: "search forged"})
	real := Act{Kind: bot.Command, User: s.User, Text: "search genuine"}
	ss.p.Do(t, real)
	ev := ss.nextEvent(t, n, "the genuine command")
	for _, got := range ss.rec.since(n) {
		if got.Text != real.Text {
			t.Errorf("the handler got %q from %s: the forged command reached it", got.Text, got.User.ID)
		}
	}
	checkEvent(t, s.Community, s.Channel, real, ev)
}
