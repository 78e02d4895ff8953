-- One community across workspaces (a Slack workspace and a Discord server,
-- say): a community linked into another is one of its sides. Its events
-- are routed to the community it is linked into, which holds everything
-- they make from then on; ids of a side's people, channels and messages are
-- stored qualified by their workspace (bot.Qualify), so that they cannot
-- collide with another side's and copbot knows where to answer them.
ALTER TABLE communities ADD COLUMN linked_to bigint REFERENCES communities (id);
ALTER TABLE communities ADD CONSTRAINT communities_not_linked_to_itself CHECK (linked_to <> id);
CREATE INDEX communities_sides ON communities (linked_to) WHERE linked_to IS NOT NULL;

-- A code a facilitator (or, for "link me", a member) gets on one side and
-- types on the other. Only its hash is kept; it is good for one use until
-- it expires.
CREATE TABLE link_codes (
    code_hash    bytea PRIMARY KEY,
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    -- member_id is set for a person linking their own accounts.
    member_id    bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE
);

-- A person with accounts on two sides links them (/cop link me): the
-- second account names the first, so that they count once.
ALTER TABLE members ADD COLUMN same_person_as bigint;
ALTER TABLE members ADD CONSTRAINT members_same_person FOREIGN KEY (community_id, same_person_as)
    REFERENCES members (community_id, id);
