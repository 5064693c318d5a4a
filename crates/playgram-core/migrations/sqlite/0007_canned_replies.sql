-- Canned replies: saved answers agents insert with `/shortcut` in the composer. The body may hold
-- variables ({first_name}, {agent_name}, a custom field's key) with fallbacks ({first_name|there}).
CREATE TABLE canned_replies (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- Lower-case letters, digits, - and _; unique in the workspace.
    shortcut TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (workspace_id, shortcut)
);
