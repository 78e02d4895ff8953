package knowledge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The inbox holds platform events between their acknowledgement and their
// effect. Recording one is a single insert, so a platform's acknowledgement
// costs one durable write; DrainInbox applies them in batches afterwards,
// deleting them and keeping their event ids in events_seen, which is what
// makes a retried or duplicated delivery change nothing.

// Inbox event kinds, as stored.
const (
	kindReaction = "reaction"
	kindJoin     = "join"
	kindEdit     = "edit"
	kindDelete   = "delete"
)

// Reaction is a save reaction added or removed, as recorded when the
// platform delivers it.
type Reaction struct {
	Voter       Person `json:"voter"`
	Added       bool   `json:"added"`
	ChannelID   string `json:"channel_id"`
	ChannelName string `json:"channel_name,omitempty"`
	// Private is true for private channels, group DMs and DMs.
	Private   bool   `json:"private,omitempty"`
	MessageID string `json:"message_id"`
	ThreadID  string `json:"thread_id,omitempty"`
	// Message is set when the event carried the message (the console);
	// otherwise the capture fetches it.
	Message *Message `json:"message,omitempty"`
}

// Message is a platform message as a capture needs it.
type Message struct {
	Text       string `json:"text"`
	AuthorID   string `json:"author_id"`
	AuthorName string `json:"author_name,omitempty"`
	AuthorBot  bool   `json:"author_bot,omitempty"`
	Permalink  string `json:"permalink,omitempty"`
	ThreadID   string `json:"thread_id,omitempty"`
	// Private is true when the platform said, on fetching, that the
	// message's channel is private.
	Private bool `json:"private,omitempty"`
}

type joinPayload struct {
	Person Person    `json:"person"`
	At     time.Time `json:"at"`
}

type editPayload struct {
	MessageID string `json:"message_id"`
	Text      string `json:"text,omitempty"`
}

// RecordReaction records a save reaction. A delivery whose event id was
// seen before is recorded too, and skipped when it is applied; the report
// is true when the event was recorded.
func (s *Store) RecordReaction(ctx context.Context, communityID int64, eventID string, r Reaction) (bool, error) {
	return s.record(ctx, communityID, eventID, kindReaction, r)
}

// RecordJoin records that a person joined the community.
func (s *Store) RecordJoin(ctx context.Context, communityID int64, eventID string, p Person, at time.Time) (bool, error) {
	return s.record(ctx, communityID, eventID, kindJoin, joinPayload{Person: p, At: at})
}

// RecordEdit records that a message was edited, with its new text.
func (s *Store) RecordEdit(ctx context.Context, communityID int64, eventID, messageID, text string) (bool, error) {
	return s.record(ctx, communityID, eventID, kindEdit, editPayload{MessageID: messageID, Text: text})
}

// RecordDelete records that a message was deleted.
func (s *Store) RecordDelete(ctx context.Context, communityID int64, eventID, messageID string) (bool, error) {
	return s.record(ctx, communityID, eventID, kindDelete, editPayload{MessageID: messageID})
}

