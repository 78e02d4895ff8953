package knowledge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Day is the unit of periods and of the engagement decay.
const Day = 24 * time.Hour

// Period is the stretch of time /cop stats looks at: the last Days days,
// compared with the Days days before them.
type Period struct {
	Days int
	// key names the period in the engagement columns: "7d", "30d", "90d".
	key string
}

// Periods are the ones stats offer; engagement is kept for each.
var (
	PeriodWeek    = Period{Days: 7, key: "7d"}
	PeriodMonth   = Period{Days: 30, key: "30d"}
	PeriodQuarter = Period{Days: 90, key: "90d"}
)

// Length is the period as a duration.
func (p Period) Length() time.Duration { return time.Duration(p.Days) * Day }

// String is how people type it: "30d".
func (p Period) String() string { return p.key }

// ParsePeriod reads a period as people type it: 7d, 30d or 90d, or week,
// month or quarter; "" is a month.
func ParsePeriod(s string) (Period, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "30d", "month", "30":
		return PeriodMonth, nil
	case "7d", "week", "7":
		return PeriodWeek, nil
	case "90d", "quarter", "90":
		return PeriodQuarter, nil
	}
	return Period{}, invalidf("`%s` is not a period I know; use `7d` (or `week`), `30d` (or `month`) or `90d` (or `quarter`).", s)
}

// Count is a figure for the period and for the period before it.
type Count struct{ Now, Before int }

// Median is a median duration for the period and the period before it;
// nil when there was nothing to measure.
type Median struct{ Now, Before *time.Duration }

// Contributor is a member in a top list, with their figure.
type Contributor struct {
	Member MemberRef
	Count  Count
}

// Stats is a community's pulse over a period, each figure with the same
// figure for the period before.
type Stats struct {
	Period Period
	// AsOf ends the period; From starts it, and the previous period is
	// [From - Period, From).
	AsOf, From time.Time
	// WithFacilitators says whether facilitators were counted as members;
	// bots never are.
	WithFacilitators bool
	// FiguresAsOf, when not zero, is when the period-wide figures (active
	// members, tips saved, searches, top savers, the journey) were
	// computed: a large community's quarter is read from the figures its
	// engagement refresh keeps (see RefreshPeriodFigures).
	FiguresAsOf time.Time

	ActiveMembers Count
	// ActiveLeftOut is how many of the members left out of the counts
	// (facilitators, bots) were active in the period, counted live only
	// (0 with kept figures), so that a young community whose facilitators
	// do most of the work is not told it has no active members.
	ActiveLeftOut int
	// TipsSaved counts tips added to the repository that are still in it.
	TipsSaved Count
	Searches  Count
	// TopSavers wrote the most tips saved in the period; TopReceivers got
	// the most votes from others on their tips (as of Levels.AsOf).
	TopSavers    []Contributor
	TopReceivers []Contributor

	Mentoring  MentoringStats
	Objectives ObjectiveStats
	Levels     LevelStats
	Journey    Journey

	Stories Count
	// LatestStory is the newest story of the period, if any.
	LatestStory *Story
}

// topN is how many contributors a top list shows.
const topN = 5

// StatsOptions tune Stats. A nil *StatsOptions uses the defaults.
type StatsOptions struct {
	// WithFacilitators counts facilitators (admins included) as members.
	WithFacilitators bool
}

