package console

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
)

// ClockMoved makes a recorder a clockMover: it records each move with the
// time the console shows during it.
func (r *recorder) ClockMoved(_ context.Context, community bot.CommunityRef, d time.Duration) error {
	if community.Platform != bot.Console {
		return fmt.Errorf("moved the clock of %v", community)
	}
	r.moves = append(r.moves, fmt.Sprintf("%s at %s", d, r.a.Now().UTC().Format(time.DateTime)))
	return nil
}

func TestAdapter_ClockTellsSetsAndMoves(t *testing.T) {
	r := &recorder{}
	out := run(t, r.on,
		"/clock",
		"/clock 2026-11-02 09:00", // back from the real time: its first setting
		"/clock",
		"/clock +30h", // a day at a time, then the rest
		"/clock 2026-11-05",
		"/clock +30m",
		"/clock 2026-11-05 00:30", // where it stands: nothing passes
		"/cop help",               // an event takes a second
		"/clock 2026-11-05 00:30", // the minute it stands in
	)
	want := `clock: Wed 2026-12-02 17:47 UTC
clock: Mon 2026-11-02 09:00 UTC
clock: Mon 2026-11-02 09:00 UTC
clock: Tue 2026-11-03 15:00 UTC
clock: Thu 2026-11-05 00:00 UTC
clock: Thu 2026-11-05 00:30 UTC
clock: Thu 2026-11-05 00:30 UTC
clock: Thu 2026-11-05 00:30 UTC
`
	if out != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
	}
	moves := []string{
		"24h0m0s at 2026-11-03 09:00:00",
		"6h0m0s at 2026-11-03 15:00:00",
		"24h0m0s at 2026-11-04 15:00:00",
		"9h0m0s at 2026-11-05 00:00:00",
		"30m0s at 2026-11-05 00:30:00",
	}
	if strings.Join(r.moves, "\n") != strings.Join(moves, "\n") {
		t.Errorf("the handler saw moves\n%s\nwant\n%s", strings.Join(r.moves, "\n"), strings.Join(moves, "\n"))
	}
}

func TestAdapter_ClockRefusesWhatItCannotDo(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"NotATime", "/clock yesterday", "! “yesterday” is neither a date nor a move: /clock <YYYY-MM-DD> [HH:MM] sets it (UTC), " +
			"/clock +7d, +2h or +30m moves it forward"},
		// Going back would take back what ran by now (a reminder sent, a
		// digest posted), and the planners would decide again on days
		// they have decided: refused, with the way forward.
		{"Back", "/clock -1d", "! the clock only moves forward: what ran by now (reminders, digests, questions) cannot be taken back; " +
			"/clock +1d moves it on"},
		{"BackByDate", "/clock 2026-11-01 09:00", "! Sun 2026-11-01 09:00 UTC is before the console's time, Mon 2026-11-02 09:00 UTC; " +
			"the clock only moves forward, since what ran by now cannot be taken back"},
		{"NoMove", "/clock +0d", "! +0d moves nothing: move the clock at least a minute, like +30m"},
		{"UnknownUnit", "/clock +7w", "! “+7w” is not a move: write a whole number of days, hours or minutes, like +7d, +2h or +30m"},
		{"Fraction", "/clock +1.5d", "! “+1.5d” is not a move: write a whole number of days, hours or minutes, like +7d, +2h or +30m"},
		{"TooFar", "/clock +367d", "! +367d is more than a year: move the clock a year at most at a time, like +366d"},
		{"TooFarByDate", "/clock 2028-01-01", "! Sat 2028-01-01 00:00 UTC is more than a year after the console's time, " +
			"Mon 2026-11-02 09:00 UTC; move it a year at most at a time"},
		{"NoSuchDay", "/clock 2027-02-30", "! 2027-02-30 is not a date: February 2027 has 28 days"},
		{"NoSuchMonth", "/clock 2027-13-01", "! 2027-13-01 is not a date: a year has 12 months"},
		{"NoSuchTime", "/clock 2026-11-03 25:00", "! “25:00” is not a time of day: write it as HH:MM, in UTC, like 2026-11-03 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			out := run(t, r.on, "/clock 2026-11-02 09:00", tt.line, "/clock")
			want := "clock: Mon 2026-11-02 09:00 UTC\n" + tt.want + "\nclock: Mon 2026-11-02 09:00 UTC\n"
			if out != want {
				t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
			}
			if len(r.moves) != 0 {
				t.Errorf("a refused line moved the clock: %v", r.moves)
			}
		})
	}
}

func TestAdapter_ClockWithoutMoverOnlyTellsTheTime(t *testing.T) {
	r := &recorder{}
	// The handler cannot run what comes due, as copbot dev's on DATABASE_URL.
	out := run(t, func(a *Adapter) bot.Handler { return bot.HandlerFunc(r.on(a).HandleEvent) }, "/clock 2026-11-02 09:00", "/clock +1d", "/clock")
	refusal := "! the clock cannot move here: copbot dev moves it on its own throwaway database only (without DATABASE_URL), " +
		"since the work a move runs acts for every community in the database\n"
	if want := refusal + refusal + "clock: Wed 2026-12-02 17:47 UTC\n"; out != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", out, want)
	}
}

// Events carry the console's time; once /clock has set it, each event
// takes a second, so that a script's events happen in order.
func TestAdapter_EventsTakeTheConsolesTime(t *testing.T) {
	r := &recorder{}
	run(t, r.on, "/cop help", "/clock 2026-11-02 09:00", "/cop help", "/cop help", "/clock +1d", "/cop help")
	var got []string
	for _, ev := range r.events {
		got = append(got, ev.Time.UTC().Format(time.DateTime))
	}
	want := []string{
		"2026-12-02 17:47:00", // the console's first event: host joins
		"2026-12-02 17:47:00",
		"2026-11-02 09:00:01",
		"2026-11-02 09:00:02",
		"2026-11-03 09:00:03",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("event times\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
