package knowledge

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// A reaction that does not do what the member may think gets them a
// private note, once a day: a reaction in an excluded channel or a private
// one not allowed (once per channel), a vote for a tip someone removed or
// whose message was deleted, and the last vote taken back, which takes the
// tip out (once per tip). The notes are queued in the inbox pass that
// applied the reactions; a note may be lost, like a capture's
// confirmation, but never sent twice the same day.

// What a reaction note says.
const (
	NoteExcluded = "excluded"
	NotePrivate  = "private"
	NoteRemoved  = "removed"
	NoteDeleted  = "deleted"
	NoteUnvoted  = "unvoted"
)

// ReactionNoteArgs is the job that sends one reaction note.
type ReactionNoteArgs struct {
	CommunityID int64  `json:"community_id"`
	UserID      string `json:"user_id"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name,omitempty"`
	Note        string `json:"note"`
	TipNumber   int    `json:"tip_number,omitempty"`
}

// Kind names the job for river.
func (ReactionNoteArgs) Kind() string { return "reaction_note" }

// reactionNote is a note a pass decided on, before it is known to be the
// first of the day.
type reactionNote struct {
	communityID int64
	userID      string
	channelID   string
	channelName string
	note        string
	tipID       int64
}

// queueReactionNotes queues the notes not sent today yet, in the pass's
// transaction.
func (s *Store) queueReactionNotes(ctx context.Context, tx pgx.Tx, notes []reactionNote) error {
	if len(notes) == 0 {
		return nil
	}
	n := len(notes)
	communities, tips := make([]int64, n), make([]int64, n)
	users, channels, names, kinds := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range notes {
		communities[i], users[i], channels[i], names[i], kinds[i], tips[i] = r.communityID, r.userID, r.channelID, r.channelName, r.note, r.tipID
	}
	rows, err := tx.Query(ctx, `
		WITH fresh AS (
			INSERT INTO reaction_notes (community_id, user_id, channel_id, note, tip_id, day)
			SELECT DISTINCT c, u, ch, k, t, (copbot_now() AT TIME ZONE 'UTC')::date
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(c, u, ch, k, t)
			ON CONFLICT DO NOTHING
			RETURNING community_id, user_id, channel_id, note, tip_id
		)
		SELECT f.community_id, f.user_id, f.channel_id, f.note, COALESCE(t.number, 0),
			COALESCE((SELECT x.n FROM unnest($3::text[], $6::text[]) AS x(ch, n) WHERE x.ch = f.channel_id AND x.n <> '' LIMIT 1), '')
		FROM fresh f LEFT JOIN tips t ON t.community_id = f.community_id AND t.id = f.tip_id`,
		communities, users, channels, kinds, tips, names)
	if err != nil {
		return fmt.Errorf("record reaction notes: %w", err)
	}
	fresh, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReactionNoteArgs, error) {
		var a ReactionNoteArgs
		return a, r.Scan(&a.CommunityID, &a.UserID, &a.ChannelID, &a.Note, &a.TipNumber, &a.ChannelName)
	})
	if err != nil {
		return fmt.Errorf("record reaction notes: %w", err)
	}
	if len(fresh) == 0 {
		return nil
	}
	jobs := make([]river.InsertManyParams, len(fresh))
	for i, a := range fresh {
		opts, err := s.noticeOpts(ctx, tx, a.CommunityID, &river.InsertOpts{MaxAttempts: 3})
		if err != nil {
			return err
		}
		jobs[i] = river.InsertManyParams{Args: a, InsertOpts: opts}
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("queue reaction notes: %w", err)
	}
	return nil
}

// notesOnVotes decides the notes about the votes a pass changed: a vote
// for a tip out of the repository (removed, or its message deleted), and
// the vote taken back that left a tip with none.
func notesOnVotes(ctx context.Context, tx pgx.Tx, changed []changedVote) ([]reactionNote, error) {
	if len(changed) == 0 {
		return nil, nil
	}
	n := len(changed)
	communities, tipIDs, members := make([]int64, n), make([]int64, n), make([]int64, n)
	added := make([]bool, n)
	for i, v := range changed {
		communities[i], tipIDs[i], members[i], added[i] = v.communityID, v.tipID, v.memberID, v.added
	}
	rows, err := tx.Query(ctx, `
		SELECT t.community_id, m.platform_user_id, t.channel_id, t.id,
			CASE WHEN v.added THEN t.removed_reason ELSE 'unvoted' END
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bool[]) AS v(community_id, tip_id, member_id, added)
		JOIN tips t ON t.community_id = v.community_id AND t.id = v.tip_id
		JOIN members m ON m.community_id = v.community_id AND m.id = v.member_id
		WHERE t.state = 'saved' AND t.number IS NOT NULL AND (
			v.added AND t.removed_reason IN ('removed', 'deleted')
			OR NOT v.added AND t.votes = 0 AND t.removed_reason = 'unvoted')`, communities, tipIDs, members, added)
	if err != nil {
		return nil, fmt.Errorf("read notes on votes: %w", err)
	}
	var out []reactionNote
	var r reactionNote
	_, err = pgx.ForEachRow(rows, []any{&r.communityID, &r.userID, &r.channelID, &r.tipID, &r.note}, func() error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read notes on votes: %w", err)
	}
	return out, nil
}

// PruneReactionNotes forgets the notes sent before yesterday.
func (s *Store) PruneReactionNotes(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM reaction_notes WHERE day < (copbot_now() AT TIME ZONE 'UTC')::date - 2`)
	if err != nil {
		return 0, fmt.Errorf("prune reaction notes: %w", err)
	}
	return tag.RowsAffected(), nil
}
