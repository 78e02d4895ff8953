package knowledge

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

type recordedReaction struct {
	communityID int64
	Reaction
}

// Reasons an inbox pass drops a recorded reaction on purpose (Drained.Dropped).
const (
	DroppedExcluded = "excluded_channel"
	DroppedPrivate  = "private_channel"
	DroppedBot      = "bot"
)

type messageKey struct {
	communityID int64
	messageID   string
}

type voteKey struct {
	messageKey
	memberID int64
}

type tipKey struct{ communityID, tipID int64 }

// applyReactions applies a pass's save reactions in a fixed number of
// statements, whatever their number: each member's last reaction to a
// message decides their vote (added then removed is no vote), a message's
// first vote makes a pending tip, and the captures of new tips are queued
// in the same transaction. It adds to d how many captures it queued and
// how many reactions it dropped, by reason.
func (s *Store) applyReactions(ctx context.Context, tx pgx.Tx, all []recordedReaction, d *Drained) error {
	if len(all) == 0 {
		return nil
	}
	if err := followTips(ctx, tx, all); err != nil {
		return err
	}
	var notes []reactionNote
	rs, err := allowedByChannel(ctx, tx, all, d, &notes)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return s.queueReactionNotes(ctx, tx, notes)
	}
	voters, err := seeVoters(ctx, tx, rs)
	if err != nil {
		return err
	}

	// The net effect of the pass per member and message: their last
	// reaction decides (added then removed is no vote).
	last := map[voteKey]bool{}
	keys := make([]voteKey, len(rs))
	var order []voteKey
	for i, r := range rs {
		v, ok := voters[memberKey{r.communityID, r.Voter.PlatformUserID}]
		if !ok {
			return fmt.Errorf("apply reactions: voter %s unknown after it was recorded", r.Voter.PlatformUserID)
		}
		if v.isBot {
			d.drop(DroppedBot)
			continue
		}
		keys[i] = voteKey{messageKey{r.communityID, r.MessageID}, v.id}
		if _, seen := last[keys[i]]; !seen {
			order = append(order, keys[i])
		}
		last[keys[i]] = r.Added
	}
	// Each message that gets a vote needs a tip; the first reaction that
	// votes describes it (channel, thread, who is told of the capture).
	first := map[messageKey]*recordedReaction{}
	for i := range rs {
		k := keys[i]
		if k.memberID != 0 && rs[i].Added && last[k] && first[k.messageKey] == nil {
			first[k.messageKey] = &rs[i]
		}
	}

	tips, created, err := upsertPendingTips(ctx, tx, first)
	if err != nil {
		return err
	}
	deltas, changed, err := changeVotes(ctx, tx, order, last, tips)
	if err != nil {
		return err
	}
	if err := countVotes(ctx, tx, deltas); err != nil {
		return err
	}
	onVotes, err := notesOnVotes(ctx, tx, changed)
	if err != nil {
		return err
	}
	if err := s.queueReactionNotes(ctx, tx, append(notes, onVotes...)); err != nil {
		return err
	}
	queued, err := s.queueCaptures(ctx, tx, created, first, tips)
	d.Queued += queued
	return err
}

