-- A reaction looks for its message's tip in the other communities of its
-- workspace (a channel that moved keeps its tips where they were made):
-- found by the message, not by probing every community of the workspace.
CREATE INDEX tips_by_source_message ON tips (source_message) WHERE source_message IS NOT NULL;
