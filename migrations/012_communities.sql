-- Several communities of practice in one workspace (or server). The
-- community a workspace had so far is its default community (name ''),
-- which keeps every row it has; named ones are created with
-- /cop community create and own a set of home channels.
ALTER TABLE communities DROP CONSTRAINT communities_platform_external_id_key;
CREATE UNIQUE INDEX communities_default ON communities (platform, external_id) WHERE name = '';
CREATE UNIQUE INDEX communities_named ON communities (platform, external_id, lower(name)) WHERE name <> '';
ALTER TABLE communities ADD CONSTRAINT communities_name_length CHECK (length(name) <= 40);
ALTER TABLE communities ADD COLUMN archived_at timestamptz;

-- A home channel belongs to one community of its workspace; a channel
-- that is nobody's home belongs to the default community.
CREATE TABLE community_channels (
    community_id bigint NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    platform     text NOT NULL,
    workspace_id text NOT NULL,
    channel_id   text NOT NULL CHECK (channel_id <> ''),
    channel_name text NOT NULL DEFAULT '',
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, workspace_id, channel_id)
);
CREATE INDEX community_channels_by_community ON community_channels (community_id);

-- Every change of a workspace's communities or home channels takes a
-- number from this sequence; each copbot process reads its last value
-- every few seconds and reads routing again when it moved.
CREATE SEQUENCE community_routing_changes;