// followTips sends each reaction to the community that holds its message's
// tip, when that is another community of the same workspace: a channel
// that moved to another community keeps its tips where they were made,
// and votes for them, added or taken back, go to them, so a message never
// has two tips and no vote is left that nobody can take back.
func followTips(ctx context.Context, tx pgx.Tx, rs []recordedReaction) error {
	communities, messages := make([]int64, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		communities[i], messages[i] = r.communityID, r.MessageID
	}
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT r.community_id, r.message, t.community_id
		FROM unnest($1::bigint[], $2::text[]) AS r(community_id, message)
		JOIN tips t ON t.source_message = r.message AND t.community_id <> r.community_id
		JOIN communities here ON here.id = r.community_id
		JOIN communities there ON there.id = t.community_id AND there.platform = here.platform AND there.external_id = here.external_id
		WHERE NOT EXISTS (SELECT 1 FROM tips h WHERE h.community_id = r.community_id AND h.source_message = r.message)`,
		communities, messages)
	if err != nil {
		return fmt.Errorf("find tips in other communities: %w", err)
	}
	moved := map[messageKey]int64{}
	var k messageKey
	var to int64
	if _, err := pgx.ForEachRow(rows, []any{&k.communityID, &k.messageID, &to}, func() error {
		moved[k] = to
		return nil
	}); err != nil {
		return fmt.Errorf("find tips in other communities: %w", err)
	}
	for i := range rs {
		if to, ok := moved[messageKey{rs[i].communityID, rs[i].MessageID}]; ok {
			rs[i].communityID = to
		}
	}
	return nil
}

// allowedByChannel drops reactions added in excluded channels, and in
// private channels that a facilitator has not allowed, noting each for its
// member. Removals are kept: a vote cast before the channel was excluded
// can still be taken back.
func allowedByChannel(ctx context.Context, tx pgx.Tx, rs []recordedReaction, d *Drained, notes *[]reactionNote) ([]recordedReaction, error) {
	channels := map[channelKey]bool{}
	for _, r := range rs {
		channels[channelKey{r.communityID, r.ChannelID}] = true
	}
	policies, err := channelPolicies(ctx, tx, channels)
	if err != nil {
		return nil, err
	}
	kept := rs[:0:0]
	for _, r := range rs {
		switch p := policies[channelKey{r.communityID, r.ChannelID}]; {
		case !r.Added:
		case p == "exclude":
			d.drop(DroppedExcluded)
			*notes = append(*notes, reactionNote{communityID: r.communityID, userID: r.Voter.PlatformUserID,
				channelID: r.ChannelID, channelName: r.ChannelName, note: NoteExcluded})
			continue
		case r.Private && p != "allow":
			d.drop(DroppedPrivate)
			*notes = append(*notes, reactionNote{communityID: r.communityID, userID: r.Voter.PlatformUserID,
				channelID: r.ChannelID, channelName: r.ChannelName, note: NotePrivate})
			continue
		}
		kept = append(kept, r)
	}
	return kept, nil
}

// seeVoters records every member who reacted and returns them by
// community and platform id.
func seeVoters(ctx context.Context, tx pgx.Tx, rs []recordedReaction) (map[memberKey]memberRow, error) {
	names := map[memberKey]string{}
	for _, r := range rs {
		k := memberKey{r.communityID, r.Voter.PlatformUserID}
		if n, ok := names[k]; !ok || n == "" {
			names[k] = r.Voter.DisplayName
		}
	}
	return referMembers(ctx, tx, names, true)
}

// upsertPendingTips makes a pending tip for every message voted for that
// has none, and returns the tip of every such message and which are new.
func upsertPendingTips(ctx context.Context, tx pgx.Tx, first map[messageKey]*recordedReaction) (map[messageKey]int64, map[messageKey]bool, error) {
	tips, created := map[messageKey]int64{}, map[messageKey]bool{}
	if len(first) == 0 {
		return tips, created, nil
	}
	keys := make([]messageKey, 0, len(first))
	for k := range first {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].communityID < keys[j].communityID ||
			keys[i].communityID == keys[j].communityID && keys[i].messageID < keys[j].messageID
	})
	n := len(keys)
	communities, messages, channels, channelNames, threads := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, k := range keys {
		r := first[k]
		communities[i], messages[i], channels[i], channelNames[i], threads[i] = k.communityID, k.messageID, r.ChannelID, r.ChannelName, r.ThreadID
	}
	// DO UPDATE (a no-op) rather than DO NOTHING so RETURNING yields every
	// tip, and locks it for the votes below.
	rows, err := tx.Query(ctx, `
		INSERT INTO tips (community_id, source_message, channel_id, channel_name, thread_id)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
		ON CONFLICT (community_id, source_message) DO UPDATE SET source_message = excluded.source_message
		RETURNING community_id, source_message, id, xmax = 0`, communities, messages, channels, channelNames, threads)
	if err != nil {
		return nil, nil, fmt.Errorf("upsert tips: %w", err)
	}
	var k messageKey
	var id int64
	var isNew bool
	_, err = pgx.ForEachRow(rows, []any{&k.communityID, &k.messageID, &id, &isNew}, func() error {
		tips[k] = id
		if isNew {
			created[k] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("upsert tips: %w", err)
	}
	return tips, created, nil
}

// changedVote is a vote a pass added or took back.
type changedVote struct {
	communityID, tipID, memberID int64
	added                        bool
}

// changeVotes adds and removes votes and returns each tip's change in
// votes, and the votes it changed.
func changeVotes(ctx context.Context, tx pgx.Tx, order []voteKey, last map[voteKey]bool, tips map[messageKey]int64) (map[tipKey]int, []changedVote, error) {
	var add, del struct {
		communities, members []int64
		tips                 []int64
		messages             []string
	}
	for _, k := range order {
		if last[k] {
			add.communities = append(add.communities, k.communityID)
			add.tips = append(add.tips, tips[k.messageKey])
			add.members = append(add.members, k.memberID)
		} else {
			del.communities = append(del.communities, k.communityID)
			del.messages = append(del.messages, k.messageID)
			del.members = append(del.members, k.memberID)
		}
	}
	deltas := map[tipKey]int{}
	var changed []changedVote
	count := func(rows pgx.Rows, by int, what string) error {
		var k tipKey
		var member int64
		_, err := pgx.ForEachRow(rows, []any{&k.communityID, &k.tipID, &member}, func() error {
			deltas[k] += by
			changed = append(changed, changedVote{k.communityID, k.tipID, member, by > 0})
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if len(add.tips) > 0 {
		rows, err := tx.Query(ctx, `
			INSERT INTO tip_votes (community_id, tip_id, member_id)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
			ON CONFLICT DO NOTHING
			RETURNING community_id, tip_id, member_id`, add.communities, add.tips, add.members)
		if err != nil {
			return nil, nil, fmt.Errorf("insert votes: %w", err)
		}
		if err := count(rows, 1, "insert votes"); err != nil {
			return nil, nil, err
		}
	}
	if len(del.members) > 0 {
		rows, err := tx.Query(ctx, `
			DELETE FROM tip_votes v USING tips t, unnest($1::bigint[], $2::text[], $3::bigint[]) AS r(community_id, message, member_id)
			WHERE t.community_id = r.community_id AND t.source_message = r.message
			  AND v.community_id = t.community_id AND v.tip_id = t.id AND v.member_id = r.member_id
			RETURNING v.community_id, v.tip_id, v.member_id`, del.communities, del.messages, del.members)
		if err != nil {
			return nil, nil, fmt.Errorf("delete votes: %w", err)
		}
		if err := count(rows, -1, "delete votes"); err != nil {
			return nil, nil, err
		}
	}
	return deltas, changed, nil
}

// countVotes applies vote changes to the tips' counts. A tip whose votes
// drop to zero leaves the repository ('unvoted'); a vote brings such a tip
// back, but not one a person removed or whose message was deleted.
func countVotes(ctx context.Context, tx pgx.Tx, deltas map[tipKey]int) error {
	var communities, ids []int64
	var by []int32
	for k, d := range deltas {
		if d != 0 {
			communities, ids, by = append(communities, k.communityID), append(ids, k.tipID), append(by, int32(d))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		UPDATE tips t SET votes = t.votes + d.delta,
			removed_at = CASE
				WHEN t.votes + d.delta = 0 AND t.removed_at IS NULL THEN copbot_now()
				WHEN t.votes + d.delta > 0 AND t.removed_reason = 'unvoted' THEN NULL
				ELSE t.removed_at END,
			removed_reason = CASE
				WHEN t.votes + d.delta = 0 AND t.removed_at IS NULL THEN 'unvoted'
				WHEN t.votes + d.delta > 0 AND t.removed_reason = 'unvoted' THEN NULL
				ELSE t.removed_reason END
		FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS d(community_id, tip_id, delta)
		WHERE t.community_id = d.community_id AND t.id = d.tip_id`, communities, ids, by)
	if err != nil {
		return fmt.Errorf("count votes: %w", err)
	}
	return nil
}

