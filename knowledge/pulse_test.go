package knowledge_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

func hours(h float64) *time.Duration {
	d := time.Duration(h * float64(time.Hour))
	return &d
}

func names(cs []knowledge.Contributor) map[string]knowledge.Count {
	out := map[string]knowledge.Count{}
	for _, c := range cs {
		out[c.Member.Name()] = c.Count
	}
	return out
}

func order(cs []knowledge.Contributor) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Member.Name())
	}
	return out
}

func sameMedian(a, b *time.Duration) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func TestStore_Stats(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := pulseCommunity(t, s)
	s.SetClock(func() time.Time { return pulseNow })
	st, err := s.Stats(ctx, h.facilitator("admin"), knowledge.PeriodMonth, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Activity", func(t *testing.T) {
		// Active now: ada (t1 saved, a vote, a check-in, mentoring), bob,
		// cy, dan (ended his pairing); before: ada, dan, gus (a request).
		// admin, fac and the bot are left out.
		if want := (knowledge.Count{Now: 4, Before: 3}); st.ActiveMembers != want {
			t.Errorf("active members = %+v, want %+v", st.ActiveMembers, want)
		}
		// t1, t3, t4, t6 now (t5 was removed); t2 before.
		if want := (knowledge.Count{Now: 4, Before: 1}); st.TipsSaved != want {
			t.Errorf("tips saved = %+v, want %+v", st.TipsSaved, want)
		}
		// bob's and admin's first pages now, dan's before.
		if want := (knowledge.Count{Now: 2, Before: 1}); st.Searches != want {
			t.Errorf("searches = %+v, want %+v", st.Searches, want)
		}
		if got, want := order(st.TopSavers), []string{"ada", "bob", "cy"}; !reflect.DeepEqual(got, want) {
			t.Errorf("top savers = %v, want %v (fac left out)", got, want)
		}
		if got := names(st.TopSavers)["ada"]; got != (knowledge.Count{Now: 1, Before: 1}) {
			t.Errorf("ada's tips saved = %+v, want 1 now and 1 before", got)
		}
		// Votes by others: ada got bob's, admin's and bob's (t5) now and
		// dan's before; bob got cy's and ada's.
		if got, want := names(st.TopReceivers), map[string]knowledge.Count{"ada": {Now: 3, Before: 1}, "bob": {Now: 2}}; !reflect.DeepEqual(got, want) {
			t.Errorf("top receivers = %v, want %v", got, want)
		}
	})

	t.Run("Mentoring", func(t *testing.T) {
		m := st.Mentoring
		want := knowledge.MentoringStats{
			// Pairing 2 now; pairing 1 (ended 2027-02-05) at the period's start.
			ActivePairings: knowledge.Count{Now: 1, Before: 1},
			// cy now; gus at the start (his introduction was declined, and he
			// withdrew only on 2027-02-26).
			Waitlist:    knowledge.Count{Now: 1, Before: 1},
			NewPairings: knowledge.Count{Now: 1, Before: 2},
		}
		if m.ActivePairings != want.ActivePairings || m.Waitlist != want.Waitlist || m.NewPairings != want.NewPairings {
			t.Errorf("mentoring = %+v, want %+v", m, want)
		}
		// bob waited 6 hours; before, dan and gus a day each.
		if !sameMedian(m.RequestToPairing.Now, hours(6)) || !sameMedian(m.RequestToPairing.Before, hours(24)) {
			t.Errorf("median request to pairing = %v / %v, want 6h / 24h", m.RequestToPairing.Now, m.RequestToPairing.Before)
		}
	})

	t.Run("Objectives", func(t *testing.T) {
		o := st.Objectives
		want := map[knowledge.Status]knowledge.Count{
			knowledge.StatusOnTrack:  {Now: 1, Before: 1}, // o1
			knowledge.StatusBehind:   {Now: 1, Before: 1}, // o2
			knowledge.StatusAchieved: {Before: 1},         // o3 reached its target, not closed yet
		}
		if !reflect.DeepEqual(o.Open, want) {
			t.Errorf("open objectives by status = %v, want %v", o.Open, want)
		}
		if o.Achieved != (knowledge.Count{Now: 1, Before: 1}) || o.Dropped != (knowledge.Count{Now: 1}) {
			t.Errorf("closed: achieved %+v, dropped %+v; want 1/1 and 1/0", o.Achieved, o.Dropped)
		}
	})

	t.Run("Levels", func(t *testing.T) {
		l := st.Levels
		if !l.Known || !l.AsOf.Equal(pulseNow) {
			t.Fatalf("levels known %v as of %v, want computed now", l.Known, l.AsOf)
		}
		// Now: ada contributor, bob participant; cy (two saves, faded
		// below 2), dan, eve and gus newcomers. At the start: ada
		// participant, dan and gus newcomers; bob, cy and eve not there.
		want := [4]knowledge.Count{{Now: 4, Before: 2}, {Now: 1, Before: 1}, {Now: 1, Before: 0}, {}}
		if l.Counts != want {
			t.Errorf("levels = %v, want %v", l.Counts, want)
		}
		wantMoves := []knowledge.LevelMove{
			{From: knowledge.LevelParticipant, To: knowledge.LevelContributor},
			{From: knowledge.LevelNewcomer, To: knowledge.LevelParticipant},
		}
		if len(l.MovedUp) != 2 || l.MovedUpTotal != 2 || l.MovedUp[0].Member.Name() != "ada" || l.MovedUp[1].Member.Name() != "bob" {
			t.Fatalf("moved up = %+v (of %d), want ada then bob", l.MovedUp, l.MovedUpTotal)
		}
		for i, mv := range l.MovedUp {
			if mv.From != wantMoves[i].From || mv.To != wantMoves[i].To {
				t.Errorf("%s moved %s → %s, want %s → %s", mv.Member.Name(), mv.From, mv.To, wantMoves[i].From, wantMoves[i].To)
			}
		}
	})

	t.Run("Journey", func(t *testing.T) {
		j := st.Journey
		// bob, cy and eve joined in the period; dan in the one before.
		if j.Joined != (knowledge.Count{Now: 3, Before: 1}) {
			t.Errorf("joined = %+v, want 3 now and 1 before", j.Joined)
		}
		steps := []struct {
			name      string
			got       knowledge.Step
			reached   knowledge.Count
			now, then *time.Duration
		}{
			// bob and cy saved a day after joining; dan after five days.
			{"first save", j.FirstSave, knowledge.Count{Now: 2, Before: 1}, hours(24), hours(120)},
			// bob's mentor accepted after three days; dan's after 49 hours.
			{"mentor", j.Mentor, knowledge.Count{Now: 1, Before: 1}, hours(72), hours(49)},
			// bob's tip after five days, cy's after two: the median is 3.5.
			{"first tip", j.FirstTip, knowledge.Count{Now: 2, Before: 0}, hours(84), nil},
		}
		for _, s := range steps {
			if s.got.Reached != s.reached || !sameMedian(s.got.Median.Now, s.now) || !sameMedian(s.got.Median.Before, s.then) {
				t.Errorf("%s = %+v (medians %v, %v), want %+v (medians %v, %v)", s.name, s.got.Reached,
					s.got.Median.Now, s.got.Median.Before, s.reached, s.now, s.then)
			}
		}
	})

	t.Run("Stories", func(t *testing.T) {
		if st.Stories != (knowledge.Count{Now: 1, Before: 1}) || st.LatestStory == nil || st.LatestStory.Member.Name() != "bob" {
			t.Errorf("stories = %+v, latest %+v; want 1/1, latest bob's", st.Stories, st.LatestStory)
		}
	})
}

