-- private marks a tip said in a private channel, a group DM or a DM: its
-- community's members read it, but partner communities never do. Tips
-- saved before this migration are not marked (their channel's privacy was
-- not kept); captured ones come only from channels a facilitator allowed,
-- which partners never see either.
ALTER TABLE tips ADD COLUMN private boolean NOT NULL DEFAULT false;
