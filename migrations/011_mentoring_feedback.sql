-- Mentoring feedback: each person's own. A pairing held one feedback and
-- one rating, written by whoever ended it, so the other side could never
-- say how it went. Now each of the pair (and a facilitator who ended it)
-- has a row of their own, written when ending or within 14 days after,
-- and written again to change it.
CREATE TABLE pairing_feedback (
    community_id bigint NOT NULL,
    pairing_id   bigint NOT NULL,
    member_id    bigint NOT NULL,
    -- side is the member's part in the pairing when they wrote it: its
    -- mentor, its mentee, or a facilitator outside the pair.
    side         text NOT NULL CHECK (side IN ('mentor', 'mentee', 'facilitator')),
    feedback     text NOT NULL DEFAULT '',
    rating       int CHECK (rating BETWEEN 1 AND 5),
    given_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, pairing_id, member_id),
    FOREIGN KEY (community_id, pairing_id) REFERENCES pairings (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    CHECK (feedback <> '' OR rating IS NOT NULL)
);

-- The feedback given so far was the ender's.
INSERT INTO pairing_feedback (community_id, pairing_id, member_id, side, feedback, rating, given_at)
SELECT community_id, id, closed_by,
    CASE closed_by WHEN mentor_id THEN 'mentor' WHEN mentee_id THEN 'mentee' ELSE 'facilitator' END,
    feedback, rating, COALESCE(closed_at, now())
FROM pairings
WHERE closed_by IS NOT NULL AND (feedback <> '' OR rating IS NOT NULL);

ALTER TABLE pairings DROP COLUMN feedback, DROP COLUMN rating;

-- Feedback reads, and stats count, pairings by when they ended.
CREATE INDEX pairings_ended ON pairings (community_id, closed_at) WHERE state = 'ended';
