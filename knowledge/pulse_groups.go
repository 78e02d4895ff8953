package knowledge

import (
	"context"
	"fmt"
	"time"
)

// MentoringStats is mentoring over the two periods.
type MentoringStats struct {
	// ActivePairings (accepted, not ended) and Waitlist (requests waiting
	// for a mentor) are counted at the end of each period.
	ActivePairings Count
	Waitlist       Count
	// NewPairings are the introductions made in each period.
	NewPairings Count
	// RequestToPairing is the median time from a request to its first
	// introduction, for the requests first introduced in each period.
	RequestToPairing Median
	// EndedPairings are the pairings that ended in each period, Rated
	// those of them its mentor or mentee rated, and Rating the mean of
	// the rated pairings' ratings (a pairing's is the mean of its mentor's
	// and its mentee's; a facilitator's note does not rate it).
	EndedPairings Count
	Rated         Count
	Rating        Mean
}

// Mean is an average over each period; nil where there was nothing to
// average.
type Mean struct {
	Now, Before *float64
}

// mentoringStats computes the mentoring figures of both periods in one
// query. A request waits at a moment when it was made before, had not
// been withdrawn or closed, and no pairing of it was open then (a
// declined introduction puts it back on the waitlist).
func (s *Store) mentoringStats(ctx context.Context, w window, st *Stats) error {
	m := &st.Mentoring
	var medNow, medBefore *float64
	err := s.pool.QueryRow(ctx, `
		WITH first AS (
			SELECT p.request_id, min(p.created_at) AS paired FROM pairings p
			WHERE p.community_id = $1 GROUP BY p.request_id
		)
		SELECT
			(SELECT count(*) FROM pairings WHERE community_id = $1 AND accepted_at < $4 AND (closed_at IS NULL OR closed_at >= $4)),
			(SELECT count(*) FROM pairings WHERE community_id = $1 AND accepted_at < $3 AND (closed_at IS NULL OR closed_at >= $3)),
			(SELECT count(*) FROM mentoring_requests r
			 WHERE r.community_id = $1 AND r.created_at < $4 AND (r.closed_at IS NULL OR r.closed_at >= $4)
			   AND NOT EXISTS (SELECT 1 FROM pairings p WHERE p.community_id = $1 AND p.request_id = r.id
			                   AND p.created_at < $4 AND (p.closed_at IS NULL OR p.closed_at >= $4))),
			(SELECT count(*) FROM mentoring_requests r
			 WHERE r.community_id = $1 AND r.created_at < $3 AND (r.closed_at IS NULL OR r.closed_at >= $3)
			   AND NOT EXISTS (SELECT 1 FROM pairings p WHERE p.community_id = $1 AND p.request_id = r.id
			                   AND p.created_at < $3 AND (p.closed_at IS NULL OR p.closed_at >= $3))),
			(SELECT count(*) FILTER (WHERE created_at >= $3) FROM pairings WHERE community_id = $1 AND created_at >= $2 AND created_at < $4),
			(SELECT count(*) FILTER (WHERE created_at < $3) FROM pairings WHERE community_id = $1 AND created_at >= $2 AND created_at < $4),
			(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.paired - r.created_at)::float8)
			 FROM first f JOIN mentoring_requests r ON r.community_id = $1 AND r.id = f.request_id
			 WHERE f.paired >= $3 AND f.paired < $4),
			(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.paired - r.created_at)::float8)
			 FROM first f JOIN mentoring_requests r ON r.community_id = $1 AND r.id = f.request_id
			 WHERE f.paired >= $2 AND f.paired < $3)`,
		w.community, w.before, w.from, w.to).Scan(
		&m.ActivePairings.Now, &m.ActivePairings.Before, &m.Waitlist.Now, &m.Waitlist.Before,
		&m.NewPairings.Now, &m.NewPairings.Before, &medNow, &medBefore)
	if err != nil {
		return fmt.Errorf("count mentoring: %w", err)
	}
	m.RequestToPairing = Median{Now: seconds(medNow), Before: seconds(medBefore)}
	err = s.pool.QueryRow(ctx, `
		WITH ended AS (
			SELECT p.closed_at >= $3 AS now,
				(SELECT avg(f.rating) FROM pairing_feedback f WHERE f.community_id = p.community_id
					AND f.pairing_id = p.id AND f.side IN ('mentor', 'mentee')) AS rating
			FROM pairings p
			WHERE p.community_id = $1 AND p.state = 'ended' AND p.closed_at >= $2 AND p.closed_at < $4
		)
		SELECT count(*) FILTER (WHERE now), count(*) FILTER (WHERE NOT now),
			count(rating) FILTER (WHERE now), count(rating) FILTER (WHERE NOT now),
			(avg(rating) FILTER (WHERE now))::float8, (avg(rating) FILTER (WHERE NOT now))::float8
		FROM ended`, w.community, w.before, w.from, w.to).Scan(
		&m.EndedPairings.Now, &m.EndedPairings.Before, &m.Rated.Now, &m.Rated.Before, &m.Rating.Now, &m.Rating.Before)
	if err != nil {
		return fmt.Errorf("count ended pairings: %w", err)
	}
	return nil
}

