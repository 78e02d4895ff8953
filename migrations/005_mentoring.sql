-- Mentoring: members offer to mentor, newcomers request a mentor, copbot
-- pairs them, introduces them and follows up.

-- Topics are stored as people typed them (normalised tags: "testing", "ci")
-- and matched by their English stems, the same stems the practice
-- repository's search uses, so "Testing", "#testing" and "tests" meet as
-- "test", stop words ("and", "the") match nothing, and a mentor's saved tips
-- are found by the very lexemes their tsvector holds.
CREATE FUNCTION copbot_topic_keys(topics text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN tsvector_to_array(to_tsvector('english'::regconfig, copbot_tags_text(topics)));

-- copbot_clean_topics keeps the topics that add a stem the earlier ones do
-- not have, in order: "testing tests and ci" becomes {testing, ci}.
CREATE FUNCTION copbot_clean_topics(topics text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY(
        SELECT t FROM unnest(topics) WITH ORDINALITY AS u (t, i)
        WHERE NOT copbot_topic_keys(ARRAY[t]) <@ copbot_topic_keys(topics[:i - 1])
        ORDER BY i);

-- One row per community that uses mentoring. Every mentoring change locks
-- its community's row first (it numbers pairings and orders requests), so
-- changes within a community are serialised: matching sees every mentor's
-- load and the whole waitlist as they are, two requests never take one last
-- slot, and the waitlist order is the order in which requests got the lock.
CREATE TABLE mentoring_counters (
    community_id bigint PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    last_pairing int NOT NULL DEFAULT 0,
    last_request bigint NOT NULL DEFAULT 0
);

CREATE TABLE mentors (
    community_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    topics       text[] NOT NULL,
    topic_keys   text[] GENERATED ALWAYS AS (copbot_topic_keys(topics)) STORED,
    -- capacity is how many mentees at once (proposed and active pairings).
    capacity     int NOT NULL CHECK (capacity BETWEEN 1 AND 20),
    -- A paused mentor gets no new mentees; paused_until, when set, is when a
    -- scheduled job resumes them.
    paused       boolean NOT NULL DEFAULT false,
    paused_until timestamptz,
    offered_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, member_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    CHECK (cardinality(topic_keys) > 0),
    CHECK (paused OR paused_until IS NULL)
);

-- A request waits on the waitlist in seq order until it is matched; a
-- declined match puts it back with the same seq, its old position.
CREATE TABLE mentoring_requests (
    community_id bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    seq          bigint NOT NULL,
    mentee_id    bigint NOT NULL,
    topics       text[] NOT NULL,
    topic_keys   text[] GENERATED ALWAYS AS (copbot_topic_keys(topics)) STORED,
    -- channel_id is where the request was typed; Discord opens the
    -- introduction's private thread under it.
    channel_id   text NOT NULL DEFAULT '',
    state        text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'matched', 'closed', 'withdrawn')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, id),
    UNIQUE (community_id, seq),
    FOREIGN KEY (community_id, mentee_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    CHECK (cardinality(topic_keys) > 0)
);
-- One open request per newcomer: waiting, or matched to a pairing that has
-- not ended.
CREATE UNIQUE INDEX mentoring_requests_one_open ON mentoring_requests (community_id, mentee_id)
    WHERE state IN ('waiting', 'matched');
CREATE INDEX mentoring_waitlist ON mentoring_requests (community_id, seq) WHERE state = 'waiting';

CREATE TABLE pairings (
    community_id  bigint NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    -- number is what people type: /cop mentor end 3.
    number        int NOT NULL,
    request_id    bigint NOT NULL,
    mentor_id     bigint NOT NULL,
    mentee_id     bigint NOT NULL,
    -- topics are the request's topics the mentor offers (all of the
    -- request's for a pairing made by hand); expertise is how many saved
    -- tips on them the mentor wrote or voted for when they were matched.
    topics        text[] NOT NULL,
    expertise     int NOT NULL DEFAULT 0,
    score         int,
    -- paired_by is the facilitator who paired them by hand (NULL: matched).
    paired_by     bigint,
    channel_id    text NOT NULL DEFAULT '',
    -- intro_channel is the conversation opened for the introduction.
    intro_channel text NOT NULL DEFAULT '',
    state         text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'active', 'declined', 'ended')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    accepted_at   timestamptz,
    closed_at     timestamptz,
    closed_by     bigint,
    feedback      text NOT NULL DEFAULT '',
    rating        int CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (community_id, id),
    UNIQUE (community_id, number),
    FOREIGN KEY (community_id, request_id) REFERENCES mentoring_requests (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, mentor_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, mentee_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, paired_by) REFERENCES members (community_id, id),
    FOREIGN KEY (community_id, closed_by) REFERENCES members (community_id, id),
    CHECK (mentor_id <> mentee_id)
);
CREATE INDEX pairings_mentor_open ON pairings (community_id, mentor_id) WHERE state IN ('proposed', 'active');
CREATE INDEX pairings_mentee ON pairings (community_id, mentee_id, mentor_id);

-- Notices about a pairing already sent (introduction, follow-up, …), so
-- that a job run twice sends each one once.
CREATE TABLE mentoring_notices_sent (
    community_id bigint NOT NULL,
    pairing_id   bigint NOT NULL,
    event        text NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, pairing_id, event),
    FOREIGN KEY (community_id, pairing_id) REFERENCES pairings (community_id, id) ON DELETE CASCADE
);

-- Members welcomed on joining, so a redelivered or repeated join welcomes
-- nobody twice.
CREATE TABLE mentoring_welcomes (
    community_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    welcomed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, member_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);

-- Demonstrated expertise counts the tips a mentor voted for.
CREATE INDEX tip_votes_member ON tip_votes (community_id, member_id);
