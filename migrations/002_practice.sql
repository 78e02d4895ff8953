-- The practice repository. A tip is born "pending" on the first save
-- reaction to a message (its votes count from then on) and becomes "saved"
-- when the capture job has fetched the message and given it a number.
-- array_to_string is only STABLE (it formats arbitrary element types); for
-- text[] it is immutable, which a generated column needs.
CREATE FUNCTION copbot_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN array_to_string(tags, ' ');

CREATE TABLE tips (
    community_id   bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    id             bigint GENERATED ALWAYS AS IDENTITY,
    -- number is what people type (/cop tag 12 …); set when the tip is saved.
    number         int,
    state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'saved')),
    -- source_message is the platform's message identity, NULL for /cop save.
    source_message text,
    channel_id     text NOT NULL DEFAULT '',
    channel_name   text NOT NULL DEFAULT '',
    thread_id      text NOT NULL DEFAULT '',
    permalink      text NOT NULL DEFAULT '',
    text           text NOT NULL DEFAULT '',
    tags           text[] NOT NULL DEFAULT '{}',
    author_id      bigint,
    author_name    text NOT NULL DEFAULT '',
    saved_by       bigint,
    votes          int NOT NULL DEFAULT 0 CHECK (votes >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    saved_at       timestamptz,
    -- A tip leaves the repository when its votes drop to zero ('unvoted',
    -- restored by a new vote), when someone removes it ('removed') or when
    -- its source message is deleted ('deleted').
    removed_at     timestamptz,
    removed_reason text CHECK (removed_reason IN ('unvoted', 'removed', 'deleted')),
    lang           regconfig NOT NULL DEFAULT 'english',
    tsv            tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(lang, text), 'A') ||
        setweight(to_tsvector(lang, copbot_tags_text(tags)), 'B')
    ) STORED,
    PRIMARY KEY (community_id, id),
    UNIQUE (community_id, number),
    UNIQUE (community_id, source_message),
    FOREIGN KEY (community_id, author_id) REFERENCES members (community_id, id),
    FOREIGN KEY (community_id, saved_by) REFERENCES members (community_id, id),
    CHECK ((state = 'saved') = (number IS NOT NULL))
);
-- Search looks for matches among the best-voted visible tips first; the
-- planner walks this index for common words and the GIN index for rare ones.
CREATE INDEX tips_visible_by_votes ON tips (community_id, votes DESC, id DESC)
    WHERE state = 'saved' AND removed_at IS NULL;
CREATE INDEX tips_visible_recent ON tips (community_id, saved_at DESC, id DESC)
    WHERE state = 'saved' AND removed_at IS NULL;
CREATE INDEX tips_tsv ON tips USING gin (tsv);
CREATE INDEX tips_tags ON tips USING gin (tags);
CREATE INDEX tips_author ON tips (community_id, author_id);

-- One row per member who voted for a tip by reacting with the save emoji.
CREATE TABLE tip_votes (
    community_id bigint NOT NULL,
    tip_id       bigint NOT NULL,
    member_id    bigint NOT NULL,
    voted_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, tip_id, member_id),
    FOREIGN KEY (community_id, tip_id) REFERENCES tips (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);

CREATE TABLE tip_counters (
    community_id bigint PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    last_number  int NOT NULL DEFAULT 0
);

-- Platform deliveries already handled, by the platform's event identity, so
-- a retried or duplicated event changes nothing the second time.
CREATE TABLE events_seen (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    event_id     text NOT NULL,
    seen_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, event_id)
);
CREATE INDEX events_seen_at ON events_seen (seen_at);

-- Channels whose messages are not captured (excluded) or, for private
-- channels and DMs, are (allowed).
CREATE TABLE channel_policies (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    channel_id   text NOT NULL,
    policy       text NOT NULL CHECK (policy IN ('exclude', 'allow')),
    set_by       bigint,
    set_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, channel_id),
    FOREIGN KEY (community_id, set_by) REFERENCES members (community_id, id)
);
