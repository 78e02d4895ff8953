package knowledge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// keptPeriods are the periods whose period-wide figures a large community
// reads from those its engagement refresh keeps: a quarter and the quarter
// before it are every act of half a year, about 400 ms to count for a
// million tips on two cores, twice what an answer may take. A week and a
// month are counted live.
var keptPeriods = []Period{PeriodQuarter}

// periodFigures are the figures of stats that read every act of both
// periods.
type periodFigures struct {
	ActiveMembers Count         `json:"active_members"`
	TipsSaved     Count         `json:"tips_saved"`
	Searches      Count         `json:"searches"`
	TopSavers     []Contributor `json:"top_savers"`
	Journey       Journey       `json:"journey"`
	// AsOf is when they were computed.
	AsOf time.Time `json:"-"`
}

// periodWideSteps are the sections of stats that compute periodFigures.
func periodWideSteps(s *Store) []statsStep {
	return []statsStep{s.activeMembers, s.tipsSaved, s.journey}
}

func figuresOf(st *Stats) periodFigures {
	return periodFigures{ActiveMembers: st.ActiveMembers, TipsSaved: st.TipsSaved, Searches: st.Searches,
		TopSavers: st.TopSavers, Journey: st.Journey, AsOf: st.AsOf}
}

func (f *periodFigures) into(st *Stats) {
	st.ActiveMembers, st.TipsSaved, st.Searches = f.ActiveMembers, f.TipsSaved, f.Searches
	st.TopSavers, st.Journey, st.FiguresAsOf = f.TopSavers, f.Journey, f.AsOf
}

// keptFigures returns the period-wide figures kept for the window's
// community and period, if it is one of keptPeriods and they were computed
// within staleEngagement before the window's end (and not after it),
// leaving out the same members; nil otherwise, and then a large community
// gets a refresh queued.
func (s *Store) keptFigures(ctx context.Context, w window, p Period, withFacilitators bool) (*periodFigures, error) {
	if !slices.Contains(keptPeriods, p) {
		return nil, nil
	}
	var f periodFigures
	var body []byte
	err := s.pool.QueryRow(ctx, `
		SELECT computed_at, figures FROM period_figures
		WHERE community_id = $1 AND period = $2 AND with_facilitators = $3 AND computed_at > $4 AND computed_at <= $5
		  AND left_out = $6`,
		w.community, p.key, withFacilitators, w.to.Add(-staleEngagement), w.to, w.excluded).Scan(&f.AsOf, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.queueLargeRefresh(ctx, w.community)
	}
	if err != nil {
		return nil, fmt.Errorf("read kept figures: %w", err)
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, fmt.Errorf("decode kept figures: %w", err)
	}
	return &f, nil
}

// queueLargeRefresh queues an engagement refresh (which keeps the period
// figures) for a large community.
func (s *Store) queueLargeRefresh(ctx context.Context, communityID int64) error {
	large, err := s.large(ctx, communityID)
	if err != nil || !large {
		return err
	}
	return s.queueRefresh(ctx, communityID)
}

// queueRefresh queues a community's engagement refresh; one waits per
// community at a time (RefreshEngagementArgs.InsertOpts).
func (s *Store) queueRefresh(ctx context.Context, communityID int64) error {
	if _, err := s.jobs.Insert(ctx, RefreshEngagementArgs{CommunityID: communityID}, nil); err != nil {
		return fmt.Errorf("queue engagement refresh: %w", err)
	}
	return nil
}

// large reports whether a community has numbered more than
// liveEngagementTips tips: then its engagement and its quarter's figures
// are kept rather than computed while someone waits.
func (s *Store) large(ctx context.Context, communityID int64) (bool, error) {
	var tips int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE((SELECT last_number FROM tip_counters WHERE community_id = $1), 0)`,
		communityID).Scan(&tips); err != nil {
		return false, fmt.Errorf("count tips: %w", err)
	}
	return tips > liveEngagementTips, nil
}

// RefreshPeriodFigures computes a large community's period-wide figures
// for keptPeriods as of the store's clock, counting facilitators and not,
// and keeps them for Stats; the engagement refresh job calls it after
// RefreshEngagement. A community of up to liveEngagementTips tips keeps
// none: its figures are counted live in milliseconds.
func (s *Store) RefreshPeriodFigures(ctx context.Context, communityID int64) error {
	if large, err := s.large(ctx, communityID); err != nil || !large {
		return err
	}
	now := s.now()
	for _, p := range keptPeriods {
		for _, withFacilitators := range []bool{false, true} {
			w, err := s.statsWindow(ctx, communityID, p, now, withFacilitators)
			if err != nil {
				return err
			}
			st := Stats{AsOf: now}
			if err := runSteps(ctx, w, &st, periodWideSteps(s)); err != nil {
				return err
			}
			body, err := json.Marshal(figuresOf(&st))
			if err != nil {
				return fmt.Errorf("encode period figures: %w", err)
			}
			if _, err := s.pool.Exec(ctx, `
				INSERT INTO period_figures (community_id, period, with_facilitators, computed_at, left_out, figures)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (community_id, period, with_facilitators) DO UPDATE
				SET computed_at = excluded.computed_at, left_out = excluded.left_out, figures = excluded.figures
				WHERE period_figures.computed_at < excluded.computed_at`,
				communityID, p.key, withFacilitators, now, w.excluded, body); err != nil {
				return fmt.Errorf("keep period figures: %w", err)
			}
		}
	}
	return nil
}
