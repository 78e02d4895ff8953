package knowledge

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RequestResult is what a request for a mentor did.
type RequestResult struct {
	Topics []string
	// Pairing is set when a mentor was found at once; Position is the
	// waitlist place otherwise.
	Pairing  *Pairing
	Position int
	// Updated is true when the member already waited and the request's
	// topics were replaced, its place kept.
	Updated bool
	// Offering counts the mentors (the member aside) who offer one of the
	// topics, when the request waits. PairedBefore are those of them who
	// were paired with the member before, when that is every one of them:
	// copbot never introduces two people twice (a facilitator may pair
	// them again by hand), so saying only "no mentor is free" would hide
	// why the member waits.
	Offering     int
	PairedBefore []MemberRef
}

// RequestMentor asks for a mentor on some topics. The best mentor who may
// take the request is paired at once, in the request's transaction;
// otherwise the request waits in order. A member has one open request at a
// time: asking again while waiting changes the topics and keeps the place,
// and asking while paired is refused.
func (s *Store) RequestMentor(ctx context.Context, mentee Member, topics []string, channelID string) (RequestResult, error) {
	if mentee.IsBot {
		return RequestResult{}, invalidf("Bots cannot be mentored.")
	}
	var res RequestResult
	err := s.inMentoringTx(ctx, mentee.CommunityID, func(m *mentoringTx) error {
		clean, err := m.cleanTopics(ctx, topics)
		if err != nil {
			return err
		}
		res.Topics = clean
		r, found, err := m.openRequest(ctx, mentee.ID, true)
		if err != nil {
			return err
		}
		switch {
		case found:
			// openRequest refuses a matched request, so this one waits.
			r, err = scanRequestRow(m.QueryRow(ctx, `UPDATE mentoring_requests SET topics = $3, channel_id = $4
				WHERE community_id = $1 AND id = $2 RETURNING `+requestRowColumns, m.communityID, r.id, clean, channelID))
			res.Updated = true
		default:
			r, err = m.newRequest(ctx, mentee.ID, clean, channelID, "waiting")
		}
		if err != nil {
			return fmt.Errorf("record request: %w", err)
		}
		matched, err := m.tryMatch(ctx, r)
		if err != nil {
			return err
		}
		if matched {
			ps, err := pairingsByID(ctx, m, m.communityID, m.paired)
			if err != nil {
				return err
			}
			res.Pairing = &ps[0]
			return nil
		}
		if res.Position, err = waitlistPosition(ctx, m, m.communityID, r.id); err != nil {
			return err
		}
		return m.whyWaiting(ctx, r, &res)
	})
	return res, err
}

