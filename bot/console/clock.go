package console

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
)

// The console's clock is Options.Now until a /clock line sets it; from then
// on it stands where /clock put it, so that a script reads the same on any
// day. Moving it forward runs what would have run by then (clockMover).

// clockMover is the handler's optional ability to run the work that comes
// due as the console's clock moves: copbot dev gives it
// (commands.HandClock); without it the clock can only tell the time.
type clockMover interface {
	ClockMoved(ctx context.Context, community bot.CommunityRef, d time.Duration) error
}

// clockStep is how far the clock moves at a time: copbot's periodic work is
// decided by the day at the finest (reminders by local day, digests by the
// week), so a move walked a day at a time shows all of it, in order.
const clockStep = 24 * time.Hour

// maxClockMove bounds one move: a year of days is walked in seconds.
const maxClockMove = 366 * 24 * time.Hour

// eventTime is how long an event takes on a clock that /clock set.
const eventTime = time.Second

// clockLayout shows the clock's time, always in UTC.
const clockLayout = "Mon 2006-01-02 15:04 UTC"

const clockUsage = "/clock <YYYY-MM-DD> [HH:MM] sets it (UTC), /clock +7d, +2h or +30m moves it forward"

// Now is the console's time: Options.Now until /clock sets it, then where
// /clock put it. Give it to the store (knowledge.Store.SetClock) so that
// what copbot decides by time follows the console. Safe for concurrent use:
// job workers read it.
func (a *Adapter) Now() time.Time {
	a.clockMu.Lock()
	defer a.clockMu.Unlock()
	if a.clockSet {
		return a.clockAt
	}
	return a.opts.Now()
}

// tick gives an event its time. Once /clock has set the clock, each event
// moves it on by eventTime, so that what a script does happens in order:
// a check-in comes before the stats that count it, as periods end before
// now.
func (a *Adapter) tick() time.Time {
	a.clockMu.Lock()
	defer a.clockMu.Unlock()
	if !a.clockSet {
		return a.opts.Now()
	}
	a.clockAt = a.clockAt.Add(eventTime)
	return a.clockAt
}

func (a *Adapter) setClock(t time.Time) {
	a.clockMu.Lock()
	defer a.clockMu.Unlock()
	a.clockAt, a.clockSet = t, true
}

// clock handles a /clock line: alone it tells the time; with a date it sets
// the clock (the first time anywhere, later only forward); with +<n>d, h or
// m it moves it forward, running what came due a day at a time.
//
// The clock never goes back once set: what ran by a time (a reminder sent,
// a digest posted) cannot be taken back, and the planners would decide
// again on days they have decided. Its first setting may go back, as a
// script's first line does, from the real time to a fixed day: nothing ran
// on the console's own clock yet.
func (a *Adapter) clock(ctx context.Context, h bot.Handler, arg string) error {
	if arg == "" {
		a.sayf("clock: %s\n", a.Now().UTC().Format(clockLayout))
		return nil
	}
	mover, ok := h.(clockMover)
	if !ok {
		a.say("! the clock cannot move here: copbot dev moves it on its own throwaway database only " +
			"(without DATABASE_URL), since the work a move runs acts for every community in the database\n")
		return nil
	}
	from := a.Now()
	to, err := a.clockTarget(arg, from)
	if err != nil {
		a.sayf("! %s\n", err)
		return nil
	}
	a.sayf("clock: %s\n", to.UTC().Format(clockLayout))
	if !a.clockSet && !isMove(arg) {
		a.setClock(to) // its first setting: nothing ran on it before
		return nil
	}
	// One clock for every workspace: the first one used moves it, and
	// each other one runs what came due for it by then (a move of nothing
	// more), in the order they were first used.
	a.outMu.Lock()
	workspaces := slices.Clone(a.workspaces)
	a.outMu.Unlock()
	a.setClock(from) // a first move starts where the real clock stands
	for at := from; at.Before(to); {
		next := at.Add(clockStep)
		if next.After(to) {
			next = to
		}
		a.setClock(next)
		for i, ws := range workspaces {
			d := next.Sub(at)
			if i > 0 {
				d = 0
			}
			if err := mover.ClockMoved(ctx, ws.ref(), d); err != nil {
				return fmt.Errorf("console clock moved to %s in workspace %s: %w", next.UTC().Format(clockLayout), ws.name, err)
			}
		}
		at = next
	}
	return nil
}

