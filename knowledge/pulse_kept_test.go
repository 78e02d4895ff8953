package knowledge_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// periodWide is what kept figures stand for.
type periodWide struct {
	Active, Tips, Searches knowledge.Count
	TopSavers              []knowledge.Contributor
	Journey                knowledge.Journey
}

func periodWideOf(st knowledge.Stats) periodWide {
	return periodWide{st.ActiveMembers, st.TipsSaved, st.Searches, st.TopSavers, st.Journey}
}

// TestStore_Stats_KeptFigures: a large community's quarter is read from
// the figures its refresh kept, which are the figures counted live at the
// refresh, with and without facilitators; a small community keeps none;
// figures older than two hours are counted live again.
func TestStore_Stats_KeptFigures(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := pulseCommunity(t, s)
	admin := h.facilitator("admin")
	clock := newClock(s, pulseNow)
	all := &knowledge.StatsOptions{WithFacilitators: true}
	stats := func(opts *knowledge.StatsOptions) knowledge.Stats {
		t.Helper()
		st, err := s.Stats(ctx, admin, knowledge.PeriodQuarter, opts)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	live, liveAll := stats(nil), stats(all)
	if !live.FiguresAsOf.IsZero() || live.TipsSaved.Now == 0 || liveAll.ActiveMembers.Now <= live.ActiveMembers.Now {
		t.Fatalf("live quarter: figures as of %v, %+v tips, %+v active (%+v with facilitators)",
			live.FiguresAsOf, live.TipsSaved, live.ActiveMembers, liveAll.ActiveMembers)
	}

	if err := s.RefreshPeriodFigures(ctx, h.c.ID); err != nil {
		t.Fatal(err)
	}
	if st := stats(nil); !st.FiguresAsOf.IsZero() {
		t.Errorf("a small community's quarter was read from figures kept at %v", st.FiguresAsOf)
	}

	// Large: the tips counter is how copbot knows (tips numbered up to
	// 20,001, most of them since removed).
	h.exec(`UPDATE tip_counters SET last_number = 20001 WHERE community_id = $1`, h.c.ID)
	if err := s.RefreshPeriodFigures(ctx, h.c.ID); err != nil {
		t.Fatal(err)
	}
	h.tip("t-late", "bob", "2027-03-01 12:10", false, false, "testing")
	clock.Set(pulseNow.Add(30 * time.Minute))
	for _, tc := range []struct {
		opts *knowledge.StatsOptions
		live knowledge.Stats
	}{{nil, live}, {all, liveAll}} {
		st := stats(tc.opts)
		if !st.FiguresAsOf.Equal(pulseNow) {
			t.Errorf("with facilitators %t: figures as of %v, want the refresh's %v", st.WithFacilitators, st.FiguresAsOf, pulseNow)
		}
		if got, want := periodWideOf(st), periodWideOf(tc.live); !reflect.DeepEqual(got, want) {
			t.Errorf("with facilitators %t: kept figures\n%+v\nwant those counted live at the refresh\n%+v", st.WithFacilitators, got, want)
		}
		if !st.Levels.Known {
			t.Errorf("with facilitators %t: levels missing beside kept figures", st.WithFacilitators)
		}
	}

	// ada becomes a facilitator: figures kept without facilitators counted
	// her, so they are counted live again (and a refresh is queued); those
	// kept with facilitators still hold.
	h.exec(`UPDATE tip_counters SET last_number = 20001 WHERE community_id = $1`, h.c.ID)
	h.exec(`INSERT INTO facilitators (community_id, member_id) VALUES ($1, $2)`, h.c.ID, h.members["ada"])
	if st := stats(nil); !st.FiguresAsOf.IsZero() || names(st.TopSavers)["ada"] != (knowledge.Count{}) {
		t.Errorf("after ada became a facilitator: figures as of %v, top savers %v; want counted live, without ada",
			st.FiguresAsOf, order(st.TopSavers))
	}
	if st := stats(all); !st.FiguresAsOf.Equal(pulseNow) {
		t.Errorf("with facilitators, after ada became one: figures as of %v, want still kept", st.FiguresAsOf)
	}
	if queued := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'available'`,
		knowledge.RefreshEngagementArgs{}.Kind()); queued != 1 {
		t.Errorf("%d refreshes queued, want 1", queued)
	}
	h.exec(`DELETE FROM facilitators WHERE community_id = $1 AND member_id = $2`, h.c.ID, h.members["ada"])

	clock.Set(pulseNow.Add(3 * time.Hour))
	st := stats(nil)
	if !st.FiguresAsOf.IsZero() || st.TipsSaved.Now != live.TipsSaved.Now+1 {
		t.Errorf("three hours after the refresh: figures as of %v, %+v tips saved; want counted live, %d",
			st.FiguresAsOf, st.TipsSaved, live.TipsSaved.Now+1)
	}
}
