-- Outbound webhooks: endpoints, messages (one event for one endpoint; the message id is the
-- `webhook-id`), the log of delivery attempts; and request bins with their captured requests.

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- JSON array of event types; NULL subscribes to every event.
    event_types TEXT,
    -- JSON array of payload conditions, all of which must hold; NULL passes everything.
    filter TEXT,
    enabled BOOLEAN NOT NULL,
    -- Why it is disabled: manual, gone (answered 410) or failing (failed for too long).
    disabled_reason TEXT,
    disabled_at BIGINT,
    -- Deliveries per second; NULL is unlimited.
    rate_limit INTEGER,
    -- Requests in flight at once per instance, so one slow endpoint cannot take every slot.
    max_in_flight INTEGER NOT NULL,
    -- Sealed JSON object of custom request headers.
    headers TEXT NOT NULL,
    -- Sealed `whsec_…` secrets; the previous one is still signed with until `previous_secret_until`.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until BIGINT,
    -- Start of the current run of failures (NULL after a success).
    failing_since BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints (workspace_id, id);

CREATE TABLE webhook_messages (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    -- NULL for test sends.
    event_id TEXT,
    event_type TEXT NOT NULL,
    -- The request body exactly as signed and sent: {"type","timestamp","data"}.
    payload TEXT NOT NULL,
    -- pending (not tried yet), failing (failed, will retry), delivered, failed (no more retries).
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_response_status INTEGER,
    last_error TEXT,
    next_attempt_at BIGINT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    updated_at BIGINT NOT NULL
);
-- Few indexes on purpose: every delivery writes these two tables, and each index is another
-- write. Status filters and recovery scan an endpoint's or workspace's rows by id instead.
CREATE INDEX webhook_messages_by_endpoint ON webhook_messages (endpoint_id, id);
CREATE INDEX webhook_messages_by_workspace ON webhook_messages (workspace_id, id);
CREATE INDEX webhook_messages_created ON webhook_messages (created_at);

CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    -- scheduled (the retry schedule), replay (a person resent it) or test.
    trigger TEXT NOT NULL,
    url TEXT NOT NULL,
    -- JSON object; sensitive custom header values are masked.
    request_headers TEXT NOT NULL,
    -- The body sent, cut to the size cap.
    request_body TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    -- The first 4 KB of the response.
    response_body TEXT,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    succeeded BOOLEAN NOT NULL,
    started_at BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_by_message ON webhook_attempts (message_id, id);

CREATE TABLE request_bins (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- The unguessable part of the capture URL `/bin/{token}`.
    token TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX request_bins_by_workspace ON request_bins (workspace_id, id);

CREATE TABLE request_bin_captures (
    id TEXT PRIMARY KEY,
    bin_id TEXT NOT NULL REFERENCES request_bins(id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    -- The path after `/bin/{token}` (starts with `/`, or empty) and the raw query string.
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    -- JSON array of [name, value] pairs in the order received.
    headers TEXT NOT NULL,
    -- utf8, or base64 for a body that is not UTF-8.
    body_encoding TEXT NOT NULL,
    body TEXT NOT NULL,
    body_size INTEGER NOT NULL,
    truncated BOOLEAN NOT NULL,
    remote_addr TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX request_bin_captures_by_bin ON request_bin_captures (bin_id, id);
CREATE INDEX request_bin_captures_received ON request_bin_captures (received_at);

-- Workers claim only the job types they run (the webhook sender has its own worker): an index led
-- by the name lets each claim read just its own ready jobs, instead of stepping over a backlog of
-- another worker's.
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready_by_name ON jobs (name, priority DESC, fair_tag) WHERE state = 'ready';
