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

-- The last command each member ran that would change something again if
-- repeated (a check-in, a save): a member who saw no answer types the
-- command again at once, and it must not count twice. reply is what they
-- were told the first time, as bot.Text spans, NULL while it runs.
CREATE TABLE recent_commands (
    community_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    text         text NOT NULL,
    ran_at       timestamptz NOT NULL DEFAULT now(),
    reply        jsonb,
    PRIMARY KEY (community_id, member_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);
