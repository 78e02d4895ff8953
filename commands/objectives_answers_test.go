package commands_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
)

// TestObjectives_ClearAnswers (issue 23): a pause cannot outlast the due
// day, resuming what is not paused says so, and a check-in's number is read
// by the same parser, with the same message, as an objective's target.
func TestObjectives_ClearAnswers(t *testing.T) {
	due := time.Now().UTC().AddDate(0, 3, 0).Format("2006-01-02")
	late := time.Now().UTC().AddDate(0, 5, 0).Format("2006-01-02")
	out := consoleScript(t,
		`/cop objective add "Share tips" target 5 due `+due,
		"/cop objective pause 1 until "+late,
		"/cop objective resume 1",
		"/cop objective pause 1 until "+due,
		"/cop objective resume 1",
		"/cop checkin 1 99999999999999999999999",
		"/cop checkin 1 1e21",
		"/cop objective pause 1",
	)
	for _, want := range []string{
		"Objective 1 is due on " + due + ", and after that day I flag it as overdue: pause until " + due + " at the latest",
		"Reminders for objective 1 are not paused; there is nothing to resume.",
		"No reminders for objective 1 “Share tips” until the end of " + due,
		"Reminders for objective 1 “Share tips” are on again.",
		"`99999999999999999999999` is too large a number for me.",
		"`1e21` is not a number; use digits, like `5` or `2.5`.",
		"Say until when: `/cop objective pause 1 until " + time.Now().UTC().AddDate(0, 0, 14).Format("2006-01-02") + "`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "are on again"); n != 1 {
		t.Errorf("reminders were said to be on again %d times, want once:\n%s", n, out)
	}
}

// TestHelp_NoExampleDayInThePast: every date that help shows, in any
// family, is today or later.
func TestHelp_NoExampleDayInThePast(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	var lines []string
	for family := range core.Grammar() {
		lines = append(lines, "/cop help "+family)
	}
	out := script(t, core, lines...)
	today := time.Now().UTC().Format("2006-01-02")
	days := regexp.MustCompile(`\b20\d\d-\d\d-\d\d\b`).FindAllString(out, -1)
	if len(days) == 0 {
		t.Fatalf("help shows no example day at all:\n%s", out)
	}
	for _, d := range days {
		if d < today {
			t.Errorf("help shows %s, a day in the past", d)
		}
	}
}

// TestObjectives_NeededPaceInTheUnitOfTheTimeLeft: the pace a goal needs is
// counted in weeks under six months, months under two years, else years.
func TestObjectives_NeededPaceInTheUnitOfTheTimeLeft(t *testing.T) {
	day := func(months int) string { return time.Now().UTC().AddDate(0, months, 0).Format("2006-01-02") }
	out := consoleScript(t,
		`/cop objective add "Soon" target 8 due `+day(2),
		`/cop objective add "Later" target 4 due `+day(7),
		`/cop objective add "Far" target 30 due `+day(36),
		"/cop objective show 1", "/cop objective show 2", "/cop objective show 3")
	for _, want := range []string{
		"Needs 8 more by " + day(2) + ": 0.9 a week.",
		"Needs 4 more by " + day(7) + ": 0.6 a month.",
		"Needs 30 more by " + day(36) + ": 10 a year.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
}

// TestConfig_NamesAsPeopleTypeThem (issue 23): a time zone is found
// whatever its case, and the digest channel is answered as a #channel.
func TestConfig_NamesAsPeopleTypeThem(t *testing.T) {
	out := wiredConsole(t,
		"/cop config timezone utc",
		"/cop config timezone europe/berlin",
		"/cop config timezone america/new_york",
		"/cop config timezone Mars/Olympus",
		"/cop config digest-channel #general",
	)
	for _, want := range []string{
		"`timezone` is now UTC.",
		"`timezone` is now Europe/Berlin.",
		"`timezone` is now America/New_York.",
		"is not a time zone I know",
		"`digest-channel` is now #general.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
}