// RecordCommand records that a command was delivered: commands are
// answered at once, so the delivery goes straight to events_seen. It
// reports false for a delivery whose event id the community has seen
// before, which must not run again.
func (s *Store) RecordCommand(ctx context.Context, communityID int64, eventID string) (bool, error) {
	if eventID == "" {
		return true, nil // the platform gives no identity: nothing to tell apart
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO events_seen (community_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		communityID, eventID)
	if err != nil {
		return false, fmt.Errorf("record command: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Store) record(ctx context.Context, communityID int64, eventID, kind string, payload any) (bool, error) {
	if eventID == "" {
		return false, fmt.Errorf("record %s: the event has no id", kind)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", kind, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO inbox (community_id, event_id, kind, payload) VALUES ($1, $2, $3, $4)`,
		communityID, eventID, kind, json.RawMessage(body))
	if err != nil {
		return false, fmt.Errorf("record %s: %w", kind, err)
	}
	return true, nil
}

// Drained says what one pass over the inbox did.
type Drained struct {
	// Events is how many recorded events the pass applied.
	Events int
	// Busy is true when another process held the inbox; nothing was done.
	Busy bool
	// Queued is how many captures the pass queued.
	Queued int
	// Joined are the members whose first join the pass recorded; each has
	// a welcome job queued (WelcomeArgs), which decides whether to send it.
	Joined []Member
}

// drainLockKey serialises inbox passes across copbot processes: events of
// one message must apply in the order they arrived (an added then removed
// reaction), and one pass at a time is fast enough for every community.
const drainLockKey = int64(0x636f70626f7401)

type inboxRow struct {
	id          int64
	communityID int64
	eventID     string
	kind        string
	payload     []byte
}

// DrainInbox applies up to limit recorded events, oldest first, in one
// transaction with the captures they queue: joins, then reactions, then
// edits, then deletions (a deletion wins over anything in the same pass:
// privacy first). When another process is draining it returns at once with
// Busy set.
func (s *Store) DrainInbox(ctx context.Context, limit int) (Drained, error) {
	var d Drained
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		d = Drained{}
		if err := tx.QueryRow(ctx, `SELECT NOT pg_try_advisory_xact_lock($1)`, drainLockKey).Scan(&d.Busy); err != nil {
			return fmt.Errorf("lock inbox: %w", err)
		}
		if d.Busy {
			return nil
		}
		// The ids first, as one array (walking the primary key from the
		// oldest), then the rows by those ids: as a join, the planner may
		// scan the whole table, dead rows of the passes before included.
		rows, err := tx.Query(ctx, `
			DELETE FROM inbox WHERE id = ANY (ARRAY(SELECT id FROM inbox ORDER BY id LIMIT $1))
			RETURNING id, community_id, event_id, kind, payload`, limit)
		if err != nil {
			return fmt.Errorf("take from inbox: %w", err)
		}
		events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (inboxRow, error) {
			var e inboxRow
			return e, r.Scan(&e.id, &e.communityID, &e.eventID, &e.kind, &e.payload)
		})
		if err != nil {
			return fmt.Errorf("take from inbox: %w", err)
		}
		if len(events) == 0 {
			return nil
		}
		d.Events = len(events)
		fresh, err := firstSeen(ctx, tx, events)
		if err != nil || len(fresh) == 0 {
			return err
		}
		return s.apply(ctx, tx, fresh, &d)
	})
	if err != nil {
		return Drained{}, err
	}
	return d, nil
}

