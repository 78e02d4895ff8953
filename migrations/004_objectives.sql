-- Objectives: goals a community's facilitators set, with a numeric target and
-- a due date, tracked by check-ins. number is what people type
-- (/cop checkin 3 +1).
CREATE TABLE objectives (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    number       int NOT NULL,
    title        text NOT NULL CHECK (title <> ''),
    target       numeric NOT NULL CHECK (target > 0),
    unit         text NOT NULL DEFAULT 'items' CHECK (unit <> ''),
    -- due_on is a calendar day in the community's time zone; the objective
    -- is due by the end of it.
    due_on       date NOT NULL,
    -- Tips saved with this tag count as progress (see objective_entries).
    tag          text CHECK (tag <> ''),
    owner_id     bigint NOT NULL,
    -- channel_id is where reminders are posted; '' sends them to the owner
    -- as a direct message.
    channel_id   text NOT NULL DEFAULT '',
    cadence      text NOT NULL DEFAULT 'weekly' CHECK (cadence IN ('weekly', 'biweekly', 'monthly')),
    state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'achieved', 'dropped')),
    -- No reminders for periods that reach into a pause (inclusive).
    paused_until date,
    created_by   bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    closed_by    bigint,
    closed_at    timestamptz,
    PRIMARY KEY (community_id, id),
    UNIQUE (community_id, number),
    FOREIGN KEY (community_id, owner_id) REFERENCES members (community_id, id),
    FOREIGN KEY (community_id, created_by) REFERENCES members (community_id, id),
    FOREIGN KEY (community_id, closed_by) REFERENCES members (community_id, id),
    CHECK ((state = 'open') = (closed_at IS NULL))
);
CREATE INDEX objectives_open ON objectives (community_id, number) WHERE state = 'open';

CREATE TABLE objective_counters (
    community_id bigint PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    last_number  int NOT NULL DEFAULT 0
);

-- Check-ins are never changed or deleted: a correction is a new entry. A
-- 'set' check-in sets the objective's value; an 'add' one adds amount to it.
CREATE TABLE checkins (
    community_id bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    objective_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    at           timestamptz NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('set', 'add')),
    amount       numeric NOT NULL,
    note         text NOT NULL DEFAULT '',
    PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, objective_id) REFERENCES objectives (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id)
);
CREATE INDEX checkins_objective ON checkins (community_id, objective_id, at);

-- objective_entries is an objective's history: its check-ins, and one +1
-- for every visible tip saved with the objective's tag while it was open.
-- Tip entries are derived when read, so a removed tip stops counting and
-- nothing can drift from the repository.
CREATE VIEW objective_entries AS
    SELECT c.community_id, c.objective_id, c.at, c.id AS checkin_id, NULL::int AS tip_number,
           c.kind, c.amount, c.note,
           COALESCE(NULLIF(m.display_name, ''), m.platform_user_id) AS who
    FROM checkins c
    JOIN members m ON m.community_id = c.community_id AND m.id = c.member_id
    UNION ALL
    SELECT o.community_id, o.id, t.saved_at, NULL, t.number,
           'add', 1, '', t.author_name
    FROM objectives o
    JOIN tips t ON t.community_id = o.community_id AND t.tags @> ARRAY[o.tag]
    WHERE o.tag IS NOT NULL AND t.state = 'saved' AND t.removed_at IS NULL
      AND t.saved_at >= o.created_at AND (o.closed_at IS NULL OR t.saved_at <= o.closed_at);

-- Reminders decided, one per objective, kind and period: the key that makes
-- a second decision (a restart, another process) send nothing. sent_at is
-- set just before the notice goes out, so a retried job sends it once.
CREATE TABLE objective_reminders (
    community_id bigint NOT NULL,
    objective_id bigint NOT NULL,
    -- 'reminder': no check-in in the period starting period_start;
    -- 'overdue': the objective passed its due date, period_start.
    kind         text NOT NULL CHECK (kind IN ('reminder', 'overdue')),
    period_start date NOT NULL,
    decided_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    PRIMARY KEY (community_id, objective_id, kind, period_start),
    FOREIGN KEY (community_id, objective_id) REFERENCES objectives (community_id, id) ON DELETE CASCADE
);
