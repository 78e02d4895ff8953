package knowledge

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/jackc/pgx/v5"
)

type memberKey struct {
	communityID    int64
	platformUserID string
}

// memberRow is a member found or created in bulk.
type memberRow struct {
	id    int64
	isBot bool
	// notesOff: the member wants no notes about their own tips.
	notesOff bool
}

// referMembers finds or creates members by community and platform id, with
// the names given ("" for none), in a fixed order, so that two transactions
// never lock members crosswise. Known members keep their rights. With touch,
// a known member is refreshed when the name changed or they were last seen
// an hour ago, and only then: rewriting the same rows on every pass would
// grow their version chains, which every foreign-key check on them then
// walks.
//
// Under READ COMMITTED one statement cannot both insert and find every
// member: when another transaction inserts the same member and commits
// while this one waits on the conflict, the row is neither inserted here nor
// visible to this statement's snapshot. The members it misses are asked for
// again by a new statement, which sees them.
func referMembers(ctx context.Context, db querier, names map[memberKey]string, touch bool) (map[memberKey]memberRow, error) {
	found := make(map[memberKey]memberRow, len(names))
	missing := make([]memberKey, 0, len(names))
	for k := range names {
		missing = append(missing, k)
	}
	sort.Slice(missing, func(i, j int) bool {
		return missing[i].communityID < missing[j].communityID ||
			missing[i].communityID == missing[j].communityID && missing[i].platformUserID < missing[j].platformUserID
	})
	for attempt := 0; len(missing) > 0; attempt++ {
		if attempt == referAttempts {
			return nil, fmt.Errorf("find or make members: %d still unseen after %d statements", len(missing), attempt)
		}
		if err := referMembersOnce(ctx, db, names, missing, touch, found); err != nil {
			return nil, err
		}
		missing = slices.DeleteFunc(missing, func(k memberKey) bool { _, ok := found[k]; return ok })
	}
	return found, nil
}

// referAttempts bounds referMembers' statements. A member missed once is
// committed by the time the next statement starts, unless the transaction
// that inserted it had not committed yet and then rolled back; each further
// statement either inserts it or finds it, so a few always suffice.
const referAttempts = 5

// referMembersOnce is one statement of referMembers for the keys given,
// which must be sorted; it adds the members it inserted or could see to
// found.
func referMembersOnce(ctx context.Context, db querier, names map[memberKey]string, keys []memberKey, touch bool, found map[memberKey]memberRow) error {
	communities, ids, display := make([]int64, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		communities[i], ids[i], display[i] = k.communityID, k.platformUserID, names[k]
	}
	refresh := ""
	if touch {
		refresh = `, refreshed AS (
			UPDATE members m SET last_seen = copbot_now(), display_name = COALESCE(NULLIF(w.display_name, ''), m.display_name)
			FROM wanted w
			WHERE m.community_id = w.community_id AND m.platform_user_id = w.platform_user_id
			  AND (m.last_seen < copbot_now() - interval '1 hour' OR (w.display_name <> '' AND w.display_name <> m.display_name))
		)`
	}
	rows, err := db.Query(ctx, `
		WITH wanted AS (
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS w(community_id, platform_user_id, display_name)
		), ins AS (
			INSERT INTO members (community_id, platform_user_id, display_name)
			SELECT * FROM wanted
			ON CONFLICT (community_id, platform_user_id) DO NOTHING
			RETURNING community_id, platform_user_id, id, is_bot, notes_off
		)`+refresh+`
		SELECT * FROM ins
		UNION ALL
		SELECT m.community_id, m.platform_user_id, m.id, m.is_bot, m.notes_off FROM members m
		JOIN wanted w ON m.community_id = w.community_id AND m.platform_user_id = w.platform_user_id`,
		communities, ids, display)
	if err != nil {
		return fmt.Errorf("find or make members: %w", err)
	}
	var k memberKey
	var m memberRow
	if _, err := pgx.ForEachRow(rows, []any{&k.communityID, &k.platformUserID, &m.id, &m.isBot, &m.notesOff}, func() error {
		found[k] = m
		return nil
	}); err != nil {
		return fmt.Errorf("find or make members: %w", err)
	}
	return nil
}

type channelKey struct {
	communityID int64
	channelID   string
}

// channelPolicies reads the policies set for the given channels: "exclude"
// or "allow", none for a channel with neither.
func channelPolicies(ctx context.Context, tx pgx.Tx, channels map[channelKey]bool) (map[channelKey]string, error) {
	policies := map[channelKey]string{}
	if len(channels) == 0 {
		return policies, nil
	}
	var communities []int64
	var ids []string
	for k := range channels {
		communities, ids = append(communities, k.communityID), append(ids, k.channelID)
	}
	rows, err := tx.Query(ctx, `
		SELECT p.community_id, p.channel_id, p.policy FROM channel_policies p
		JOIN unnest($1::bigint[], $2::text[]) AS c(community_id, channel_id)
		  ON p.community_id = c.community_id AND p.channel_id = c.channel_id`, communities, ids)
	if err != nil {
		return nil, fmt.Errorf("read channel policies: %w", err)
	}
	var k channelKey
	var policy string
	if _, err := pgx.ForEachRow(rows, []any{&k.communityID, &k.channelID, &policy}, func() error {
		policies[k] = policy
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read channel policies: %w", err)
	}
	return policies, nil
}
