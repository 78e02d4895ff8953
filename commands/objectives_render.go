package commands

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// barCells is the width of a text progress bar.
const barCells = 10

// progressBar draws a share as filled and empty cells. It rounds down, so
// a bar is full only when the target is reached.
func progressBar(percent float64) string {
	full := int(math.Floor(percent / 100 * barCells))
	full = min(max(full, 0), barCells)
	return strings.Repeat("█", full) + strings.Repeat("░", barCells-full)
}

// objectiveName is "objective 3 “title”" with the title as user text.
func objectiveName(o knowledge.Objective) bot.Text {
	return bot.Textf("objective %d “%s”", o.Number, bot.Untrusted(o.Title))
}

// progressLine says value, percent, bar and status in one line:
// "3 of 5 strategies (60%) ██████░░░░ on track".
func progressLine(p knowledge.Progress) bot.Text {
	o := p.Objective
	status := string(p.Status)
	if p.Overdue {
		status += ", past its due date"
	}
	return bot.Textf("%s of %s %s (%s%%) %s *%s*", knowledge.FormatAmount(p.Value), knowledge.FormatAmount(o.Target),
		bot.Untrusted(unitOf(o.Unit, o.Target)), knowledge.FormatAmount(math.Round(p.Percent())), progressBar(p.Percent()), status)
}

// outlookLines explain the status: the linear projection, the pace still
// needed, or what to do with an objective that is done or overdue. Each
// line starts with a newline, to follow a progress line.
func outlookLines(p knowledge.Progress) bot.Text {
	o := p.Objective
	due := o.Due.Format(knowledge.DateLayout)
	var t bot.Text
	line := func(format string, args ...any) { t = t.Append(bot.Plain("\n"), bot.Textf(format, args...)) }
	switch {
	case !o.Open():
		return nil
	case p.Status == knowledge.StatusAchieved:
		line("Target reached! A facilitator can close it: `/cop objective close %d achieved`.", o.Number)
		return t
	case p.Overdue:
		line("It was due on %s and is %s %s short. A facilitator can move the due date (`/cop objective edit %d due YYYY-MM-DD`) or close it.",
			due, knowledge.FormatAmount(p.Left()), bot.Untrusted(unitOf(o.Unit, p.Left())), o.Number)
		return t
	case p.Status == knowledge.StatusNotStarted:
		line("No check-ins yet, so there is nothing to project; the first one starts the linear projection.")
	case !p.ETA.IsZero() && p.ETA.Before(p.Deadline):
		line("Linear projection: at the pace so far (%s), the target is reached %s, before the due date.",
			paceText(p.PacePerWeek), inAbout(p.ETA.Sub(p.Now)))
	default:
		line("Linear projection: at the pace so far (%s), it reaches %s of %s by the due date.",
			paceText(p.PacePerWeek), knowledge.FormatAmount(math.Floor(p.Projected*10)/10), knowledge.FormatAmount(o.Target))
	}
	line("Needs %s more by %s: %s.", knowledge.FormatAmount(p.Left()), due, neededText(p.NeededPerWeek, p.Deadline.Sub(p.Now)))
	return t
}

// neededText says the pace an objective needs in the unit its time left
// is counted in: a week under six months, a month under two years, else a
// year ("0.6 a month", not "6.9 a year", for a goal seven months away).
func neededText(perWeek float64, left time.Duration) string {
	const weeksPerYear = 365.2425 / 7
	one := func(v float64) string { return knowledge.FormatAmount(math.Max(math.Round(v*10)/10, 0.1)) }
	weeks := left.Hours() / 24 / 7
	switch {
	case perWeek <= 0:
		return "nothing more"
	case weeks < 26:
		return one(perWeek) + " a week"
	case weeks < 2*weeksPerYear:
		return one(perWeek*weeksPerYear/12) + " a month"
	}
	if perWeek*weeksPerYear < 0.95 {
		return "less than one a year"
	}
	return one(perWeek*weeksPerYear) + " a year"
}

// paceText says a pace per week in the unit that reads best: a week, a
// month or a year.
func paceText(perWeek float64) string {
	const weeksPerYear = 365.2425 / 7
	one := func(v float64) string { return knowledge.FormatAmount(math.Round(v*10) / 10) }
	switch {
	case perWeek <= 0:
		return "nothing yet"
	case perWeek >= 0.95:
		return one(perWeek) + " a week"
	case perWeek*weeksPerYear/12 >= 0.95:
		return one(perWeek*weeksPerYear/12) + " a month"
	case perWeek*weeksPerYear >= 0.95:
		return one(perWeek*weeksPerYear) + " a year"
	}
	return "less than one a year"
}

