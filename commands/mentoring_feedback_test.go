package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
)

// pairedChat is a core on a Slack workspace where u1 mentors u2 in
// pairing 1, accepted.
func pairedChat(t *testing.T) *chat {
	t.Helper()
	core, _ := newCore(t, dbtest.Pool(t), &fakeSlack{})
	c := &chat{tb: t, core: core}
	c.cmd("U1", "mentor offer testing")
	c.cmd("U2", "mentor request testing")
	c.cmd("U1", "mentor accept 1")
	return c
}

func TestCore_MentoringEndAsksToConfirm(t *testing.T) {
	t.Run("BareEndAsksThenTheButtonEnds", func(t *testing.T) {
		c := pairedChat(t)
		for _, line := range []string{"mentor end", "mentor end 1"} {
			r := c.cmdReply("U2", line)
			mustContain(t, r.Text.String(), "End pairing 1 with u1? Confirm with the button or `/cop mentor end 1 confirm`.",
				"`/cop mentor end 1 confirm <feedback> rating 1-5`", "for 14 days after the end")
			if len(r.Buttons) != 1 || r.Buttons[0].Command != "mentor end 1 confirm" || r.Buttons[0].Style != "danger" {
				t.Fatalf("%s: buttons %+v; want one that runs `mentor end 1 confirm`", line, r.Buttons)
			}
			mustContain(t, c.cmd("U2", "mentor status"), "Pairing 1: U1 mentors you on #testing — under way")
		}
		r := c.cmdReply("U2", "mentor end")
		mustContain(t, c.cmd("U2", r.Buttons[0].Command), "Pairing 1 with u1 has ended. Thank you!",
			"How did it go? Give your feedback and a rating for 14 more days: `/cop mentor end 1 <feedback> rating 1-5`.",
			"Your mentor and the facilitators read it; nobody else does.")
		// Pressed again: nothing more to end, and feedback is still welcome.
		mustContain(t, c.cmd("U2", r.Buttons[0].Command),
			"Pairing 1 has already ended. You can still give feedback on it for 14 more days")
	})

	t.Run("FeedbackOrRatingEndsAtOnce", func(t *testing.T) {
		c := pairedChat(t)
		mustContain(t, c.cmd("U2", "mentor end 1 Great help rating 5"), "Pairing 1 with u1 has ended. Thank you for the feedback!",
			"Your mentor and the facilitators read it; nobody else does. You can change it for 14 more days")
		c = pairedChat(t)
		mustContain(t, c.cmd("U1", "mentor end 1 confirm rating 4"), "Pairing 1 with u2 has ended. Thank you for the feedback!",
			"The facilitators read it; nobody else does.")
	})

	t.Run("OthersAreRefusedBeforeAnyQuestion", func(t *testing.T) {
		c := pairedChat(t)
		r := c.cmdReply("U3", "mentor end 1")
		mustContain(t, r.Text.String(), "You're not in pairing 1; only its mentor, its mentee and facilitators can end it.")
		if len(r.Buttons) != 0 || strings.Contains(r.Text.String(), "u1") {
			t.Errorf("an outsider was asked to confirm or told who is paired: %+v", r)
		}
		r = c.cmdReply("UADMIN", "mentor end 1")
		mustContain(t, r.Text.String(), "End pairing 1 (u1 mentoring u2)?")
		mustContain(t, c.cmd("UADMIN", r.Buttons[0].Command), "Pairing 1 (u1 mentoring u2) has ended. Thank you!")
	})
}

