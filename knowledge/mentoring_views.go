package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MentoringStatus is a member's own view of mentoring.
type MentoringStatus struct {
	// Mentor is their offer, if they made one.
	Mentor *Mentor
	// Waiting is their request on the waitlist, if any.
	Waiting *WaitingRequest
	// Pairings are their open pairings, as mentor or mentee.
	Pairings []Pairing
	// AsOf is the database's time, against which the feedback windows of
	// Ended are measured.
	AsOf time.Time
	// Ended are their pairings that ended in the last year and still take
	// feedback or, as their mentor, hold their mentee's; newest first, at
	// most MaxStatusEnded. Each holds the feedback the member may read:
	// their own and, as its mentor, the mentee's.
	Ended []EndedPairing
	// Rating is, for a mentor with a pairing that ended in the last year,
	// what their mentees made of them.
	Rating *MentorRating
}

// MaxStatusEnded bounds the ended pairings a member's status shows.
const MaxStatusEnded = 5

// MentoringStatus reads a member's offer, waiting request and open pairings.
func (s *Store) MentoringStatus(ctx context.Context, m Member) (MentoringStatus, error) {
	var st MentoringStatus
	mentor, err := mentorByMember(ctx, s.pool, m.CommunityID, m.ID)
	switch {
	case err == nil:
		st.Mentor = &mentor
	case !errors.Is(err, ErrNotFound):
		return st, err
	}
	waiting, err := s.waitlist(ctx, m.CommunityID, m.ID)
	if err != nil {
		return st, err
	}
	if len(waiting) == 1 {
		st.Waiting = &waiting[0]
	}
	st.Pairings, err = queryPairings(ctx, s.pool, `p.community_id = $1 AND (p.mentor_id = $2 OR p.mentee_id = $2)
		AND p.state IN ('proposed', 'active') ORDER BY p.number`, m.CommunityID, m.ID)
	if err != nil {
		return st, err
	}
	if err := s.pool.QueryRow(ctx, `SELECT copbot_now()`).Scan(&st.AsOf); err != nil {
		return st, fmt.Errorf("read time: %w", err)
	}
	st.Ended, err = endedPairings(ctx, s.pool, m, `p.community_id = $1 AND (p.mentor_id = $2 OR p.mentee_id = $2)
		AND p.closed_at > copbot_now() - interval '1 year'
		AND (p.closed_at > copbot_now() - make_interval(days => $3)
		     OR p.mentor_id = $2 AND EXISTS (SELECT 1 FROM pairing_feedback f
		         WHERE f.community_id = p.community_id AND f.pairing_id = p.id AND f.side = 'mentee'))
		ORDER BY p.closed_at DESC, p.number DESC LIMIT $4`, m.CommunityID, m.ID, FeedbackDays, MaxStatusEnded)
	if err != nil {
		return st, err
	}
	ratings, err := mentorRatings(ctx, s.pool, m.CommunityID, m.ID)
	if len(ratings) == 1 {
		st.Rating = &ratings[0]
	}
	return st, err
}

// MentoringOverview is what facilitators see of a community's mentoring.
type MentoringOverview struct {
	// AsOf is the database's time, against which ages are measured.
	AsOf time.Time
	// Pairings are the open pairings; those still proposed are
	// introductions the mentor has not answered.
	Pairings []Pairing
	Waitlist []WaitingRequest
	// Full are the mentors at (or over) capacity.
	Full []Mentor
}

// MentoringOverview reads open pairings, the waitlist in order and the
// mentors at capacity. Facilitators only.
func (s *Store) MentoringOverview(ctx context.Context, by Member) (MentoringOverview, error) {
	if err := MayFacilitate(by); err != nil {
		return MentoringOverview{}, err
	}
	var o MentoringOverview
	if err := s.pool.QueryRow(ctx, `SELECT copbot_now()`).Scan(&o.AsOf); err != nil {
		return o, fmt.Errorf("read time: %w", err)
	}
	var err error
	if o.Pairings, err = queryPairings(ctx, s.pool, `p.community_id = $1 AND p.state IN ('proposed', 'active')
		ORDER BY p.number`, by.CommunityID); err != nil {
		return o, err
	}
	if o.Waitlist, err = s.waitlist(ctx, by.CommunityID, 0); err != nil {
		return o, err
	}
	rows, err := s.pool.Query(ctx, `SELECT * FROM (SELECT `+mentorColumns+mentorFrom+` WHERE m.community_id = $1) f
		WHERE load >= capacity ORDER BY lower(display_name), id`, by.CommunityID)
	if err != nil {
		return o, fmt.Errorf("read full mentors: %w", err)
	}
	o.Full, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Mentor, error) { return scanMentor(row) })
	if err != nil {
		return o, fmt.Errorf("read full mentors: %w", err)
	}
	return o, nil
}

// waitlist reads the waiting requests in order, with their positions; a
// menteeID other than 0 keeps only that member's.
func (s *Store) waitlist(ctx context.Context, communityID, menteeID int64) ([]WaitingRequest, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT * FROM (
			SELECT r.id, mb.id AS member_id, mb.platform_user_id, mb.display_name, r.topics,
				row_number() OVER (ORDER BY r.seq)::int, r.created_at
			FROM mentoring_requests r JOIN members mb ON mb.community_id = r.community_id AND mb.id = r.mentee_id
			WHERE r.community_id = $1 AND r.state = 'waiting'
		) w WHERE $2 = 0 OR member_id = $2 ORDER BY row_number`, communityID, menteeID)
	if err != nil {
		return nil, fmt.Errorf("read waitlist: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (WaitingRequest, error) {
		var w WaitingRequest
		err := row.Scan(&w.ID, &w.Mentee.ID, &w.Mentee.PlatformUserID, &w.Mentee.DisplayName, &w.Topics, &w.Position, &w.Since)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("read waitlist: %w", err)
	}
	return out, nil
}

// WaitlistPosition is a request's place on the waitlist, 0 when it is not
// waiting.
func (s *Store) WaitlistPosition(ctx context.Context, communityID, requestID int64) (int, error) {
	return waitlistPosition(ctx, s.pool, communityID, requestID)
}
