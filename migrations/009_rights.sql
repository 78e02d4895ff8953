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
