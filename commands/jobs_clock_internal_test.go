package commands

import (
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// A clock moved by hand runs every periodic job: one added to periodicJobs
// must be added to planners too, or the console never shows its work.
func TestHandClock_RunsEveryPeriodicJob(t *testing.T) {
	if p, j := len((&Core{}).planners()), len(periodicJobs()); p != j {
		t.Errorf("HandClock runs %d planners, and there are %d periodic jobs: add the new one to planners (jobs_clock.go)", p, j)
	}
}

// A scheduled job is due once the moves made since it was queued, with the
// real time that passed, reach its time: a follow-up 7 days ahead runs
// after moves of 7 days, whatever day the clock was set to.
func TestHandClock_DueAfterMovesSinceQueued(t *testing.T) {
	r0 := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	followUp := knowledge.WaitingJob{ID: 1, CreatedAt: r0, ScheduledAt: r0.Add(7*24*time.Hour + 5*time.Millisecond)}
	resume := knowledge.WaitingJob{ID: 2, CreatedAt: r0, ScheduledAt: r0.Add(2 * 24 * time.Hour)}
	later := knowledge.WaitingJob{ID: 3, CreatedAt: r0.Add(3 * time.Second), ScheduledAt: r0.Add(3*time.Second + 24*time.Hour)}
	day := 24 * time.Hour
	tests := []struct {
		name  string
		moves []handMove
		now   time.Duration // real time passed since r0
		want  []int64
	}{
		{"NoMove", nil, 5 * time.Second, nil},
		{"SixDays", []handMove{{r0.Add(time.Second), 6 * day}}, 5 * time.Second, []int64{2}},
		{"SevenDays", []handMove{{r0.Add(time.Second), 6 * day}, {r0.Add(2 * time.Second), day}}, 5 * time.Second, []int64{2, 1}},
		// The follow-up was scheduled a few milliseconds after its creation
		// time: due all the same after seven days, as times are compared
		// to the minute.
		{"SevenDaysAtOnce", []handMove{{r0.Add(time.Millisecond), 7 * day}}, 2 * time.Millisecond, []int64{2, 1}},
		// A move made before a job was queued brings it no nearer.
		{"MoveBeforeQueued", []handMove{{r0.Add(2 * time.Second), 7 * day}}, 5 * time.Second, []int64{2, 1}},
		{"MoveAfterQueued", []handMove{{r0.Add(2 * time.Second), 7 * day}, {r0.Add(4 * time.Second), day}}, 5 * time.Second, []int64{2, 1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &HandClock{moves: tt.moves}
			var got []int64
			for _, j := range h.due([]knowledge.WaitingJob{followUp, resume, later}, r0.Add(tt.now)) {
				got = append(got, j.ID)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("due jobs %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("due jobs %v, want %v (soonest first)", got, tt.want)
				}
			}
		})
	}
}
