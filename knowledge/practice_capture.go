package knowledge

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// CaptureArgs is the durable job that turns pending tips into saved ones:
// it fetches each message the event did not carry, then numbers and saves
// the tips together and confirms to the members who reacted. One job
// carries up to captureBatch tips, so a burst of reactions costs a few
// transactions, not one per tip.
type CaptureArgs struct {
	// CommunityIDs are the communities of Tips, so that a console can wait
	// for its own captures.
	CommunityIDs []int64       `json:"community_ids"`
	Tips         []CaptureItem `json:"tips"`
}

// CaptureItem is one pending tip to capture.
type CaptureItem struct {
	CommunityID int64  `json:"community_id"`
	TipID       int64  `json:"tip_id"`
	Platform    string `json:"platform"`
	ExternalID  string `json:"external_id"`
	ChannelID   string `json:"channel_id"`
	MessageID   string `json:"message_id"`
	ThreadID    string `json:"thread_id,omitempty"`
	// ReactorID is the platform id of the member whose reaction made the
	// tip; they get the confirmation.
	ReactorID string `json:"reactor_id"`
	// Message is set when the event carried the message (the console);
	// otherwise the worker fetches it.
	Message *Message `json:"message,omitempty"`
}

// captureBatch is the most tips one capture job carries.
const captureBatch = 100

func newCaptureArgs(items []CaptureItem) CaptureArgs {
	a := CaptureArgs{Tips: items}
	seen := map[int64]bool{}
	for _, it := range items {
		if !seen[it.CommunityID] {
			seen[it.CommunityID] = true
			a.CommunityIDs = append(a.CommunityIDs, it.CommunityID)
		}
	}
	return a
}

// Kind names the job for river.
func (CaptureArgs) Kind() string { return "capture_tips" }

// InsertOpts keeps capture jobs patient: a rate-limited platform snoozes
// them, and a message that cannot be fetched is retried for a few hours
// (the worker backs off up to 10 minutes between attempts). Each is
// inserted into its platform's CaptureQueue.
func (CaptureArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25}
}