// queueCaptures queues the capture of every new tip, in jobs of up to
// captureBatch tips.
func (s *Store) queueCaptures(ctx context.Context, tx pgx.Tx, created map[messageKey]bool, first map[messageKey]*recordedReaction, tips map[messageKey]int64) (int, error) {
	if len(created) == 0 {
		return 0, nil
	}
	refs, err := communityRefs(ctx, tx, created)
	if err != nil {
		return 0, err
	}
	items := make([]CaptureItem, 0, len(created))
	for k := range created {
		r := first[k]
		ref := refs[k.communityID]
		items = append(items, CaptureItem{
			CommunityID: k.communityID, TipID: tips[k], Platform: ref.platform, ExternalID: ref.externalID,
			ChannelID: r.ChannelID, MessageID: r.MessageID, ThreadID: r.ThreadID, ReactorID: r.Voter.PlatformUserID,
			Message: r.Message,
		})
	}
	// A job per platform, so that it goes to the queue of the processes
	// that can fetch from that platform; up to captureBatch tips each.
	sort.Slice(items, func(i, j int) bool {
		return items[i].Platform < items[j].Platform || items[i].Platform == items[j].Platform && items[i].TipID < items[j].TipID
	})
	var jobs []river.InsertManyParams
	for len(items) > 0 {
		n := 1
		for n < len(items) && n < captureBatch && items[n].Platform == items[0].Platform {
			n++
		}
		jobs = append(jobs, river.InsertManyParams{Args: newCaptureArgs(items[:n]),
			InsertOpts: &river.InsertOpts{Queue: CaptureQueue(items[0].Platform)}})
		items = items[n:]
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return 0, fmt.Errorf("queue captures: %w", err)
	}
	return len(created), nil
}

type communityRef struct{ platform, externalID string }

func communityRefs(ctx context.Context, tx pgx.Tx, keys map[messageKey]bool) (map[int64]communityRef, error) {
	var ids []int64
	seen := map[int64]bool{}
	for k := range keys {
		if !seen[k.communityID] {
			seen[k.communityID] = true
			ids = append(ids, k.communityID)
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, platform, external_id FROM communities WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read communities: %w", err)
	}
	refs := map[int64]communityRef{}
	var id int64
	var ref communityRef
	_, err = pgx.ForEachRow(rows, []any{&id, &ref.platform, &ref.externalID}, func() error {
		refs[id] = ref
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read communities: %w", err)
	}
	return refs, nil
}
