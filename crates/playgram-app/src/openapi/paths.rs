//! One entry per API operation, in the order of router.rs (the webhook and request-bin ones are in
//! `webhooks.rs`, the contact ones in `contacts.rs`).

use serde_json::{Map, Value, json};

/// Who may call an operation.
#[derive(Clone, Copy)]
pub(super) enum Auth {
    /// No credentials needed.
    Public,
    /// A signed-in person (session cookie) only.
    Session,
    /// A session or an API key.
    Any,
}

/// One operation, built up by the small methods below.
pub(super) struct Op {
    pub(super) value: Value,
}

pub(super) fn op(tag: &str, summary: &str, description: &str, auth: Auth) -> Op {
    let security = match auth {
        Auth::Public => json!([]),
        Auth::Session => json!([{ "session": [] }]),
        Auth::Any => json!([{ "apiKey": [] }, { "session": [] }]),
    };
    let mut value = json!({ "tags": [tag], "summary": summary, "description": description, "security": security, "responses": {} });
    if !matches!(auth, Auth::Public) {
        value["responses"]["401"] = error(
            "Not signed in, or the API key is invalid, expired (`api_key_expired`) or revoked (`api_key_revoked`).",
        );
    }
    Op { value }
}

pub(super) fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Envelope" } } } })
}

pub(super) fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

impl Op {
    pub(super) fn body(mut self, schema: &str) -> Self {
        self.value["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema_ref(schema) } } });
        self
    }

    /// The success answer: `data` has this schema (`None` for `null`).
    pub(super) fn ok(mut self, status: u16, data: Option<Value>) -> Self {
        let data = data.unwrap_or(json!({ "type": "null" }));
        self.value["responses"][status.to_string()] = json!({
            "description": "Success.",
            "content": { "application/json": { "schema": { "allOf": [schema_ref("Envelope"), { "properties": { "data": data } }] } } },
        });
        self
    }

    /// The request body is optional: an empty body is the same as `{}`.
    pub(super) fn optional_body(mut self, schema: &str) -> Self {
        self.value["requestBody"] = json!({ "required": false, "content": { "application/json": { "schema": schema_ref(schema) } } });
        self
    }

    /// The success answer without a body: 204.
    pub(super) fn no_content(mut self) -> Self {
        self.value["responses"]["204"] = json!({ "description": "Done; no body." });
        self
    }

    /// The success answer of an event stream: `text/event-stream`, not the JSON envelope.
    fn stream(self) -> Self {
        self.sse(
            "The event stream. It stays open; each message is `id:` (the event's `seq`), `event:` (its type) and `data:` (the `Event` as JSON), and comments (`: heartbeat`) keep it alive.",
            "Server-Sent Events; each `data:` line is an `Event` (see components.schemas.Event).",
            ": connected\nretry: 2000\n\nid: 1042\nevent: member.invited\ndata: {\"id\":\"evt_01M82B2HPC5A7CBGX06DESGZ8Y\",\"seq\":1042,\"type\":\"member.invited\",\"workspace_id\":\"ws_01M82B2HPC5A7CBGX06DESGZ8Y\",\"occurred_at\":\"2026-11-22T10:00:00Z\",\"data\":{\"invite_id\":\"inv_01M82B2HPC5A7CBGX06DESGZ8Y\",\"email\":\"sam@example.com\",\"role\":\"agent\",\"expires_at\":\"2026-11-29T10:00:00Z\",\"actor\":{\"type\":\"user\",\"id\":\"usr_01M82B2HPC5A7CBGX06DESGZ8Y\"}}}\n\n: heartbeat\n\n",
        )
    }

    /// A 200 answered as Server-Sent Events (`text/event-stream`).
    pub(super) fn sse(mut self, description: &str, schema: &str, example: &str) -> Self {
        self.value["responses"]["200"] = json!({
            "description": description,
            "content": { "text/event-stream": {
                "schema": { "type": "string", "description": schema },
                "example": example,
            } },
        });
        self
    }

    pub(super) fn fails(mut self, status: u16, description: &str) -> Self {
        self.value["responses"][status.to_string()] = error(description);
        self
    }

    pub(super) fn path_id(mut self, name: &str, prefix: &str) -> Self {
        self.push_param(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "example": format!("{prefix}_01M82B2HPC5A7CBGX06DESGZ8Y") } }));
        self
    }

    pub(super) fn header(mut self, name: &str, description: &str, schema: Value) -> Self {
        self.push_param(json!({ "name": name, "in": "header", "required": false, "description": description, "schema": schema }));
        self
    }

    pub(super) fn query(mut self, name: &str, description: &str, schema: Value) -> Self {
        self.push_param(json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema }));
        self
    }

    /// A path parameter that is not a prefixed id (a tag name, a channel).
    pub(super) fn path_param(mut self, name: &str, description: &str) -> Self {
        self.push_param(json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } }));
        self
    }

    pub(super) fn required_query(mut self, name: &str, description: &str, schema: Value) -> Self {
        self.push_param(json!({ "name": name, "in": "query", "required": true, "description": description, "schema": schema }));
        self
    }

    fn push_param(&mut self, param: Value) {
        match self.value["parameters"].as_array_mut() {
            Some(list) => list.push(param),
            None => self.value["parameters"] = json!([param]),
        }
    }
}