// firstSeen records the events' ids as seen and returns, in order, the
// events seen for the first time: a delivery of an event applied before, or
// twice in one pass, is skipped.
func firstSeen(ctx context.Context, tx pgx.Tx, events []inboxRow) ([]inboxRow, error) {
	slices.SortFunc(events, func(a, b inboxRow) int { return cmp.Compare(a.id, b.id) })
	communities, ids := make([]int64, len(events)), make([]string, len(events))
	for i, e := range events {
		communities[i], ids[i] = e.communityID, e.eventID
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO events_seen (community_id, event_id)
		SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING
		RETURNING community_id, event_id`, communities, ids)
	if err != nil {
		return nil, fmt.Errorf("record events seen: %w", err)
	}
	type key struct {
		communityID int64
		eventID     string
	}
	fresh := map[key]bool{}
	var k key
	if _, err := pgx.ForEachRow(rows, []any{&k.communityID, &k.eventID}, func() error {
		fresh[k] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("record events seen: %w", err)
	}
	var out []inboxRow
	for _, e := range events {
		k := key{e.communityID, e.eventID}
		if fresh[k] {
			out = append(out, e)
			delete(fresh, k) // a second delivery in this very pass is a repeat
		}
	}
	return out, nil
}

// apply sorts a pass's events by kind and applies each kind in bulk. An
// event whose payload cannot be read is logged and skipped: retrying it
// would fail the same way and hold up every event behind it.
func (s *Store) apply(ctx context.Context, tx pgx.Tx, events []inboxRow, d *Drained) error {
	var (
		reactions []recordedReaction
		edits     []recordedEdit
		deletes   []recordedEdit
	)
	for _, e := range events {
		var err error
		switch e.kind {
		case kindJoin:
			var j joinPayload
			if err = json.Unmarshal(e.payload, &j); err == nil {
				var m Member
				var first bool
				m, first, err = memberJoined(ctx, tx, e.communityID, j.Person, j.At)
				if err != nil {
					return err
				}
				if first {
					d.Joined = append(d.Joined, m)
					opts, err := s.noticeOpts(ctx, tx, m.CommunityID, nil)
					if err != nil {
						return err
					}
					if _, err := s.jobs.InsertTx(ctx, tx, WelcomeArgs{CommunityID: m.CommunityID, MemberID: m.ID}, opts); err != nil {
						return fmt.Errorf("queue welcome: %w", err)
					}
				}
			}
		case kindReaction:
			r := recordedReaction{communityID: e.communityID}
			if err = json.Unmarshal(e.payload, &r.Reaction); err == nil {
				reactions = append(reactions, r)
			}
		case kindEdit, kindDelete:
			ed := recordedEdit{communityID: e.communityID}
			if err = json.Unmarshal(e.payload, &ed.editPayload); err == nil {
				if e.kind == kindEdit {
					edits = append(edits, ed)
				} else {
					deletes = append(deletes, ed)
				}
			}
		default:
			err = fmt.Errorf("unknown kind %q", e.kind)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "inbox event skipped", "inbox_id", e.id, "event_id", e.eventID, "error", err)
		}
	}
	queued, err := s.applyReactions(ctx, tx, reactions)
	if err != nil {
		return err
	}
	d.Queued = queued
	if err := applyEdits(ctx, tx, edits); err != nil {
		return err
	}
	return applyDeletes(ctx, tx, deletes)
}

type recordedEdit struct {
	communityID int64
	editPayload
}

// applyEdits makes captured tips follow their edited source messages; new
// #tags in the text are added, tags given by hand are kept. Edits of one
// message apply in order, so the last one wins.
func applyEdits(ctx context.Context, tx pgx.Tx, edits []recordedEdit) error {
	for _, e := range edits {
		_, err := tx.Exec(ctx, `
			UPDATE tips SET text = $3,
				tags = tags || ARRAY(SELECT unnest($4::text[]) EXCEPT SELECT unnest(tags))
			WHERE community_id = $1 AND source_message = $2 AND state = 'saved' AND removed_reason IS DISTINCT FROM 'deleted'`,
			e.communityID, e.MessageID, e.Text, Hashtags(e.Text))
		if err != nil {
			return fmt.Errorf("follow edited message: %w", err)
		}
	}
	return nil
}

// applyDeletes hides the tips of deleted messages and drops their text:
// privacy first, so a deleted message stays out of the repository even if it
// is reacted to again.
func applyDeletes(ctx context.Context, tx pgx.Tx, deletes []recordedEdit) error {
	if len(deletes) == 0 {
		return nil
	}
	communities, messages := make([]int64, len(deletes)), make([]string, len(deletes))
	for i, e := range deletes {
		communities[i], messages[i] = e.communityID, e.MessageID
	}
	_, err := tx.Exec(ctx, `
		UPDATE tips t SET removed_at = COALESCE(t.removed_at, now()), removed_reason = 'deleted', text = ''
		FROM unnest($1::bigint[], $2::text[]) AS d(community_id, message)
		WHERE t.community_id = d.community_id AND t.source_message = d.message`, communities, messages)
	if err != nil {
		return fmt.Errorf("hide deleted messages: %w", err)
	}
	return nil
}

// SetAsideOldest takes the oldest event not yet applied out of the inbox
// and keeps its id in events_seen with the error that keeps it from
// applying, so that it no longer holds up the events behind it, and returns
// its event id. The caller has found that this event alone fails
// (DrainInbox with a limit of one).
func (s *Store) SetAsideOldest(ctx context.Context, cause error) (string, error) {
	var eventID string
	err := s.pool.QueryRow(ctx, `
		WITH oldest AS (
			DELETE FROM inbox WHERE id = (SELECT min(id) FROM inbox) RETURNING community_id, event_id
		)
		INSERT INTO events_seen (community_id, event_id, error) SELECT community_id, event_id, $1 FROM oldest
		ON CONFLICT (community_id, event_id) DO UPDATE SET error = excluded.error
		RETURNING event_id`, cause.Error()).Scan(&eventID)
	if err != nil {
		return "", notFound(err, "set aside an inbox event")
	}
	return eventID, nil
}

// InboxBacklog is how many recorded events wait to be applied and how long
// the oldest has waited, for health checks and metrics.
func (s *Store) InboxBacklog(ctx context.Context) (int, time.Duration, error) {
	var n int
	var age float64
	err := s.pool.QueryRow(ctx, `
		SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(received_at)), 0) FROM inbox`).Scan(&n, &age)
	if err != nil {
		return 0, 0, fmt.Errorf("measure inbox: %w", err)
	}
	return n, time.Duration(age * float64(time.Second)), nil
}

// PruneInbox forgets the ids of events applied longer ago than keep;
// platforms stop retrying long before (Slack after about five minutes).
func (s *Store) PruneInbox(ctx context.Context, keep time.Duration) (int64, error) {
	n, err := s.deleteInBatches(ctx, `
		DELETE FROM events_seen WHERE ctid IN (
			SELECT ctid FROM events_seen WHERE seen_at < now() - $1::interval LIMIT 10000)`, keep.String())
	if err != nil {
		return n, fmt.Errorf("prune inbox: %w", err)
	}
	return n, nil
}

// deleteInBatches runs a DELETE of at most 10,000 rows until it deletes
// fewer, so that a busy day's rows never make one long transaction, and
// returns how many it deleted.
func (s *Store) deleteInBatches(ctx context.Context, sql string, args ...any) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, sql, args...)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < 10000 {
			return total, nil
		}
	}
}

// IsTransient reports whether err is a conflict between transactions that a
// retry resolves (a deadlock, a serialisation failure).
func IsTransient(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// Unsettled returns how many of a community's recorded events are not yet
// applied, and its jobs that are due and wait to run or are running
// (captures, mentoring notices, welcomes, resumes, re-indexing), so that the console can
// finish a line's effects before it reads the next. A job whose attempt
// failed and waits for a retry is not among them: it is logged, and the
// console goes on; nor is one scheduled for later (a follow-up).
func (s *Store) Unsettled(ctx context.Context, communityID int64) (events int, jobs []int64, err error) {
	ids, err := json.Marshal([]int64{communityID})
	if err != nil {
		return 0, nil, err
	}
	err = s.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM inbox WHERE community_id = $1),
		       ARRAY(SELECT id FROM river_job
		             WHERE state IN ('available', 'running', 'pending') AND scheduled_at <= now()
		               AND (kind = $2 AND args->'community_ids' @> $3::jsonb
		                    OR kind = ANY($4) AND (args->>'community_id')::bigint = $1))`,
		communityID, CaptureArgs{}.Kind(), string(ids),
		[]string{MentoringNoticesArgs{}.Kind(), WelcomeArgs{}.Kind(), MentorResumeArgs{}.Kind(), RestemArgs{}.Kind()}).Scan(&events, &jobs)
	if err != nil {
		return 0, nil, fmt.Errorf("count unsettled events: %w", err)
	}
	return events, jobs, nil
}
