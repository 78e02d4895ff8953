package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// requestRow is a request as matching needs it.
type requestRow struct {
	id        int64
	seq       int64
	menteeID  int64
	topics    []string
	keys      []string
	channelID string
}

const requestRowColumns = `id, seq, mentee_id, topics, topic_keys, channel_id`

func scanRequestRow(row pgx.Row) (requestRow, error) {
	var r requestRow
	err := row.Scan(&r.id, &r.seq, &r.menteeID, &r.topics, &r.keys, &r.channelID)
	return r, err
}

// match is the mentor chosen for a request, with the parts of the choice
// that the people are told.
type match struct {
	mentorID int64
	// topics are the request's topics the mentor offers, in the request's
	// order; expertise counts the mentor's saved tips on them.
	topics    []string
	expertise int
	score     int
}

// bestMentorSQL scores every mentor who may take the request and returns
// the best. A mentor may take it when they are not paused, are not the
// mentee, have a free slot (proposed and active pairings count), offer at
// least one of the request's topic stems, and were never paired with this
// mentee before (in any state: a mentor who declined or ended is not asked
// again; only a facilitator can pair them by hand).
//
// The score, all integers so that the choice is exact and repeatable:
//
//	10 × shared topics                  topic overlap, by stem
//	+ min(saved tips on them, 10)       demonstrated expertise: visible saved
//	                                    tips on the shared topics (text or
//	                                    tags) that the mentor wrote or voted for
//	+ ⌊6 × free slots ÷ capacity⌋       spread the load: 0–6 points for the
//	                                    share of their capacity still free
//
// A topic in common outweighs any number of tips, and ten tips outweigh a
// full mentor's load penalty, so a proven expert with one mentee still wins
// over an idle mentor who offers the same topics without a record. Ties go
// to the mentor with fewer mentees, then the longest-standing offer, then
// the lowest member id.
var bestMentorSQL = `
	WITH candidates AS (
		SELECT m.member_id, m.capacity, m.offered_at,
			ARRAY(SELECT unnest(m.topic_keys) INTERSECT SELECT unnest($3::text[])) AS shared,
			ARRAY(SELECT t FROM unnest($4::text[]) AS t WHERE copbot_topic_keys(ARRAY[t]) && m.topic_keys) AS shared_topics,
			(SELECT count(*) FROM pairings p WHERE p.community_id = m.community_id AND p.mentor_id = m.member_id
				AND p.state IN ('proposed', 'active'))::int AS load
		FROM mentors m
		WHERE m.community_id = $1 AND NOT m.paused AND m.topic_keys && $3::text[] AND NOT ` + samePersonAs("m.member_id", "$2") + `
		  AND NOT EXISTS (SELECT 1 FROM pairings p WHERE p.community_id = m.community_id
				AND p.mentee_id = $2 AND p.mentor_id = m.member_id)
	), scored AS (
		SELECT c.member_id, c.load, c.offered_at, c.shared, c.shared_topics, e.tips,
			10 * cardinality(c.shared) + least(e.tips, 10) + (6 * (c.capacity - c.load)) / c.capacity AS score
		FROM candidates c
		CROSS JOIN LATERAL (` + expertiseSQL + `) e
		WHERE c.load < c.capacity
	)
	SELECT member_id, tips, score,
		ARRAY(SELECT t FROM unnest($4::text[]) WITH ORDINALITY AS u (t, i)
			WHERE copbot_topic_keys(ARRAY[t]) && shared ORDER BY i)
	FROM scored
	ORDER BY score DESC, load, offered_at, member_id
	LIMIT 1`

// expertiseSQL counts the visible saved tips of community $1 that the
// member c.member_id wrote or voted for and whose text or tags hold one of
// the topics c.shared_topics, stemmed as each tip is: in its community's
// search language, so that a German community's "Häuser" finds "Haus".
const expertiseSQL = `
	SELECT count(*)::int AS tips FROM tips t
	WHERE t.community_id = $1 AND t.state = 'saved' AND t.removed_at IS NULL
	  AND tsvector_to_array(t.tsv) && tsvector_to_array(to_tsvector(t.lang, copbot_tags_text(c.shared_topics)))
	  AND t.id IN (SELECT id FROM tips WHERE community_id = $1 AND author_id = c.member_id
	               UNION SELECT tip_id FROM tip_votes WHERE community_id = $1 AND member_id = c.member_id)`

// bestMentor finds the mentor for a request, or reports that none may take it.
func (m *mentoringTx) bestMentor(ctx context.Context, r requestRow) (match, bool, error) {
	var mt match
	err := m.QueryRow(ctx, bestMentorSQL, m.communityID, r.menteeID, r.keys, r.topics).
		Scan(&mt.mentorID, &mt.expertise, &mt.score, &mt.topics)
	if errors.Is(err, pgx.ErrNoRows) {
		return match{}, false, nil
	}
	if err != nil {
		return match{}, false, fmt.Errorf("match mentor: %w", err)
	}
	return mt, true, nil
}