pub(super) fn list_of(name: &str) -> Option<Value> {
    Some(json!({ "type": "array", "items": schema_ref(name) }))
}

pub(super) fn one(name: &str) -> Option<Value> {
    Some(schema_ref(name))
}

pub(super) const INVALID: &str = "`validation_failed` with per-field messages, `invalid_json`, or `unsupported_media_type` (415).";

/// A 403 on an operation a role or a scope grants.
pub(super) const FORBIDDEN: &str = "`forbidden` (your role does not allow it) or `insufficient_scope` (the API key lacks the scope).";

/// The `state` filter of `GET /jobs` (jobs/api.rs `STATES`).
pub(super) const JOB_STATES: [&str; 7] = [
    "scheduled",
    "ready",
    "running",
    "done",
    "dead",
    "cancelled",
    "failing",
];

/// The `type` filter of the event list and the stream, naming the catalogued types.
fn types_description() -> String {
    let names: Vec<String> = crate::events::catalog::catalog()
        .iter()
        .map(|t| format!("`{}`", t.name))
        .collect();
    format!(
        "Comma-separated event types (default: all): {}. An unknown type is refused with `unknown_event_type`.",
        names.join(", ")
    )
}

fn probe_description() -> String {
    use crate::jobs::probe::ProbeJob;
    use playgram_core::jobs::Job;
    format!(
        "Enqueues a `{}` job (queue `{}`, at most {} attempts) for the workspace, to see the pipeline work end to end: it waits `sleep_ms`, then succeeds or fails as asked. Send `{{}}` for a probe that succeeds at once. Answers 202 with the job's id; follow it with `GET /jobs/{{id}}`. Owner or admin (scope `jobs:write`).",
        ProbeJob::NAME,
        ProbeJob::QUEUE,
        ProbeJob::MAX_ATTEMPTS
    )
}

const STREAM: &str = "The workspace's events, live, as Server-Sent Events (`text/event-stream`). Owner, admin or manager (scope `events:read`). Works with the browser's `EventSource` (session cookie) or any HTTP client sending `Authorization: Bearer pgk_…`.

Each event is one message:

```
id: 1042
event: member.invited
data: {\"id\":\"evt_…\",\"seq\":1042,\"type\":\"member.invited\",\"workspace_id\":\"ws_…\",\"occurred_at\":\"…\",\"data\":{…}}
```

`id` is the event's `seq`, `event` its type and `data` the `Event` object as one line of JSON (the same shape `GET /events` lists). The stream opens with a `: connected` comment and `retry: 2000`, and sends a `: heartbeat` comment every `sse_heartbeat_seconds` (default 15) so proxies keep the connection open; clients ignore comments.

**Resuming.** Send the last `id` received as the `Last-Event-ID` header (or the `last_event_id` query parameter): the stream first replays the workspace's events after that number from the outbox (oldest first, at most 10,000 per connection, and only those not yet pruned after `events_retention_days`), then continues live, with no duplicate. Without it, only events sequenced from now on arrive.

**Slow clients.** The server never waits for a client: one that falls too far behind the live events is disconnected, and catches up by reconnecting with `Last-Event-ID`. The stream also ends when the server shuts down.

Errors (400, 401, 403) are answered before the stream starts, as JSON envelopes.";