// StillPending returns the items whose tip still waits for its capture, so
// that a retried job fetches only what is left.
func (s *Store) StillPending(ctx context.Context, items []CaptureItem) ([]CaptureItem, error) {
	pending, err := pendingTips(ctx, s.pool, items, false)
	if err != nil {
		return nil, err
	}
	var out []CaptureItem
	for _, it := range items {
		if _, ok := pending[tipKey{it.CommunityID, it.TipID}]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// pendingTip is what a capture needs to know of a tip that waits for it.
type pendingTip struct {
	// removed is why it left the repository ("" when it did not: a pending
	// tip leaves when its votes are taken back or its message is deleted).
	removed string
	// edit is the message's text from an edit applied while it waited.
	edit *string
}

// pendingTips returns which of the items' tips are still pending; with
// lock, it locks them too, in a fixed order.
func pendingTips(ctx context.Context, db querier, items []CaptureItem, lock bool) (map[tipKey]pendingTip, error) {
	communities, ids := itemKeys(items)
	q := `
		SELECT t.community_id, t.id, COALESCE(t.removed_reason, ''), t.pending_edit FROM tips t
		JOIN unnest($1::bigint[], $2::bigint[]) AS c(community_id, id) ON t.community_id = c.community_id AND t.id = c.id
		WHERE t.state = 'pending'`
	if lock {
		q += ` ORDER BY t.community_id, t.id FOR UPDATE OF t`
	}
	rows, err := db.Query(ctx, q, communities, ids)
	if err != nil {
		return nil, fmt.Errorf("find pending tips: %w", err)
	}
	pending := map[tipKey]pendingTip{}
	var k tipKey
	var p pendingTip
	if _, err := pgx.ForEachRow(rows, []any{&k.communityID, &k.tipID, &p.removed, &p.edit}, func() error {
		pending[k] = p
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find pending tips: %w", err)
	}
	return pending, nil
}

func itemKeys(items []CaptureItem) (communities, ids []int64) {
	communities, ids = make([]int64, len(items)), make([]int64, len(items))
	for i, it := range items {
		communities[i], ids[i] = it.CommunityID, it.TipID
	}
	return communities, ids
}

// Captured is the outcome of fetching one item's message: the message, or
// Gone when it no longer exists or copbot cannot see it.
type Captured struct {
	Item    CaptureItem
	Message Message
	Gone    bool
}

// CapturedTip is a tip a capture saved, with the item it came from.
type CapturedTip struct {
	Tip  Tip
	Item CaptureItem
	// TellAuthor is the platform id of the message's author, to be told
	// privately that their message was saved: "" when the author saved it
	// themselves, is a bot, is unknown or wants no such notes.
	TellAuthor string
}

// CompleteCaptures saves pending tips with their messages in one
// transaction: each gets its community's next number, the message's text,
// author, permalink and #tags. Tips of gone or deleted messages, of messages
// a bot wrote (bots' messages are never tips) and of messages in private
// channels that no facilitator allowed are dropped. A tip that is no longer
// pending is left alone, so a retried job is harmless.
func (s *Store) CompleteCaptures(ctx context.Context, done []Captured) ([]CapturedTip, error) {
	if len(done) == 0 {
		return nil, nil
	}
	var saved []CapturedTip
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		saved = nil
		items := make([]CaptureItem, len(done))
		for i, c := range done {
			items[i] = c.Item
		}
		pending, err := pendingTips(ctx, tx, items, true)
		if err != nil {
			return err
		}
		allowed, err := allowedPrivate(ctx, tx, done)
		if err != nil {
			return err
		}
		var drop, keep []Captured
		for _, c := range done {
			p, isPending := pending[tipKey{c.Item.CommunityID, c.Item.TipID}]
			if p.edit != nil {
				c.Message.Text = *p.edit // edited after it may have been fetched
			}
			switch {
			case !isPending:
			case c.Gone || c.Message.AuthorBot || p.removed == "deleted":
				drop = append(drop, c) // a message deleted while it was fetched stays out, text and all
			case c.Message.Private && !allowed[channelKey{c.Item.CommunityID, c.Item.ChannelID}]:
				drop = append(drop, c) // privacy first: the event did not say it was private
			default:
				keep = append(keep, c)
			}
		}
		if err := dropPending(ctx, tx, drop); err != nil {
			return err
		}
		if len(keep) == 0 {
			return nil
		}
		saved, err = saveCaptured(ctx, tx, keep)
		return err
	})
	return saved, err
}

// allowedPrivate returns the channels, among those of the private messages
// captured, that a facilitator allowed.
func allowedPrivate(ctx context.Context, tx pgx.Tx, done []Captured) (map[channelKey]bool, error) {
	channels := map[channelKey]bool{}
	for _, c := range done {
		if c.Message.Private {
			channels[channelKey{c.Item.CommunityID, c.Item.ChannelID}] = true
		}
	}
	policies, err := channelPolicies(ctx, tx, channels)
	if err != nil {
		return nil, err
	}
	allowed := map[channelKey]bool{}
	for k, p := range policies {
		allowed[k] = p == "allow"
	}
	return allowed, nil
}

// GiveUpCaptures drops the pending tips of items whose message could not be
// fetched after every attempt, so that a later reaction to the message
// starts a capture afresh instead of finding a tip that waits for nothing.
func (s *Store) GiveUpCaptures(ctx context.Context, items []CaptureItem) error {
	drop := make([]Captured, len(items))
	for i, it := range items {
		drop[i] = Captured{Item: it, Gone: true}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error { return dropPending(ctx, tx, drop) })
}

func dropPending(ctx context.Context, tx pgx.Tx, drop []Captured) error {
	if len(drop) == 0 {
		return nil
	}
	items := make([]CaptureItem, len(drop))
	for i, c := range drop {
		items[i] = c.Item
	}
	communities, ids := itemKeys(items)
	_, err := tx.Exec(ctx, `
		DELETE FROM tips t USING unnest($1::bigint[], $2::bigint[]) AS c(community_id, id)
		WHERE t.community_id = c.community_id AND t.id = c.id AND t.state = 'pending'`, communities, ids)
	if err != nil {
		return fmt.Errorf("drop pending tips: %w", err)
	}
	return nil
}

// saveCaptured numbers and saves captured tips; the caller holds their locks.
func saveCaptured(ctx context.Context, tx pgx.Tx, keep []Captured) ([]CapturedTip, error) {
	authors, err := referAuthors(ctx, tx, keep)
	if err != nil {
		return nil, err
	}
	numbers, err := takeNumbers(ctx, tx, keep)
	if err != nil {
		return nil, err
	}
	n := len(keep)
	var (
		communities, ids    = make([]int64, n), make([]int64, n)
		nums                = make([]int32, n)
		texts, tags, names  = make([]string, n), make([]string, n), make([]string, n)
		permalinks, threads = make([]string, n), make([]string, n)
		private             = make([]bool, n)
		authorIDs           = make([]*int64, n)
		byTip               = make(map[int64]CaptureItem, n)
		tell                = make(map[int64]string, n)
	)
	for i, c := range keep {
		m := c.Message
		communities[i], ids[i], nums[i] = c.Item.CommunityID, c.Item.TipID, int32(numbers[i])
		texts[i], tags[i], names[i] = m.Text, strings.Join(Hashtags(m.Text), " "), m.AuthorName
		permalinks[i], threads[i], private[i] = m.Permalink, m.ThreadID, m.Private
		if a, ok := authors[memberKey{c.Item.CommunityID, m.AuthorID}]; ok {
			authorIDs[i] = &a.id
			if !a.isBot && !a.notesOff && !m.AuthorBot && m.AuthorID != c.Item.ReactorID {
				tell[c.Item.TipID] = m.AuthorID
			}
		}
		byTip[c.Item.TipID] = c.Item
	}
	// A tip whose votes were all taken back while it waited is saved out of
	// the repository ('unvoted'); one whose message was deleted stays hidden.
	rows, err := tx.Query(ctx, `
		UPDATE tips t SET state = 'saved', number = u.number, text = u.text,
			tags = string_to_array(u.tags, ' '), author_id = u.author_id, author_name = u.author_name,
			permalink = u.permalink, private = u.private, thread_id = COALESCE(NULLIF(u.thread_id, ''), t.thread_id), saved_at = copbot_now(), pending_edit = NULL,
			lang = `+languageOf("t.community_id")+`,
			removed_at = CASE WHEN t.removed_at IS NOT NULL THEN t.removed_at WHEN t.votes = 0 THEN copbot_now() END,
			removed_reason = CASE WHEN t.removed_at IS NOT NULL THEN t.removed_reason WHEN t.votes = 0 THEN 'unvoted' END
		FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::boolean[])
			AS u(community_id, id, number, text, tags, author_id, author_name, permalink, thread_id, private)
		WHERE t.community_id = u.community_id AND t.id = u.id
		RETURNING `+tipColumns,
		communities, ids, nums, texts, tags, authorIDs, names, permalinks, threads, private)
	if err != nil {
		return nil, fmt.Errorf("save tips: %w", err)
	}
	tips, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tip, error) { return scanTip(r) })
	if err != nil {
		return nil, fmt.Errorf("save tips: %w", err)
	}
	if err := grantAuthorsTags(ctx, tx, communities, ids); err != nil {
		return nil, err
	}
	out := make([]CapturedTip, len(tips))
	for i, t := range tips {
		out[i] = CapturedTip{Tip: t, Item: byTip[t.ID], TellAuthor: tell[t.ID]}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tip.Number < out[j].Tip.Number })
	return out, nil
}

