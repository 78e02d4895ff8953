package knowledge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// BenchmarkCheckIn measures one +1 check-in with its reply's progress, on
// an objective whose history grows by one entry per iteration.
func BenchmarkCheckIn(b *testing.B) {
	s := newStore(b)
	admin := benchAdmin(b, s)
	if _, err := s.AddObjective(context.Background(), admin, knowledge.NewObjective{Title: "Bench", Target: 1e9, Due: date("2099-01-01")}); err != nil {
		b.Fatal(err)
	}
	one := knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}}
	for b.Loop() {
		if _, err := s.CheckIn(context.Background(), admin, 1, one); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanReminders measures one run of the reminder planner over
// 1,000 open objectives whose reminders are decided already: the cost every
// ten minutes in a steady state.
func BenchmarkPlanReminders(b *testing.B) {
	s := newStore(b)
	clock := newClock(s, time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC))
	admin := benchAdmin(b, s)
	for i := range 1000 {
		if _, err := s.AddObjective(context.Background(), admin, knowledge.NewObjective{
			Title: fmt.Sprint("O", i), Target: 5, Due: date("2027-06-30")}); err != nil {
			b.Fatal(err)
		}
	}
	clock.Set(time.Date(2027, 1, 11, 0, 5, 0, 0, time.UTC))
	if n, err := s.PlanReminders(context.Background()); err != nil || n != 1000 {
		b.Fatalf("first run queued %d, %v; want 1000", n, err)
	}
	for b.Loop() {
		if n, err := s.PlanReminders(context.Background()); err != nil || n != 0 {
			b.Fatalf("queued %d, %v; want none again", n, err)
		}
	}
}

// benchAdmin is a facilitator of a new community.
func benchAdmin(tb testing.TB, s *knowledge.Store) knowledge.Member {
	tb.Helper()
	c, err := s.Community(context.Background(), "slack", "T-bench")
	if err != nil {
		tb.Fatal(err)
	}
	m, err := s.SeeMember(context.Background(), c.ID, knowledge.Person{PlatformUserID: "U-admin", DisplayName: "admin", IsAdmin: true})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
