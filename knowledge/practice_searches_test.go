package knowledge_test

import (
	"context"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// TestStore_PruneSearches: searches older than the quarter and the quarter
// before it are forgotten; the quarter's stats count the same after.
func TestStore_PruneSearches(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := pulseCommunity(t, s)
	s.SetClock(func() time.Time { return pulseNow })
	h.search("bob", "2026-09-01 12:00", 1) // 181 days before pulseNow: gone
	h.search("bob", "2026-09-03 12:00", 1) // 179 days: the quarter before reads it
	h.search("dan", "2026-08-01 12:00", 2) // gone
	before, err := s.Stats(ctx, h.facilitator("admin"), knowledge.PeriodQuarter, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneSearches(ctx)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d searches (%v), want 2", n, err)
	}
	after, err := s.Stats(ctx, h.facilitator("admin"), knowledge.PeriodQuarter, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Searches != before.Searches || before.Searches.Before == 0 {
		t.Errorf("the quarter's searches went from %+v to %+v", before.Searches, after.Searches)
	}
	if left := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM searches WHERE community_id = $1 AND at < $2`,
		h.c.ID, at("2026-09-02 12:00")); left != 0 {
		t.Errorf("%d searches older than 180 days left", left)
	}
}
