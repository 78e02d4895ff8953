-- Community pulse: stats, engagement levels, the newcomer journey, the
-- weekly digest and value stories.
--
-- Everything the pulse counts already has a time of its own (votes,
-- saves, check-ins, pairings) except searches, so searches are the one new
-- record of activity: who searched, when, which page, and which tips they
-- were shown (to notice a tip reused: found, then saved by the searcher).
-- The words are not kept; the pulse needs none of them.
CREATE TABLE searches (
    community_id bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    member_id    bigint NOT NULL,
    at           timestamptz NOT NULL,
    page         int NOT NULL DEFAULT 1 CHECK (page >= 1),
    tip_ids      bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);
CREATE INDEX searches_by_time ON searches (community_id, at) INCLUDE (member_id, page);
-- The story planner looks at recent searches of every community.
CREATE INDEX searches_recent ON searches (at);

-- Stats count votes cast in a period and who cast them without reading
-- the tips (an index-only scan).
CREATE INDEX tip_votes_by_time ON tip_votes (community_id, voted_at) INCLUDE (member_id, tip_id);
-- A newcomer's first save is the first entry of their votes: the mentoring
-- index on (community_id, member_id) gains voted_at and serves both.
DROP INDEX tip_votes_member;
CREATE INDEX tip_votes_member ON tip_votes (community_id, member_id, voted_at);
-- Stats count the tips saved in a period by author: the practice index of
-- recent tips carries the author, for an index-only scan.
DROP INDEX tips_visible_recent;
CREATE INDEX tips_visible_recent ON tips (community_id, saved_at DESC, id DESC) INCLUDE (author_id)
    WHERE state = 'saved' AND removed_at IS NULL;
-- A newcomer's first tip saved is the first entry of their tips: the
-- practice index on (community_id, author_id) gains saved_at.
DROP INDEX tips_author;
CREATE INDEX tips_author ON tips (community_id, author_id, saved_at);
-- Tips saved with /cop save (reactions leave saved_by empty): few, and
-- found by who saved them and when.
CREATE INDEX tips_saved_directly ON tips (community_id, saved_by, saved_at) WHERE saved_by IS NOT NULL;
-- The newcomer journey starts from the members who joined in a period;
-- levels count the members copbot knew at a moment.
CREATE INDEX members_joined ON members (community_id, joined_at) WHERE joined_at IS NOT NULL;
CREATE INDEX members_first_seen ON members (community_id, first_seen);
-- Bots and admins are left out of member counts: few, found at once.
CREATE INDEX members_special ON members (community_id) WHERE is_bot OR is_admin;
CREATE INDEX checkins_by_time ON checkins (community_id, at) INCLUDE (member_id);

-- Engagement: each member's level, with recency decay, now and 7, 30 and
-- 90 days before, and the votes their tips received from others in the
-- stats periods. Computing it reads up to 270 days of votes joined to
-- their tips' authors, which takes seconds in a large community, so it is
-- a cache: refreshed by a periodic job, and at once when a small community
-- asks for stats. Members with no row are newcomers with nothing received.
CREATE TABLE engagement (
    community_id      bigint NOT NULL,
    member_id         bigint NOT NULL,
    score             float8 NOT NULL,
    -- Levels: 0 newcomer, 1 participant, 2 contributor, 3 core.
    level             smallint NOT NULL,
    level_7d          smallint NOT NULL,
    level_30d         smallint NOT NULL,
    level_90d         smallint NOT NULL,
    received_7d       int NOT NULL,
    received_prev_7d  int NOT NULL,
    received_30d      int NOT NULL,
    received_prev_30d int NOT NULL,
    received_90d      int NOT NULL,
    received_prev_90d int NOT NULL,
    PRIMARY KEY (community_id, member_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);
-- Each community's last refresh, with a summary of it (counts by level
-- at each moment, the heads of the lists) so that stats read one row.
CREATE TABLE engagement_refreshes (
    community_id bigint PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    computed_at  timestamptz NOT NULL,
    summary      jsonb NOT NULL DEFAULT '{}'
);

-- A request leaves the waitlist when it is matched (its pairing's
-- created_at), and ends when it is withdrawn or its pairing ends: closed_at,
-- so that the waitlist can be counted as it stood on any day. Requests
-- older than this column are dated by their pairing's end, or (withdrawn)
-- by their own creation, the only time known.
ALTER TABLE mentoring_requests ADD COLUMN closed_at timestamptz;
UPDATE mentoring_requests r SET closed_at = COALESCE(
    (SELECT max(p.closed_at) FROM pairings p WHERE p.community_id = r.community_id AND p.request_id = r.id),
    r.created_at)
WHERE r.state IN ('closed', 'withdrawn');
ALTER TABLE mentoring_requests ADD CONSTRAINT mentoring_requests_closed_at
    CHECK ((state IN ('closed', 'withdrawn')) = (closed_at IS NOT NULL));
CREATE INDEX pairings_by_request ON pairings (community_id, request_id, created_at);

-- The weekly digest: one row per community and week, written in the
-- transaction that queues its delivery, so that a restart, a second
-- process or a retried job never posts a week twice. week_of is the local
-- Monday the digest is for; sent_at is set just before it is posted.
CREATE TABLE digests (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    week_of      date NOT NULL,
    channel_id   text NOT NULL,
    decided_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    PRIMARY KEY (community_id, week_of)
);

-- Invitations to mentor, sent once to members whose tips the community
-- keeps saving. declined_at records a "no thanks".
CREATE TABLE mentor_invitations (
    community_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    decided_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    declined_at  timestamptz,
    PRIMARY KEY (community_id, member_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);

-- Value stories: the one optional question "Did this change how you
-- work?", asked at most once per member and subject (a pairing that ended,
-- a tip reused), and rarely per member; and the answers, kept as stories.
CREATE TABLE story_prompts (
    community_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    subject      text NOT NULL CHECK (subject IN ('pairing', 'tip')),
    -- subject_id is the pairing's or the tip's id.
    subject_id   bigint NOT NULL,
    decided_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    answered_at  timestamptz,
    skipped_at   timestamptz,
    PRIMARY KEY (community_id, member_id, subject, subject_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);
CREATE INDEX story_prompts_latest ON story_prompts (community_id, member_id, decided_at DESC);

CREATE TABLE stories (
    community_id bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    member_id    bigint NOT NULL,
    text         text NOT NULL CHECK (text <> ''),
    -- What the story is about, when it answers a prompt.
    subject      text CHECK (subject IN ('pairing', 'tip')),
    subject_id   bigint,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    CHECK ((subject IS NULL) = (subject_id IS NULL))
);
CREATE INDEX stories_by_time ON stories (community_id, created_at);
