package knowledge

import (
	"context"
	"fmt"
)

// searchesKept is how long searches are kept: the longest stats period
// and the period before it, which stats compare.
const searchesKept = 2 * 90 * Day

// PruneSearches forgets searches older than stats read, as of the store's
// clock, and returns how many it forgot.
func (s *Store) PruneSearches(ctx context.Context) (int64, error) {
	n, err := s.deleteInBatches(ctx, `
		DELETE FROM searches WHERE ctid IN (SELECT ctid FROM searches WHERE at < $1 LIMIT 10000)`,
		s.now().Add(-searchesKept))
	if err != nil {
		return n, fmt.Errorf("prune searches: %w", err)
	}
	return n, nil
}

// RecordSearch records that a member searched and which tips the page
// showed them: searches made are a figure of the pulse, and a tip saved
// soon after a search that showed it was reused (see PlanStoryPrompts).
// The words are not kept.
func (s *Store) RecordSearch(ctx context.Context, by Member, page int, shown []Tip) error {
	ids := make([]int64, len(shown))
	for i, t := range shown {
		ids[i] = t.ID
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO searches (community_id, member_id, at, page, tip_ids) VALUES ($1, $2, $3, $4, $5)`,
		by.CommunityID, by.ID, s.now(), max(page, 1), ids)
	if err != nil {
		return fmt.Errorf("record search: %w", err)
	}
	return nil
}
