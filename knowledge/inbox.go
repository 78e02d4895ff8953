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
	// kindClear is every save reaction taken off a message at once.
	kindClear = "clear"
	// kindChannelDelete is a deleted channel.
	kindChannelDelete = "channel_delete"
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

type clearPayload struct {
	ChannelID string `json:"channel_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
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

// RecordClear records that a message's save reactions were all taken off
// at once (a moderator cleared them): every vote on it is withdrawn.
func (s *Store) RecordClear(ctx context.Context, communityID int64, eventID, channelID, messageID string) (bool, error) {
	return s.record(ctx, communityID, eventID, kindClear, clearPayload{ChannelID: channelID, MessageID: messageID})
}

// RecordChannelDelete records that a channel was deleted: its messages'
// tips are hidden and lose their text, as deleted messages' are.
func (s *Store) RecordChannelDelete(ctx context.Context, communityID int64, eventID, channelID string) (bool, error) {
	return s.record(ctx, communityID, eventID, kindChannelDelete, clearPayload{ChannelID: channelID})
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
	// Dropped counts the reactions the pass left out on purpose, by reason
	// (DroppedExcluded, DroppedPrivate, DroppedBot).
	Dropped map[string]int
}

func (d *Drained) drop(reason string) {
	if d.Dropped == nil {
		d.Dropped = map[string]int{}
	}
	d.Dropped[reason]++
}

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
// would fail the same way and hold up every event behind it. A clear
// becomes, in its place among the reactions, a removal by every member
// whose vote it takes back, so that a reaction after it still counts.
func (s *Store) apply(ctx context.Context, tx pgx.Tx, events []inboxRow, d *Drained) error {
	var (
		reactions []recordedReaction
		edits     []recordedEdit
		deletes   []recordedEdit
		channels  []channelKey
	)
	for _, e := range events {
		var err error
		switch e.kind {
		case kindJoin:
			var j joinPayload
			if err = json.Unmarshal(e.payload, &j); err == nil {
				if err := s.applyJoin(ctx, tx, e.communityID, j, d); err != nil {
					return err
				}
			}
		case kindReaction:
			r := recordedReaction{communityID: e.communityID}
			if err = json.Unmarshal(e.payload, &r.Reaction); err == nil {
				reactions = append(reactions, r)
			}
		case kindClear:
			var c clearPayload
			if err = json.Unmarshal(e.payload, &c); err == nil {
				var removals []recordedReaction
				if removals, err = clearedVotes(ctx, tx, e.communityID, c, reactions); err != nil {
					return err
				}
				reactions = append(reactions, removals...)
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
		case kindChannelDelete:
			var c clearPayload
			if err = json.Unmarshal(e.payload, &c); err == nil {
				channels = append(channels, channelKey{e.communityID, c.ChannelID})
			}
		default:
			err = fmt.Errorf("unknown kind %q", e.kind)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "inbox event skipped", "inbox_id", e.id, "event_id", e.eventID, "error", err)
		}
	}
	if err := s.applyReactions(ctx, tx, reactions, d); err != nil {
		return err
	}
	if err := applyEdits(ctx, tx, edits); err != nil {
		return err
	}
	if err := applyDeletes(ctx, tx, deletes); err != nil {
		return err
	}
	return applyChannelDeletes(ctx, tx, channels)
}

// applyJoin records a join; a member's first queues their welcome.
func (s *Store) applyJoin(ctx context.Context, tx pgx.Tx, communityID int64, j joinPayload, d *Drained) error {
	m, first, err := memberJoined(ctx, tx, communityID, j.Person, j.At)
	if err != nil || !first {
		return err
	}
	d.Joined = append(d.Joined, m)
	opts, err := s.noticeOpts(ctx, tx, m.CommunityID, nil)
	if err != nil {
		return err
	}
	if _, err := s.jobs.InsertTx(ctx, tx, WelcomeArgs{CommunityID: m.CommunityID, MemberID: m.ID}, opts); err != nil {
		return fmt.Errorf("queue welcome: %w", err)
	}
	return nil
}

// clearedVotes returns the removals a clear of a message's reactions
// stands for: one by each member who votes for it now, or who reacted to
// it earlier in this pass.
func clearedVotes(ctx context.Context, tx pgx.Tx, communityID int64, c clearPayload, before []recordedReaction) ([]recordedReaction, error) {
	rows, err := tx.Query(ctx, `
		SELECT m.platform_user_id FROM tips t
		JOIN tip_votes v ON v.community_id = t.community_id AND v.tip_id = t.id
		JOIN members m ON m.community_id = v.community_id AND m.id = v.member_id
		WHERE t.community_id = $1 AND t.source_message = $2`, communityID, c.MessageID)
	if err != nil {
		return nil, fmt.Errorf("read votes of a cleared message: %w", err)
	}
	voters, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read votes of a cleared message: %w", err)
	}
	for _, r := range before {
		if r.communityID == communityID && r.MessageID == c.MessageID {
			voters = append(voters, r.Voter.PlatformUserID)
		}
	}
	slices.Sort(voters)
	voters = slices.Compact(voters)
	out := make([]recordedReaction, len(voters))
	for i, v := range voters {
		out[i] = recordedReaction{communityID: communityID, Reaction: Reaction{
			Voter: Person{PlatformUserID: v}, ChannelID: c.ChannelID, MessageID: c.MessageID}}
	}
	return out, nil
}

type recordedEdit struct {
	communityID int64
	editPayload
}

// applyEdits makes captured tips follow their edited source messages; new
// #tags in the text are added, tags given by hand are kept. A tip still
// waiting for its capture keeps the edit, which the capture saves rather
// than the text it fetched (which may be from before the edit). Edits of one
// message apply in order, so the last one wins.
func applyEdits(ctx context.Context, tx pgx.Tx, edits []recordedEdit) error {
	for _, e := range edits {
		var tipID *int64
		err := tx.QueryRow(ctx, `
			UPDATE tips SET
				text = CASE WHEN state = 'saved' THEN $3 ELSE text END,
				tags = CASE WHEN state = 'saved' THEN tags || ARRAY(SELECT unnest($4::text[]) EXCEPT SELECT unnest(tags)) ELSE tags END,
				pending_edit = CASE WHEN state = 'pending' THEN $3 END
			WHERE community_id = $1 AND source_message = $2 AND removed_reason IS DISTINCT FROM 'deleted'
			RETURNING CASE WHEN state = 'saved' THEN id END`,
			e.communityID, e.MessageID, e.Text, Hashtags(e.Text)).Scan(&tipID)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("follow edited message: %w", err)
		}
		if tipID != nil {
			if err := grantAuthorsTags(ctx, tx, []int64{e.communityID}, []int64{*tipID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyDeletes hides the tips of deleted messages and drops their text:
// privacy first, so a deleted message stays out of the repository even if it
// is reacted to again.
func applyDeletes(ctx context.Context, tx pgx.Tx, deletes []recordedEdit) error {
	communities, messages := make([]int64, len(deletes)), make([]string, len(deletes))
	for i, e := range deletes {
		communities[i], messages[i] = e.communityID, e.MessageID
	}
	return hideDeleted(ctx, tx, "source_message", communities, messages)
}

// applyChannelDeletes hides the tips of every message in deleted channels,
// as applyDeletes does for one message. Tips saved with /cop save have no
// source message and stay.
func applyChannelDeletes(ctx context.Context, tx pgx.Tx, channels []channelKey) error {
	communities, ids := make([]int64, len(channels)), make([]string, len(channels))
	for i, c := range channels {
		communities[i], ids[i] = c.communityID, c.channelID
	}
	return hideDeleted(ctx, tx, "channel_id", communities, ids)
}

// hideDeleted hides, text and all, the tips of messages whose column
// (source_message or channel_id) holds one of keys.
func hideDeleted(ctx context.Context, tx pgx.Tx, column string, communities []int64, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		UPDATE tips t SET removed_at = COALESCE(t.removed_at, copbot_now()), removed_reason = 'deleted', text = '', pending_edit = NULL
		FROM unnest($1::bigint[], $2::text[]) AS d(community_id, key)
		WHERE t.community_id = d.community_id AND t.`+column+` = d.key AND t.source_message IS NOT NULL`, communities, keys)
	if err != nil {
		return fmt.Errorf("hide deleted %s: %w", column, err)
	}
	return nil
}

