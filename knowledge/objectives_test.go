package knowledge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/fakeclock"
	"github.com/copbot/copbot/knowledge"
)

// newClock puts the store on a clock the test moves by hand.
func newClock(s *knowledge.Store, t time.Time) *fakeclock.Clock {
	c := fakeclock.New(t)
	s.SetClock(c.Now)
	return c
}

func date(s string) time.Time {
	d, err := knowledge.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// addObjective adds an objective as the community's admin, failing the test
// on error.
func (p *practice) addObjective(t *testing.T, n knowledge.NewObjective) knowledge.Objective {
	t.Helper()
	o, err := p.s.AddObjective(context.Background(), p.member(t, "admin"), n)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (p *practice) checkIn(t *testing.T, who string, number int, amount string, note string) knowledge.Progress {
	t.Helper()
	a, err := knowledge.ParseAmount(amount)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.s.CheckIn(context.Background(), p.member(t, who), number, knowledge.NewCheckin{Amount: a, Note: note})
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func (p *practice) progress(t *testing.T, number int) knowledge.Progress {
	t.Helper()
	o, err := p.s.Objective(context.Background(), p.c.ID, number)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.s.Progress(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func TestStore_AddObjective(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	newClock(s, time.Date(2027, 3, 1, 23, 30, 0, 0, time.UTC))
	p := newPractice(t, s, "slack", "T-add")
	other := newPractice(t, s, "slack", "T-other")

	t.Run("NumbersArePerCommunity", func(t *testing.T) {
		a := p.addObjective(t, knowledge.NewObjective{Title: "Run workshops", Target: 4, Due: date("2027-06-30")})
		b := p.addObjective(t, knowledge.NewObjective{Title: "Write guides", Target: 2.5, Unit: "guides", Due: date("2027-06-30"),
			Tag: "#Guides", Owner: ptr(p.member(t, "ada")), Cadence: knowledge.CadenceMonthly, ChannelID: "C1"})
		c := other.addObjective(t, knowledge.NewObjective{Title: "Elsewhere", Target: 1, Due: date("2027-06-30")})
		if a.Number != 1 || b.Number != 2 || c.Number != 1 {
			t.Fatalf("numbers %d, %d, %d; want 1, 2 and 1 in the other community", a.Number, b.Number, c.Number)
		}
		if a.Unit != "items" || a.Cadence != knowledge.CadenceWeekly || a.OwnerName != "admin" || !a.Open() {
			t.Errorf("defaults: %+v", a)
		}
		if b.Tag != "guides" || b.Target != 2.5 || b.OwnerName != "ada" || b.ChannelID != "C1" || b.Cadence != "monthly" {
			t.Errorf("stored as %+v", b)
		}
	})

	t.Run("EveryProblemAtOnceAndNothingWritten", func(t *testing.T) {
		_, err := s.AddObjective(ctx, p.member(t, "admin"), knowledge.NewObjective{Title: " ", Target: -5,
			Due: date("2027-03-01"), Cadence: "daily"})
		var invalid *knowledge.InvalidError
		if !errors.As(err, &invalid) {
			t.Fatalf("err = %v, want an InvalidError", err)
		}
		for _, want := range []string{"title", "above zero", "not in the future", "not a cadence"} {
			if !strings.Contains(invalid.Msg, want) {
				t.Errorf("message lacks %q:\n%s", want, invalid.Msg)
			}
		}
		if next := p.addObjective(t, knowledge.NewObjective{Title: "Next", Target: 1, Due: date("2027-06-30")}); next.Number != 3 {
			t.Errorf("next number = %d, want 3: the refused objective took a number", next.Number)
		}
	})

	t.Run("DueDateIsJudgedInTheCommunitysTimeZone", func(t *testing.T) {
		// 23:30 UTC on 1 March is already 2 March in Auckland.
		tz := newPractice(t, s, "slack", "T-nz")
		if _, err := s.SetConfig(ctx, tz.member(t, "admin"), "timezone", "Pacific/Auckland"); err != nil {
			t.Fatal(err)
		}
		_, err := s.AddObjective(ctx, tz.member(t, "admin"), knowledge.NewObjective{Title: "x", Target: 1, Due: date("2027-03-02")})
		if err == nil || !strings.Contains(err.Error(), "Pacific/Auckland") {
			t.Errorf("due today in Auckland: err = %v, want a refusal naming the zone", err)
		}
		p.addObjective(t, knowledge.NewObjective{Title: "Due tomorrow in UTC", Target: 1, Due: date("2027-03-02")})
	})

	t.Run("OnlyFacilitators", func(t *testing.T) {
		_, err := s.AddObjective(ctx, p.member(t, "bob"), knowledge.NewObjective{Title: "x", Target: 1, Due: date("2027-06-30")})
		if !errors.Is(err, knowledge.ErrForbidden) {
			t.Errorf("err = %v, want ErrForbidden", err)
		}
	})
}

func TestStore_EditCloseReopen(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	newClock(s, time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC))
	p := newPractice(t, s, "slack", "T-edit")
	admin := p.member(t, "admin")
	p.addObjective(t, knowledge.NewObjective{Title: "Guides", Target: 3, Due: date("2027-06-30"), Tag: "guides"})
	p.checkIn(t, "admin", 1, "2", "")

	target, due, none := 5.0, date("2027-09-30"), ""
	o, err := s.EditObjective(ctx, admin, 1, knowledge.ObjectiveEdit{Target: &target, Due: &due, Tag: &none, Owner: ptr(p.member(t, "ada"))})
	if err != nil {
		t.Fatal(err)
	}
	if o.Target != 5 || !o.Due.Equal(due) || o.Tag != "" || o.OwnerName != "ada" || o.Title != "Guides" {
		t.Errorf("edited: %+v", o)
	}
	past := date("2026-12-01")
	if _, err := s.EditObjective(ctx, admin, 1, knowledge.ObjectiveEdit{Due: &past}); err == nil {
		t.Error("a past due date was accepted in an edit")
	}
	if _, err := s.EditObjective(ctx, p.member(t, "ada"), 1, knowledge.ObjectiveEdit{Target: &target}); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("the owner, not a facilitator, edited: %v", err)
	}
	if pr := p.progress(t, 1); pr.Value != 2 || len(pr.Entries) != 1 {
		t.Errorf("an edit changed the history: value %v, %d entries", pr.Value, len(pr.Entries))
	}

	if _, err := s.CloseObjective(ctx, admin, 1, "finished", true); err == nil {
		t.Error("closed with an unknown outcome")
	}
	if o, err = s.CloseObjective(ctx, admin, 1, knowledge.ObjectiveDropped, true); err != nil || o.State != "dropped" || o.ClosedAt == nil {
		t.Fatalf("close = %+v, %v", o, err)
	}
	if _, err := s.CloseObjective(ctx, admin, 1, knowledge.ObjectiveAchieved, true); err == nil || !strings.Contains(err.Error(), "already closed") {
		t.Errorf("closing twice: %v", err)
	}
	if _, err := s.CheckIn(ctx, admin, 1, knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}}); err == nil ||
		!strings.Contains(err.Error(), "closed") {
		t.Errorf("check-in on a closed objective: %v", err)
	}
	if pr := p.progress(t, 1); pr.Status != knowledge.StatusDropped || len(pr.Entries) != 1 {
		t.Errorf("after a refused check-in: %s with %d entries", pr.Status, len(pr.Entries))
	}
	if _, err := s.ReopenObjective(ctx, p.member(t, "ada"), 1); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("reopen by a member: %v", err)
	}
	if o, err = s.ReopenObjective(ctx, admin, 1); err != nil || !o.Open() || o.ClosedAt != nil {
		t.Fatalf("reopen = %+v, %v", o, err)
	}
	if _, err := s.ReopenObjective(ctx, admin, 1); err == nil {
		t.Error("reopened an open objective")
	}
	if _, err := s.CloseObjective(ctx, admin, 9, knowledge.ObjectiveAchieved, true); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("closing objective 9: %v, want ErrNotFound", err)
	}
}