// inAbout says roughly how far ahead a duration reaches.
func inAbout(d time.Duration) string {
	days := d.Hours() / 24
	n := func(v float64, unit string) string {
		r := int(math.Round(v))
		return fmt.Sprintf("in about %d %s", r, plural(r, unit, unit+"s"))
	}
	switch {
	case days < 1:
		return "within a day"
	case days < 14:
		return n(days, "day")
	case days < 63:
		return n(days/7, "week")
	case days < 730:
		return n(days/30.44, "month")
	}
	return n(days/365.24, "year")
}

// ago says when something happened, relative to now for the last week and
// as a date in the community's time zone before that.
func ago(t, now time.Time, loc *time.Location) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		m := int(d.Minutes())
		return fmt.Sprintf("%d %s ago", m, plural(m, "minute", "minutes"))
	case d < 24*time.Hour:
		h := int(d.Hours())
		return fmt.Sprintf("%d %s ago", h, plural(h, "hour", "hours"))
	case d < 7*24*time.Hour:
		days := int(d.Hours() / 24)
		return fmt.Sprintf("%d %s ago", days, plural(days, "day", "days"))
	}
	return t.In(loc).Format(knowledge.DateLayout)
}

// historyLine shows one entry: when, who, what, the value after it, the note.
func historyLine(e knowledge.Entry, p knowledge.Progress) bot.Text {
	when := ago(e.At, p.Now, p.Location)
	var change string
	if !e.Set {
		change = fmt.Sprintf("%+g", e.Amount)
		if e.Amount == math.Trunc(e.Amount) {
			change = fmt.Sprintf("%+d", int64(e.Amount))
		}
	}
	// A change shows the value after it; a value set is that value.
	after := " → " + knowledge.FormatAmount(e.Value)
	if e.Set {
		change, after = "set it to "+knowledge.FormatAmount(e.Value), ""
	}
	var t bot.Text
	if e.TipNumber > 0 {
		t = bot.Textf("• %s — tip %d, tagged by %s, %s%s", when, e.TipNumber, bot.Untrusted(e.Who), change, after)
	} else {
		t = bot.Textf("• %s — %s %s%s", when, bot.Untrusted(e.Who), change, after)
	}
	if e.Note != "" {
		t = t.Append(bot.Textf(" · %s", bot.Untrusted(e.Note)))
	}
	return t
}

// maxHistoryLines bounds the history a reply shows; the chart shows it all.
const maxHistoryLines = 15

// objectiveDetails is what `/cop objective show` says.
func objectiveDetails(p knowledge.Progress) bot.Text {
	o := p.Objective
	t := bot.Textf("*Objective %d* “%s” — owner %s · due %s · %s check-ins", o.Number, bot.Untrusted(o.Title),
		bot.Untrusted(o.OwnerName), o.Due.Format(knowledge.DateLayout), o.Cadence)
	if o.Tag != "" {
		t = t.Append(bot.Textf(" · tips tagged %s count", bot.Untrusted("#"+o.Tag)))
	}
	if o.PausedUntil != nil && !o.PausedUntil.Before(dayIn(p.Now, p.Location)) {
		t = t.Append(bot.Textf(" · reminders paused until %s", o.PausedUntil.Format(knowledge.DateLayout)))
	}
	t = t.Append(bot.Plain("\n"), progressLine(p))
	if o.ClosedAt != nil {
		t = t.Line("Closed as %s %s.", o.State, ago(*o.ClosedAt, p.Now, p.Location))
	}
	t = t.Append(outlookLines(p))
	if len(p.Entries) == 0 {
		return t
	}
	t = t.Line("History:")
	entries := p.Entries
	if earlier := p.EarlierEntries + max(len(entries)-maxHistoryLines, 0); earlier > 0 {
		t = t.Line("• … %d earlier entries", earlier)
		entries = entries[max(len(entries)-maxHistoryLines, 0):]
	}
	for _, e := range entries {
		t = t.Append(bot.Plain("\n"), historyLine(e, p))
	}
	return t
}

// dayIn is t's calendar day in loc, as midnight UTC like knowledge dates.
func dayIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// unitOf is an objective's unit for an amount: the default unit, "items",
// is "item" for one; a unit people chose is theirs as they wrote it.
func unitOf(unit string, amount float64) string {
	if unit == "items" && amount == 1 {
		return "item"
	}
	return unit
}
