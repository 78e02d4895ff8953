package knowledge

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// The weekly digest is posted on Mondays at 09:00 in the community's time
// zone and covers the seven days before that moment.
const (
	DigestWeekday = time.Monday
	DigestHour    = 9
)

// digestShown bounds the tips and tags a digest names.
const digestShown = 5

// DigestArgs is the durable job that posts one community's digest for one
// week, queued by PlanDigests with the record that makes it the only one.
type DigestArgs struct {
	CommunityID int64 `json:"community_id"`
	// WeekOf is the local day the digest is for (YYYY-MM-DD, a Monday).
	WeekOf string `json:"week_of"`
	// From and To are the week it covers.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Kind names the job for river.
func (DigestArgs) Kind() string { return "weekly_digest" }

// InsertOpts retries a failed post a few times.
func (DigestArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// DigestTime returns the last digest moment at or before now in loc (a
// Monday, 09:00 local), and the next one after now.
func DigestTime(now time.Time, loc *time.Location) (last, next time.Time) {
	local := now.In(loc)
	back := (int(local.Weekday()) - int(DigestWeekday) + 7) % 7
	day := time.Date(local.Year(), local.Month(), local.Day()-back, DigestHour, 0, 0, 0, loc)
	if now.Before(day) {
		day = time.Date(day.Year(), day.Month(), day.Day()-7, DigestHour, 0, 0, 0, loc)
	}
	return day, time.Date(day.Year(), day.Month(), day.Day()+7, DigestHour, 0, 0, 0, loc)
}

// weekBefore is the week a digest posted at t covers: the seven local days
// before it.
func weekBefore(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day()-7, t.Hour(), t.Minute(), 0, 0, t.Location())
}

// DigestChannel is where the weekly digest goes; "" when it is off.
func (c Config) DigestChannel() string {
	if v := c["digest-channel"]; v != "off" {
		return v
	}
	return ""
}

// PlanDigests decides, at the store's clock, which digests are due: for
// each community with a digest channel, the one of the latest digest
// moment, if it was not decided before and the week it covers had any
// activity (a digest is late after downtime, but a whole week missed is
// not made up). The decision is recorded under (community, week) in the
// transaction that queues the post, so a second planner (a restart,
// another process) queues nothing twice. It returns how many it queued.
func (s *Store) PlanDigests(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, ch.value, COALESCE(tz.value, '') FROM communities c
		JOIN community_settings ch ON ch.community_id = c.id AND ch.key = 'digest-channel' AND ch.value NOT IN ('', 'off')
		LEFT JOIN community_settings tz ON tz.community_id = c.id AND tz.key = 'timezone'
		ORDER BY c.id`)
	if err != nil {
		return 0, fmt.Errorf("list digest channels: %w", err)
	}
	type due struct {
		community int64
		channel   string
		loc       *time.Location
	}
	dues, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
		var d due
		var tz string
		err := r.Scan(&d.community, &d.channel, &tz)
		d.loc = location(tz)
		return d, err
	})
	if err != nil {
		return 0, fmt.Errorf("list digest channels: %w", err)
	}
	now := s.now()
	queued := 0
	for _, d := range dues {
		at, _ := DigestTime(now, d.loc)
		args := DigestArgs{CommunityID: d.community, WeekOf: at.Format(DateLayout), From: weekBefore(at), To: at}
		ok, err := s.planDigest(ctx, args, d.channel, now)
		if err != nil {
			return queued, err
		}
		if ok {
			queued++
		}
	}
	return queued, nil
}

func (s *Store) planDigest(ctx context.Context, a DigestArgs, channel string, now time.Time) (bool, error) {
	// Most runs find the week decided already, or quiet: reads only.
	var decided, active bool
	err := s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM digests WHERE community_id = $1 AND week_of = $2),
		       EXISTS (SELECT 1 FROM tips WHERE community_id = $1 AND state = 'saved' AND removed_at IS NULL
		                 AND saved_at >= $3 AND saved_at < $4)
		    OR EXISTS (SELECT 1 FROM tip_votes WHERE community_id = $1 AND voted_at >= $3 AND voted_at < $4)
		    OR EXISTS (SELECT 1 FROM pairings WHERE community_id = $1 AND created_at >= $3 AND created_at < $4)
		    OR EXISTS (SELECT 1 FROM checkins WHERE community_id = $1 AND at >= $3 AND at < $4)`,
		a.CommunityID, a.WeekOf, a.From, a.To).Scan(&decided, &active)
	if err != nil {
		return false, fmt.Errorf("look up digest: %w", err)
	}
	if decided || !active {
		return false, nil
	}
	queued := false
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO digests (community_id, week_of, channel_id, decided_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, a.CommunityID, a.WeekOf, channel, now)
		if err != nil {
			return fmt.Errorf("record digest: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // decided meanwhile, by another process
		}
		opts, err := s.noticeOpts(ctx, tx, a.CommunityID, nil)
		if err != nil {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx, a, opts); err != nil {
			return fmt.Errorf("queue digest: %w", err)
		}
		queued = true
		return nil
	})
	return queued, err
}