// referAuthors finds or creates the members who wrote captured messages;
// like ReferMember it changes nothing about a member copbot knows.
func referAuthors(ctx context.Context, tx pgx.Tx, keep []Captured) (map[memberKey]memberRow, error) {
	names := map[memberKey]string{}
	for _, c := range keep {
		if c.Message.AuthorID != "" {
			names[memberKey{c.Item.CommunityID, c.Message.AuthorID}] = c.Message.AuthorName
		}
	}
	return referMembers(ctx, tx, names, false)
}

// takeNumbers reserves each community's next numbers for the captured
// tips, in one statement, and returns them in the order of keep.
func takeNumbers(ctx context.Context, tx pgx.Tx, keep []Captured) ([]int, error) {
	counts := map[int64]int{}
	for _, c := range keep {
		counts[c.Item.CommunityID]++
	}
	var communities []int64
	var ns []int32
	for c, n := range counts {
		communities, ns = append(communities, c), append(ns, int32(n))
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO tip_counters AS tc (community_id, last_number)
		SELECT * FROM unnest($1::bigint[], $2::int[]) AS n(community_id, count) ORDER BY community_id
		ON CONFLICT (community_id) DO UPDATE SET last_number = tc.last_number + excluded.last_number
		RETURNING community_id, last_number`, communities, ns)
	if err != nil {
		return nil, fmt.Errorf("number tips: %w", err)
	}
	next := map[int64]int{}
	var c int64
	var last int
	if _, err := pgx.ForEachRow(rows, []any{&c, &last}, func() error {
		next[c] = last - counts[c] + 1
		return nil
	}); err != nil {
		return nil, fmt.Errorf("number tips: %w", err)
	}
	numbers := make([]int, len(keep))
	for i, k := range keep {
		numbers[i] = next[k.Item.CommunityID]
		next[k.Item.CommunityID]++
	}
	return numbers, nil
}