func TestStore_Stats_WithFacilitators(t *testing.T) {
	s := newStore(t)
	h := pulseCommunity(t, s)
	s.SetClock(func() time.Time { return pulseNow })
	st, err := s.Stats(context.Background(), h.facilitator("admin"), knowledge.PeriodMonth, &knowledge.StatsOptions{WithFacilitators: true})
	if err != nil {
		t.Fatal(err)
	}
	// admin (a vote, a search; check-ins before) and fac (t6) count now.
	if want := (knowledge.Count{Now: 6, Before: 4}); st.ActiveMembers != want {
		t.Errorf("active members = %+v, want %+v", st.ActiveMembers, want)
	}
	if got, want := order(st.TopSavers), []string{"fac", "ada", "bob", "cy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top savers = %v, want %v", got, want)
	}
	// admin's check-ins make them a participant at both ends; the bot is
	// never a member.
	want := [4]knowledge.Count{{Now: 5, Before: 3}, {Now: 2, Before: 2}, {Now: 1, Before: 0}, {}}
	if st.Levels.Counts != want {
		t.Errorf("levels = %v, want %v", st.Levels.Counts, want)
	}
}

func TestStore_Stats_OnlyFacilitators(t *testing.T) {
	s := newStore(t)
	h := pulseCommunity(t, s)
	m := h.facilitator("ada")
	m.IsFacilitator = false
	if _, err := s.Stats(context.Background(), m, knowledge.PeriodMonth, nil); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("stats for a member = %v, want ErrForbidden", err)
	}
}