// whyWaiting fills in who offers a waiting request's topics and, when each
// of them was paired with the mentee before, who they are.
func (m *mentoringTx) whyWaiting(ctx context.Context, r requestRow, res *RequestResult) error {
	rows, err := m.Query(ctx, `
		SELECT mb.id, mb.platform_user_id, mb.display_name,
			EXISTS (SELECT 1 FROM pairings p WHERE p.community_id = m.community_id
				AND p.mentor_id = m.member_id AND p.mentee_id = $2)
		FROM mentors m JOIN members mb ON mb.community_id = m.community_id AND mb.id = m.member_id
		WHERE m.community_id = $1 AND m.topic_keys && $3::text[] AND NOT `+samePersonAs("m.member_id", "$2")+`
		ORDER BY lower(mb.display_name), mb.id`, m.communityID, r.menteeID, r.keys)
	if err != nil {
		return fmt.Errorf("read mentors of the topics: %w", err)
	}
	var before []MemberRef
	for rows.Next() {
		var ref MemberRef
		var paired bool
		if err := rows.Scan(&ref.ID, &ref.PlatformUserID, &ref.DisplayName, &paired); err != nil {
			rows.Close()
			return fmt.Errorf("read mentors of the topics: %w", err)
		}
		res.Offering++
		if paired {
			before = append(before, ref)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read mentors of the topics: %w", err)
	}
	if len(before) > 0 && len(before) == res.Offering {
		res.PairedBefore = before
	}
	return nil
}

// openRequest returns the member's waiting request. A request already
// matched is an error for the person: they have a mentor. self says
// whether the member asks for themselves (the answer speaks to them) or a
// facilitator asks for them.
func (m *mentoringTx) openRequest(ctx context.Context, menteeID int64, self bool) (requestRow, bool, error) {
	var state string
	var r requestRow
	err := m.QueryRow(ctx, `SELECT `+requestRowColumns+`, state FROM mentoring_requests
		WHERE community_id = $1 AND mentee_id = $2 AND state IN ('waiting', 'matched')`, m.communityID, menteeID).
		Scan(&r.id, &r.seq, &r.menteeID, &r.topics, &r.keys, &r.channelID, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		return requestRow{}, false, nil
	}
	if err != nil {
		return requestRow{}, false, fmt.Errorf("read open request: %w", err)
	}
	if state == "matched" {
		ps, err := queryPairings(ctx, m, `p.community_id = $1 AND p.request_id = $2 AND p.state IN ('proposed', 'active')`,
			m.communityID, r.id)
		if err != nil {
			return requestRow{}, false, err
		}
		switch {
		case len(ps) == 1 && self && ps[0].State == PairingProposed:
			return requestRow{}, false, invalidf("Your request already has a mentor: pairing %d with %s, who hasn't answered "+
				"the introduction yet. To ask for someone else, end that pairing first (`/cop mentor end %d`).",
				ps[0].Number, ps[0].Mentor.Name(), ps[0].Number)
		case len(ps) == 1 && self:
			return requestRow{}, false, invalidf("Your request already has a mentor: pairing %d with %s. "+
				"To be matched with someone else, end that pairing first (`/cop mentor end %d`).",
				ps[0].Number, ps[0].Mentor.Name(), ps[0].Number)
		case len(ps) == 1:
			return requestRow{}, false, invalidf("%s already has a mentor: pairing %d with %s. "+
				"End it first (`/cop mentor end %d`) to be matched again.",
				ps[0].Mentee.Name(), ps[0].Number, ps[0].Mentor.Name(), ps[0].Number)
		}
		return requestRow{}, false, fmt.Errorf("request %d is matched but has %d open pairings", r.id, len(ps))
	}
	return r, true, nil
}

// newRequest records a request at the end of the waitlist order.
func (m *mentoringTx) newRequest(ctx context.Context, menteeID int64, topics []string, channelID, state string) (requestRow, error) {
	return scanRequestRow(m.QueryRow(ctx, `
		WITH seq AS (
			UPDATE mentoring_counters SET last_request = last_request + 1 WHERE community_id = $1 RETURNING last_request
		)
		INSERT INTO mentoring_requests (community_id, seq, mentee_id, topics, channel_id, state)
		SELECT $1, last_request, $2, $3, $4, $5 FROM seq
		RETURNING `+requestRowColumns, m.communityID, menteeID, topics, channelID, state))
}

// PairByHand is a facilitator pairing a mentor and a mentee themselves. It
// may pair people who were paired before and need no topic in common, but
// respects the mentor's pause and capacity. The mentee's waiting request is
// used (its topics replaced when topics are given); without one, topics are
// needed.
func (s *Store) PairByHand(ctx context.Context, by, mentor, mentee Member, topics []string, channelID string) (Pairing, error) {
	if err := MayFacilitate(by); err != nil {
		return Pairing{}, err
	}
	if mentor.ID == mentee.ID {
		return Pairing{}, invalidf("%s can't mentor themselves; name two different people.", mentor.DisplayName)
	}
	var p Pairing
	err := s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		mt, err := mentorByMember(ctx, m, m.communityID, mentor.ID)
		if errors.Is(err, ErrNotFound) {
			return invalidf("%s hasn't offered to mentor; they can with `/cop mentor offer <topics>`.", mentor.DisplayName)
		}
		if err != nil {
			return err
		}
		switch {
		case mt.Paused:
			return invalidf("%s has paused mentoring; they can `/cop mentor resume`.", mt.Member.Name())
		case mt.Load >= mt.Capacity:
			return invalidf("%s already has %d %s, their capacity; they can raise it with `/cop mentor offer <topics> capacity %d`.",
				mt.Member.Name(), mt.Load, Plural(mt.Load, "mentee", "mentees"), mt.Capacity+1)
		}
		r, found, err := m.openRequest(ctx, mentee.ID, by.ID == mentee.ID)
		if err != nil {
			return err
		}
		if len(topics) > 0 {
			clean, err := m.cleanTopics(ctx, topics)
			if err != nil {
				return err
			}
			if found {
				_, err = m.Exec(ctx, `UPDATE mentoring_requests SET topics = $3 WHERE community_id = $1 AND id = $2`,
					m.communityID, r.id, clean)
			} else {
				r, err = m.newRequest(ctx, mentee.ID, clean, channelID, "waiting")
			}
			if err != nil {
				return fmt.Errorf("record request: %w", err)
			}
			r.topics, found = clean, true
		}
		if !found {
			return invalidf("%s has no request waiting; name the topics, like `/cop mentor pair @%s @%s testing`.",
				mentee.DisplayName, mentor.DisplayName, mentee.DisplayName)
		}
		if r.channelID == "" {
			r.channelID = channelID
		}
		shared, expertise, err := m.sharedTopics(ctx, mentor.ID, r.topics)
		if err != nil {
			return err
		}
		if err := m.pair(ctx, r, mentor.ID, shared, expertise, nil, &by.ID); err != nil {
			return err
		}
		ps, err := pairingsByID(ctx, m, m.communityID, m.paired)
		if err != nil {
			return err
		}
		p = ps[0]
		return nil
	})
	return p, err
}

// sharedTopics are the topics a mentor offers of those asked for (all of
// them when the mentor offers none) and the mentor's saved tips on them.
func (m *mentoringTx) sharedTopics(ctx context.Context, mentorID int64, topics []string) ([]string, int, error) {
	var shared []string
	err := m.QueryRow(ctx, `SELECT ARRAY(SELECT t FROM unnest($3::text[]) WITH ORDINALITY AS u (t, i)
			WHERE copbot_topic_keys(ARRAY[t]) && (SELECT topic_keys FROM mentors WHERE community_id = $1 AND member_id = $2)
			ORDER BY i)`, m.communityID, mentorID, topics).Scan(&shared)
	if err != nil {
		return nil, 0, fmt.Errorf("compare topics: %w", err)
	}
	if len(shared) == 0 {
		shared = topics
	}
	n, err := m.expertise(ctx, mentorID, shared)
	return shared, n, err
}

// Plural is one or many as n says: the one plural rule of copbot's words.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