// expertise counts a mentor's saved tips on the given topics.
func (m *mentoringTx) expertise(ctx context.Context, mentorID int64, topics []string) (int, error) {
	var n int
	err := m.QueryRow(ctx, `SELECT e.tips FROM (SELECT $2::bigint AS member_id, $3::text[] AS shared_topics) c,
		LATERAL (`+expertiseSQL+`) e`, m.communityID, mentorID, topics).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count expertise: %w", err)
	}
	return n, nil
}

// tryMatch pairs a waiting request with the best mentor, if one may take it.
func (m *mentoringTx) tryMatch(ctx context.Context, r requestRow) (bool, error) {
	mt, ok, err := m.bestMentor(ctx, r)
	if err != nil || !ok {
		return false, err
	}
	score := mt.score
	return true, m.pair(ctx, r, mt.mentorID, mt.topics, mt.expertise, &score, nil)
}

// pair makes a proposed pairing for a request and queues its introduction
// now and its follow-up for later, in the change's transaction.
func (m *mentoringTx) pair(ctx context.Context, r requestRow, mentorID int64, topics []string, expertise int, score *int, pairedBy *int64) error {
	var number int
	err := m.QueryRow(ctx, `UPDATE mentoring_counters SET last_pairing = last_pairing + 1
		WHERE community_id = $1 RETURNING last_pairing`, m.communityID).Scan(&number)
	if err != nil {
		return fmt.Errorf("number pairing: %w", err)
	}
	var id int64
	err = m.QueryRow(ctx, `
		INSERT INTO pairings (community_id, number, request_id, mentor_id, mentee_id, topics, expertise, score,
			paired_by, channel_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		m.communityID, number, r.id, mentorID, r.menteeID, topics, expertise, score, pairedBy, r.channelID).Scan(&id)
	if err != nil {
		return fmt.Errorf("insert pairing: %w", err)
	}
	if _, err := m.Exec(ctx, `UPDATE mentoring_requests SET state = 'matched' WHERE community_id = $1 AND id = $2`,
		m.communityID, r.id); err != nil {
		return fmt.Errorf("mark request matched: %w", err)
	}
	m.paired = append(m.paired, id)
	m.notify(id, NoticeIntro)
	after, err := m.followUpAfter(ctx)
	if err != nil {
		return err
	}
	followUp := MentoringNoticesArgs{CommunityID: m.communityID, Notices: []MentoringNotice{{PairingID: id, Event: NoticeFollowUp}}}
	opts, err := m.s.noticeOpts(ctx, m.Tx, m.communityID, &river.InsertOpts{ScheduledAt: time.Now().Add(after)})
	if err != nil {
		return err
	}
	if _, err := m.s.jobs.InsertTx(ctx, m.Tx, followUp, opts); err != nil {
		return fmt.Errorf("schedule follow-up: %w", err)
	}
	return nil
}

// followUpAfter reads the community's follow-up interval once per change.
func (m *mentoringTx) followUpAfter(ctx context.Context) (time.Duration, error) {
	if m.followUp > 0 {
		return m.followUp, nil
	}
	cfg := Config{}
	var v string
	err := m.QueryRow(ctx, `SELECT value FROM community_settings WHERE community_id = $1 AND key = 'mentor-followup-days'`,
		m.communityID).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return 0, fmt.Errorf("read follow-up interval: %w", err)
	default:
		cfg["mentor-followup-days"] = v
	}
	m.followUp = cfg.MentorFollowUp()
	return m.followUp, nil
}

// drain matches waiting requests, oldest first, while any mentor has a free
// slot. It runs in every change that can make room: an offer, a resume, a
// pairing that ends or is declined. A request that no free mentor fits
// keeps its place, and the next one is tried.
func (m *mentoringTx) drain(ctx context.Context) error {
	rows, err := m.Query(ctx, `SELECT `+requestRowColumns+` FROM mentoring_requests
		WHERE community_id = $1 AND state = 'waiting' ORDER BY seq`, m.communityID)
	if err != nil {
		return fmt.Errorf("read waitlist: %w", err)
	}
	waiting, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (requestRow, error) { return scanRequestRow(row) })
	if err != nil {
		return fmt.Errorf("read waitlist: %w", err)
	}
	for _, r := range waiting {
		var room bool
		err := m.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mentors m WHERE m.community_id = $1 AND NOT m.paused
			AND m.capacity > (SELECT count(*) FROM pairings p WHERE p.community_id = m.community_id
				AND p.mentor_id = m.member_id AND p.state IN ('proposed', 'active')))`, m.communityID).Scan(&room)
		if err != nil {
			return fmt.Errorf("look for free mentors: %w", err)
		}
		if !room {
			return nil
		}
		if _, err := m.tryMatch(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// samePersonAs is true when two members of community $1 are one person:
// one member, or two accounts linked with /cop link me.
func samePersonAs(a, b string) string {
	return `EXISTS (SELECT 1 FROM members x, members y WHERE x.community_id = $1 AND x.id = ` + a +
		` AND y.community_id = $1 AND y.id = ` + b + ` AND COALESCE(x.same_person_as, x.id) = COALESCE(y.same_person_as, y.id))`
}
