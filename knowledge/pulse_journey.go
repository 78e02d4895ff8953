package knowledge

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Journey follows the members who joined in the period (and, to compare,
// those who joined in the period before): how many took each first step by
// the end of their period, and the median time from joining to it.
// Members copbot saw before they joined, or never saw join (people who
// were there before copbot), are not newcomers and are not counted.
type Journey struct {
	Joined Count
	// FirstSave is their first save (a reaction or /cop save), Mentor
	// their first pairing as mentee that the mentor accepted, FirstTip the
	// first tip of theirs that someone saved.
	FirstSave, Mentor, FirstTip Step
}

// Step is how many newcomers took a step, and how long it took them.
type Step struct {
	Reached Count
	Median  Median
}

// journey computes the newcomer journey of both periods in one query.
func (s *Store) journey(ctx context.Context, w window, st *Stats) error {
	err := s.analytic(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH cohort AS (
				SELECT m.id, m.joined_at AS joined, m.joined_at >= $4 AS cur
				FROM members m
				WHERE m.community_id = $1 AND m.joined_at >= $3 AND m.joined_at < $5
				  AND m.id <> ALL($2)
			), steps AS MATERIALIZED (
				SELECT c.cur, c.joined, CASE WHEN c.cur THEN $5::timestamptz ELSE $4::timestamptz END AS until,
					LEAST((SELECT min(v.voted_at) FROM tip_votes v WHERE v.community_id = $1 AND v.member_id = c.id),
					      (SELECT min(t.saved_at) FROM tips t WHERE t.community_id = $1 AND t.saved_by = c.id)) AS saved,
					(SELECT min(p.accepted_at) FROM pairings p WHERE p.community_id = $1 AND p.mentee_id = c.id) AS mentored,
					(SELECT min(t.saved_at) FROM tips t
					 WHERE t.community_id = $1 AND t.author_id = c.id AND t.state = 'saved') AS contributed
				FROM cohort c
			)
			SELECT cur, count(*),
				count(*) FILTER (WHERE saved < until),
				percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM greatest(saved - joined, interval '0'))::float8)
					FILTER (WHERE saved < until),
				count(*) FILTER (WHERE mentored < until),
				percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM greatest(mentored - joined, interval '0'))::float8)
					FILTER (WHERE mentored < until),
				count(*) FILTER (WHERE contributed < until),
				percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM greatest(contributed - joined, interval '0'))::float8)
					FILTER (WHERE contributed < until)
			FROM steps GROUP BY cur`,
			w.community, w.excluded, w.before, w.from, w.to)
		if err != nil {
			return err
		}
		var (
			cur                                   bool
			joined, saved, mentored, contributed  int
			savedMed, mentoredMed, contributedMed *float64
		)
		j := &st.Journey
		_, err = pgx.ForEachRow(rows, []any{&cur, &joined, &saved, &savedMed, &mentored, &mentoredMed, &contributed, &contributedMed}, func() error {
			pick := func(c *Count) *int {
				if cur {
					return &c.Now
				}
				return &c.Before
			}
			med := func(m *Median, v *float64) {
				if cur {
					m.Now = seconds(v)
				} else {
					m.Before = seconds(v)
				}
			}
			*pick(&j.Joined) = joined
			*pick(&j.FirstSave.Reached), *pick(&j.Mentor.Reached), *pick(&j.FirstTip.Reached) = saved, mentored, contributed
			med(&j.FirstSave.Median, savedMed)
			med(&j.Mentor.Median, mentoredMed)
			med(&j.FirstTip.Median, contributedMed)
			return nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("follow newcomers: %w", err)
	}
	return nil
}
