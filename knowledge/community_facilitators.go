package knowledge

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// AddFacilitator makes target a facilitator (AddFacilitators).
func (s *Store) AddFacilitator(ctx context.Context, by, target Member) (bool, error) {
	changed, err := s.AddFacilitators(ctx, by, []Member{target})
	if err != nil {
		return false, err
	}
	return changed[0], nil
}

// AddFacilitators makes targets facilitators, all or none: only
// facilitators may, and bots cannot be. It reports, for each, whether they
// became one (false: they were one already).
func (s *Store) AddFacilitators(ctx context.Context, by Member, targets []Member) ([]bool, error) {
	if err := MayFacilitate(by); err != nil {
		return nil, err
	}
	var bots []string
	for _, t := range targets {
		if t.IsBot {
			bots = append(bots, t.DisplayName)
		}
	}
	switch {
	case len(bots) > 0 && len(targets) == 1:
		return nil, invalidf("%s is a bot; bots cannot be facilitators.", bots[0])
	case len(bots) > 0:
		return nil, invalidf("%s: bots cannot be facilitators, so I changed nobody.", strings.Join(bots, ", "))
	}
	changed := make([]bool, len(targets))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for i, t := range targets {
			if t.IsFacilitator {
				changed[i] = false
				continue
			}
			tag, err := tx.Exec(ctx, `
				INSERT INTO facilitators (community_id, member_id, added_by) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, by.CommunityID, t.ID, by.ID)
			if err != nil {
				return fmt.Errorf("insert facilitator: %w", err)
			}
			changed[i] = tag.RowsAffected() == 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// RemoveFacilitator takes the role back from target (RemoveFacilitators).
func (s *Store) RemoveFacilitator(ctx context.Context, by, target Member) (bool, error) {
	changed, err := s.RemoveFacilitators(ctx, by, []Member{target})
	if err != nil {
		return false, err
	}
	return changed[0], nil
}

// adminFresh is how recently the platform must have said a member is an
// admin for them to count as a facilitator who is left: an admin who was
// demoted since is known as one until they act again.
const adminFresh = "30 days"

// RemoveFacilitators takes the role back from targets, all or none.
// Platform admins stay facilitators, because the platform, not copbot, says
// they run the community; removing the last facilitators is refused so a
// community is never left without one. It reports, for each, whether they
// were one.
func (s *Store) RemoveFacilitators(ctx context.Context, by Member, targets []Member) ([]bool, error) {
	if err := MayFacilitate(by); err != nil {
		return nil, err
	}
	var admins []string
	ids := make([]int64, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
		if t.IsAdmin {
			admins = append(admins, t.DisplayName)
		}
	}
	switch {
	case len(admins) > 0 && len(targets) == 1:
		return nil, invalidf("%s is an admin of the workspace or server, so they stay a facilitator.", admins[0])
	case len(admins) > 0:
		return nil, invalidf("%s: admins of the workspace or server stay facilitators, so I changed nobody.", strings.Join(admins, ", "))
	}
	changed := make([]bool, len(targets))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Lock the community's facilitator rows so two removals cannot both
		// see another facilitator left.
		var others int
		if err := tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM members WHERE community_id = $1 AND is_admin AND NOT is_bot
			            AND admin_seen_at > copbot_now() - $3::interval AND NOT id = ANY($2))
			     + (SELECT count(*) FROM (SELECT 1 FROM facilitators WHERE community_id = $1 AND NOT member_id = ANY($2) FOR UPDATE) f)`,
			by.CommunityID, ids, adminFresh).Scan(&others); err != nil {
			return fmt.Errorf("count facilitators: %w", err)
		}
		if others == 0 {
			if len(targets) == 1 {
				return invalidf("%s is the last facilitator; add another one first.", targets[0].DisplayName)
			}
			return invalidf("That would leave the community without a facilitator, so I changed nobody; add another one first.")
		}
		for i, t := range targets {
			tag, err := tx.Exec(ctx, `DELETE FROM facilitators WHERE community_id = $1 AND member_id = $2`, by.CommunityID, t.ID)
			if err != nil {
				return fmt.Errorf("delete facilitator: %w", err)
			}
			changed[i] = tag.RowsAffected() == 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// Facilitators lists the community's facilitators, admins included, by name.
func (s *Store) Facilitators(ctx context.Context, communityID int64) ([]Member, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+memberColumns+` FROM members m
		WHERE m.community_id = $1 AND NOT m.is_bot AND (m.is_admin OR EXISTS (
			SELECT 1 FROM facilitators f WHERE f.community_id = m.community_id AND f.member_id = m.id))
		ORDER BY lower(m.display_name), m.id`, communityID)
	if err != nil {
		return nil, fmt.Errorf("list facilitators: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("scan facilitator: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
