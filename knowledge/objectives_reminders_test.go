package knowledge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/fakeclock"
	"github.com/copbot/copbot/knowledge"
)

// plan runs the reminder planner at the given time and returns what it
// queued, as "title reason period", sorted.
func plan(t *testing.T, s *knowledge.Store, clock *fakeclock.Clock, at string) []string {
	t.Helper()
	now, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(now)
	before := queuedReminders(t, s)
	n, err := s.PlanReminders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := queuedReminders(t, s)
	var out []string
	for _, r := range after {
		if !slices.Contains(before, r) {
			out = append(out, r)
		}
	}
	if n != len(out) {
		t.Errorf("PlanReminders at %s said %d, queued %d: %v", at, n, len(out), out)
	}
	return out
}

// queuedReminders lists every reminder job in the database.
func queuedReminders(t *testing.T, s *knowledge.Store) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `
		SELECT o.title, j.args FROM river_job j
		JOIN objectives o ON o.id = (j.args->>'objective_id')::bigint
		WHERE j.kind = $1 ORDER BY 1, 2`, knowledge.ReminderArgs{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var title string
		var raw []byte
		if err := rows.Scan(&title, &raw); err != nil {
			t.Fatal(err)
		}
		var a knowledge.ReminderArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s", title, a.Reason, a.PeriodStart))
	}
	return out
}

func TestStore_PlanReminders(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := newClock(s, time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC)) // a Sunday
	p := newPractice(t, s, "slack", "T-remind")
	due := date("2027-03-31")
	p.addObjective(t, knowledge.NewObjective{Title: "A", Target: 5, Due: due, ChannelID: "C1"})
	p.addObjective(t, knowledge.NewObjective{Title: "B", Target: 5, Due: due, Cadence: knowledge.CadenceMonthly})
	p.addObjective(t, knowledge.NewObjective{Title: "C", Target: 2, Due: due})
	p.addObjective(t, knowledge.NewObjective{Title: "D", Target: 1, Due: due})
	if _, err := s.CloseObjective(ctx, p.member(t, "admin"), 4, knowledge.ObjectiveDropped, true); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC))
	p.checkIn(t, "admin", 3, "+1", "")

	steps := []struct {
		at   string
		want []string
	}{
		// The week of 4 January is not over; the one before it began before the objectives.
		{"2027-01-10T23:59:00Z", nil},
		// A had no check-in in the week of 4 January, C had one; B's month is not over.
		{"2027-01-11T00:05:00Z", []string{"A reminder 2027-01-04"}},
		{"2027-01-11T00:15:00Z", nil}, // decided already
		{"2027-01-12T09:00:00Z", nil},
	}
	for _, st := range steps {
		if got := plan(t, s, clock, st.at); !slices.Equal(got, st.want) {
			t.Fatalf("at %s queued %q, want %q", st.at, got, st.want)
		}
	}

	t.Run("PauseSkipsPeriodsThatReachIntoIt", func(t *testing.T) {
		until := date("2027-01-12")
		if _, err := s.PauseReminders(ctx, p.member(t, "admin"), 1, &until); err != nil {
			t.Fatal(err)
		}
		if got, want := plan(t, s, clock, "2027-01-18T00:05:00Z"), []string{"C reminder 2027-01-11"}; !slices.Equal(got, want) {
			t.Errorf("queued %q, want %q (A paused into its week)", got, want)
		}
		if got, want := plan(t, s, clock, "2027-01-25T00:05:00Z"), []string{"A reminder 2027-01-18", "C reminder 2027-01-18"}; !slices.Equal(got, want) {
			t.Errorf("queued %q, want %q", got, want)
		}
	})

	t.Run("MonthlyCountsWholeMonths", func(t *testing.T) {
		// January began before B; February passes without a check-in.
		if got := plan(t, s, clock, "2027-02-01T00:05:00Z"); slices.ContainsFunc(got, func(r string) bool { return r[0] == 'B' }) {
			t.Errorf("queued %q; B's first month began before it", got)
		}
		got := plan(t, s, clock, "2027-03-01T00:05:00Z")
		if !slices.Contains(got, "B reminder 2027-02-01") {
			t.Errorf("queued %q, want B's reminder for February", got)
		}
	})

	t.Run("OverdueFlaggedOnceAndNotWhenAchieved", func(t *testing.T) {
		clock.Set(time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC))
		p.checkIn(t, "admin", 3, "+1", "") // C reaches its target
		// C is done; B's February was queued on 1 March.
		if got, want := plan(t, s, clock, "2027-03-31T23:59:00Z"), []string{"A reminder 2027-03-22"}; !slices.Equal(got, want) {
			t.Errorf("queued %q on the due day, want %q", got, want)
		}
		want := []string{"A overdue 2027-03-31", "B overdue 2027-03-31"}
		if got := plan(t, s, clock, "2027-04-01T00:01:00Z"); !slices.Equal(got, want) {
			t.Errorf("queued %q, want %q (C achieved, D closed)", got, want)
		}
		if got := plan(t, s, clock, "2027-04-08T00:01:00Z"); len(got) != 0 {
			t.Errorf("queued %q a week later; overdue objectives are flagged once", got)
		}
	})
}