// ClaimDigest marks a decided digest as being posted; false when it was
// posted already (a retried or rescued job).
func (s *Store) ClaimDigest(ctx context.Context, a DigestArgs) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE digests SET sent_at = $3 WHERE community_id = $1 AND week_of = $2
		AND (sent_at IS NULL OR NOT delivered AND sent_at < $4)`, a.CommunityID, a.WeekOf, s.now(), s.leaseStart())
	if err != nil {
		return false, fmt.Errorf("claim digest: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, heldOrDone(ctx, s.pool, s.now(), `SELECT sent_at, delivered FROM digests WHERE community_id = $1 AND week_of = $2`,
		a.CommunityID, a.WeekOf)
}

// DigestDelivered ends a digest's claim: it was posted.
func (s *Store) DigestDelivered(ctx context.Context, a DigestArgs) error {
	return markDelivered(ctx, s.pool, "digest", `UPDATE digests SET delivered = true WHERE community_id = $1 AND week_of = $2`,
		a.CommunityID, a.WeekOf)
}

// ReleaseDigest undoes a claim whose post failed, so that the job's retry
// posts it.
func (s *Store) ReleaseDigest(ctx context.Context, a DigestArgs) error {
	if _, err := s.pool.Exec(ctx, `UPDATE digests SET sent_at = NULL WHERE community_id = $1 AND week_of = $2`,
		a.CommunityID, a.WeekOf); err != nil {
		return fmt.Errorf("release digest: %w", err)
	}
	return nil
}

// Digest is what a week looked like, for the weekly post.
type Digest struct {
	From, To  time.Time
	TipsSaved int
	Votes     int
	Checkins  int
	// TopTips are the tips most voted for in the week, with those votes,
	// then the week's new tips.
	TopTips []VotedTip
	// NewTags were first used on a tip saved in the week.
	NewTags []string
	// Objectives are the open objectives at the end of the week, with what
	// they gained in it; Achieved were closed as achieved in the week.
	Objectives []ObjectiveWeek
	Achieved   []Objective
	// NewPairings were introduced in the week, on PairingTopics.
	NewPairings   int
	PairingTopics []string
}

// Empty reports a week with nothing to tell.
func (d Digest) Empty() bool {
	return d.TipsSaved == 0 && d.Votes == 0 && d.Checkins == 0 && d.NewPairings == 0
}

// VotedTip is a tip with the votes it got in a week.
type VotedTip struct {
	Tip   Tip
	Votes int
}

// ObjectiveWeek is an objective's progress at the end of a week and what
// it gained during it.
type ObjectiveWeek struct {
	Progress Progress
	Gained   float64
}

// Digest gathers what happened in a community in [from, to).
func (s *Store) Digest(ctx context.Context, communityID int64, from, to time.Time) (Digest, error) {
	d := Digest{From: from, To: to}
	err := s.pool.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM tips WHERE community_id = $1 AND state = 'saved' AND removed_at IS NULL
			   AND saved_at >= $2 AND saved_at < $3),
			(SELECT count(*) FROM tip_votes WHERE community_id = $1 AND voted_at >= $2 AND voted_at < $3),
			(SELECT count(*) FROM checkins WHERE community_id = $1 AND at >= $2 AND at < $3),
			(SELECT count(*) FROM pairings WHERE community_id = $1 AND created_at >= $2 AND created_at < $3),
			ARRAY(SELECT DISTINCT unnest(topics) FROM pairings WHERE community_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY 1),
			ARRAY(SELECT w.tag FROM (
				SELECT DISTINCT unnest(tags) AS tag FROM tips
				WHERE community_id = $1 AND state = 'saved' AND removed_at IS NULL AND saved_at >= $2 AND saved_at < $3) w
			      WHERE NOT EXISTS (SELECT 1 FROM tips t WHERE t.community_id = $1 AND t.tags @> ARRAY[w.tag]
			                          AND t.state = 'saved' AND t.saved_at < $2)
			      ORDER BY w.tag LIMIT $4)`,
		communityID, from, to, 2*digestShown).Scan(&d.TipsSaved, &d.Votes, &d.Checkins, &d.NewPairings, &d.PairingTopics, &d.NewTags)
	if err != nil {
		return Digest{}, fmt.Errorf("sum up the week: %w", err)
	}
	// The tips voted for in the week, most first, then the week's new
	// tips that nobody voted for yet (saved with /cop save).
	rows, err := s.pool.Query(ctx, `
		SELECT `+tipColumns+`, w.n FROM (
			SELECT tip_id, sum(n) AS n FROM (
				SELECT tip_id, count(*) AS n FROM tip_votes
				WHERE community_id = $1 AND voted_at >= $2 AND voted_at < $3 GROUP BY tip_id
				UNION ALL
				SELECT id, 0 FROM tips WHERE community_id = $1 AND state = 'saved' AND removed_at IS NULL
				  AND saved_at >= $2 AND saved_at < $3
			) v GROUP BY tip_id
		) w JOIN tips t ON t.community_id = $1 AND t.id = w.tip_id
		WHERE t.state = 'saved' AND t.removed_at IS NULL
		ORDER BY w.n DESC, t.votes DESC, t.number LIMIT $4`, communityID, from, to, digestShown)
	if err != nil {
		return Digest{}, fmt.Errorf("find the week's tips: %w", err)
	}
	d.TopTips, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (VotedTip, error) {
		var v VotedTip
		t := &v.Tip
		err := r.Scan(&t.ID, &t.CommunityID, &t.Number, &t.Text, &t.AuthorID, &t.AuthorName, &t.SavedBy,
			&t.ChannelID, &t.ChannelName, &t.ThreadID, &t.Permalink, &t.SourceMessage, &t.Tags, &t.Votes,
			&t.SavedAt, &t.RemovedAt, &t.RemovedReason, &v.Votes)
		return v, err
	})
	if err != nil {
		return Digest{}, fmt.Errorf("find the week's tips: %w", err)
	}
	return d, s.objectiveWeek(ctx, communityID, &d)
}

