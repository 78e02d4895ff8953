package commands_test

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// TestCore_MentoringHints: the answers that left a member guessing say
// why and what to do, in the second person and in good grammar.
func TestCore_MentoringHints(t *testing.T) {
	t.Run("OnlyMentorWasPairedBefore", func(t *testing.T) {
		core, _ := newCore(t, dbtest.Pool(t))
		why := "ada, the only mentor who offers it, was paired with you before, and I never introduce two people twice. " +
			"To be paired again, ask a facilitator to pair you with `/cop mentor pair` (`/cop facilitator list` shows who they are); " +
			"or ask on other topics with `/cop mentor request <topics>`."
		// Declined, then asking again: the request keeps its place.
		out := script(t, core, "/join ada", "/join bob", "/join cy", "/as ada", "/cop mentor offer testing", "/as bob",
			"/cop mentor request testing", "/as ada", "/cop mentor decline 1", "/as bob", "/cop mentor request testing")
		mustContain(t, out, "Your request now covers #testing; you keep your place on the waitlist, position 1.\n    "+why)
		if strings.Contains(out, "I'll introduce you as soon as a mentor who knows it offers") {
			t.Errorf("the answer promises an introduction by the mentor who declined:\n%s", out)
		}
		// Ended, then asking anew, on two topics.
		out = script(t, core, "/as bob", "/cop mentor end", "/as cy", "/cop mentor request testing", "/as ada",
			"/cop mentor accept 2", "/cop mentor end 2 confirm", "/as cy", "/cop mentor request testing rust")
		mustContain(t, out, "No mentor is free for #testing #rust, so you're on the waitlist at position 1.\n    "+
			"ada, the only mentor who offers any of them, was paired with you before")
	})

	t.Run("NobodyOffersTheTopic", func(t *testing.T) {
		core, _ := newCore(t, dbtest.Pool(t))
		mustContain(t, script(t, core, "/join bob", "/as bob", "/cop mentor request rust"),
			"Nobody offers to mentor on #rust yet, so you're on the waitlist at position 1.")
	})

	t.Run("RequestWhilePairedSpeaksToYou", func(t *testing.T) {
		core, _ := newCore(t, dbtest.Pool(t))
		out := script(t, core, "/join ada", "/join bob", "/as ada", "/cop mentor offer testing", "/as bob",
			"/cop mentor request testing", "/cop mentor request testing", "/as ada", "/cop mentor accept 1", "/as bob",
			"/cop mentor request ci")
		mustContain(t, out,
			"Your request already has a mentor: pairing 1 with ada, who hasn't answered the introduction yet. "+
				"To ask for someone else, end that pairing first (`/cop mentor end 1`).",
			"Your request already has a mentor: pairing 1 with ada. To be matched with someone else, end that pairing first")
		if strings.Contains(out, "bob already has") {
			t.Errorf("the member is answered in the third person:\n%s", out)
		}
	})

	t.Run("CountsAgree", func(t *testing.T) {
		core, _ := newCore(t, dbtest.Pool(t))
		out := script(t, core, "/join ada", "/join bob", "/join cy", "/as ada", "/cop mentor offer testing capacity 1",
			"/as bob", "/cop mentor request testing", "/as ada", "/cop mentor pause")
		mustContain(t, out, "up to 1 mentee at once", "Your 1 current pairing goes on.")
		out = script(t, core, "/as ada", "/cop mentor resume", "/cop mentor offer testing capacity 2", "/as cy", "/cop mentor request testing", "/as ada",
			"/cop mentor pause")
		mustContain(t, out, "Your 2 current pairings go on.")
	})

	t.Run("RepeatedOptionIsRefused", func(t *testing.T) {
		core, _ := newCore(t, dbtest.Pool(t))
		out := script(t, core, "/join ada", "/as ada", "/cop mentor offer testing capacity 2 capacity 3", "/cop mentor status",
			"/cop mentor offer testing", "/cop mentor pause until 2099-01-01 until 2099-02-01",
			"/cop mentor end 1 rating 4 rating 5")
		mustContain(t, out,
			"You gave `capacity` twice; give it once, like `capacity 2`.",
			"You're not mentoring or being mentored.",
			"You gave `until` twice; give it once, like `/cop mentor pause until ",
			"You gave `rating` twice; give it once, like `rating 4`.")
		if strings.Contains(out, "#capacity") {
			t.Errorf("a repeated option became a topic:\n%s", out)
		}
	})

	t.Run("FollowUpDaysAreWholeDays", func(t *testing.T) {
		core, _ := newCore(t, dbtest.Pool(t))
		out := script(t, core, "/cop config mentor-followup-days 0.0001", "/cop config mentor-followup-days 91",
			"/cop config mentor-followup-days 7")
		mustContain(t, out, "`0.0001` won't do for the days before a follow-up: give a whole number from 1 to 90, like `14`.",
			"`91` won't do for the days before a follow-up: give a whole number from 1 to 90", "`mentor-followup-days` is now 7.")
	})
}

// TestCore_MentoringDates: mentoring reads dates with the one date parser
// and its messages, and every date it gives as an example, in help and in
// errors, is after today by the store's clock.
func TestCore_MentoringDates(t *testing.T) {
	pool := dbtest.Pool(t)
	for _, today := range []time.Time{time.Now(), time.Date(2031, 1, 31, 23, 0, 0, 0, time.UTC)} {
		t.Run(today.Format(time.DateOnly), func(t *testing.T) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			store, err := knowledge.NewStore(pool, log)
			if err != nil {
				t.Fatal(err)
			}
			store.SetClock(func() time.Time { return today })
			core := commands.NewCore(store, log)
			startBackground(t, core, nil)
			out := script(t, core, "/join ada", "/as ada", "/cop mentor offer testing", "/cop help mentor",
				"/cop mentor pause until 2027-02-30", "/cop mentor pause until 2027-13-01", "/cop mentor pause until",
				"/cop mentor pause soon", "/cop mentor status")
			mustContain(t, out,
				"2027-02-30 is not a day on the calendar: February 2027 has 28 days.",
				"2027-13-01 has no month 13; months go from 01 to 12.",
				"Give the date, like `/cop mentor pause until "+today.UTC().AddDate(0, 1, 0).Format(time.DateOnly)+"`.",
				"Pause takes only a date: `/cop mentor pause` or `/cop mentor pause until ")
			if strings.Contains(out, "Paused") {
				t.Errorf("a bad date paused the mentor:\n%s", out)
			}
			// Every date shown is an example but those the lines typed.
			shown := strings.NewReplacer("2027-02-30", "", "2027-13-01", "").Replace(out)
			for _, d := range regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).FindAllString(shown, -1) {
				if d <= today.UTC().Format(time.DateOnly) {
					t.Errorf("example date %s is not after today (%s):\n%s", d, today.Format(time.DateOnly), out)
				}
			}
		})
	}
}