pub fn all() -> Map<String, Value> {
    let mut ops: Vec<(&str, &str, Op)> = vec![
        ("post", "/auth/signup", op("auth", "Sign up", "Creates an account and signs it in (sets the session cookie). The first account creates the first workspace and owns it; later sign-ups need an `invite_token` unless sign-up is open.", Auth::Public)
            .body("SignupIn").ok(201, one("SignedIn")).fails(403, "`signup_closed`: sign-up is by invitation.").fails(410, "`invite_not_pending`.").fails(422, INVALID)),
        ("post", "/auth/login", op("auth", "Log in", "Checks email and password (and `totp_code` when the account has 2FA) and sets a new session cookie.", Auth::Public)
            .body("LoginIn").ok(200, one("SignedIn")).fails(401, "`invalid_credentials`, `totp_required` or `invalid_totp`.").fails(429, "`login_throttled`: too many failures for this address or IP; see `Retry-After`.")),
        ("post", "/auth/logout", op("auth", "Log out", "Ends the current session and clears its cookie.", Auth::Session).ok(200, None)),
        ("post", "/auth/password-reset", op("auth", "Request a password reset", "Emails a one-hour, single-use reset link (at most three per account per hour). Answers 202, in about the same time, whether or not the address has an account. Without SMTP the email is written to the server log.", Auth::Public)
            .body("ResetRequestIn").ok(202, None).fails(429, "`login_throttled`.")),
        ("post", "/auth/password-reset/confirm", op("auth", "Set a new password with a reset token", "Every session of the account ends, and every other reset link of the account stops working.", Auth::Public)
            .body("ResetConfirmIn").ok(200, None).fails(410, "`reset_link_invalid`: expired or already used.").fails(422, INVALID)),
        ("get", "/me", op("me", "Who is calling", "The signed-in person or the API key, and the workspace the call acts in. Cheap: with an API key it is answered from memory.", Auth::Any).ok(200, one("Me"))),
        ("patch", "/me", op("me", "Change your name", "", Auth::Session).body("NameIn").ok(200, one("User")).fails(422, INVALID)),
        ("post", "/me/password", op("me", "Change your password", "Your other sessions end, and unused reset links stop working. Wrong current passwords count against the login limits (429 `login_throttled`).", Auth::Session).body("PasswordChangeIn").ok(200, None).fails(422, INVALID)),
        ("post", "/me/totp/setup", op("me", "Start two-factor set-up", "A new secret for an authenticator app; 2FA is on only after `/me/totp/enable`.", Auth::Session)
            .ok(200, one("TotpSetup")).fails(409, "`totp_already_enabled`.")),
        ("post", "/me/totp/enable", op("me", "Turn two-factor authentication on", "Confirms the set-up with a current code; answers ten single-use recovery codes, shown only now.", Auth::Session)
            .body("CodeIn").ok(200, one("RecoveryCodes")).fails(409, "`totp_not_started` or `totp_already_enabled`.").fails(422, "`validation_failed`: the code does not match.")),
        ("post", "/me/totp/disable", op("me", "Turn two-factor authentication off", "Confirm with your password (wrong guesses count against the login limits).", Auth::Session).body("PasswordIn").ok(200, None).fails(422, INVALID)),
        ("post", "/me/recovery-codes", op("me", "Replace your recovery codes", "Confirm with your password (wrong guesses count against the login limits); the old codes stop working.", Auth::Session).body("PasswordIn").ok(200, one("RecoveryCodes")).fails(409, "`totp_not_enabled`.")),
        ("get", "/workspaces", op("workspaces", "List your workspaces", "An API key sees only its own.", Auth::Any).ok(200, list_of("Workspace"))),
        ("post", "/workspaces", op("workspaces", "Create a workspace", "You become its owner and your session switches to it.", Auth::Session).body("NameIn").ok(201, one("Workspace")).fails(422, INVALID)),
        ("post", "/workspaces/{id}/switch", op("workspaces", "Switch workspace", "Makes another of your workspaces the current one for this session.", Auth::Session)
            .path_id("id", "ws").ok(200, one("Workspace")).fails(404, "`not_found`: not one of your workspaces.")),
        ("patch", "/workspace", op("workspaces", "Rename the current workspace", "Owner or admin. API keys have no scope for this.", Auth::Any).body("NameIn").ok(200, one("Workspace")).fails(403, "`forbidden`.")),
        ("get", "/members", op("workspaces", "List members", "Scope `workspace:read`.", Auth::Any).ok(200, list_of("Member"))),
        ("patch", "/members/{user_id}", op("workspaces", "Change a member's role", "Owner or admin (scope `members:write`). Only owners change owners; the last owner cannot be demoted.", Auth::Any)
            .path_id("user_id", "usr").body("RoleIn").ok(200, one("Member")).fails(403, "`forbidden`.").fails(404, "`not_found`.").fails(409, "`last_owner`.")),
        ("delete", "/members/{user_id}", op("workspaces", "Remove a member (or leave)", "Your own id leaves the workspace. The last owner cannot leave or be removed.", Auth::Any)
            .path_id("user_id", "usr").ok(200, None).fails(403, "`forbidden`.").fails(404, "`not_found`.").fails(409, "`last_owner`.")),
        ("get", "/invites", op("workspaces", "List invites", "Newest first, with their status.", Auth::Any).ok(200, list_of("Invite")).fails(403, "`forbidden`.")),
        ("post", "/invites", op("workspaces", "Invite someone", "Creates a 7-day, single-use invite link with a role (emailed when SMTP is configured) and answers the link. You can only grant roles up to your own (managers: agent or viewer). An address that is already a member is refused (`validation_failed` on `email`); inviting an address again revokes its earlier pending invite (refused with 403 if that invite is for a role you cannot grant). The link is a bearer credential: whoever opens it may join.", Auth::Any)
            .body("InviteIn").ok(201, one("CreatedInvite")).fails(403, "`forbidden`.").fails(422, INVALID)),
        ("post", "/invites/accept", op("workspaces", "Accept an invite", "Joins the invite's workspace as the signed-in person and switches to it.", Auth::Session)
            .body("AcceptIn").ok(201, one("Workspace")).fails(404, "`invite_not_found`.").fails(409, "`already_member`.").fails(410, "`invite_not_pending`.")),
        ("delete", "/invites/{id}", op("workspaces", "Revoke an invite", "Only invites for roles you may grant.", Auth::Any).path_id("id", "inv").ok(200, None).fails(404, "`not_found`.").fails(409, "`invite_not_pending`.")),
        ("get", "/api-keys", op("api-keys", "List API keys", "Active keys first. Secrets are never listed. Scope `api_keys:read`.", Auth::Any).ok(200, list_of("ApiKey")).fails(403, "`forbidden` or `insufficient_scope`.")),
        ("post", "/api-keys", op("api-keys", "Create an API key", "The `secret` is in this response only. Scopes cannot exceed your own role.", Auth::Any)
            .body("ApiKeyIn").ok(201, one("ApiKeyWithSecret")).fails(403, "`forbidden` or `insufficient_scope`.").fails(422, INVALID)),
        ("get", "/api-keys/{id}", op("api-keys", "Get an API key", "", Auth::Any).path_id("id", "key").ok(200, one("ApiKey")).fails(404, "`not_found`.")),
        ("delete", "/api-keys/{id}", op("api-keys", "Revoke an API key", "Takes effect at once on this instance, and within `api_key_cache_seconds` on others.", Auth::Any)
            .path_id("id", "key").ok(200, None).fails(404, "`not_found`.")),
        ("post", "/api-keys/{id}/rotate", op("api-keys", "Rotate an API key", "Issues a new secret (in this response only); the old one keeps working for `overlap_hours`. The body is optional.", Auth::Any)
            .path_id("id", "key").body("RotateIn").ok(200, one("ApiKeyWithSecret")).fails(404, "`not_found`.").fails(409, "`api_key_not_active`.")),
        ("get", "/audit-log", op("audit", "List the audit log", "Newest first. Person-level events (logins, 2FA, passwords) of current members appear too. Scope `audit:read`.", Auth::Any)
            .query("action", "Only this action, e.g. `api_key.created`.", json!({ "type": "string" }))
            .query("cursor", "`meta.next_cursor` of the previous page.", json!({ "type": "string" }))
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200 }))
            .ok(200, list_of("AuditEntry")).fails(400, "`invalid_cursor` or `invalid_limit`.").fails(403, "`forbidden` or `insufficient_scope`.")),
        ("get", "/jobs", op("jobs", "List jobs", "The workspace's background jobs, newest first. Owner, admin or manager (scope `jobs:read`).", Auth::Any)
            .query("state", "Only jobs in this state; `failing` means scheduled again after an error.", json!({ "type": "string", "enum": JOB_STATES }))
            .query("queue", "Only jobs of this queue, e.g. `diagnostics`.", json!({ "type": "string" }))
            .query("name", "Only jobs of this type, e.g. `diag.probe`.", json!({ "type": "string" }))
            .query("cursor", "`meta.next_cursor` of the previous page (a job id).", json!({ "type": "string" }))
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200 }))
            .ok(200, list_of("Job")).fails(400, "`invalid_state`, `invalid_cursor` or `invalid_limit`.").fails(403, FORBIDDEN)),
        ("get", "/jobs/stats", op("jobs", "Get job statistics", "Jobs per queue and state, and finished runs per minute over the last hour. Owner, admin or manager (scope `jobs:read`).", Auth::Any)
            .ok(200, one("JobStats")).fails(403, FORBIDDEN)),
        ("post", "/jobs/replay", op("jobs", "Replay dead jobs", "Puts the workspace's dead jobs (optionally of one type, that died within `[since, until)`) back in the queue as ready, with fresh attempts. A dead job whose unique key another unfinished job now holds stays dead. Send `{}` for every job that died in the last 7 days. Owner or admin (scope `jobs:write`).", Auth::Any)
            .body("ReplayIn").ok(200, one("Replayed")).fails(403, FORBIDDEN).fails(422, INVALID)),
        ("post", "/jobs/probe", op("jobs", "Enqueue a probe job", &probe_description(), Auth::Any)
            .body("ProbeIn").ok(202, one("JobCreated")).fails(403, FORBIDDEN).fails(422, INVALID)),
        ("get", "/jobs/{id}", op("jobs", "Get a job", "With its payload, attempts and last error. Owner, admin or manager (scope `jobs:read`).", Auth::Any)
            .path_id("id", "job").ok(200, one("Job")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such job in this workspace.")),
        ("post", "/jobs/{id}/retry", op("jobs", "Retry a job", "Makes the job ready to run now. A scheduled job (one failing and waiting for its next attempt, or one waiting for its `run_at`) keeps its attempts; a dead or cancelled job gets fresh attempts. No body. Owner or admin (scope `jobs:write`).", Auth::Any)
            .path_id("id", "job").ok(200, one("Job")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such job in this workspace.")
            .fails(409, "`job_state`: the job is ready, running or done; or `job_unique_key_taken`: another unfinished job holds its unique key.")),
        ("post", "/jobs/{id}/cancel", op("jobs", "Cancel a job", "Cancels a job that has not started (scheduled or ready). No body. Owner or admin (scope `jobs:write`).", Auth::Any)
            .path_id("id", "job").ok(200, one("Job")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such job in this workspace.")
            .fails(409, "`job_state`: the job is running or finished.")),
        ("get", "/event-types", op("events", "List event types", "The catalog of every event type, with a description, a JSON Schema of its `data` and an example. Public: no credentials needed.", Auth::Public)
            .ok(200, list_of("EventType"))),
        ("get", "/events", op("events", "List events", "The workspace's events, newest first (highest `seq` first). Owner, admin or manager (scope `events:read`).", Auth::Any)
            .query("type", &types_description(), json!({ "type": "string", "example": "member.invited,api_key.created" }))
            .query("cursor", "`meta.next_cursor` of the previous page (a `seq`).", json!({ "type": "string" }))
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200 }))
            .ok(200, list_of("Event")).fails(400, "`unknown_event_type`, `invalid_cursor` or `invalid_limit`.").fails(403, FORBIDDEN)),
        ("get", "/stream", op("events", "Stream events", STREAM, Auth::Any)
            .header("Last-Event-ID", "Resume after this event: the `id` (a `seq`) of the last event received. `EventSource` sends it itself when it reconnects.", json!({ "type": "string", "pattern": "^[0-9]+$", "example": "1042" }))
            .query("last_event_id", "The same as the `Last-Event-ID` header, for clients that cannot set headers; the header wins when both are sent.", json!({ "type": "string", "pattern": "^[0-9]+$" }))
            .query("type", &types_description(), json!({ "type": "string", "example": "member.invited,api_key.created" }))
            .stream().fails(400, "`unknown_event_type` or `invalid_last_event_id`.").fails(403, FORBIDDEN)),
    ];
    ops.extend(super::webhooks::operations());
    ops.extend(super::contacts::operations());
    ops.extend(super::contact_transfers::operations());
    ops.extend(super::inbox::operations());
    ops.extend(super::chat::operations());
    let mut paths = Map::new();
    for (method, path, op) in ops {
        let mut value = op.value;
        if let Some(summary) = value["summary"].as_str() {
            value["operationId"] = json!(operation_id(method, summary));
        }
        let item = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        item[method] = value;
    }
    paths
}

/// `post` + "Log in" → `postLogIn`: unique and readable for generated clients.
fn operation_id(method: &str, summary: &str) -> String {
    let words: String = summary
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    format!("{method}{words}")
}