func TestCore_MentoringFeedbackAfterTheEnd(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	slack := &fakeSlack{}
	core, _ := newCore(t, pool, slack)
	c := &chat{tb: t, core: core}
	c.cmd("U1", "mentor offer testing")
	c.cmd("U2", "mentor request testing")
	c.cmd("U1", "mentor accept 1")
	c.cmd("U1", "mentor end 1 confirm")
	notice := waitForNotice(t, slack, "has ended")
	mustContain(t, notice.Reply.Text.String(), "Each of you can give feedback and a rating for 14 days: "+
		"`/cop mentor end 1 <feedback> rating 1-5`. The facilitators read it, and the mentor reads the mentee's")

	mustContain(t, c.cmd("U2", "mentor end 1 feedback Showed me <!channel> table tests rating 4"),
		"Thank you! Your feedback on pairing 1 is recorded: rating 4 — “Showed me <!channel> table tests”.",
		"Your mentor and the facilitators read it; nobody else does. You can change it for 14 more days")
	mustContain(t, c.cmd("U2", "mentor end 1 rating 5"),
		"Your feedback on pairing 1 now reads: rating 5 — “Showed me <!channel> table tests”. It replaces what you gave before.")
	mustContain(t, c.cmd("U1", "mentor end 1 Keen and quick"), "Your feedback on pairing 1 is recorded: “Keen and quick”.",
		"The facilitators read it; nobody else does.")

	// Each reads what is theirs to read.
	mustContain(t, c.cmd("U1", "mentor status"), "Pairing 1 with u2 ended less than an hour ago.",
		"Your feedback: “Keen and quick”; you can change it for 14 more days.",
		"u2's feedback: rating 5 — “Showed me <!channel> table tests”",
		"Your mentees' ratings over the last year: 5 (1 of 1 ended pairing rated).")
	mentee := c.cmd("U2", "mentor status")
	mustContain(t, mentee, "Pairing 1 with u1 ended less than an hour ago. Your feedback: rating 5")
	if strings.Contains(mentee, "Keen and quick") || strings.Contains(mentee, "ratings over the last year") {
		t.Errorf("the mentee reads the mentor's feedback:\n%s", mentee)
	}
	mustContain(t, c.cmd("U3", "mentor end 1 Sounded bad rating 1"), "You're not in pairing 1")

	// Fourteen days on, the window has closed.
	if _, err := pool.Exec(ctx, `UPDATE pairings SET closed_at = now() - interval '15 days'`); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.cmd("U2", "mentor end 1 One more thought"),
		"Pairing 1 ended 15 days ago, and feedback is taken for 14 days after a pairing ends: that window has closed.")
	mustContain(t, c.cmd("U2", "mentor end 1"), "Pairing 1 has already ended.")
}

func TestCore_MentoringFeedbackForFacilitators(t *testing.T) {
	c := pairedChat(t)
	c.cmd("U2", "mentor end 1 Showed me <!channel> table tests rating 4")
	c.cmd("U1", "mentor end 1 Keen rating 5")
	c.cmd("U3", "mentor request testing")
	c.cmd("U1", "mentor accept 2")
	c.cmd("UADMIN", "mentor end 2 confirm")

	mustContain(t, c.cmd("U2", "mentor feedback"), "Only facilitators can use `/cop mentor feedback`.")
	mustContain(t, c.cmd("UADMIN", "mentor feedback 1 good"), "`/cop mentor feedback` takes nothing",
		"`/cop mentor end <pairing> <feedback> rating 1-5`")
	r := c.cmdReply("UADMIN", "mentor feedback")
	if r.Visibility != bot.Ephemeral {
		t.Errorf("the feedback list is posted with visibility %v; want it to the facilitator only", r.Visibility)
	}
	mustContain(t, r.Text.String(),
		"*Mentoring feedback* — pairings ended in the last 90 days (2), newest first",
		"• 2 — u1 mentoring u3, ended less than an hour ago",
		"u3 (mentee): no feedback yet (taken for 14 more days)",
		"• 1 — u1 mentoring u2, ended less than an hour ago",
		"u2 (mentee): rating 4 — “Showed me <!channel> table tests”",
		"u1 (mentor): rating 5 — “Keen”",
		"*Average rating from mentees* — pairings ended in the last year",
		"• u1 — 4 (1 of 2 ended pairings rated)")
	if strings.Index(r.Text.String(), "• 2 —") > strings.Index(r.Text.String(), "• 1 —") {
		t.Errorf("not newest first:\n%s", r.Text)
	}
	for _, sp := range r.Text {
		if sp.Kind == bot.Markup && strings.Contains(sp.Text, "<!channel>") {
			t.Errorf("feedback reached the list as copbot's markup: %q", sp.Text)
		}
	}
}

func TestCore_StatsShowTheRating(t *testing.T) {
	c := pairedChat(t)
	c.cmd("U2", "mentor end 1 rating 4")
	c.cmd("U1", "mentor end 1 rating 5")
	c.cmd("U3", "mentor request testing")
	c.cmd("U1", "mentor accept 2")
	c.cmd("U3", "mentor end 2 confirm")
	mustContain(t, c.cmd("UADMIN", "stats"), "Pairings ended: 2 (+2), average rating 4.5 (1 pairing rated by their pair)")
}
