package knowledge

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Cadences: how often an objective expects a check-in, and so how often
// copbot reminds its owner when none came.
const (
	CadenceWeekly   = "weekly"
	CadenceBiweekly = "biweekly"
	CadenceMonthly  = "monthly"
)

// Cadences lists the cadences in the order help shows them.
func Cadences() []string { return []string{CadenceWeekly, CadenceBiweekly, CadenceMonthly} }

// DateLayout is how people type and read dates: 2027-06-30.
const DateLayout = "2006-01-02"

// Limits of what an objective holds.
const (
	MaxObjectiveTitle = 200
	MaxUnit           = 40
	MaxCheckinNote    = 1000
	// MaxAmount bounds targets and check-in values; numbers beyond it are
	// typing mistakes, not goals.
	MaxAmount = 1e12
)

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	decimal = regexp.MustCompile(`^[+-]?(\d+(\.\d+)?|\.\d+)$`)
)

// ParseDate reads a calendar day written YYYY-MM-DD, strictly: 31/02/2027,
// 2027-6-3 and 2027-02-31 are refused with a message that says why. The
// day comes back as midnight UTC; dates carry no zone of their own.
func ParseDate(s string) (time.Time, error) {
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, invalidf("`%s` is not a date I can read; write it as YYYY-MM-DD: year, month, day.", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 {
		return time.Time{}, invalidf("%s has no month %d; months go from 01 to 12.", s, mo)
	}
	last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d < 1 || d > last {
		return time.Time{}, invalidf("%s is not a day on the calendar: %s %d has %d days.", s, time.Month(mo), y, last)
	}
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), nil
}

// Amount is a number a person typed for a target or a check-in, with
// whether it was written as a change (+2, -1) rather than a value.
type Amount struct {
	Value float64
	Delta bool
}

// ParseAmount reads a decimal number such as 5, 2.5, +1 or -1. Anything
// else (five, 1e3, NaN, 1,5) is refused.
func ParseAmount(s string) (Amount, error) {
	if !decimal.MatchString(s) {
		return Amount{}, invalidf("`%s` is not a number; use digits, like `5` or `2.5`.", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.Abs(v) > MaxAmount {
		return Amount{}, invalidf("`%s` is too large a number for me.", s)
	}
	return Amount{Value: v, Delta: s[0] == '+' || s[0] == '-'}, nil
}

// FormatAmount writes a number the way people read it: 5, 2.5, 0.33.
func FormatAmount(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func checkTitle(title string) error {
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return invalidf("Give the objective a title in quotes, like `\"Share five teaching strategies\"`.")
	case n > MaxObjectiveTitle:
		return invalidf("That title is %d characters long; keep it under %d.", n, MaxObjectiveTitle)
	}
	return nil
}

// CheckTarget refuses a target that is not above zero, or that shows as
// zero (amounts show with two decimals at most).
func CheckTarget(target float64) error {
	if !(target > 0) || FormatAmount(target) == "0" {
		return invalidf("The target must be a number above zero, like `target 5`.")
	}
	return nil
}

func checkUnit(unit string) error {
	if n := utf8.RuneCountInString(unit); n == 0 || n > MaxUnit {
		return invalidf("A unit is a word or two, like `unit workshops`.")
	}
	return nil
}

func checkCadence(c string) error {
	for _, ok := range Cadences() {
		if c == ok {
			return nil
		}
	}
	return invalidf("`%s` is not a cadence; use `weekly`, `biweekly` or `monthly`.", c)
}

// maxDueYears bounds how far ahead a due date may be: projections measure
// the time left in nanoseconds, which run out after 292 years.
const maxDueYears = 100

// checkDue refuses a due date that is not after today in loc, or more than
// maxDueYears away.
func checkDue(due time.Time, now time.Time, loc *time.Location) error {
	today := dayOf(now, loc)
	switch {
	case !due.After(today):
		return invalidf("The due date %s is not in the future (time zone %s); pick a later day.", due.Format(DateLayout), loc)
	case due.After(today.AddDate(maxDueYears, 0, 0)):
		return invalidf("The due date %s is more than %d years away; pick a day a community can plan for.", due.Format(DateLayout), maxDueYears)
	}
	return nil
}

// dayOf is the calendar day of t in loc, as midnight UTC like ParseDate.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// startOfDay is the instant day (a date as midnight UTC) begins in loc.
func startOfDay(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
}

// joinProblems puts several problems with one command into one answer.
func joinProblems(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msg := "A few things to fix:"
	for _, e := range errs {
		msg += "\n• " + e.Error()
	}
	return &InvalidError{Msg: msg}
}

// ParseWhole reads a whole number from lo to hi, for what (its name as
// people read it: "capacity", "a rating"), with the one message every such
// number gets when it is not one.
func ParseWhole(s string, lo, hi int, what string, example int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalidf("`%s` won't do for %s: give a whole number from %d to %d, like `%d`.", s, what, lo, hi, example)
	}
	return n, nil
}
