-- The period-wide figures of stats (active members, tips saved, searches,
-- top savers, the newcomer journey) for the periods too long to compute
-- while someone waits: a large community's quarter, where reading every
-- act of two quarters takes about 400 ms. The engagement refresh computes
-- them hourly, once counting facilitators and once not; left_out are the
-- members they left out (sorted ids), so that figures kept before someone
-- became or stopped being a facilitator are not used.
CREATE TABLE period_figures (
    community_id      bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    period            text NOT NULL,
    with_facilitators boolean NOT NULL,
    computed_at       timestamptz NOT NULL,
    left_out          bigint[] NOT NULL,
    figures           jsonb NOT NULL,
    PRIMARY KEY (community_id, period, with_facilitators)
);
