package knowledge

import (
	"time"
)

// Status is where an objective stands.
type Status string

// Statuses. An open objective is not started until its first entry (for one
// cadence period at most), then on track, at risk or behind by its linear
// projection, and achieved once its value reaches the target.
const (
	StatusNotStarted Status = "not started"
	StatusOnTrack    Status = "on track"
	StatusAtRisk     Status = "at risk"
	StatusBehind     Status = "behind"
	StatusAchieved   Status = "achieved"
	StatusDropped    Status = "dropped"
)

// Week is the unit of paces.
const Week = 7 * 24 * time.Hour

// atRiskShare is the share of the target below which a projection is
// behind rather than at risk.
const atRiskShare = 0.75

// maxETAWeeks bounds how far ahead a finish is worth naming (a century).
const maxETAWeeks = 100 * 52

// Progress is an objective with its history and where it stands at Now.
type Progress struct {
	Objective Objective
	// Entries are the history, its last entries when it is long:
	// EarlierEntries says how many came before them.
	Entries        []Entry
	EarlierEntries int
	Value          float64
	Status         Status
	// Overdue is true for an open objective past its deadline, short of
	// its target.
	Overdue bool
	Now     time.Time
	// AsOf is when the figures stand: Now, or when the objective closed.
	AsOf time.Time
	// Start is when the objective was created; Deadline the end of its due
	// day in the community's time zone.
	Start, Deadline time.Time
	Location        *time.Location
	// PacePerWeek is the average gain per week since Start, counting at
	// least one week, so that a first check-in does not extrapolate wildly.
	PacePerWeek float64
	// Projected is the value at the deadline if the pace holds: a linear
	// projection. HasProjection is false before the first entry and once
	// the objective is achieved, closed or past due.
	Projected     float64
	HasProjection bool
	// NeededPerWeek is the pace the rest of the target needs from now to
	// the deadline; 0 when there is nothing left or no time.
	NeededPerWeek float64
	// ETA is when the pace reaches the target; zero when it never does.
	ETA time.Time
}

// Percent is the value as a share of the target.
func (p Progress) Percent() float64 { return 100 * p.Value / p.Objective.Target }

// Left is what remains to reach the target, never below zero.
func (p Progress) Left() float64 { return max(0, p.Objective.Target-p.Value) }

// Project works out where an objective stands at now from its history: its
// value, status and a linear projection of its pace so far to the deadline.
func Project(o Objective, entries []Entry, now time.Time, loc *time.Location) Progress {
	p := Progress{
		Objective: o, Entries: entries, Now: now, AsOf: now, Location: loc, Start: o.CreatedAt,
		Deadline: startOfDay(o.Due.AddDate(0, 0, 1), loc),
	}
	if len(entries) > 0 {
		p.Value = entries[len(entries)-1].Value
	}
	// A closed objective's pace is as it was when it closed.
	if o.ClosedAt != nil {
		p.AsOf = *o.ClosedAt
	}
	elapsed := max(p.AsOf.Sub(p.Start), Week)
	p.PacePerWeek = max(p.Value, 0) / weeks(elapsed)
	switch {
	case o.State == ObjectiveDropped:
		p.Status = StatusDropped
		return p
	case o.State == ObjectiveAchieved || p.Value >= o.Target:
		p.Status = StatusAchieved
		return p
	case !p.Now.Before(p.Deadline):
		p.Status, p.Overdue = StatusBehind, true
		return p
	}
	left := weeks(p.Deadline.Sub(p.Now))
	p.NeededPerWeek = p.Left() / left
	if w := p.Left() / p.PacePerWeek; p.PacePerWeek > 0 && w < maxETAWeeks {
		p.ETA = p.Now.Add(time.Duration(w * float64(Week)))
	}
	if len(entries) == 0 && p.Now.Sub(p.Start) < cadencePeriod(o.Cadence) {
		p.Status = StatusNotStarted
		return p
	}
	p.HasProjection = true
	p.Projected = p.Value + p.PacePerWeek*left
	switch {
	case p.Projected >= o.Target:
		p.Status = StatusOnTrack
	case p.Projected >= atRiskShare*o.Target:
		p.Status = StatusAtRisk
	default:
		p.Status = StatusBehind
	}
	return p
}

func weeks(d time.Duration) float64 { return float64(d) / float64(Week) }

// cadencePeriod is the rough length of a cadence's period.
func cadencePeriod(cadence string) time.Duration {
	switch cadence {
	case CadenceBiweekly:
		return 2 * Week
	case CadenceMonthly:
		return 30 * 24 * time.Hour
	}
	return Week
}