// objectiveWeek adds each objective open at the end of the week, with its
// progress then and what it gained in the week, and those achieved in it.
func (s *Store) objectiveWeek(ctx context.Context, communityID int64, d *Digest) error {
	objs, err := s.Objectives(ctx, communityID, true)
	if err != nil || len(objs) == 0 {
		return err
	}
	loc, err := s.location(ctx, s.pool, communityID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, o := range objs {
		if o.CreatedAt.Before(d.To) && (o.ClosedAt == nil || o.ClosedAt.After(d.To)) {
			ids = append(ids, o.ID)
		}
	}
	entries, err := historyOf(ctx, s.pool, communityID, ids)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.ClosedAt != nil && !o.ClosedAt.Before(d.From) && o.ClosedAt.Before(d.To) && o.State == ObjectiveAchieved {
			d.Achieved = append(d.Achieved, o)
		}
		if _, open := statusAt(o, entries[o.ID], d.To, loc); !open {
			continue
		}
		end, start := progressAt(o, entries[o.ID], d.To, loc), progressAt(o, entries[o.ID], d.From, loc)
		d.Objectives = append(d.Objectives, ObjectiveWeek{Progress: end, Gained: end.Value - start.Value})
	}
	return nil
}

// progressAt is an objective's progress as it stood at t, open then.
func progressAt(o Objective, entries []Entry, t time.Time, loc *time.Location) Progress {
	o.State, o.ClosedAt = ObjectiveOpen, nil
	n := 0
	for n < len(entries) && !entries[n].At.After(t) {
		n++
	}
	return Project(o, entries[:n], t, loc)
}

// DigestPreview is the digest a community would get now, of the last
// seven days, and when its next digest is due. Facilitators only.
func (s *Store) DigestPreview(ctx context.Context, by Member) (Digest, time.Time, error) {
	if err := MayFacilitate(by); err != nil {
		return Digest{}, time.Time{}, err
	}
	communityID := by.CommunityID
	loc, err := s.location(ctx, s.pool, communityID)
	if err != nil {
		return Digest{}, time.Time{}, err
	}
	now := s.now()
	_, next := DigestTime(now, loc)
	d, err := s.Digest(ctx, communityID, now.Add(-7*Day), now)
	return d, next, err
}