func isMove(arg string) bool { return arg[0] == '+' || arg[0] == '-' }

// clockTarget reads where a /clock line puts the clock, standing at now,
// or says in plain words why it cannot.
func (a *Adapter) clockTarget(arg string, now time.Time) (time.Time, error) {
	if isMove(arg) {
		d, err := clockMove(arg)
		if err != nil {
			return time.Time{}, err
		}
		if arg[0] == '-' {
			return time.Time{}, fmt.Errorf("the clock only moves forward: what ran by now (reminders, digests, questions) "+
				"cannot be taken back; /clock +%s moves it on", arg[1:])
		}
		return now.Add(d), nil
	}
	t, err := clockTime(arg)
	if err != nil {
		return time.Time{}, err
	}
	switch {
	case !a.clockSet:
		return t, nil
	case t.Before(now) && !t.Before(now.Truncate(time.Minute)):
		return now, nil // the minute it stands in: events take seconds
	case t.Before(now):
		return time.Time{}, fmt.Errorf("%s is before the console's time, %s; the clock only moves forward, "+
			"since what ran by now cannot be taken back", t.Format(clockLayout), now.UTC().Format(clockLayout))
	case t.Sub(now) > maxClockMove:
		return time.Time{}, fmt.Errorf("%s is more than a year after the console's time, %s; move it a year at most at a time",
			t.Format(clockLayout), now.UTC().Format(clockLayout))
	}
	return t, nil
}

// clockMove reads +<n>d, +<n>h or +<n>m (or the same with -).
func clockMove(arg string) (time.Duration, error) {
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute}
	num, unit := arg[1:], byte(0)
	if len(num) > 0 {
		num, unit = num[:len(num)-1], num[len(num)-1]
	}
	n, err := strconv.Atoi(num)
	per, ok := units[unit]
	if err != nil || !ok || strings.HasPrefix(num, "+") || strings.HasPrefix(num, "-") {
		return 0, fmt.Errorf("“%s” is not a move: write a whole number of days, hours or minutes, like +7d, +2h or +30m", arg)
	}
	if n < 1 {
		return 0, fmt.Errorf("%s moves nothing: move the clock at least a minute, like +30m", arg)
	}
	if n > int(maxClockMove/per) {
		return 0, fmt.Errorf("%s is more than a year: move the clock a year at most at a time, like +366d", arg)
	}
	return time.Duration(n) * per, nil
}

// clockTime reads YYYY-MM-DD or YYYY-MM-DD HH:MM, in UTC.
func clockTime(arg string) (time.Time, error) {
	date, clock, _ := strings.Cut(arg, " ")
	clock = strings.TrimSpace(clock)
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, dateError(date)
	}
	if clock == "" {
		return d, nil
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("“%s” is not a time of day: write it as HH:MM, in UTC, like %s 09:00", clock, date)
	}
	return d.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute), nil
}

// dateError says why a word is not a date, in plain words.
func dateError(s string) error {
	var y, m, d int
	if n, _ := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); n == 3 && len(s) == len("2006-01-02") {
		if m >= 1 && m <= 12 {
			days := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			return fmt.Errorf("%s is not a date: %s %d has %d days", s, time.Month(m), y, days)
		}
		return fmt.Errorf("%s is not a date: a year has 12 months", s)
	}
	return fmt.Errorf("“%s” is neither a date nor a move: %s", s, clockUsage)
}
