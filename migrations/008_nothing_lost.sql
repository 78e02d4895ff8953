-- pending_edit is the text of a message edited while its tip waited for
-- its capture: the capture saves it instead of the text it fetched, which
-- may be older (a pasted password the author took out stays out).
ALTER TABLE tips ADD COLUMN pending_edit text;

-- 'clear' is a message's reactions cleared at once (Discord's remove-all
-- and remove-emoji); 'channel_delete' a deleted channel, whose tips are
-- hidden like those of deleted messages.
ALTER TABLE inbox DROP CONSTRAINT inbox_kind_check;
ALTER TABLE inbox ADD CONSTRAINT inbox_kind_check
    CHECK (kind IN ('reaction', 'join', 'edit', 'delete', 'clear', 'channel_delete'));
