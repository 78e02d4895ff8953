package knowledge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RepeatWindow is how long a command that changes something is taken for a
// repeat when the same member sends the same text again: long enough for a
// member who saw no answer to type it again, short enough that doing the
// same thing twice on purpose is only a minute away.
const RepeatWindow = time.Minute

// Repeat is an earlier run of the same command by the same member, within
// RepeatWindow.
type Repeat struct {
	// Ago is how long ago the earlier run started.
	Ago time.Duration
	// Reply is what the earlier run answered, nil while it runs.
	Reply json.RawMessage
}

// ClaimCommand records that a member runs a command that changes something,
// unless the last such command they ran, within RepeatWindow, was the same
// text: then it returns that run, and the caller must not run it again. A
// repeat with another command of theirs in between runs. Only one of
// several concurrent deliveries of the same text gets no Repeat.
func (s *Store) ClaimCommand(ctx context.Context, m Member, text string) (*Repeat, error) {
	for range 3 {
		var claimed bool
		err := s.pool.QueryRow(ctx, `
			INSERT INTO recent_commands AS r (community_id, member_id, text) VALUES ($1, $2, $3)
			ON CONFLICT (community_id, member_id) DO UPDATE SET text = excluded.text, ran_at = copbot_now(), reply = NULL
				WHERE NOT (r.text = excluded.text AND r.ran_at >= copbot_now() - $4::interval)
			RETURNING true`, m.CommunityID, m.ID, text, RepeatWindow.String()).Scan(&claimed)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("claim command: %w", err)
		}
		// A new statement sees the run that won the conflict, unless the
		// member sent another command meanwhile: then claim again.
		var r Repeat
		var ago float64
		err = s.pool.QueryRow(ctx, `
			SELECT EXTRACT(EPOCH FROM copbot_now() - ran_at), reply FROM recent_commands
			WHERE community_id = $1 AND member_id = $2 AND text = $3`, m.CommunityID, m.ID, text).Scan(&ago, &r.Reply)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the earlier command: %w", err)
		}
		r.Ago = time.Duration(ago * float64(time.Second))
		return &r, nil
	}
	return nil, fmt.Errorf("claim command: the member's commands keep changing under it")
}

// FinishCommand keeps what a claimed command answered, for a repeat to
// show; a command that failed (and so changed nothing) is forgotten, so
// that sending it again runs it.
func (s *Store) FinishCommand(ctx context.Context, m Member, text string, reply any, failed bool) error {
	var err error
	if failed {
		_, err = s.pool.Exec(ctx, `DELETE FROM recent_commands WHERE community_id = $1 AND member_id = $2 AND text = $3`,
			m.CommunityID, m.ID, text)
	} else {
		var b []byte
		if b, err = json.Marshal(reply); err == nil {
			_, err = s.pool.Exec(ctx, `UPDATE recent_commands SET reply = $4 WHERE community_id = $1 AND member_id = $2 AND text = $3`,
				m.CommunityID, m.ID, text, b)
		}
	}
	if err != nil {
		return fmt.Errorf("finish command: %w", err)
	}
	return nil
}

// PruneRecentCommands forgets the commands run longer ago than RepeatWindow.
func (s *Store) PruneRecentCommands(ctx context.Context) (int64, error) {
	n, err := s.deleteInBatches(ctx, `
		DELETE FROM recent_commands WHERE ctid IN (
			SELECT ctid FROM recent_commands WHERE ran_at < copbot_now() - $1::interval LIMIT 10000)`, RepeatWindow.String())
	if err != nil {
		return n, fmt.Errorf("prune recent commands: %w", err)
	}
	return n, nil
}
