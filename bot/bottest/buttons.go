package bottest

import (
	"testing"

	"github.com/copbot/copbot/bot"
)

// buttons are the buttons of the replies Exercise has pressed; the second
// is the one pressed.
var buttons = []bot.Button{
	{Label: "More results", Command: "search flaky page:2"},
	{Label: "Accept", Command: "mentor accept 3", Style: "primary"},
	{Label: "End pairing", Command: "mentor end 3", Style: "danger"},
}

// exerciseButtons renders buttons on an answer, a notice in the channel
// and a direct notice, presses one as the platform reports a press, and
// checks the command event the adapter makes of it.
func exerciseButtons(t *testing.T, s Setup, start func(*testing.T) *session) {
	if lacks(t, s, Buttons) {
		return
	}
	reply := func(marker string) bot.Reply {
		return bot.Reply{Text: bot.Plain(marker + ": would you mentor?"), Buttons: buttons}
	}
	tests := []struct {
		name string
		// send has the reply sent, the way the test is about.
		send    func(t *testing.T, ss *session, r bot.Reply)
		presser string
		// channel is where the press happens; "" for a direct message.
		channel string
	}{
		{"OnAnAnswer", func(t *testing.T, ss *session, r bot.Reply) {
			ss.rec.answerWith(answeredWith(bot.Reply{Text: r.Text, Buttons: r.Buttons, Visibility: bot.InChannel}))
			ss.p.Do(t, Act{Kind: bot.Command, User: s.User, Text: "mentor request testing"})
		}, s.Other, s.Channel},
		{"OnANotice", func(t *testing.T, ss *session, r bot.Reply) {
			r.Visibility = bot.InChannel
			ss.notify(t, bot.Notice{ChannelID: s.Channel, Reply: r})
		}, s.Other, s.Channel},
		{"OnADirectNotice", func(t *testing.T, ss *session, r bot.Reply) {
			ss.notify(t, bot.Notice{UserID: s.User, Reply: r})
		}, s.User, ""},
	}
	ss := start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(ss.p.Sent(t))
			tt.send(t, ss, reply(tt.name))
			m := ss.find(ss.sentAfter(t, n, "the buttons", ss.containing(tt.name)), tt.name)
			if len(m.Buttons) != len(buttons) {
				t.Fatalf("the message has buttons %+v, want %d", m.Buttons, len(buttons))
			}
			for i, b := range m.Buttons {
				if b.Label != buttons[i].Label {
					t.Errorf("button %d is labelled %q, want %q", i, b.Label, buttons[i].Label)
				}
			}
			ss.rec.answerWith(answeredWith(bot.Reply{Text: bot.Plain("pressed")}))
			events := ss.rec.count()
			ss.p.Press(t, m, 1, tt.presser)
			act := Act{Kind: bot.Command, User: tt.presser, Text: buttons[1].Command}
			ev := ss.nextEvent(t, events, "the press's command")
			checkEvent(t, s.Community, tt.channel, act, ev)
		})
	}
}
