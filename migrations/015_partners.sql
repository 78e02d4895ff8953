-- Partner communities (/cop partner add|remove): two communities anywhere
-- on this database that agreed to search each other's repositories and to
-- offer each other tips. One row per pair, its smaller id first (a_id), so
-- that the two sides' adds meet on one row: each side's add sets its own
-- half under the row's lock, and the one that completes the pair sees the
-- other half. A partnership holds while both halves are set; removing it,
-- from either side, deletes the row.
CREATE TABLE partnerships (
    a_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    b_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    -- who of each side added the other, and when; NULL while that side
    -- has not.
    a_by bigint,
    a_at timestamptz,
    b_by bigint,
    b_at timestamptz,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id),
    CHECK (a_at IS NOT NULL OR b_at IS NOT NULL),
    CHECK ((a_by IS NULL) = (a_at IS NULL) AND (b_by IS NULL) = (b_at IS NULL)),
    FOREIGN KEY (a_id, a_by) REFERENCES members (community_id, id),
    FOREIGN KEY (b_id, b_by) REFERENCES members (community_id, id)
);
CREATE INDEX partnerships_b ON partnerships (b_id);

-- A tip one community offers a partner (/cop share <tip> <community>).
-- The offer belongs to the community it is made to (community_id), which
-- numbers its offers, and points at the tip in the community it comes
-- from. A tip is offered to a community once. Accepting it copies the tip
-- into the receiving repository (shared_tip_id), once.
CREATE TABLE share_offers (
    community_id      bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    number            int NOT NULL,
    from_community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    tip_id            bigint NOT NULL,
    offered_by        bigint NOT NULL,
    offered_at        timestamptz NOT NULL DEFAULT now(),
    state             text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'declined')),
    answered_by       bigint,
    answered_at       timestamptz,
    shared_tip_id     bigint,
    PRIMARY KEY (community_id, number),
    UNIQUE (community_id, from_community_id, tip_id),
    CHECK (community_id <> from_community_id),
    CHECK ((state = 'open') = (answered_at IS NULL) AND (answered_by IS NULL) = (answered_at IS NULL)),
    CHECK ((state = 'accepted') = (shared_tip_id IS NOT NULL)),
    FOREIGN KEY (from_community_id, tip_id) REFERENCES tips (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (from_community_id, offered_by) REFERENCES members (community_id, id),
    FOREIGN KEY (community_id, answered_by) REFERENCES members (community_id, id),
    FOREIGN KEY (community_id, shared_tip_id) REFERENCES tips (community_id, id)
);
CREATE INDEX share_offers_made ON share_offers (from_community_id, offered_at DESC);
CREATE INDEX share_offers_open ON share_offers (community_id, number) WHERE state = 'open';

-- The last offer number of each receiving community.
CREATE TABLE share_offer_counters (
    community_id bigint PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    last_number  int NOT NULL
);

-- The notice of an offer to each facilitator of the receiving community,
-- claimed before it is sent (a lease until delivered), so that a job run
-- twice sends each once.
CREATE TABLE share_offer_notices (
    community_id bigint NOT NULL,
    number       int NOT NULL,
    user_id      text NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    delivered    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (community_id, number, user_id),
    FOREIGN KEY (community_id, number) REFERENCES share_offers (community_id, number) ON DELETE CASCADE
);
