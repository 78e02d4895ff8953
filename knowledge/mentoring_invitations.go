package knowledge

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// InvitationMinVotes is how many votes from others a member's tips must
// have received in the last 90 days for copbot to invite them to mentor:
// the community keeps saving what they write.
const InvitationMinVotes = 10

// InvitationArgs is the job that sends one invitation to mentor.
type InvitationArgs struct {
	CommunityID int64 `json:"community_id"`
	MemberID    int64 `json:"member_id"`
}

// Kind names the job for river.
func (InvitationArgs) Kind() string { return "mentor_invitation" }

// InsertOpts retries a failed delivery a few times.
func (InvitationArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 4} }

// MentorInvitations says whether copbot invites members to mentor.
func (c Config) MentorInvitations() bool { return c["mentor-invitations"] != "off" }

// PlanInvitations decides, from a community's engagement figures, whom to
// invite to mentor: members (not bots) whose tips got at least
// InvitationMinVotes votes from others in the last 90 days, who do not
// mentor and were never invited (or declined ahead). Nothing when the
// community turned invitations off. Each invitation is recorded in the
// transaction that queues it, so it is sent once. It returns how many it
// queued.
func (s *Store) PlanInvitations(ctx context.Context, communityID int64) (int, error) {
	queued := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO mentor_invitations (community_id, member_id, decided_at)
			SELECT e.community_id, e.member_id, $2 FROM engagement e
			JOIN members m ON m.community_id = e.community_id AND m.id = e.member_id AND NOT m.is_bot
			WHERE e.community_id = $1 AND e.received_90d >= $3
			  AND NOT EXISTS (SELECT 1 FROM mentors r WHERE r.community_id = e.community_id AND r.member_id = e.member_id)
			  AND NOT EXISTS (SELECT 1 FROM community_settings c
			                  WHERE c.community_id = e.community_id AND c.key = 'mentor-invitations' AND c.value = 'off')
			ORDER BY e.member_id
			ON CONFLICT DO NOTHING
			RETURNING member_id`, communityID, s.now(), InvitationMinVotes)
		if err != nil {
			return fmt.Errorf("decide invitations: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("decide invitations: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		opts, err := s.noticeOpts(ctx, tx, communityID, nil)
		if err != nil {
			return err
		}
		jobs := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			jobs[i] = river.InsertManyParams{Args: InvitationArgs{CommunityID: communityID, MemberID: id}, InsertOpts: opts}
		}
		if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("queue invitations: %w", err)
		}
		queued = len(ids)
		return nil
	})
	return queued, err
}

// Invitation is an invitation to mentor, ready to send.
type Invitation struct {
	Community Community
	Member    MemberRef
	// Votes their tips received from others in the last 90 days; Tags are
	// the tags they write most under, for a ready-made offer.
	Votes int
	Tags  []string
}

// ClaimInvitation marks an invitation as being sent and returns it; false
// when it was sent or declined already, the member began mentoring, or
// the community turned invitations off meanwhile.
func (s *Store) ClaimInvitation(ctx context.Context, a InvitationArgs) (Invitation, bool, error) {
	inv := Invitation{Community: Community{ID: a.CommunityID}}
	err := s.pool.QueryRow(ctx, `
		WITH claimed AS (
			UPDATE mentor_invitations i SET sent_at = $3
			WHERE i.community_id = $1 AND i.member_id = $2 AND i.declined_at IS NULL
			  AND (i.sent_at IS NULL OR NOT i.delivered AND i.sent_at < $4)
			  AND NOT EXISTS (SELECT 1 FROM mentors r WHERE r.community_id = $1 AND r.member_id = $2)
			  AND NOT EXISTS (SELECT 1 FROM community_settings c
			                  WHERE c.community_id = $1 AND c.key = 'mentor-invitations' AND c.value = 'off')
			RETURNING i.member_id
		)
		SELECT c.platform, c.external_id, m.id, m.platform_user_id, m.display_name,
			COALESCE((SELECT received_90d FROM engagement e WHERE e.community_id = $1 AND e.member_id = $2), 0),
			ARRAY(SELECT tag FROM tips t, unnest(t.tags) AS tag
			      WHERE t.community_id = $1 AND t.author_id = $2 AND t.state = 'saved' AND t.removed_at IS NULL
			      GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 3)
		FROM claimed x
		JOIN communities c ON c.id = $1
		JOIN members m ON m.community_id = $1 AND m.id = x.member_id`,
		a.CommunityID, a.MemberID, s.now(), s.leaseStart()).Scan(&inv.Community.Platform, &inv.Community.ExternalID,
		&inv.Member.ID, &inv.Member.PlatformUserID, &inv.Member.DisplayName, &inv.Votes, &inv.Tags)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invitation{}, false, heldOrDone(ctx, s.pool, s.now(), `SELECT sent_at, delivered FROM mentor_invitations
			WHERE community_id = $1 AND member_id = $2 AND declined_at IS NULL`, a.CommunityID, a.MemberID)
	}
	if err != nil {
		return Invitation{}, false, fmt.Errorf("claim invitation: %w", err)
	}
	return inv, true, nil
}

// InvitationDelivered ends an invitation's claim: it was sent.
func (s *Store) InvitationDelivered(ctx context.Context, a InvitationArgs) error {
	return markDelivered(ctx, s.pool, "invitation", `UPDATE mentor_invitations SET delivered = true
		WHERE community_id = $1 AND member_id = $2`, a.CommunityID, a.MemberID)
}

// ReleaseInvitation undoes a claim whose delivery failed, so that the
// job's retry sends it.
func (s *Store) ReleaseInvitation(ctx context.Context, a InvitationArgs) error {
	if _, err := s.pool.Exec(ctx, `UPDATE mentor_invitations SET sent_at = NULL WHERE community_id = $1 AND member_id = $2`,
		a.CommunityID, a.MemberID); err != nil {
		return fmt.Errorf("release invitation: %w", err)
	}
	return nil
}

// DeclineInvitation records a member's "no thanks": copbot never invites
// them (again). It works before an invitation too.
func (s *Store) DeclineInvitation(ctx context.Context, by Member) error {
	now := s.now()
	_, err := s.pool.Exec(ctx, `
		INSERT INTO mentor_invitations (community_id, member_id, decided_at, declined_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (community_id, member_id) DO UPDATE SET declined_at = COALESCE(mentor_invitations.declined_at, excluded.declined_at)`,
		by.CommunityID, by.ID, now)
	if err != nil {
		return fmt.Errorf("decline invitation: %w", err)
	}
	return nil
}