func TestStore_PlanReminders_InTheCommunitysTimeZone(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := newClock(s, time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC))
	p := newPractice(t, s, "slack", "T-ny")
	if _, err := s.SetConfig(ctx, p.member(t, "admin"), "timezone", "America/New_York"); err != nil {
		t.Fatal(err)
	}
	p.addObjective(t, knowledge.NewObjective{Title: "NY", Target: 5, Due: date("2027-03-31")})
	// 03:00 UTC on Monday is still Sunday evening in New York.
	if got := plan(t, s, clock, "2027-01-11T03:00:00Z"); len(got) != 0 {
		t.Errorf("queued %q before the week ended in New York", got)
	}
	if got, want := plan(t, s, clock, "2027-01-11T05:30:00Z"), []string{"NY reminder 2027-01-04"}; !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}
}

func TestStore_PlanReminders_ConcurrentPlannersQueueOnce(t *testing.T) {
	s := newStore(t)
	clock := newClock(s, time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC))
	p := newPractice(t, s, "slack", "T-twice")
	const objectives, planners = 12, 4
	for i := range objectives {
		p.addObjective(t, knowledge.NewObjective{Title: fmt.Sprintf("O%02d", i), Target: 5, Due: date("2027-03-31")})
	}
	clock.Set(time.Date(2027, 1, 11, 0, 5, 0, 0, time.UTC))
	var wg sync.WaitGroup
	counts := make([]int, planners)
	for i := range planners {
		wg.Go(func() {
			n, err := s.PlanReminders(context.Background())
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if got := queuedReminders(t, s); total != objectives || len(got) != objectives {
		t.Errorf("planners said %v and queued %d jobs; want %d in all", counts, len(got), objectives)
	}
}

func TestStore_ClaimReminder(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := newClock(s, time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC))
	p := newPractice(t, s, "slack", "T-claim")
	o := p.addObjective(t, knowledge.NewObjective{Title: "A", Target: 5, Due: date("2027-03-31")})
	plan(t, s, clock, "2027-01-11T00:05:00Z")
	args := knowledge.ReminderArgs{CommunityID: p.c.ID, ObjectiveID: o.ID, Reason: knowledge.ReminderNoCheckin, PeriodStart: "2027-01-04"}

	pr, ok, err := s.ClaimReminder(ctx, args)
	if err != nil || !ok || pr.Objective.Number != 1 {
		t.Fatalf("first claim = %v, %v, %v; want objective 1 claimed", pr.Objective.Number, ok, err)
	}
	var held *knowledge.HeldError
	if _, ok, err := s.ClaimReminder(ctx, args); ok || !errors.As(err, &held) {
		t.Fatalf("second claim while the first sends = %v, %v; want it held", ok, err)
	}
	if err := s.ReleaseReminder(ctx, args); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.ClaimReminder(ctx, args); err != nil || !ok {
		t.Fatalf("claim after a failed delivery = %v, %v; want it sent again", ok, err)
	}
	other := args
	other.PeriodStart = "2027-01-18"
	if _, ok, err := s.ClaimReminder(ctx, other); err != nil || ok {
		t.Errorf("claim of a reminder never decided = %v, %v", ok, err)
	}
}