// ObjectiveStats counts objectives by status at the end of each period.
type ObjectiveStats struct {
	// Open are the open objectives at each end, by status (not started,
	// on track, at risk, behind, and achieved but not closed yet).
	Open map[Status]Count
	// Achieved and Dropped are the objectives closed so in each period.
	Achieved, Dropped Count
}

// OpenStatuses are the statuses an open objective can have, in the order
// stats show them.
func OpenStatuses() []Status {
	return []Status{StatusNotStarted, StatusOnTrack, StatusAtRisk, StatusBehind, StatusAchieved}
}

// objectiveStats reads every objective and every history in two queries
// and finds each open objective's status at both ends with the linear
// projection objectives use (Project), so that stats and /cop objective
// list never disagree.
func (s *Store) objectiveStats(ctx context.Context, w window, st *Stats) error {
	objs, err := s.Objectives(ctx, w.community, true)
	if err != nil || len(objs) == 0 {
		st.Objectives.Open = map[Status]Count{}
		return err
	}
	loc, err := s.location(ctx, s.pool, w.community)
	if err != nil {
		return err
	}
	// Only objectives open at either end need their history.
	var ids []int64
	for _, o := range objs {
		if o.CreatedAt.Before(w.to) && (o.ClosedAt == nil || o.ClosedAt.After(w.from)) {
			ids = append(ids, o.ID)
		}
	}
	entries, err := historyOf(ctx, s.pool, w.community, ids)
	if err != nil {
		return err
	}
	obs := &st.Objectives
	obs.Open = map[Status]Count{}
	for _, o := range objs {
		for _, end := range []struct {
			at  time.Time
			now bool
		}{{w.to, true}, {w.from, false}} {
			status, open := statusAt(o, entries[o.ID], end.at, loc)
			if !open {
				continue
			}
			c := obs.Open[status]
			if end.now {
				c.Now++
			} else {
				c.Before++
			}
			obs.Open[status] = c
		}
		if o.ClosedAt == nil || o.ClosedAt.Before(w.before) || !o.ClosedAt.Before(w.to) {
			continue
		}
		c := &obs.Achieved
		if o.State == ObjectiveDropped {
			c = &obs.Dropped
		}
		if o.ClosedAt.Before(w.from) {
			c.Before++
		} else {
			c.Now++
		}
	}
	return nil
}

// statusAt is an objective's status at t, as it stood then: only entries
// up to t count, and an objective closed after t was still open. open is
// false when the objective did not exist yet or was closed by t.
func statusAt(o Objective, entries []Entry, t time.Time, loc *time.Location) (Status, bool) {
	if !o.CreatedAt.Before(t) || o.ClosedAt != nil && !o.ClosedAt.After(t) {
		return "", false
	}
	return progressAt(o, entries, t, loc).Status, true
}
