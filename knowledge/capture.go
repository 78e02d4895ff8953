package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// CaptureArgs is the durable job that turns a pending tip into a saved one:
// it fetches the message when the event did not carry it, then numbers the
// tip and confirms to the member who reacted.
type CaptureArgs struct {
	CommunityID int64  `json:"community_id"`
	TipID       int64  `json:"tip_id"`
	Platform    string `json:"platform"`
	ExternalID  string `json:"external_id"`
	ChannelID   string `json:"channel_id"`
	MessageID   string `json:"message_id"`
	ThreadID    string `json:"thread_id,omitempty"`
	// Message is set when the event carried the message (console, Discord
	// edits); otherwise the worker fetches it.
	Message *Message `json:"message,omitempty"`
	// ReactorID is the platform id of the member who reacted first, who
	// gets the confirmation.
	ReactorID string `json:"reactor_id"`
}

// Kind names the job for river.
func (CaptureArgs) Kind() string { return "capture_tip" }

// InsertOpts keeps capture jobs patient: a rate-limited platform snoozes
// them, and a message that cannot be fetched is retried for about a day.
func (CaptureArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCapture, MaxAttempts: 12}
}

// QueueCapture is the river queue of capture jobs.
const QueueCapture = "capture"

// Message is a platform message as a capture needs it.
type Message struct {
	Text       string `json:"text"`
	AuthorID   string `json:"author_id"`
	AuthorName string `json:"author_name"`
	AuthorBot  bool   `json:"author_bot"`
	Permalink  string `json:"permalink,omitempty"`
	ThreadID   string `json:"thread_id,omitempty"`
}

// Reaction is a save reaction added or removed, as recorded at
// acknowledgement time.
type Reaction struct {
	// EventID is the platform's delivery identity; a second delivery with
	// the same id changes nothing.
	EventID string
	Voter   Member
	Added   bool
	// Capture describes the message, for the job a first vote queues.
	Capture CaptureArgs
	// Private is true for private channels, group DMs and DMs.
	Private     bool
	ChannelName string
}

// ReactionResult says what a recorded reaction did.
type ReactionResult struct {
	Duplicate bool
	// Ignored explains why the reaction captured nothing ("" when it did).
	Ignored string
	// Queued is true when this reaction started a capture.
	Queued bool
	// TipID is the tip the reaction voted on (0 when ignored or duplicate).
	TipID int64
}

// Reasons a reaction is ignored.
const (
	IgnoredExcluded = "channel excluded"
	IgnoredPrivate  = "private channel not allowed"
	IgnoredBot      = "reactor is a bot"
)

// RecordReaction records a save reaction in one transaction with the job it
// queues: the tip row (pending on a first vote), the member's vote, and the
// capture job. Concurrent reactions on one message serialise on the tip row,
// so they make one tip and count every distinct voter once.
func (s *Store) RecordReaction(ctx context.Context, r Reaction) (ReactionResult, error) {
	var res ReactionResult
	if r.Voter.IsBot {
		res.Ignored = IgnoredBot
		return res, nil
	}
	c := r.Capture
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO events_seen (community_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			c.CommunityID, r.EventID)
		if err != nil {
			return fmt.Errorf("record event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			res.Duplicate = true
			return nil
		}
		var policy string
		err = tx.QueryRow(ctx, `SELECT policy FROM channel_policies WHERE community_id = $1 AND channel_id = $2`,
			c.CommunityID, c.ChannelID).Scan(&policy)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read channel policy: %w", err)
		}
		switch {
		case policy == "exclude":
			res.Ignored = IgnoredExcluded
			return nil
		case r.Private && policy != "allow":
			res.Ignored = IgnoredPrivate
			return nil
		}
		if r.Added {
			return s.addVote(ctx, tx, r, &res)
		}
		return removeVote(ctx, tx, r)
	})
	if err != nil {
		return ReactionResult{}, err
	}
	return res, nil
}

