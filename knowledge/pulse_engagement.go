package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Level is how engaged a member is, from copbot's own records.
type Level int

// Levels, lowest first.
const (
	LevelNewcomer Level = iota
	LevelParticipant
	LevelContributor
	LevelCore
)

// Levels lists the levels, lowest first.
func Levels() []Level { return []Level{LevelNewcomer, LevelParticipant, LevelContributor, LevelCore} }

func (l Level) String() string {
	return [...]string{"newcomer", "participant", "contributor", "core"}[l]
}

// Engagement scoring. Each thing a member does earns points, and points
// fade with age: an event counts fully on its day and half as much every
// HalfLifeDays whole days after (2^(-age/30)), so a month-old save counts
// half, and steady activity keeps a member's level while a burst long ago
// fades. Events older than HorizonDays count nothing (they would weigh at
// most 1/64). Age is counted in whole days so that a level does not
// flicker within a day and figures are exact.
//
// Points: a save (reacting with the save emoji, or /cop save) 1; a vote
// from someone else on a tip you wrote 2 (the community found it useful);
// a pairing accepted: 5 to the mentor, 2 to the mentee; a check-in 2.
// The thresholds ask for a little, some and a lot of recent activity:
// two saves make a participant, ten points a contributor (a tip a week
// that others keep voting for), thirty a core member.
const (
	HalfLifeDays = 30
	HorizonDays  = 180

	PointsSave         = 1
	PointsVoteReceived = 2
	PointsMentor       = 5
	PointsMentee       = 2
	PointsCheckin      = 2
)

// LevelThresholds are the scores from which each level starts.
var LevelThresholds = [...]float64{LevelNewcomer: 0, LevelParticipant: 2, LevelContributor: 10, LevelCore: 30}

// LevelOf is the level of a score.
func LevelOf(score float64) Level {
	for l := LevelCore; l > LevelNewcomer; l-- {
		if score >= LevelThresholds[l] {
			return l
		}
	}
	return LevelNewcomer
}

// liveEngagementTips bounds the communities whose engagement Stats
// refreshes itself: up to this many tips, the refresh takes milliseconds.
const liveEngagementTips = 20_000

// staleEngagement is when a large community's engagement is old enough
// that Stats asks for a refresh (the periodic one runs hourly).
const staleEngagement = 2 * time.Hour

// RefreshEngagementArgs is the job that refreshes one community's
// engagement and, if it is large, the period figures stats keep, and then
// decides its invitations to mentor.
type RefreshEngagementArgs struct {
	CommunityID int64 `json:"community_id"`
}

// Kind names the job for river.
func (RefreshEngagementArgs) Kind() string { return "refresh_engagement" }

// InsertOpts keeps one refresh per community waiting at a time.
func (RefreshEngagementArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 10 * time.Minute}}
}

