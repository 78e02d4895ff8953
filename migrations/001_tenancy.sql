-- Communities are the tenants: one Slack workspace, one Discord server, or the
-- local console. Every other table carries community_id, and composite foreign
-- keys keep a row from pointing into another community.
CREATE TABLE communities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform    text NOT NULL CHECK (platform IN ('slack', 'discord', 'console')),
    external_id text NOT NULL CHECK (external_id <> ''),
    name        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, external_id)
);

CREATE TABLE members (
    community_id     bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    platform_user_id text NOT NULL CHECK (platform_user_id <> ''),
    display_name     text NOT NULL DEFAULT '',
    is_bot           boolean NOT NULL DEFAULT false,
    -- is_admin mirrors the platform's own say (Slack admin/owner, Discord
    -- Manage Server); it makes a member a facilitator by default.
    is_admin         boolean NOT NULL DEFAULT false,
    first_seen       timestamptz NOT NULL DEFAULT now(),
    joined_at        timestamptz,
    last_seen        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, id),
    UNIQUE (community_id, platform_user_id)
);
CREATE INDEX members_display_name ON members (community_id, lower(display_name));

-- facilitators are the members granted the role with /cop facilitator add, on
-- top of the platform admins.
CREATE TABLE facilitators (
    community_id bigint NOT NULL,
    member_id    bigint NOT NULL,
    added_by     bigint,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, member_id),
    FOREIGN KEY (community_id, member_id) REFERENCES members (community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, added_by) REFERENCES members (community_id, id)
);

CREATE TABLE community_settings (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    key          text NOT NULL,
    value        text NOT NULL,
    updated_by   bigint,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, key),
    FOREIGN KEY (community_id, updated_by) REFERENCES members (community_id, id)
);
