package bottest

import (
	"testing"

	"github.com/copbot/copbot/bot"
)

// exerciseNotices sends each shape of bot.Notice through the adapter's
// Notify and checks who sees it, as bot.Notice says: a notice for one
// member's eyes reaches only them (in the channel, or by direct message
// where the platform has nothing private in a channel); one for the
// channel reaches everyone there; one without a channel is a direct
// message.
func exerciseNotices(t *testing.T, s Setup, start func(*testing.T) *session) {
	tests := []struct {
		name   string
		notice bot.Notice
		ok     func(Where) bool
		want   string
	}{
		{"ForAMemberInAChannel", bot.Notice{ChannelID: s.Channel, UserID: s.Other},
			func(w Where) bool { return w.User == s.Other && (w.Channel == s.Channel || w.Channel == "") },
			"only " + s.Other + ", in " + s.Channel + " or a direct message"},
		{"ForAChannel", bot.Notice{ChannelID: s.Channel, Reply: bot.Reply{Visibility: bot.InChannel}},
			func(w Where) bool { return w == Where{Channel: s.Channel} }, Where{Channel: s.Channel}.String()},
		{"ForAChannelAboutAMember", bot.Notice{ChannelID: s.Channel, UserID: s.Other, Reply: bot.Reply{Visibility: bot.InChannel}},
			func(w Where) bool { return w == Where{Channel: s.Channel} }, Where{Channel: s.Channel}.String()},
		{"ForAMemberDirectly", bot.Notice{UserID: s.Other},
			func(w Where) bool { return w == Where{User: s.Other} }, Where{User: s.Other}.String()},
	}
	ss := start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(ss.p.Sent(t))
			marker := "notice-" + tt.name
			tt.notice.Reply.Text = bot.Textf("%s for %s", marker, bot.Untrusted("people"))
			ss.notify(t, tt.notice)
			ms := ss.sentAfter(t, n, "the notice", ss.containing(marker))
			if len(ms) != 1 {
				t.Errorf("the notice made %d messages, want 1:\n%s", len(ms), texts(ms))
			}
			if w := ms[0].Where; !tt.ok(w) {
				t.Errorf("the notice reached %s, want %s", w, tt.want)
			}
		})
	}
}

// exerciseAnswers answers a command with a private reply and one for the
// channel: the first reaches only the member who ran the command, the
// second everyone in the channel, through the adapter's real path for
// answers.
func exerciseAnswers(t *testing.T, s Setup, start func(*testing.T) *session) {
	ss := start(t)
	ss.rec.answerWith(answeredWith(
		bot.Reply{Text: bot.Plain("answer-private")},
		bot.Reply{Text: bot.Plain("answer-public"), Visibility: bot.InChannel},
	))
	n := len(ss.p.Sent(t))
	ss.p.Do(t, Act{Kind: bot.Command, User: s.User, Text: "help"})
	ms := ss.sentAfter(t, n, "both answers", func(ms []Message) bool {
		return ss.containing("answer-private")(ms) && ss.containing("answer-public")(ms)
	})
	private := ss.find(ms, "answer-private")
	if w := private.Where; w != (Where{Channel: s.Channel, User: s.User}) && w != (Where{User: s.User}) {
		t.Errorf("the private answer reached %s, want only %s", w, s.User)
	}
	public := ss.find(ms, "answer-public")
	if w := public.Where; w != (Where{Channel: s.Channel}) {
		t.Errorf("the answer for the channel reached %s, want %s", w, Where{Channel: s.Channel})
	}
}