// QueueEngagementRefreshes queues a refresh for every community with
// members, for the periodic planner.
func (s *Store) QueueEngagementRefreshes(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM communities c WHERE EXISTS (SELECT 1 FROM members m WHERE m.community_id = c.id)`)
	if err != nil {
		return 0, fmt.Errorf("list communities: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("list communities: %w", err)
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: RefreshEngagementArgs{CommunityID: id}}
	}
	if len(params) == 0 {
		return 0, nil
	}
	if _, err := s.jobs.InsertMany(ctx, params); err != nil {
		return 0, fmt.Errorf("queue engagement refreshes: %w", err)
	}
	return len(ids), nil
}

// engagementOffsets are the days before the refresh at which levels are
// kept: now, and the start of each stats period.
var engagementOffsets = []struct {
	days   int
	column string
}{{0, "level"}, {7, "level_7d"}, {30, "level_30d"}, {90, "level_90d"}}

// engagementSQL scores every member with events in the horizon of the
// refresh time ($2) and of the starts of the periods, and counts the votes
// they received in each period and the one before.
var engagementSQL = func() string {
	lo := fmt.Sprintf("$2::timestamptz - interval '%d days'", 90+HorizonDays)
	var sums, levels, received []string
	for i, o := range engagementOffsets {
		t := fmt.Sprintf("($2::timestamptz - interval '%d days')", o.days)
		sums = append(sums, fmt.Sprintf(`COALESCE(sum(w * power(2::float8, -floor(extract(epoch FROM %[1]s - at)::float8 / 86400) / %[2]d))
			FILTER (WHERE at < %[1]s AND at >= %[1]s - interval '%[3]d days'), 0) AS s%[4]d`, t, HalfLifeDays, HorizonDays, i))
		var cases []string
		for l := LevelCore; l > LevelNewcomer; l-- {
			cases = append(cases, fmt.Sprintf("WHEN s%d >= %g THEN %d", i, LevelThresholds[l], l))
		}
		levels = append(levels, "CASE "+strings.Join(cases, " ")+" ELSE 0 END")
	}
	for _, days := range []int{7, 30, 90} {
		received = append(received,
			fmt.Sprintf("count(*) FILTER (WHERE received AND at >= $2::timestamptz - interval '%d days') AS r%d", days, days),
			fmt.Sprintf("count(*) FILTER (WHERE received AND at < $2::timestamptz - interval '%[1]d days' AND at >= $2::timestamptz - interval '%[2]d days') AS p%[1]d", days, 2*days))
	}
	events := func(member, at, table, where string, points int, received bool) string {
		return fmt.Sprintf("SELECT %s AS member_id, %s AS at, %d::float8 AS w, %t AS received FROM %s WHERE %s AND %s >= %s AND %s < $2",
			member, at, points, received, table, where, at, lo, at)
	}
	return `
		WITH ev AS (
			` + events("v.member_id", "v.voted_at", "tip_votes v", "v.community_id = $1", PointsSave, false) + `
			UNION ALL
			` + events("t.saved_by", "t.saved_at", "tips t", "t.community_id = $1 AND t.saved_by IS NOT NULL AND t.state = 'saved'", PointsSave, false) + `
			UNION ALL
			` + events("t.author_id", "v.voted_at", "tip_votes v JOIN tips t ON t.community_id = v.community_id AND t.id = v.tip_id",
		"v.community_id = $1 AND t.author_id <> v.member_id", PointsVoteReceived, true) + `
			UNION ALL
			` + events("p.mentor_id", "p.accepted_at", "pairings p", "p.community_id = $1", PointsMentor, false) + `
			UNION ALL
			` + events("p.mentee_id", "p.accepted_at", "pairings p", "p.community_id = $1", PointsMentee, false) + `
			UNION ALL
			` + events("c.member_id", "c.at", "checkins c", "c.community_id = $1", PointsCheckin, false) + `
		), scored AS (
			SELECT member_id, ` + strings.Join(sums, ",\n") + `, ` + strings.Join(received, ", ") + `
			FROM ev GROUP BY member_id
		)
		INSERT INTO engagement (community_id, member_id, score, level, level_7d, level_30d, level_90d,
			received_7d, received_prev_7d, received_30d, received_prev_30d, received_90d, received_prev_90d)
		SELECT $1, s.member_id, s.s0, ` + strings.Join(levels, ", ") + `, r7, p7, r30, p30, r90, p90
		FROM scored s JOIN members m ON m.community_id = $1 AND m.id = s.member_id AND NOT m.is_bot
		WHERE s0 > 0 OR s1 > 0 OR s2 > 0 OR s3 > 0 OR r7 + p7 + r30 + p30 + r90 + p90 > 0`
}()

// RefreshEngagement recomputes a community's engagement as of the store's
// clock, in one transaction that replaces the old figures. Concurrent
// refreshes of a community wait for each other.
func (s *Store) RefreshEngagement(ctx context.Context, communityID int64) error {
	now := s.now()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO engagement_refreshes (community_id, computed_at) VALUES ($1, $2)
			ON CONFLICT (community_id) DO UPDATE SET computed_at = excluded.computed_at`, communityID, now); err != nil {
			return fmt.Errorf("lock engagement: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM engagement WHERE community_id = $1`, communityID); err != nil {
			return fmt.Errorf("clear engagement: %w", err)
		}
		if _, err := tx.Exec(ctx, engagementSQL, communityID, now); err != nil {
			return fmt.Errorf("compute engagement: %w", err)
		}
		return summarise(ctx, tx, communityID, now)
	})
}

