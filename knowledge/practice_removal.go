package knowledge

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Removal is a tip taken out of the repository by a person.
type Removal struct {
	Tip Tip
	// TellAuthor is the platform id of the tip's author, to be told who
	// removed it: "" when they removed it themselves, are unknown or a bot,
	// or want no notes about their tips.
	TellAuthor string
}

// RemoveTip takes a tip out of the repository (mayRemove), remembering
// who did; /cop restore brings it back. Others get ErrForbidden.
func (s *Store) RemoveTip(ctx context.Context, by Member, number int) (Removal, error) {
	var r Removal
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		t, err := tipByNumber(ctx, tx, by.CommunityID, number, true)
		if err != nil {
			return err
		}
		switch t.RemovedReason {
		case "removed":
			return invalidf("Tip %d is out of the repository already; `/cop restore %d` brings it back.", number, number)
		case "unvoted":
			return invalidf("Tip %d left the repository already, when its votes were taken back.", number)
		case "deleted":
			return invalidf("Tip %d's message was deleted, so it left the repository already.", number)
		}
		if err := mayRemove(by, t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET removed_at = copbot_now(), removed_reason = 'removed', removed_by = $3
			WHERE community_id = $1 AND id = $2`, by.CommunityID, t.ID, by.ID); err != nil {
			return fmt.Errorf("remove tip: %w", err)
		}
		r = Removal{Tip: t}
		if t.AuthorID == nil || *t.AuthorID == by.ID {
			return nil
		}
		err = tx.QueryRow(ctx, `SELECT platform_user_id FROM members
			WHERE community_id = $1 AND id = $2 AND NOT is_bot AND NOT notes_off`, by.CommunityID, *t.AuthorID).Scan(&r.TellAuthor)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read tip author: %w", err)
		}
		return nil
	})
	if err != nil {
		return Removal{}, err
	}
	return r, nil
}

// RestoreTip brings back a tip someone removed, with its votes and tags:
// facilitators and its author may. A tip whose votes were all taken back
// comes back with a vote, and a deleted message's tip never does.
func (s *Store) RestoreTip(ctx context.Context, by Member, number int) (Tip, error) {
	var tip Tip
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		t, err := tipByNumber(ctx, tx, by.CommunityID, number, true)
		if err != nil {
			return err
		}
		switch t.RemovedReason {
		case "":
			return invalidf("Tip %d is in the repository.", number)
		case "unvoted":
			return invalidf("Tip %d left the repository when its votes were taken back; a new vote (the save reaction) brings it back.", number)
		case "deleted":
			return invalidf("Tip %d's message was deleted, so its text is gone and it cannot come back.", number)
		}
		if err := mayRestore(by, t); err != nil {
			return err
		}
		tip, err = scanTip(tx.QueryRow(ctx, `
			UPDATE tips t SET removed_by = NULL,
				removed_at = CASE WHEN t.votes = 0 AND t.source_message IS NOT NULL THEN copbot_now() END,
				removed_reason = CASE WHEN t.votes = 0 AND t.source_message IS NOT NULL THEN 'unvoted' END
			WHERE t.community_id = $1 AND t.id = $2
			RETURNING `+tipColumns, by.CommunityID, t.ID))
		if err != nil {
			return fmt.Errorf("restore tip: %w", err)
		}
		return nil
	})
	return tip, err
}

// RemovedTip is a tip someone removed, for facilitators to review.
type RemovedTip struct {
	Tip
	RemovedBy string
}

// RemovedTips lists the tips people removed, last removed first; only
// facilitators may see them.
func (s *Store) RemovedTips(ctx context.Context, by Member, offset, limit int) ([]RemovedTip, bool, error) {
	if err := MayFacilitate(by); err != nil {
		return nil, false, err
	}
	limit = max(1, min(limit, 50))
	rows, err := s.pool.Query(ctx, `
		SELECT `+tipColumns+`, COALESCE(NULLIF(m.display_name, ''), m.platform_user_id, '') FROM tips t
		LEFT JOIN members m ON m.community_id = t.community_id AND m.id = t.removed_by
		WHERE t.community_id = $1 AND t.state = 'saved' AND t.removed_reason = 'removed'
		ORDER BY t.removed_at DESC, t.id DESC OFFSET $2 LIMIT $3`, by.CommunityID, offset, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list removed tips: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RemovedTip, error) {
		var r RemovedTip
		t := &r.Tip
		err := row.Scan(&t.ID, &t.CommunityID, &t.Number, &t.Text, &t.AuthorID, &t.AuthorName, &t.SavedBy,
			&t.ChannelID, &t.ChannelName, &t.ThreadID, &t.Permalink, &t.SourceMessage, &t.Tags, &t.Votes,
			&t.SavedAt, &t.RemovedAt, &t.RemovedReason, &r.RemovedBy)
		return r, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("list removed tips: %w", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// SetNotes turns a member's private notes about their own tips on or off.
func (s *Store) SetNotes(ctx context.Context, m Member, on bool) error {
	if _, err := s.pool.Exec(ctx, `UPDATE members SET notes_off = $3 WHERE community_id = $1 AND id = $2`,
		m.CommunityID, m.ID, !on); err != nil {
		return fmt.Errorf("set notes: %w", err)
	}
	return nil
}