func TestStore_CheckIn(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := newClock(s, time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC))
	p := newPractice(t, s, "slack", "T-checkin")
	p.addObjective(t, knowledge.NewObjective{Title: "Talks", Target: 10, Due: date("2027-06-30"), Owner: ptr(p.member(t, "ada"))})

	t.Run("SetsAddsAndKeepsEveryEntry", func(t *testing.T) {
		p.checkIn(t, "ada", 1, "4", "first batch")
		clock.Set(clock.Now().Add(time.Hour))
		p.checkIn(t, "admin", 1, "+2", "")
		clock.Set(clock.Now().Add(time.Hour))
		pr := p.checkIn(t, "ada", 1, "-1", "counted one twice")
		if pr.Value != 5 {
			t.Fatalf("value = %v, want 4 + 2 - 1 = 5", pr.Value)
		}
		var got []string
		for _, e := range pr.Entries {
			got = append(got, e.Who+" "+knowledge.FormatAmount(e.Amount)+" "+knowledge.FormatAmount(e.Value)+" "+e.Note)
		}
		want := []string{"ada 4 4 first batch", "admin 2 6 ", "ada -1 5 counted one twice"}
		if !slices.Equal(got, want) {
			t.Errorf("history = %q, want %q", got, want)
		}
		if !pr.Entries[0].Set || pr.Entries[1].Set || !pr.Entries[0].At.Equal(time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)) {
			t.Errorf("entries: %+v", pr.Entries)
		}
	})

	t.Run("BadValuesWriteNothing", func(t *testing.T) {
		for _, a := range []knowledge.Amount{{Value: -3}, {Value: 0, Delta: true}, {Value: -6, Delta: true}} {
			if _, err := s.CheckIn(ctx, p.member(t, "ada"), 1, knowledge.NewCheckin{Amount: a}); err == nil {
				t.Errorf("check-in %+v accepted", a)
			}
		}
		long := strings.Repeat("x", knowledge.MaxCheckinNote+1)
		if _, err := s.CheckIn(ctx, p.member(t, "ada"), 1, knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}, Note: long}); err == nil {
			t.Error("an over-long note was accepted")
		}
		if pr := p.progress(t, 1); len(pr.Entries) != 3 {
			t.Errorf("%d entries after refused check-ins, want 3", len(pr.Entries))
		}
	})

	t.Run("OthersOnlyWhenTheCommunityAllows", func(t *testing.T) {
		bob := p.member(t, "bob")
		one := knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}}
		if _, err := s.CheckIn(ctx, bob, 1, one); !errors.Is(err, knowledge.ErrNotOwner) || !errors.Is(err, knowledge.ErrForbidden) {
			t.Fatalf("bob's check-in: %v, want ErrNotOwner", err)
		}
		if _, err := s.SetConfig(ctx, p.member(t, "admin"), "checkin-by", "Anyone"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckIn(ctx, bob, 1, one); err != nil {
			t.Errorf("bob's check-in with checkin-by anyone: %v", err)
		}
		if _, err := s.CheckIn(ctx, bob, 7, one); !errors.Is(err, knowledge.ErrNotFound) {
			t.Errorf("check-in on objective 7: %v, want ErrNotFound", err)
		}
	})
}

func TestStore_CheckIn_ConcurrentCheckinsAllCount(t *testing.T) {
	s := newStore(t)
	p := newPractice(t, s, "slack", "T-race")
	p.addObjective(t, knowledge.NewObjective{Title: "Many hands", Target: 100, Due: date("2099-06-30")})
	const n = 24
	admin := p.member(t, "admin")
	values := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pr, err := s.CheckIn(context.Background(), admin, 1, knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}})
			values[i], errs[i] = pr.Value, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("check-in %d: %v", i, err)
		}
	}
	if pr := p.progress(t, 1); pr.Value != n || len(pr.Entries) != n {
		t.Fatalf("value %v with %d entries after %d concurrent +1s; want %d", pr.Value, len(pr.Entries), n, n)
	}
	// Each check-in saw exactly the ones before it: the replies are 1…n.
	slices.Sort(values)
	for i, v := range values {
		if v != float64(i+1) {
			t.Fatalf("replies %v; want each of 1…%d once", values, n)
		}
	}
}

func ptr[T any](v T) *T { return &v }