func TestStore_Stats_Periods(t *testing.T) {
	s := newStore(t)
	h := pulseCommunity(t, s)
	s.SetClock(func() time.Time { return pulseNow })
	st, err := s.Stats(context.Background(), h.facilitator("admin"), knowledge.PeriodWeek, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 2027-02-22 12:00 to now: t4 (saved at the very start); before it,
	// t1, t3 and t5 (removed) of 2027-02-15 12:00 to 2027-02-22 12:00: t3.
	if want := (knowledge.Count{Now: 1, Before: 1}); st.TipsSaved != want {
		t.Errorf("week's tips saved = %+v, want %+v", st.TipsSaved, want)
	}
	// eve joined this week; cy the week before.
	if want := (knowledge.Count{Now: 1, Before: 1}); st.Journey.Joined != want {
		t.Errorf("week's newcomers = %+v, want %+v", st.Journey.Joined, want)
	}
	// A week ago (2027-02-22 12:00) ada was a contributor already and bob a
	// participant: nobody moved up this week.
	if st.Levels.MovedUpTotal != 0 || st.Levels.Counts[knowledge.LevelContributor] != (knowledge.Count{Now: 1, Before: 1}) {
		t.Errorf("week's levels = %+v", st.Levels)
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want knowledge.Period
		ok   bool
	}{
		{"", knowledge.PeriodMonth, true},
		{"30d", knowledge.PeriodMonth, true},
		{"Month", knowledge.PeriodMonth, true},
		{"7d", knowledge.PeriodWeek, true},
		{"week", knowledge.PeriodWeek, true},
		{"90d", knowledge.PeriodQuarter, true},
		{"quarter", knowledge.PeriodQuarter, true},
		{"14d", knowledge.Period{}, false},
		{"fortnight", knowledge.Period{}, false},
		{"-7d", knowledge.Period{}, false},
	}
	for _, tt := range tests {
		got, err := knowledge.ParsePeriod(tt.in)
		var invalid *knowledge.InvalidError
		if tt.ok && (err != nil || got != tt.want) || !tt.ok && !errors.As(err, &invalid) {
			t.Errorf("ParsePeriod(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// TestStore_EngagementScore checks a member's score against the rule
// written out by hand: each event's points halve every 30 whole days.
func TestStore_EngagementScore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := pulseCommunity(t, s)
	s.SetClock(func() time.Time { return pulseNow })
	if err := s.RefreshEngagement(ctx, h.c.ID); err != nil {
		t.Fatal(err)
	}
	decay := func(points float64, days int) float64 { return points * math.Pow(2, -float64(days)/30) }
	// ada: votes from bob (18 days ago), admin (17), dan (50) and bob on
	// t5 (9), 2 points each; her save of t3 (13); mentoring dan (accepted
	// 52 days 23 hours ago: 52 whole days) and bob (16), 5 each; a
	// check-in (14), 2.
	want := decay(2, 18) + decay(2, 17) + decay(2, 50) + decay(2, 9) + decay(1, 13) + decay(5, 52) + decay(5, 16) + decay(2, 14)
	level, score, err := s.MemberLevel(ctx, h.c.ID, h.members["ada"])
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(score-want) > 1e-9 || level != knowledge.LevelContributor {
		t.Errorf("ada = %s %.6f, want contributor %.6f", level, score, want)
	}
	// cy saved twice within a week (8 and 7 days ago): 1.68, a newcomer.
	level, score, err = s.MemberLevel(ctx, h.c.ID, h.members["cy"])
	if err != nil {
		t.Fatal(err)
	}
	if want := decay(1, 8) + decay(1, 7); math.Abs(score-want) > 1e-9 || level != knowledge.LevelNewcomer {
		t.Errorf("cy = %s %.6f, want newcomer %.6f", level, score, want)
	}
	// eve did nothing: no figures at all.
	if level, score, err := s.MemberLevel(ctx, h.c.ID, h.members["eve"]); err != nil || level != knowledge.LevelNewcomer || score != 0 {
		t.Errorf("eve = %s %v %v, want newcomer 0", level, score, err)
	}
}

func TestLevelOf(t *testing.T) {
	for score, want := range map[float64]knowledge.Level{
		0: knowledge.LevelNewcomer, 1.99: knowledge.LevelNewcomer, 2: knowledge.LevelParticipant,
		9.99: knowledge.LevelParticipant, 10: knowledge.LevelContributor, 30: knowledge.LevelCore, 500: knowledge.LevelCore,
	} {
		if got := knowledge.LevelOf(score); got != want {
			t.Errorf("LevelOf(%v) = %s, want %s", score, got, want)
		}
	}
}