// Isolated says what ApplyOldestAlone did.
type Isolated struct {
	// Busy is true when another process held the inbox; nothing was done.
	Busy bool
	// Empty is true when there was no event to apply.
	Empty bool
	// SetAside is the event id of the event set aside, and Cause the
	// refusal that set it aside; empty when the event applied.
	SetAside string
	Cause    error
}

// ApplyOldestAlone applies the oldest recorded event by itself, under the
// lock every inbox pass takes, so that it is the event that is oldest now
// and not one another process already took. When PostgreSQL refuses it
// (IsRefused), it is set aside: taken out of the inbox and kept in
// events_seen with the error, so that it no longer holds up the events
// behind it.
func (s *Store) ApplyOldestAlone(ctx context.Context) (Isolated, error) {
	var out Isolated
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out = Isolated{}
		if err := tx.QueryRow(ctx, `SELECT NOT pg_try_advisory_xact_lock($1)`, drainLockKey).Scan(&out.Busy); err != nil || out.Busy {
			return err
		}
		var e inboxRow
		err := tx.QueryRow(ctx, `
			DELETE FROM inbox WHERE id = (SELECT min(id) FROM inbox)
			RETURNING id, community_id, event_id, kind, payload`).Scan(&e.id, &e.communityID, &e.eventID, &e.kind, &e.payload)
		if errors.Is(err, pgx.ErrNoRows) {
			out.Empty = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("take the oldest inbox event: %w", err)
		}
		applyErr := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error { // a savepoint
			fresh, err := firstSeen(ctx, sp, []inboxRow{e})
			if err != nil || len(fresh) == 0 {
				return err
			}
			return s.apply(ctx, sp, fresh, &Drained{})
		})
		if applyErr == nil || !IsRefused(applyErr) {
			return applyErr
		}
		out.SetAside, out.Cause = e.eventID, applyErr
		_, err = tx.Exec(ctx, `
			INSERT INTO events_seen (community_id, event_id, error) VALUES ($1, $2, $3)
			ON CONFLICT (community_id, event_id) DO UPDATE SET error = excluded.error`, e.communityID, e.eventID, applyErr.Error())
		if err != nil {
			return fmt.Errorf("set aside an inbox event: %w", err)
		}
		return nil
	})
	if err != nil {
		return Isolated{}, err
	}
	return out, nil
}

