package knowledge

import (
	"context"
	"fmt"
)

// Who gave a tip each of its tags is kept (tip_tag_grants) so that an
// objective counting tagged tips counts only tips tagged by someone who may
// check in on it: typing /cop tag gives the tags to the member who typed
// it, /cop save to the saver, and a message's #hashtags to its author.

// grantTags records that member gave tip the tags it did not have before;
// a tag kept keeps its giver.
func grantTags(ctx context.Context, db querier, communityID, tipID, memberID int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := db.Exec(ctx, `
		INSERT INTO tip_tag_grants (community_id, tip_id, tag, member_id)
		SELECT $1, $2, tag, $3 FROM unnest($4::text[]) AS tag
		ON CONFLICT DO NOTHING`, communityID, tipID, memberID, tags)
	if err != nil {
		return fmt.Errorf("record who tagged: %w", err)
	}
	return nil
}

// forgetTagsBut drops the grants of the tags a tip no longer has.
func forgetTagsBut(ctx context.Context, db querier, communityID, tipID int64, kept []string) error {
	_, err := db.Exec(ctx, `DELETE FROM tip_tag_grants WHERE community_id = $1 AND tip_id = $2 AND NOT tag = ANY($3)`,
		communityID, tipID, kept)
	if err != nil {
		return fmt.Errorf("forget removed tags: %w", err)
	}
	return nil
}

// grantAuthorsTags gives the tags of tips (their message's #hashtags, on
// capture or edit) to the tips' authors, in one statement.
func grantAuthorsTags(ctx context.Context, db querier, communityIDs, tipIDs []int64) error {
	if len(tipIDs) == 0 {
		return nil
	}
	_, err := db.Exec(ctx, `
		INSERT INTO tip_tag_grants (community_id, tip_id, tag, member_id)
		SELECT t.community_id, t.id, tag, t.author_id
		FROM tips t JOIN unnest($1::bigint[], $2::bigint[]) AS k(community_id, id) ON t.community_id = k.community_id AND t.id = k.id,
			unnest(t.tags) AS tag
		WHERE t.author_id IS NOT NULL
		ON CONFLICT DO NOTHING`, communityIDs, tipIDs)
	if err != nil {
		return fmt.Errorf("record who tagged: %w", err)
	}
	return nil
}
