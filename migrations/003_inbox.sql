-- The inbox: platform events recorded at acknowledgement (one insert, so an
-- acknowledgement costs one durable write) and applied after, in batches.
-- A processed row stays a while as the record that its event id was seen, so
-- a retried or duplicated delivery changes nothing; it replaces events_seen.
-- Commands are answered at once and recorded already processed, only so that
-- a command delivered twice runs once.
CREATE TABLE inbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No foreign key to communities: its check would share-lock the
    -- community's row on every acknowledgement, and under load those locks
    -- cost a third of the acknowledgement rate. Inbox rows point nowhere and
    -- are pruned within a day; the passes join nothing through them.
    community_id bigint NOT NULL,
    event_id     text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('reaction', 'join', 'edit', 'delete', 'command')),
    -- json, not jsonb: stored as written, so recording parses it only to
    -- check it; the passes decode it in Go.
    payload      json NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    -- error is why an event could not be applied; it is set aside
    -- (processed) so that it does not hold up the events behind it.
    error        text,
    UNIQUE (community_id, event_id)
);
CREATE INDEX inbox_unprocessed ON inbox (id) WHERE processed_at IS NULL;
CREATE INDEX inbox_processed_at ON inbox (processed_at) WHERE processed_at IS NOT NULL;

DROP TABLE events_seen;
