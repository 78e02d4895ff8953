package knowledge

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AddFacilitator makes target a facilitator. Only facilitators may do so.
// It reports false when target already was one.
func (s *Store) AddFacilitator(ctx context.Context, by, target Member) (bool, error) {
	if !by.IsFacilitator {
		return false, ErrForbidden
	}
	if target.IsBot {
		return false, invalidf("%s is a bot; bots cannot be facilitators.", target.DisplayName)
	}
	if target.IsFacilitator {
		return false, nil
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO facilitators (community_id, member_id, added_by) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, by.CommunityID, target.ID, by.ID)
	if err != nil {
		return false, fmt.Errorf("insert facilitator: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RemoveFacilitator takes the role back. Platform admins stay facilitators,
// because the platform, not copbot, says they run the community; removing
// the last facilitator is refused so a community is never left without one.
func (s *Store) RemoveFacilitator(ctx context.Context, by, target Member) (bool, error) {
	if !by.IsFacilitator {
		return false, ErrForbidden
	}
	if target.IsAdmin {
		return false, invalidf("%s is an admin of the workspace or server, so they stay a facilitator.", target.DisplayName)
	}
	var removed bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Lock the community's facilitator rows so two removals cannot both
		// see another facilitator left.
		var others int
		if err := tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM members WHERE community_id = $1 AND is_admin AND NOT is_bot)
			     + (SELECT count(*) FROM (SELECT 1 FROM facilitators WHERE community_id = $1 AND member_id <> $2 FOR UPDATE) f)`,
			by.CommunityID, target.ID).Scan(&others); err != nil {
			return fmt.Errorf("count facilitators: %w", err)
		}
		if others == 0 {
			return invalidf("%s is the last facilitator; add another one first.", target.DisplayName)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM facilitators WHERE community_id = $1 AND member_id = $2`,
			by.CommunityID, target.ID)
		if err != nil {
			return fmt.Errorf("delete facilitator: %w", err)
		}
		removed = tag.RowsAffected() == 1
		return nil
	})
	return removed, err
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
