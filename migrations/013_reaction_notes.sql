-- reaction_notes remembers the private notes copbot sent about reactions
-- that did not do what the member may think (a reaction in an excluded or
-- private channel, a vote for a removed tip, the last vote taken back), so
-- that each is sent once a day: once per channel for a channel's rule,
-- once per tip for a tip.
CREATE TABLE reaction_notes (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_id      text NOT NULL,
    channel_id   text NOT NULL,
    note         text NOT NULL,
    tip_id       bigint NOT NULL DEFAULT 0,
    day          date NOT NULL,
    PRIMARY KEY (community_id, user_id, channel_id, note, tip_id, day)
);