// IsRefused reports whether PostgreSQL refused what was asked of it: a
// value it cannot take (class 22) or a constraint it breaks (class 23),
// which fails the same way on every try. Anything else is worth trying
// again: the database unreachable, shutting down, crashed or starting up
// (classes 08 and 57, which arrive as PostgreSQL errors too), out of
// connections (53), a conflict between transactions (40). An event is never
// set aside for the state the database was in.
func IsRefused(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) != 5 {
		return false
	}
	class := pgErr.Code[:2]
	return class == "22" || class == "23"
}

// InboxBacklog is how many recorded events wait to be applied and how long
// the oldest has waited, for health checks and metrics.
func (s *Store) InboxBacklog(ctx context.Context) (int, time.Duration, error) {
	var n int
	var age float64
	err := s.pool.QueryRow(ctx, `
		SELECT count(*), COALESCE(EXTRACT(EPOCH FROM copbot_now() - min(received_at)), 0) FROM inbox`).Scan(&n, &age)
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
			SELECT ctid FROM events_seen WHERE seen_at < copbot_now() - $1::interval LIMIT 10000)`, keep.String())
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

// Unsettled returns how many recorded events of a workspace's communities
// are not yet applied, and their jobs that are due and wait to run or are running
// (captures, mentoring notices, welcomes, resumes, re-indexing), so that the console can
// finish a line's effects before it reads the next. A job whose attempt
// failed and waits for a retry is not among them: it is logged, and the
// console goes on; nor is one scheduled for later (a follow-up).
func (s *Store) Unsettled(ctx context.Context, platform, workspace string) (events int, jobs []int64, err error) {
	err = s.pool.QueryRow(ctx, `
		WITH ws AS (SELECT array_agg(id) AS ids FROM communities
			-- the workspace's communities, and those they are linked into,
			-- which hold what their events make
			WHERE platform = $1 AND external_id = $2
			   OR id IN (SELECT linked_to FROM communities WHERE platform = $1 AND external_id = $2))
		SELECT (SELECT count(*) FROM inbox, ws WHERE community_id = ANY(ws.ids)),
		       ARRAY(SELECT j.id FROM river_job j, ws
		             WHERE j.state IN ('available', 'running', 'pending') AND j.scheduled_at <= now()
		               AND (j.kind = $3 AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(j.args->'community_ids') x
		                                            WHERE x::bigint = ANY(ws.ids))
		                    OR j.kind = ANY($4) AND (j.args->>'community_id')::bigint = ANY(ws.ids)))`,
		platform, workspace, CaptureArgs{}.Kind(),
		[]string{MentoringNoticesArgs{}.Kind(), WelcomeArgs{}.Kind(), MentorResumeArgs{}.Kind(), RestemArgs{}.Kind(),
			ReactionNoteArgs{}.Kind(), ShareOfferArgs{}.Kind()}).Scan(&events, &jobs)
	if err != nil {
		return 0, nil, fmt.Errorf("count unsettled events: %w", err)
	}
	return events, jobs, nil
}
