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
}

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
	if !by.IsFacilitator {
		return MentoringOverview{}, ErrForbidden
	}
	var o MentoringOverview
	if err := s.pool.QueryRow(ctx, `SELECT now()`).Scan(&o.AsOf); err != nil {
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

// ClaimNotice records that a pairing's notice is being sent, if it was not
// already and the pairing is in one of states; only a caller that gets true
// sends it. A job run twice thus sends each notice once, and a follow-up
// for a pairing that ended meanwhile sends nothing.
//
// The claim is a lease (NoticeLease) until NoticeDelivered: while another
// run holds it undelivered, the answer is a *HeldError.
func (s *Store) ClaimNotice(ctx context.Context, communityID, pairingID int64, event string, states ...string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO mentoring_notices_sent AS n (community_id, pairing_id, event)
		SELECT community_id, id, $3 FROM pairings WHERE community_id = $1 AND id = $2 AND state = ANY($4)
		ON CONFLICT (community_id, pairing_id, event) DO UPDATE SET sent_at = now()
			WHERE NOT n.delivered AND n.sent_at < now() - $5::interval`, communityID, pairingID, event, states, NoticeLease.String())
	if err != nil {
		return false, fmt.Errorf("claim %s notice: %w", event, err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, heldOrDone(ctx, s.pool, time.Now(), `SELECT sent_at, delivered FROM mentoring_notices_sent
		WHERE community_id = $1 AND pairing_id = $2 AND event = $3`, communityID, pairingID, event)
}

// NoticeDelivered ends a mentoring notice's claim: it was sent.
func (s *Store) NoticeDelivered(ctx context.Context, communityID, pairingID int64, event string) error {
	return markDelivered(ctx, s.pool, event+" notice", `UPDATE mentoring_notices_sent SET delivered = true
		WHERE community_id = $1 AND pairing_id = $2 AND event = $3`, communityID, pairingID, event)
}

// NoticeSent reports whether a pairing's notice was claimed already.
func (s *Store) NoticeSent(ctx context.Context, communityID, pairingID int64, event string) (bool, error) {
	var sent bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mentoring_notices_sent
		WHERE community_id = $1 AND pairing_id = $2 AND event = $3)`, communityID, pairingID, event).Scan(&sent)
	if err != nil {
		return false, fmt.Errorf("check %s notice: %w", event, err)
	}
	return sent, nil
}

// ReleaseNotice undoes ClaimNotice for a notice that could not be sent, so
// that a retry of its job sends it.
func (s *Store) ReleaseNotice(ctx context.Context, communityID, pairingID int64, event string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM mentoring_notices_sent WHERE community_id = $1 AND pairing_id = $2 AND event = $3`,
		communityID, pairingID, event)
	if err != nil {
		return fmt.Errorf("release %s notice: %w", event, err)
	}
	return nil
}

// WelcomeDelivered ends a welcome's claim: it was sent.
func (s *Store) WelcomeDelivered(ctx context.Context, communityID, memberID int64) error {
	return markDelivered(ctx, s.pool, "welcome", `UPDATE mentoring_welcomes SET delivered = true
		WHERE community_id = $1 AND member_id = $2`, communityID, memberID)
}

// ReleaseWelcome undoes ClaimWelcome for a welcome that could not be sent,
// so that a retry of its job sends it.
func (s *Store) ReleaseWelcome(ctx context.Context, communityID, memberID int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM mentoring_welcomes WHERE community_id = $1 AND member_id = $2`,
		communityID, memberID); err != nil {
		return fmt.Errorf("release welcome: %w", err)
	}
	return nil
}

// KeepIntroChannel keeps the conversation opened for a pairing's
// introduction, as soon as it is opened: a retried introduction posts there
// instead of opening another, and later notices go there too.
func (s *Store) KeepIntroChannel(ctx context.Context, communityID, pairingID int64, channelID string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE pairings SET intro_channel = $3 WHERE community_id = $1 AND id = $2`,
		communityID, pairingID, channelID); err != nil {
		return fmt.Errorf("keep introduction channel: %w", err)
	}
	return nil
}

// ClaimWelcome records that a member is being welcomed and returns them;
// false when they were welcomed before (a repeated join, a retried job).
func (s *Store) ClaimWelcome(ctx context.Context, communityID, memberID int64) (Member, bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO mentoring_welcomes AS w (community_id, member_id) VALUES ($1, $2)
		ON CONFLICT (community_id, member_id) DO UPDATE SET welcomed_at = now()
			WHERE NOT w.delivered AND w.welcomed_at < now() - $3::interval`, communityID, memberID, NoticeLease.String())
	if err != nil {
		return Member{}, false, fmt.Errorf("claim welcome: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return Member{}, false, heldOrDone(ctx, s.pool, time.Now(), `SELECT welcomed_at, delivered FROM mentoring_welcomes
			WHERE community_id = $1 AND member_id = $2`, communityID, memberID)
	}
	m, err := scanMember(s.pool.QueryRow(ctx, `SELECT `+memberColumns+` FROM members m WHERE m.community_id = $1 AND m.id = $2`,
		communityID, memberID))
	if err != nil {
		return Member{}, false, notFound(err, "read welcomed member")
	}
	return m, true, nil
}

// CommunityByID reads a community, for jobs that carry only its id.
func (s *Store) CommunityByID(ctx context.Context, id int64) (Community, error) {
	c := Community{ID: id}
	err := s.pool.QueryRow(ctx, `SELECT platform, external_id FROM communities WHERE id = $1`, id).Scan(&c.Platform, &c.ExternalID)
	if err != nil {
		return Community{}, notFound(err, "read community")
	}
	return c, nil
}
