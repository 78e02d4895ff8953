package knowledge

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ExportedTip is a tip in the export format other programs rely on.
type ExportedTip struct {
	Number    int       `json:"number"`
	Text      string    `json:"text"`
	Author    string    `json:"author"`
	Channel   string    `json:"channel"`
	Permalink string    `json:"permalink"`
	Tags      []string  `json:"tags"`
	Votes     int       `json:"votes"`
	SavedAt   time.Time `json:"saved_at"`
}

// ExportTips lists a community's saved tips by number; tips that left the
// repository are included only when asked (deleted messages never are: their
// text is gone).
func (s *Store) ExportTips(ctx context.Context, communityID int64, includeRemoved bool) ([]ExportedTip, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT number, text, author_name, CASE WHEN channel_name <> '' THEN channel_name ELSE channel_id END,
			permalink, tags, votes, saved_at
		FROM tips
		WHERE community_id = $1 AND state = 'saved'
		  AND (removed_at IS NULL OR ($2 AND removed_reason <> 'deleted'))
		ORDER BY number`, communityID, includeRemoved)
	if err != nil {
		return nil, fmt.Errorf("export tips: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ExportedTip, error) {
		var t ExportedTip
		err := row.Scan(&t.Number, &t.Text, &t.Author, &t.Channel, &t.Permalink, &t.Tags, &t.Votes, &t.SavedAt)
		return t, err
	})
}

// ImportTips adds exported tips to a community under their own numbers. A
// number the community already has is skipped, so importing the same file
// twice changes nothing. Every tip is checked first; one bad tip imports none.
func (s *Store) ImportTips(ctx context.Context, communityID int64, tips []ExportedTip) (created int, err error) {
	for i, t := range tips {
		if t.Number < 1 {
			return 0, invalidf("tip %d of the file has number %d; numbers start at 1", i+1, t.Number)
		}
		if err := checkTipText(t.Text); err != nil {
			return 0, invalidf("tip %d: %v", t.Number, err)
		}
		if t.Votes < 0 {
			return 0, invalidf("tip %d has %d votes", t.Number, t.Votes)
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		highest := 0
		for _, t := range tips {
			savedAt := t.SavedAt
			if savedAt.IsZero() {
				savedAt = time.Now()
			}
			tag, err := tx.Exec(ctx, `
				INSERT INTO tips (community_id, number, state, text, tags, author_name, channel_name, permalink, votes, saved_at, lang)
				VALUES ($1, $2, 'saved', $3, $4, $5, $6, $7, $8, $9, `+languageOf("$1")+`)
				ON CONFLICT (community_id, number) DO NOTHING`,
				communityID, t.Number, t.Text, normalizeTags(t.Tags), t.Author, t.Channel, t.Permalink, t.Votes, savedAt)
			if err != nil {
				return fmt.Errorf("import tip %d: %w", t.Number, err)
			}
			created += int(tag.RowsAffected())
			highest = max(highest, t.Number)
		}
		// New tips must number after the imported ones.
		_, err := tx.Exec(ctx, `
			INSERT INTO tip_counters (community_id, last_number) VALUES ($1, $2)
			ON CONFLICT (community_id) DO UPDATE SET last_number = greatest(tip_counters.last_number, excluded.last_number)`,
			communityID, highest)
		return err
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}
