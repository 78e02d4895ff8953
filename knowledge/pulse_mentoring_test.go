package knowledge_test

import (
	"context"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_StatsRateEndedPairings: stats count the pairings that ended in
// each period and average their ratings.
func TestStore_StatsRateEndedPairings(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-stats-rating")
	m.offer(t, "ada", "testing", 5)
	a := m.endedPairing(t, "ada", "m1", "m1", "", ptr(5))
	if _, err := s.EndPairing(ctx, m.member(t, "ada"), &a.Number, "", ptr(4)); err != nil {
		t.Fatal(err)
	}
	m.endedPairing(t, "ada", "m2", "m2", "", ptr(3))
	m.endedPairing(t, "ada", "m3", "ada", "No rating", nil)
	f := m.endedPairing(t, "ada", "m4", "admin", "", ptr(1)) // a facilitator's rating rates nothing
	old := m.endedPairing(t, "ada", "m5", "m5", "", ptr(2))
	m.endedAgo(t, old.Number, 40*24*time.Hour)
	st, err := s.Stats(ctx, m.member(t, "admin"), knowledge.PeriodMonth, nil)
	if err != nil {
		t.Fatal(err)
	}
	mt := st.Mentoring
	if mt.EndedPairings != (knowledge.Count{Now: 4, Before: 1}) || mt.Rated != (knowledge.Count{Now: 2, Before: 1}) {
		t.Errorf("ended %+v, rated %+v; want 4/1 and 2/1 (pairing %d's only rating is a facilitator's)", mt.EndedPairings, mt.Rated, f.Number)
	}
	// (4.5 + 3) / 2: each pairing's rating is the mean of its sides'.
	if mt.Rating.Now == nil || *mt.Rating.Now != 3.75 || mt.Rating.Before == nil || *mt.Rating.Before != 2 {
		t.Errorf("average rating = %v / %v, want 3.75 / 2", mt.Rating.Now, mt.Rating.Before)
	}
}
