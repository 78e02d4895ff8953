package knowledge_test

import (
	"math"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

func TestProject(t *testing.T) {
	day := 24 * time.Hour
	created := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)   // a Monday
	due := time.Date(2027, 3, 28, 0, 0, 0, 0, time.UTC)      // due by the end of this day…
	deadline := time.Date(2027, 3, 29, 0, 0, 0, 0, time.UTC) // …twelve weeks after the start
	open := knowledge.Objective{Number: 1, Target: 12, Unit: "talks", Due: due, Cadence: knowledge.CadenceWeekly,
		State: knowledge.ObjectiveOpen, CreatedAt: created}
	add := func(at time.Time, amount, value float64) knowledge.Entry {
		return knowledge.Entry{At: at, Amount: amount, Value: value}
	}
	closedAt := created.Add(20 * day)
	tests := []struct {
		name    string
		o       knowledge.Objective
		entries []knowledge.Entry
		now     time.Time
		status  knowledge.Status
		check   func(t *testing.T, p knowledge.Progress)
	}{
		{name: "NoCheckinsYet", o: open, now: created.Add(2 * day), status: knowledge.StatusNotStarted,
			check: func(t *testing.T, p knowledge.Progress) {
				if p.HasProjection || !p.ETA.IsZero() || p.Value != 0 {
					t.Errorf("projection %v, ETA %v, value %v; want none before the first check-in", p.HasProjection, p.ETA, p.Value)
				}
				// 12 left over the rest of the twelve weeks.
				if want := 12 / (deadline.Sub(created.Add(2*day)).Hours() / 24 / 7); !near(p.NeededPerWeek, want) {
					t.Errorf("needed per week = %v, want %v", p.NeededPerWeek, want)
				}
			}},
		{name: "NoCheckinsForAWholePeriodIsBehind", o: open, now: created.Add(8 * day), status: knowledge.StatusBehind,
			check: func(t *testing.T, p knowledge.Progress) {
				if !p.HasProjection || p.Projected != 0 {
					t.Errorf("projection %v = %v; want a projection of 0", p.HasProjection, p.Projected)
				}
			}},
		{name: "SteadyPaceIsOnTrack", o: open, now: created.Add(28 * day), status: knowledge.StatusOnTrack,
			entries: []knowledge.Entry{add(created.Add(7*day), 2, 2), add(created.Add(21*day), 2, 4)},
			check: func(t *testing.T, p knowledge.Progress) {
				// 4 in four weeks is 1 a week; eight weeks are left.
				left := deadline.Sub(created.Add(28*day)).Hours() / 24 / 7
				if !near(p.PacePerWeek, 1) || !near(p.Projected, 4+left) {
					t.Errorf("pace %v, projected %v; want 1 and %v", p.PacePerWeek, p.Projected, 4+left)
				}
				if !near(p.NeededPerWeek, 8/left) {
					t.Errorf("needed per week = %v, want %v", p.NeededPerWeek, 8/left)
				}
				if want := created.Add(28*day + 8*7*day); p.ETA.Sub(want).Abs() > time.Second {
					t.Errorf("ETA = %v, want %v", p.ETA, want)
				}
			}},
		{name: "SlowPaceIsAtRisk", o: open, now: created.Add(42 * day), status: knowledge.StatusAtRisk,
			// 5 in six weeks projects 5 + 5/6 × 6 weeks = 10, over three quarters of 12.
			entries: []knowledge.Entry{add(created.Add(40*day), 5, 5)}},
		{name: "SlowerPaceIsBehind", o: open, now: created.Add(42 * day), status: knowledge.StatusBehind,
			entries: []knowledge.Entry{add(created.Add(40*day), 3, 3)}},
		{name: "FirstCheckinCountsAWeekAtLeast", o: open, now: created.Add(time.Hour), status: knowledge.StatusOnTrack,
			entries: []knowledge.Entry{add(created.Add(time.Minute), 3, 3)},
			check: func(t *testing.T, p knowledge.Progress) {
				if p.PacePerWeek != 3 {
					t.Errorf("pace = %v a week, want 3 (the first hour counts as a week)", p.PacePerWeek)
				}
			}},
		{name: "AchievedEarly", o: open, now: created.Add(10 * day), status: knowledge.StatusAchieved,
			entries: []knowledge.Entry{add(created.Add(9*day), 12, 12)},
			check: func(t *testing.T, p knowledge.Progress) {
				if p.HasProjection || p.NeededPerWeek != 0 || p.Overdue || p.Percent() != 100 {
					t.Errorf("achieved objective: projection %v, needed %v, overdue %v, percent %v",
						p.HasProjection, p.NeededPerWeek, p.Overdue, p.Percent())
				}
			}},
		{name: "PastDueShortOfTarget", o: open, now: deadline.Add(time.Minute), status: knowledge.StatusBehind,
			entries: []knowledge.Entry{add(created.Add(9*day), 7, 7)},
			check: func(t *testing.T, p knowledge.Progress) {
				if !p.Overdue || p.HasProjection || p.Left() != 5 {
					t.Errorf("overdue %v, projection %v, left %v; want overdue, no projection, 5 left", p.Overdue, p.HasProjection, p.Left())
				}
			}},
		{name: "DueDayItselfIsNotPastDue", o: open, now: deadline.Add(-time.Minute), status: knowledge.StatusBehind,
			entries: []knowledge.Entry{add(created.Add(9*day), 7, 7)},
			check: func(t *testing.T, p knowledge.Progress) {
				if p.Overdue {
					t.Error("overdue during the due day")
				}
			}},
		{name: "ClosedDroppedKeepsItsFigures", now: created.Add(60 * day), status: knowledge.StatusDropped,
			o: func() knowledge.Objective {
				o := open
				o.State, o.ClosedAt = knowledge.ObjectiveDropped, &closedAt
				return o
			}(),
			entries: []knowledge.Entry{add(created.Add(9*day), 4, 4)},
			check: func(t *testing.T, p knowledge.Progress) {
				if !p.AsOf.Equal(closedAt) || !near(p.PacePerWeek, 4/(20.0/7)) {
					t.Errorf("as of %v at pace %v; want the pace when it closed", p.AsOf, p.PacePerWeek)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := knowledge.Project(tt.o, tt.entries, tt.now, time.UTC)
			if p.Status != tt.status {
				t.Fatalf("status = %q, want %q (value %v, projected %v)", p.Status, tt.status, p.Value, p.Projected)
			}
			if !p.Deadline.Equal(deadline) {
				t.Errorf("deadline = %v, want %v", p.Deadline, deadline)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestProject_DeadlineIsTheEndOfTheDueDayInTheCommunitysZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	o := knowledge.Objective{Target: 1, Due: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), State: knowledge.ObjectiveOpen,
		CreatedAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := knowledge.Project(o, nil, o.CreatedAt, berlin)
	if want := time.Date(2027, 6, 30, 22, 0, 0, 0, time.UTC); !p.Deadline.Equal(want) {
		t.Errorf("deadline = %v, want midnight Berlin time (%v)", p.Deadline, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*max(1, math.Abs(b)) }
