-- The job queue, cron ticks, rate-limit buckets and the events outbox.
-- States: scheduled (waits for run_at) -> ready -> running -> done | dead; scheduled/ready -> cancelled.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    queue TEXT NOT NULL,
    workspace_id TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    -- Start-time fair queueing: a per-workspace virtual start tag; claims take the smallest.
    fair_tag BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    unique_key TEXT,
    limit_key TEXT,
    limit_concurrency INTEGER,
    limit_rate INTEGER,
    limit_per_ms BIGINT,
    worker TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX jobs_ready ON jobs (priority DESC, fair_tag) WHERE state = 'ready';
CREATE INDEX jobs_scheduled ON jobs (run_at) WHERE state = 'scheduled';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_limited ON jobs (limit_key) WHERE state = 'running' AND limit_key IS NOT NULL;
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'ready', 'running');
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'dead', 'cancelled');
CREATE INDEX jobs_by_workspace ON jobs (workspace_id, id);

-- Fairness: each lane (a workspace, or '' for system work) remembers its last tag; lane '*' is the
-- virtual clock, the largest tag claimed so far.
CREATE TABLE job_lanes (
    lane TEXT PRIMARY KEY,
    last_tag BIGINT NOT NULL
);
INSERT INTO job_lanes (lane, last_tag) VALUES ('*', 0);

-- Token buckets for rate-limited keys (for example one social account).
CREATE TABLE job_rate_buckets (
    limit_key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Finished runs per minute, for the dashboard's throughput chart (kept after jobs are pruned).
CREATE TABLE job_stats (
    minute BIGINT NOT NULL,
    lane TEXT NOT NULL,
    queue TEXT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    dead BIGINT NOT NULL DEFAULT 0,
    run_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, lane, queue)
);

-- The last tick each cron schedule was enqueued for: one enqueue per tick across every node.
CREATE TABLE cron_ticks (
    name TEXT PRIMARY KEY,
    last_tick BIGINT NOT NULL
);

-- The events outbox. seq is given by the sequencer in commit order, so a reader that has seen seq N
-- has seen every smaller one; streams resume from it (Last-Event-ID).
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    seq BIGINT UNIQUE,
    workspace_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;
CREATE INDEX events_by_workspace ON events (workspace_id, seq);
CREATE INDEX events_by_time ON events (occurred_at);

CREATE TABLE event_sequence (
    id INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO event_sequence (id, last_seq) VALUES (1, 0);