func (s *Store) addVote(ctx context.Context, tx pgx.Tx, r Reaction, res *ReactionResult) error {
	c := r.Capture
	var created bool
	err := tx.QueryRow(ctx, `
		INSERT INTO tips (community_id, source_message, channel_id, channel_name, thread_id)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (community_id, source_message) DO UPDATE SET source_message = excluded.source_message
		RETURNING id, xmax = 0`,
		c.CommunityID, c.MessageID, c.ChannelID, r.ChannelName, c.ThreadID).Scan(&c.TipID, &created)
	if err != nil {
		return fmt.Errorf("upsert tip: %w", err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO tip_votes (community_id, tip_id, member_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		c.CommunityID, c.TipID, r.Voter.ID)
	if err != nil {
		return fmt.Errorf("insert vote: %w", err)
	}
	if tag.RowsAffected() == 1 {
		// A tip that left for lack of votes comes back with this one; one a
		// person removed, or whose message was deleted, does not.
		_, err = tx.Exec(ctx, `
			UPDATE tips SET votes = votes + 1,
				removed_at = CASE WHEN removed_reason = 'unvoted' THEN NULL ELSE removed_at END,
				removed_reason = CASE WHEN removed_reason = 'unvoted' THEN NULL ELSE removed_reason END
			WHERE community_id = $1 AND id = $2`, c.CommunityID, c.TipID)
		if err != nil {
			return fmt.Errorf("count vote: %w", err)
		}
	}
	res.TipID = c.TipID
	if created {
		if _, err := s.jobs.InsertTx(ctx, tx, c, nil); err != nil {
			return fmt.Errorf("queue capture: %w", err)
		}
		res.Queued = true
	}
	return nil
}

func removeVote(ctx context.Context, tx pgx.Tx, r Reaction) error {
	c := r.Capture
	var tipID int64
	err := tx.QueryRow(ctx, `SELECT id FROM tips WHERE community_id = $1 AND source_message = $2 FOR UPDATE`,
		c.CommunityID, c.MessageID).Scan(&tipID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("find tip: %w", err)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM tip_votes WHERE community_id = $1 AND tip_id = $2 AND member_id = $3`,
		c.CommunityID, tipID, r.Voter.ID)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE tips SET votes = votes - 1,
			removed_at = CASE WHEN votes = 1 AND removed_at IS NULL THEN now() ELSE removed_at END,
			removed_reason = CASE WHEN votes = 1 AND removed_at IS NULL THEN 'unvoted' ELSE removed_reason END
		WHERE community_id = $1 AND id = $2`, c.CommunityID, tipID)
	if err != nil {
		return fmt.Errorf("uncount vote: %w", err)
	}
	return nil
}

// ErrBotMessage says a capture found the message was written by a bot;
// such messages are never tips.
var ErrBotMessage = errors.New("message was written by a bot")

// CompleteCapture saves a pending tip with its message: it takes the next
// number, the message's text, author, permalink and #tags. Running it again
// for a saved tip returns the tip unchanged, so a retried job is harmless.
func (s *Store) CompleteCapture(ctx context.Context, c CaptureArgs, m Message) (Tip, error) {
	var tip Tip
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM tips WHERE community_id = $1 AND id = $2 FOR UPDATE`,
			c.CommunityID, c.TipID).Scan(&state)
		if err != nil {
			return notFound(err, "lock tip")
		}
		if state == "saved" {
			tip, err = tipByID(ctx, tx, c.CommunityID, c.TipID)
			return err
		}
		if m.AuthorBot {
			if _, err := tx.Exec(ctx, `DELETE FROM tips WHERE community_id = $1 AND id = $2`, c.CommunityID, c.TipID); err != nil {
				return fmt.Errorf("drop tip of a bot message: %w", err)
			}
			return ErrBotMessage
		}
		var authorID *int64
		if m.AuthorID != "" {
			author, err := referMember(ctx, tx, c.CommunityID, m.AuthorID, m.AuthorName)
			if err != nil {
				return err
			}
			authorID = &author.ID
		}
		number, err := nextTipNumber(ctx, tx, c.CommunityID)
		if err != nil {
			return err
		}
		tip, err = scanTip(tx.QueryRow(ctx, `
			UPDATE tips t SET state = 'saved', number = $3, text = $4, tags = $5, author_id = $6, author_name = $7,
				permalink = $8, thread_id = COALESCE(NULLIF($9, ''), thread_id), saved_at = now(),
				removed_at = CASE WHEN votes = 0 THEN now() END,
				removed_reason = CASE WHEN votes = 0 THEN 'unvoted' END
			WHERE community_id = $1 AND id = $2
			RETURNING `+tipColumns,
			c.CommunityID, c.TipID, number, m.Text, Hashtags(m.Text), authorID, m.AuthorName, m.Permalink, m.ThreadID))
		if err != nil {
			return fmt.Errorf("save tip: %w", err)
		}
		return nil
	})
	return tip, err
}

// DropCapture forgets a pending tip whose message could not be fetched (it
// was deleted, or copbot cannot see the channel).
func (s *Store) DropCapture(ctx context.Context, c CaptureArgs) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM tips WHERE community_id = $1 AND id = $2 AND state = 'pending'`,
		c.CommunityID, c.TipID)
	if err != nil {
		return fmt.Errorf("drop pending tip: %w", err)
	}
	return nil
}

// PendingCaptures counts a community's capture jobs that are waiting to run
// or running, so the console can finish a line's effects before it reads the
// next. A job whose attempt failed and waits for a retry does not count: it
// is logged, and the console goes on.
func (s *Store) PendingCaptures(ctx context.Context, communityID int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FROM river_job
		WHERE kind = $1 AND state IN ('available', 'running', 'pending')
		  AND (args->>'community_id')::bigint = $2`, CaptureArgs{}.Kind(), communityID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending captures: %w", err)
	}
	return n, nil
}

func nextTipNumber(ctx context.Context, tx pgx.Tx, communityID int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `
		INSERT INTO tip_counters (community_id, last_number) VALUES ($1, 1)
		ON CONFLICT (community_id) DO UPDATE SET last_number = tip_counters.last_number + 1
		RETURNING last_number`, communityID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("number tip: %w", err)
	}
	return n, nil
}

// PruneEvents forgets delivery identities older than keep; platforms stop
// retrying long before (Slack after about five minutes).
func (s *Store) PruneEvents(ctx context.Context, keep time.Duration) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM events_seen WHERE seen_at < now() - $1::interval`, keep.String())
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", err)
	}
	return tag.RowsAffected(), nil
}
