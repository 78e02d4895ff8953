-- removed_by is who took a tip out of the repository with /cop remove, so
-- that the author can be told and facilitators can see it before they
-- restore it.
ALTER TABLE tips ADD COLUMN removed_by bigint;
ALTER TABLE tips ADD FOREIGN KEY (community_id, removed_by) REFERENCES members (community_id, id);

-- notes_off is a member's "no thanks" to copbot's private notes about
-- their own tips (saved, removed).
ALTER TABLE members ADD COLUMN notes_off boolean NOT NULL DEFAULT false;

-- admin_seen_at is when the platform last said the member is an admin:
-- the last-facilitator check counts only admins it heard of lately, as an
-- admin demoted since stays is_admin until they act again.
ALTER TABLE members ADD COLUMN admin_seen_at timestamptz;
UPDATE members SET admin_seen_at = last_seen WHERE is_admin;

-- tip_tag_grants says who gave a tip each of its tags: the member who typed
-- it with /cop tag or /cop save, or the author of a message whose #hashtag
-- it is. An objective that counts tagged tips counts only tips tagged by
-- someone who may check in on it, so that saving junk with a tag cannot
-- push a goal to achieved. Tags given before this was kept go to whoever
-- saved the tip, or its author.
CREATE TABLE tip_tag_grants (
    community_id bigint NOT NULL,
    tip_id       bigint NOT NULL,
    tag          text NOT NULL,
    member_id    bigint NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, tip_id, tag),
    FOREIGN KEY (community_id, tip_id) REFERENCES tips (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);
INSERT INTO tip_tag_grants (community_id, tip_id, tag, member_id, at)
SELECT t.community_id, t.id, tag, COALESCE(t.saved_by, t.author_id), COALESCE(t.saved_at, t.created_at)
FROM tips t, unnest(t.tags) AS tag
WHERE t.state = 'saved' AND COALESCE(t.saved_by, t.author_id) IS NOT NULL
ON CONFLICT DO NOTHING;

-- A tip counts for an objective when someone who may check in on it gave
-- the tip the objective's tag: its owner, a facilitator (an admin, or one
-- named), or anyone when the community's checkin-by is 'anyone'. who is
-- that member.
CREATE OR REPLACE VIEW objective_entries AS
    SELECT c.community_id, c.objective_id, c.at, c.id AS checkin_id, NULL::int AS tip_number,
           c.kind, c.amount, c.note,
           COALESCE(NULLIF(m.display_name, ''), m.platform_user_id) AS who
    FROM checkins c
    JOIN members m ON m.community_id = c.community_id AND m.id = c.member_id
    UNION ALL
    SELECT o.community_id, o.id, t.saved_at, NULL, t.number,
           'add', 1, '', COALESCE(NULLIF(m.display_name, ''), m.platform_user_id)
    FROM objectives o
    JOIN tips t ON t.community_id = o.community_id AND t.tags @> ARRAY[o.tag]
    JOIN tip_tag_grants g ON g.community_id = t.community_id AND g.tip_id = t.id AND g.tag = o.tag
    JOIN members m ON m.community_id = g.community_id AND m.id = g.member_id
    WHERE o.tag IS NOT NULL AND t.state = 'saved' AND t.removed_at IS NULL
      AND t.saved_at >= o.created_at AND (o.closed_at IS NULL OR t.saved_at <= o.closed_at)
      AND (g.member_id = o.owner_id OR m.is_admin
           OR EXISTS (SELECT 1 FROM facilitators f WHERE f.community_id = g.community_id AND f.member_id = g.member_id)
           OR EXISTS (SELECT 1 FROM community_settings s
                      WHERE s.community_id = o.community_id AND s.key = 'checkin-by' AND s.value = 'anyone'));

-- is_guest marks a workspace's guests (Slack's single- and multi-channel
-- guests): they see the repository as the community's guests setting says,
-- nothing by default.
ALTER TABLE members ADD COLUMN is_guest boolean NOT NULL DEFAULT false;

-- channel_name is the name a channel policy was set with, so that /cop
-- config can list excluded and allowed channels by name.
ALTER TABLE channel_policies ADD COLUMN channel_name text NOT NULL DEFAULT '';
