-- The inbox: platform events recorded at acknowledgement and applied after,
-- in batches. An acknowledgement costs this one insert, as small as a
-- durable write can be (no other index, no foreign key: a key check would
-- share-lock the community's row on every acknowledgement, and under load
-- those locks cost a third of the rate). A row lives only until a pass
-- applies it: the pass deletes its batch and records the event ids in
-- events_seen, in bulk, where an event delivered again (Slack retries one
-- it thought slow) is found and skipped.
CREATE TABLE inbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id bigint NOT NULL,
    event_id     text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('reaction', 'join', 'edit', 'delete')),
    -- json, not jsonb: stored as written, so recording parses it only to
    -- check it; the passes decode it in Go.
    payload      json NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- events_seen (002) now records every delivery applied, and commands, which
-- are answered at once, as they arrive, so that a command delivered twice
-- runs once. error is why an event could not be applied: it was set aside
-- so as not to hold up the events behind it.
ALTER TABLE events_seen ADD COLUMN error text;
