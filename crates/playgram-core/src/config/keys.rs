//! Every configuration key Playgram reads, described once: name, environment variable, expected
//! form and default. Loading, error messages, `config check` and the README table follow this list.

/// One configuration key: its TOML name, its environment variable, what it expects and its default.
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    pub expects: &'static str,
    pub default: &'static str,
    pub secret: bool,
}

const fn key(
    name: &'static str,
    env: &'static str,
    expects: &'static str,
    default: &'static str,
) -> Key {
    Key {
        name,
        env,
        expects,
        default,
        secret: false,
    }
}

/// Every key Playgram reads. An empty default means "unset" (derived or optional).
pub const KEYS: &[Key] = &[
    key(
        "bind",
        "PLAYGRAM_BIND",
        "a socket address such as 127.0.0.1:8080",
        "127.0.0.1:8080",
    ),
    key(
        "data_dir",
        "PLAYGRAM_DATA_DIR",
        "a directory path",
        "./data",
    ),
    Key {
        secret: true,
        ..key(
            "database_url",
            "DATABASE_URL",
            "sqlite://PATH or postgres://USER@HOST/DB (default: sqlite in data_dir)",
            "",
        )
    },
    Key {
        secret: true,
        ..key(
            "secret_key",
            "PLAYGRAM_SECRET_KEY",
            "32 random bytes as 64 hex characters or base64 (default: data_dir/secret.key, created on first start)",
            "",
        )
    },
    key(
        "public_url",
        "PLAYGRAM_PUBLIC_URL",
        "the URL people use to reach Playgram, such as https://social.example.com (default: http://BIND)",
        "",
    ),
    key(
        "signup_open",
        "PLAYGRAM_SIGNUP_OPEN",
        "true or false: whether anyone may sign up after the first user",
        "false",
    ),
    key(
        "log_level",
        "PLAYGRAM_LOG",
        "a tracing filter such as info or playgram=debug,info",
        "info",
    ),
    key("log_format", "PLAYGRAM_LOG_FORMAT", "text or json", "text"),
    key(
        "session_idle_minutes",
        "PLAYGRAM_SESSION_IDLE_MINUTES",
        "a whole number of minutes > 0",
        "10080",
    ),
    key(
        "session_absolute_hours",
        "PLAYGRAM_SESSION_ABSOLUTE_HOURS",
        "a whole number of hours > 0",
        "720",
    ),
    key(
        "login_max_failures_per_account",
        "PLAYGRAM_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        "a whole number > 0",
        "5",
    ),
    key(
        "login_max_failures_per_ip",
        "PLAYGRAM_LOGIN_MAX_FAILURES_PER_IP",
        "a whole number > 0",
        "30",
    ),
    key(
        "login_throttle_minutes",
        "PLAYGRAM_LOGIN_THROTTLE_MINUTES",
        "a whole number of minutes > 0",
        "15",
    ),
    key(
        "max_body_bytes",
        "PLAYGRAM_MAX_BODY_BYTES",
        "a whole number of bytes > 0",
        "1048576",
    ),
    key(
        "db_max_connections",
        "PLAYGRAM_DB_MAX_CONNECTIONS",
        "a whole number > 0",
        "16",
    ),
    Key {
        secret: true,
        ..key(
            "smtp_url",
            "PLAYGRAM_SMTP_URL",
            "smtp://USER:PASS@HOST:587?tls=required, smtps://… or smtp://HOST:25 (unset: emails go to the log)",
            "",
        )
    },
    key(
        "mail_from",
        "PLAYGRAM_MAIL_FROM",
        "a mailbox such as Playgram <noreply@example.com>",
        "Playgram <playgram@localhost>",
    ),
    key(
        "trust_forwarded_for",
        "PLAYGRAM_TRUST_FORWARDED_FOR",
        "true or false: take the client IP from the last X-Forwarded-For hop (only behind your own proxy)",
        "false",
    ),
    key(
        "api_key_cache_seconds",
        "PLAYGRAM_API_KEY_CACHE_SECONDS",
        "a whole number of seconds (0 disables the cache)",
        "5",
    ),
    key(
        "shutdown_grace_seconds",
        "PLAYGRAM_SHUTDOWN_GRACE_SECONDS",
        "a whole number of seconds",
        "20",
    ),
    key(
        "api_key_rotation_overlap_hours",
        "PLAYGRAM_API_KEY_ROTATION_OVERLAP_HOURS",
        "a whole number of hours: how long a rotated key's old secret keeps working",
        "24",
    ),
    key(
        "jobs_concurrency",
        "PLAYGRAM_JOBS_CONCURRENCY",
        "a whole number above 0: jobs one worker instance runs at once",
        "32",
    ),
    key(
        "jobs_claim_batch",
        "PLAYGRAM_JOBS_CLAIM_BATCH",
        "a whole number above 0: jobs claimed per database statement",
        "256",
    ),
    key(
        "jobs_lease_seconds",
        "PLAYGRAM_JOBS_LEASE_SECONDS",
        "a whole number of seconds above 0: how long a job stays with a worker that stopped heartbeating",
        "30",
    ),
    key(
        "jobs_poll_ms",
        "PLAYGRAM_JOBS_POLL_MS",
        "a whole number of milliseconds above 0: the longest a worker waits before looking at the queue without a wake-up",
        "1000",
    ),
    key(
        "jobs_retention_hours",
        "PLAYGRAM_JOBS_RETENTION_HOURS",
        "a whole number of hours above 0: how long done and cancelled jobs are kept",
        "72",
    ),
    key(
        "jobs_dead_retention_days",
        "PLAYGRAM_JOBS_DEAD_RETENTION_DAYS",
        "a whole number of days above 0: how long dead jobs are kept for replay",
        "30",
    ),
    key(
        "events_retention_days",
        "PLAYGRAM_EVENTS_RETENTION_DAYS",
        "a whole number of days above 0: how long events stay in the outbox (and can be resumed from)",
        "30",
    ),
    key(
        "sse_heartbeat_seconds",
        "PLAYGRAM_SSE_HEARTBEAT_SECONDS",
        "a whole number of seconds above 0 between keep-alive comments on event streams",
        "15",
    ),
    key(
        "webhooks_concurrency",
        "PLAYGRAM_WEBHOOKS_CONCURRENCY",
        "a whole number above 0: webhook requests one worker instance has in flight at once",
        "256",
    ),
    key(
        "webhooks_timeout_seconds",
        "PLAYGRAM_WEBHOOKS_TIMEOUT_SECONDS",
        "a whole number of seconds above 0: how long a webhook request may take before it counts as failed",
        "15",
    ),
    key(
        "webhooks_retry_schedule",
        "PLAYGRAM_WEBHOOKS_RETRY_SCHEDULE",
        "durations such as `0s 5s 5m 30m 2h` separated by spaces or commas: the wait before each attempt (the first is the first attempt)",
        "0s 5s 5m 30m 2h 5h 10h 10h",
    ),
    key(
        "webhooks_disable_after_hours",
        "PLAYGRAM_WEBHOOKS_DISABLE_AFTER_HOURS",
        "a whole number of hours above 0: an endpoint failing for this long without a success is disabled",
        "120",
    ),
    key(
        "webhooks_log_retention_days",
        "PLAYGRAM_WEBHOOKS_LOG_RETENTION_DAYS",
        "a whole number of days above 0: how long finished webhook messages and their attempts are kept",
        "30",
    ),
    key(
        "webhooks_allow_networks",
        "PLAYGRAM_WEBHOOKS_ALLOW_NETWORKS",
        "CIDR blocks such as `127.0.0.1/32, 10.0.0.0/8`: private addresses webhooks may still reach (self-hosted receivers)",
        "",
    ),
    key(
        "request_bin_retention_hours",
        "PLAYGRAM_REQUEST_BIN_RETENTION_HOURS",
        "a whole number of hours above 0: how long request bins keep captured requests",
        "72",
    ),
    key(
        "request_bin_max_body_bytes",
        "PLAYGRAM_REQUEST_BIN_MAX_BODY_BYTES",
        "a whole number above 0: the largest body a request bin keeps (longer bodies are cut)",
        "262144",
    ),
    key(
        "request_bin_rate_per_minute",
        "PLAYGRAM_REQUEST_BIN_RATE_PER_MINUTE",
        "a whole number above 0: requests one bin accepts per minute (more get 429)",
        "600",
    ),
    key(
        "contacts_import_max_bytes",
        "PLAYGRAM_CONTACTS_IMPORT_MAX_BYTES",
        "a whole number above 0: the largest CSV or XLSX file a contact import accepts",
        "52428800",
    ),
    key(
        "contacts_export_ttl_hours",
        "PLAYGRAM_CONTACTS_EXPORT_TTL_HOURS",
        "a whole number of hours above 0: how long a finished contact export can be downloaded",
        "24",
    ),
    key(
        "meta_graph_url",
        "PLAYGRAM_META_GRAPH_URL",
        "an http(s) URL: Meta's Graph API with its version (WhatsApp, Instagram and Messenger calls)",
        "https://graph.facebook.com/v23.0",
    ),
    key(
        "cron",
        "PLAYGRAM_CRON",
        "overrides of built-in schedules, `NAME=MIN HOUR DAY MONTH WEEKDAY` or `NAME=off`, separated by `;`",
        "",
    ),
];
