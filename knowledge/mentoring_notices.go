package knowledge

import (
	"context"
	"fmt"
	"time"
)

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
		ON CONFLICT (community_id, pairing_id, event) DO UPDATE SET sent_at = copbot_now()
			WHERE NOT n.delivered AND n.sent_at < copbot_now() - $5::interval`, communityID, pairingID, event, states, NoticeLease.String())
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
		ON CONFLICT (community_id, member_id) DO UPDATE SET welcomed_at = copbot_now()
			WHERE NOT w.delivered AND w.welcomed_at < copbot_now() - $3::interval`, communityID, memberID, NoticeLease.String())
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