// engagementSummary is what stats read of a refresh: counts at each
// offset (engagementOffsets) for every member but bots, and the heads of
// the lists of each period. Stats take the members they leave out
// (facilitators, unless counted) away from it.
type engagementSummary struct {
	// Members copbot knew at each offset; Levels counts them by level
	// (the newcomers are the rest).
	Members [4]int    `json:"members"`
	Levels  [4][4]int `json:"levels"`
	// Periods by key ("30d"): who moved up since the period began, and who
	// received the most votes in it.
	Periods map[string]periodSummary `json:"periods"`
}

type periodSummary struct {
	MovedTotal int     `json:"moved_total"`
	Moved      []int64 `json:"moved"`
	Received   []int64 `json:"received"`
}

// summaryHeads is how long the kept heads of lists are: enough to leave
// out the facilitators and still fill a top list.
const summaryHeads = 100

// statsPeriods are the periods stats offer, each with its offset.
var statsPeriods = []struct {
	p      Period
	offset int
}{{PeriodWeek, 1}, {PeriodMonth, 2}, {PeriodQuarter, 3}}

// summarise writes the summary of a refresh, in its transaction.
func summarise(ctx context.Context, tx pgx.Tx, communityID int64, now time.Time) error {
	sum := engagementSummary{Periods: map[string]periodSummary{}}
	var members, levels []string
	for i, o := range engagementOffsets {
		members = append(members, fmt.Sprintf("count(*) FILTER (WHERE first_seen < $2::timestamptz - interval '%d days')", o.days))
		for l := LevelParticipant; l <= LevelCore; l++ {
			levels = append(levels, fmt.Sprintf("count(*) FILTER (WHERE %s = %d)", engagementOffsets[i].column, l))
		}
	}
	dest := make([]any, 0, 16)
	for i := range sum.Members {
		dest = append(dest, &sum.Members[i])
	}
	for i := range sum.Levels {
		for l := LevelParticipant; l <= LevelCore; l++ {
			dest = append(dest, &sum.Levels[i][l])
		}
	}
	err := tx.QueryRow(ctx, `
		SELECT m.*, e.* FROM
			(SELECT `+strings.Join(members, ", ")+` FROM members WHERE community_id = $1 AND NOT is_bot) m,
			(SELECT `+strings.Join(levels, ", ")+` FROM engagement WHERE community_id = $1) e`,
		communityID, now).Scan(dest...)
	if err != nil {
		return fmt.Errorf("summarise engagement: %w", err)
	}
	for _, sp := range statsPeriods {
		var ps periodSummary
		then, received := "level_"+sp.p.key, "received_"+sp.p.key
		err := tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM engagement WHERE community_id = $1 AND level > `+then+`),
			       ARRAY(SELECT member_id FROM engagement WHERE community_id = $1 AND level > `+then+`
			             ORDER BY level DESC, score DESC, member_id LIMIT $2),
			       ARRAY(SELECT member_id FROM engagement WHERE community_id = $1 AND `+received+` > 0
			             ORDER BY `+received+` DESC, member_id LIMIT $2)`,
			communityID, summaryHeads).Scan(&ps.MovedTotal, &ps.Moved, &ps.Received)
		if err != nil {
			return fmt.Errorf("summarise engagement for %s: %w", sp.p, err)
		}
		sum.Periods[sp.p.key] = ps
	}
	body, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("encode engagement summary: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE engagement_refreshes SET summary = $2 WHERE community_id = $1`, communityID, body); err != nil {
		return fmt.Errorf("store engagement summary: %w", err)
	}
	return nil
}