// Stats computes a community's pulse over a period, as of the store's
// clock. Facilitators only. Every figure is computed in PostgreSQL, a few
// queries in all; engagement levels and votes received come from the
// engagement cache (see RefreshEngagement), which a small community
// refreshes here and a large one by its periodic job, and a large
// community's quarter reads the period-wide figures that job keeps (see
// RefreshPeriodFigures).
func (s *Store) Stats(ctx context.Context, by Member, p Period, opts *StatsOptions) (Stats, error) {
	if err := MayFacilitate(by); err != nil {
		return Stats{}, err
	}
	if opts == nil {
		opts = &StatsOptions{}
	}
	now := s.now()
	st := Stats{Period: p, AsOf: now, From: now.Add(-p.Length()), WithFacilitators: opts.WithFacilitators}
	w, err := s.statsWindow(ctx, by.CommunityID, p, now, opts.WithFacilitators)
	if err != nil {
		return Stats{}, err
	}
	steps := []statsStep{s.levels, s.mentoringStats, s.objectiveStats, s.storyStats}
	kept, err := s.keptFigures(ctx, w, p, opts.WithFacilitators)
	switch {
	case err != nil:
		return Stats{}, err
	case kept != nil:
		kept.into(&st)
	default:
		steps = append(periodWideSteps(s), steps...)
	}
	if err := runSteps(ctx, w, &st, steps); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// statsStep computes one section of stats.
type statsStep func(context.Context, window, *Stats) error

// runSteps runs the sections of stats together: they write apart and read
// apart, each on its own connection, so the slowest sets the pace rather
// than their sum.
func runSteps(ctx context.Context, w window, st *Stats, steps []statsStep) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() { errs[i] = step(ctx, w, st) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// statsWindow is the window of a period ending at now, with the members
// left out of counts: bots, and facilitators unless counted. They are few:
// their ids go to each query as an array, cheaper than a subquery per row.
func (s *Store) statsWindow(ctx context.Context, communityID int64, p Period, now time.Time, withFacilitators bool) (window, error) {
	from := now.Add(-p.Length())
	w := window{community: communityID, to: now, from: from, before: from.Add(-p.Length())}
	rows, err := s.pool.Query(ctx, `
		SELECT id FROM members WHERE community_id = $1 AND (is_bot OR is_admin AND NOT $2)
		UNION
		SELECT member_id FROM facilitators WHERE community_id = $1 AND NOT $2`, communityID, withFacilitators)
	if err != nil {
		return window{}, fmt.Errorf("list members left out: %w", err)
	}
	if w.excluded, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return window{}, fmt.Errorf("list members left out: %w", err)
	}
	if w.excluded == nil {
		w.excluded = []int64{}
	}
	slices.Sort(w.excluded) // kept figures are matched on them
	return w, nil
}

// window is the two periods a stats query compares, [before, from) and
// [from, to), and the members left out of member counts.
type window struct {
	community        int64
	before, from, to time.Time
	excluded         []int64
}

// activeMembers counts the members active in each period: those copbot
// recorded doing something, or whose work was saved: a save (a reaction
// or /cop save), a tip of theirs saved, a search, a check-in, a mentoring
// request, a pairing accepted or ended, a story.
func (s *Store) activeMembers(ctx context.Context, w window, st *Stats) error {
	return s.analytic(ctx, func(tx pgx.Tx) error { return countActive(ctx, tx, w, st) })
}

// analytic runs fn in a transaction set for the aggregates of stats, which
// read every act of both periods: work_mem large enough that a quarter's
// sorts and hashes stay in memory (with the default, a month's sort
// spills to disk), and no JIT compilation, which PostgreSQL starts for
// plans of this cost and which takes longer (15-70 ms a query) than it
// saves here.
func (s *Store) analytic(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('work_mem', '32MB', true), set_config('jit', 'off', true)`); err != nil {
			return fmt.Errorf("set up the stats transaction: %w", err)
		}
		return fn(tx)
	})
}

func countActive(ctx context.Context, tx pgx.Tx, w window, st *Stats) error {
	err := tx.QueryRow(ctx, `
		WITH acts AS (
			SELECT author_id AS member_id, saved_at AS at FROM tips
			WHERE community_id = $1 AND state = 'saved' AND removed_at IS NULL AND saved_at >= $3 AND saved_at < $5
			UNION ALL
			SELECT member_id, voted_at FROM tip_votes WHERE community_id = $1 AND voted_at >= $3 AND voted_at < $5
			UNION ALL
			SELECT saved_by, saved_at FROM tips
			WHERE community_id = $1 AND saved_by IS NOT NULL AND saved_at >= $3 AND saved_at < $5
			UNION ALL
			SELECT member_id, at FROM searches WHERE community_id = $1 AND at >= $3 AND at < $5
			UNION ALL
			SELECT member_id, at FROM checkins WHERE community_id = $1 AND at >= $3 AND at < $5
			UNION ALL
			SELECT mentee_id, created_at FROM mentoring_requests WHERE community_id = $1 AND created_at >= $3 AND created_at < $5
			UNION ALL
			SELECT mentor_id, accepted_at FROM pairings WHERE community_id = $1 AND accepted_at >= $3 AND accepted_at < $5
			UNION ALL
			SELECT closed_by, closed_at FROM pairings WHERE community_id = $1 AND closed_at >= $3 AND closed_at < $5
			UNION ALL
			SELECT member_id, created_at FROM stories WHERE community_id = $1 AND created_at >= $3 AND created_at < $5
		)
		-- A person's accounts on two sides of a linked community count once.
		SELECT count(DISTINCT person) FILTER (WHERE at >= $4 AND member_id <> ALL($2)),
			count(DISTINCT person) FILTER (WHERE at < $4 AND member_id <> ALL($2)),
			count(DISTINCT person) FILTER (WHERE at >= $4 AND member_id = ANY($2))
		FROM (SELECT a.member_id, a.at, COALESCE(mb.same_person_as, a.member_id) AS person
			FROM acts a LEFT JOIN members mb ON mb.community_id = $1 AND mb.id = a.member_id) acts`,
		w.community, w.excluded, w.before, w.from, w.to).Scan(&st.ActiveMembers.Now, &st.ActiveMembers.Before, &st.ActiveLeftOut)
	if err != nil {
		return fmt.Errorf("count active members: %w", err)
	}
	return nil
}

// tipsSaved counts the tips saved in each period (still in the
// repository) and the searches made, and finds who wrote the most tips
// saved, in one query that reads the period's tips once, from an index.
func (s *Store) tipsSaved(ctx context.Context, w window, st *Stats) error {
	var ids []int64
	var users, names []string
	var now, before []int
	err := s.analytic(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
		WITH authors AS MATERIALIZED (
			SELECT author_id, count(*) FILTER (WHERE saved_at >= $4) AS now, count(*) FILTER (WHERE saved_at < $4) AS before
			FROM tips
			WHERE community_id = $1 AND state = 'saved' AND removed_at IS NULL AND saved_at >= $3 AND saved_at < $5
			GROUP BY author_id
		), top AS (
			SELECT m.id, m.platform_user_id, m.display_name, a.now, a.before
			FROM (SELECT * FROM authors WHERE now > 0 AND author_id <> ALL($2) ORDER BY now DESC, author_id LIMIT $6) a
			JOIN members m ON m.community_id = $1 AND m.id = a.author_id
		)
		SELECT t.now, t.before, s.now, s.before,
			ARRAY(SELECT id FROM top ORDER BY now DESC, id), ARRAY(SELECT platform_user_id FROM top ORDER BY now DESC, id),
			ARRAY(SELECT display_name FROM top ORDER BY now DESC, id), ARRAY(SELECT now FROM top ORDER BY now DESC, id),
			ARRAY(SELECT before FROM top ORDER BY now DESC, id)
		FROM (SELECT COALESCE(sum(now), 0) AS now, COALESCE(sum(before), 0) AS before FROM authors) t,
		     (SELECT count(*) FILTER (WHERE at >= $4) AS now, count(*) FILTER (WHERE at < $4) AS before
		      FROM searches WHERE community_id = $1 AND page = 1 AND at >= $3 AND at < $5) s`,
			w.community, w.excluded, w.before, w.from, w.to, topN).Scan(
			&st.TipsSaved.Now, &st.TipsSaved.Before, &st.Searches.Now, &st.Searches.Before, &ids, &users, &names, &now, &before)
	})
	if err != nil {
		return fmt.Errorf("count tips saved: %w", err)
	}
	for i := range ids {
		st.TopSavers = append(st.TopSavers, Contributor{
			Member: MemberRef{ID: ids[i], PlatformUserID: users[i], DisplayName: names[i]},
			Count:  Count{Now: now[i], Before: before[i]},
		})
	}
	return nil
}

// seconds turns a nullable number of seconds into a duration.
func seconds(f *float64) *time.Duration {
	if f == nil {
		return nil
	}
	d := time.Duration(*f * float64(time.Second)).Round(time.Second)
	return &d
}
