//! Component schemas: the shapes the API reads and writes (kept beside the DTOs they describe).

use serde_json::{Map, Value, json};

use crate::auth::Scope;

pub(super) fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

/// An object that refuses unknown fields (its DTO has `deny_unknown_fields`).
pub(super) fn closed(required: &[&str], properties: Value) -> Value {
    let mut schema = object(required, properties);
    schema["additionalProperties"] = json!(false);
    schema
}

pub(super) fn id(prefix: &str) -> Value {
    json!({ "type": "string", "pattern": format!("^{prefix}_[0-9A-Z]{{26}}$"), "example": format!("{prefix}_01M82B2HPC5A7CBGX06DESGZ8Y") })
}

pub(super) fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

pub(super) fn nullable(schema: Value) -> Value {
    json!({ "oneOf": [schema, { "type": "null" }] })
}

pub(super) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn role() -> Value {
    json!({ "type": "string", "enum": ["owner", "admin", "manager", "agent", "viewer"] })
}

/// Every API-key scope, straight from `auth::Scope`, so a new scope cannot be left out.
fn scopes() -> Value {
    let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let meanings: Vec<String> = Scope::ALL
        .iter()
        .map(|s| format!("`{}`: {}", s.as_str(), s.describe()))
        .collect();
    json!({
        "type": "array",
        "items": { "type": "string", "enum": names },
        "description": format!("Scopes the key holds. {}", meanings.join(" ")),
    })
}

/// The audit actions, from the audit log's own list (`audit::views::ACTIONS`).
fn audit_actions() -> String {
    let names: Vec<&str> = crate::audit::views::ACTIONS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    format!("One of: {}.", names.join(", "))
}

pub fn all() -> Map<String, Value> {
    let entries = [
        (
            "Error",
            object(
                &["code", "message"],
                json!({
                    "code": { "type": "string", "description": "Stable snake_case code, e.g. `validation_failed`, `not_found`, `invalid_credentials`, `login_throttled`, `csrf_failed`, `payload_too_large`." },
                    "message": { "type": "string", "description": "A human message." },
                    "details": { "type": "object", "description": "For `validation_failed`: `{fields: {name: message}}`." },
                }),
            ),
        ),
        (
            "Meta",
            object(
                &["request_id", "timestamp"],
                json!({
                    "request_id": { "type": "string" },
                    "timestamp": time(),
                    "next_cursor": nullable(json!({ "type": "string" })),
                }),
            ),
        ),
        (
            "Envelope",
            object(
                &["success", "meta"],
                json!({
                    "success": { "type": "boolean" },
                    "data": {},
                    "error": nullable(reference("Error")),
                    "meta": reference("Meta"),
                }),
            ),
        ),
        (
            "User",
            object(
                &["id", "email", "name", "totp_enabled", "created_at"],
                json!({
                    "id": id("usr"), "email": { "type": "string", "format": "email" }, "name": { "type": "string" },
                    "totp_enabled": { "type": "boolean" }, "created_at": time(),
                }),
            ),
        ),
        (
            "Workspace",
            object(
                &["id", "name"],
                json!({
                    "id": id("ws"), "name": { "type": "string" }, "role": nullable(role()),
                }),
            ),
        ),
        (
            "SignedIn",
            object(
                &["user", "csrf_token"],
                json!({
                    "user": reference("User"), "workspace": nullable(reference("Workspace")),
                    "csrf_token": { "type": "string", "description": "Send as `X-CSRF-Token` on cookie-authenticated writes from clients that send no `Origin`." },
                }),
            ),
        ),
        (
            "Me",
            object(
                &["workspaces"],
                json!({
                    "user": nullable(reference("User")),
                    "api_key": nullable(object(&["id", "name", "scopes"], json!({ "id": id("key"), "name": { "type": "string" }, "scopes": scopes() }))),
                    "workspace": nullable(reference("Workspace")),
                    "workspaces": { "type": "array", "items": reference("Workspace") },
                }),
            ),
        ),
        (
            "Member",
            object(
                &[
                    "user_id",
                    "email",
                    "name",
                    "role",
                    "totp_enabled",
                    "joined_at",
                ],
                json!({
                    "user_id": id("usr"), "email": { "type": "string" }, "name": { "type": "string" }, "role": role(),
                    "totp_enabled": { "type": "boolean" }, "joined_at": time(),
                }),
            ),
        ),
        (
            "Invite",
            object(
                &["id", "email", "role", "status", "created_at", "expires_at"],
                json!({
                    "id": id("inv"), "email": { "type": "string" }, "role": role(),
                    "status": { "type": "string", "enum": ["pending", "accepted", "revoked", "expired"] },
                    "invited_by": nullable(json!({ "type": "string" })), "created_at": time(), "expires_at": time(),
                }),
            ),
        ),
        (
            "CreatedInvite",
            json!({ "allOf": [reference("Invite"), object(&["accept_url", "emailed"], json!({
            "accept_url": { "type": "string", "format": "uri", "description": "The link to share; shown only now." },
            "emailed": { "type": "boolean" },
        }))] }),
        ),
        (
            "ApiKey",
            object(
                &["id", "name", "scopes", "status", "created_at"],
                json!({
                    "id": id("key"), "name": { "type": "string" }, "scopes": scopes(),
                    "status": { "type": "string", "enum": ["active", "expired", "revoked"] },
                    "hint": nullable(json!({ "type": "string", "example": "pgk_VrkY…49hw" })),
                    "created_by": nullable(json!({ "type": "string" })), "created_at": time(),
                    "expires_at": nullable(time()), "last_used_at": nullable(time()), "revoked_at": nullable(time()),
                    "previous_secret_expires_at": nullable(time()),
                }),
            ),
        ),
        (
            "ApiKeyWithSecret",
            json!({ "allOf": [reference("ApiKey"), object(&["secret"], json!({
            "secret": { "type": "string", "description": "Shown only in this response.", "example": "pgk_VrkYNHZhcTNupYrhsPegHacyXLP3kqb04uleOHP49hw" },
        }))] }),
        ),
        (
            "AuditEntry",
            object(
                &["id", "action", "actor", "details", "created_at"],
                json!({
                    "id": id("aud"),
                    "action": { "type": "string", "example": "api_key.created", "description": audit_actions() },
                    "actor": object(&["type"], json!({
                        "type": { "type": "string", "enum": ["user", "api_key", "anonymous"] },
                        "user_id": nullable(id("usr")), "api_key_id": nullable(id("key")), "label": nullable(json!({ "type": "string" })),
                    })),
                    "target": nullable(json!({ "type": "string" })), "ip": nullable(json!({ "type": "string" })),
                    "details": { "type": "object" }, "created_at": time(),
                }),
            ),
        ),
        (
            "TotpSetup",
            object(
                &["secret", "otpauth_uri"],
                json!({ "secret": { "type": "string" }, "otpauth_uri": { "type": "string" } }),
            ),
        ),
        (
            "RecoveryCodes",
            object(
                &["recovery_codes"],
                json!({ "recovery_codes": { "type": "array", "items": { "type": "string", "example": "k7m2-9xqp-4h3w" } } }),
            ),
        ),
        (
            "SignupIn",
            object(
                &["email", "password", "name"],
                json!({
                    "email": { "type": "string", "format": "email" }, "password": { "type": "string", "minLength": 8, "maxLength": 256 },
                    "name": { "type": "string", "maxLength": 100 }, "workspace_name": { "type": "string", "maxLength": 100, "description": "Required unless joining by `invite_token`." },
                    "invite_token": { "type": "string" },
                }),
            ),
        ),
        (
            "LoginIn",
            object(
                &["email", "password"],
                json!({
                    "email": { "type": "string" }, "password": { "type": "string" },
                    "totp_code": { "type": "string", "description": "Required when the account has 2FA: a current code or a recovery code." },
                }),
            ),
        ),
        (
            "NameIn",
            object(
                &["name"],
                json!({ "name": { "type": "string", "maxLength": 100 } }),
            ),
        ),
        (
            "PasswordChangeIn",
            object(
                &["current_password", "new_password"],
                json!({ "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 8 } }),
            ),
        ),
        (
            "ResetRequestIn",
            object(&["email"], json!({ "email": { "type": "string" } })),
        ),
        (
            "ResetConfirmIn",
            object(
                &["token", "password"],
                json!({ "token": { "type": "string" }, "password": { "type": "string", "minLength": 8 } }),
            ),
        ),
        (
            "CodeIn",
            object(
                &["code"],
                json!({ "code": { "type": "string", "example": "123456" } }),
            ),
        ),
        (
            "PasswordIn",
            object(&["password"], json!({ "password": { "type": "string" } })),
        ),
        ("RoleIn", object(&["role"], json!({ "role": role() }))),
        (
            "InviteIn",
            object(
                &["email", "role"],
                json!({ "email": { "type": "string", "format": "email" }, "role": role() }),
            ),
        ),
        (
            "AcceptIn",
            object(&["token"], json!({ "token": { "type": "string" } })),
        ),
        (
            "ApiKeyIn",
            object(
                &["name", "scopes"],
                json!({
                    "name": { "type": "string", "maxLength": 100 }, "scopes": scopes(),
                    "expires_at": { "type": "string", "format": "date-time", "description": "Absent for no expiry." },
                }),
            ),
        ),
        (
            "RotateIn",
            object(
                &[],
                json!({ "overlap_hours": { "type": "integer", "minimum": 0, "maximum": 720, "description": "How long the old secret keeps working (default 24)." } }),
            ),
        ),
        (
            "Job",
            object(
                &[
                    "id",
                    "name",
                    "queue",
                    "state",
                    "priority",
                    "attempts",
                    "max_attempts",
                    "unique_key",
                    "limit_key",
                    "last_error",
                    "run_at",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "payload",
                    "failing",
                ],
                json!({
                    "id": id("job"),
                    "name": { "type": "string", "example": "diag.probe", "description": "The job type." },
                    "queue": { "type": "string", "example": "diagnostics" },
                    "state": { "type": "string", "enum": ["scheduled", "ready", "running", "done", "dead", "cancelled"], "description": "`scheduled` waits for `run_at` (a failing job waits here for its next attempt); `ready` waits for a worker; `dead` failed for good (replayable)." },
                    "priority": { "type": "integer", "description": "Higher runs first." },
                    "attempts": { "type": "integer", "description": "Attempts started so far." },
                    "max_attempts": { "type": "integer" },
                    "unique_key": nullable(json!({ "type": "string", "description": "At most one unfinished job holds a key." })),
                    "limit_key": nullable(json!({ "type": "string", "description": "The concurrency or rate limit the job counts against." })),
                    "last_error": nullable(json!({ "type": "string", "description": "The error of the last failed attempt." })),
                    "run_at": time(), "created_at": time(), "started_at": nullable(time()), "finished_at": nullable(time()),
                    "payload": { "description": "The job's input, as JSON." },
                    "failing": { "type": "boolean", "description": "Failed at least once and scheduled for another attempt." },
                }),
            ),
        ),
        (
            "JobStats",
            object(
                &["counts", "throughput"],
                json!({
                    "counts": { "type": "array", "description": "Jobs per queue and state (`failing` = scheduled again after an error; those are not counted as `scheduled`).", "items": object(&["queue", "state", "count"], json!({
                        "queue": { "type": "string" },
                        "state": { "type": "string", "enum": ["scheduled", "ready", "running", "done", "dead", "cancelled", "failing"] },
                        "count": { "type": "integer" },
                    })) },
                    "throughput": { "type": "array", "description": "Finished runs per minute over the last hour, oldest first; minutes without runs are left out.", "items": object(&["minute", "done", "failed", "dead"], json!({
                        "minute": time(), "done": { "type": "integer" },
                        "failed": { "type": "integer", "description": "Attempts that failed and were scheduled again." },
                        "dead": { "type": "integer" },
                    })) },
                }),
            ),
        ),
        (
            "ReplayIn",
            closed(
                &[],
                json!({
                    "name": { "type": "string", "example": "diag.probe", "description": "Only dead jobs of this type." },
                    "since": { "type": "string", "format": "date-time", "description": "Only jobs that died at or after this time (default: 7 days ago)." },
                    "until": { "type": "string", "format": "date-time", "description": "Only jobs that died before this time (default: now)." },
                }),
            ),
        ),
        (
            "Replayed",
            object(
                &["replayed"],
                json!({ "replayed": { "type": "integer", "description": "How many dead jobs were put back in the queue." } }),
            ),
        ),
        (
            "ProbeIn",
            closed(
                &[],
                json!({
                    "sleep_ms": { "type": "integer", "minimum": 0, "maximum": 60000, "default": 0, "description": "How long each run takes." },
                    "fail": { "type": "string", "enum": ["none", "error", "panic", "fatal"], "default": "none", "description": "`error` and `panic` fail every attempt (retried with backoff until dead); `fatal` is dead at once." },
                    "run_at": { "type": "string", "format": "date-time", "description": "Run at this time instead of now (the job is `scheduled` until then)." },
                }),
            ),
        ),
        ("JobCreated", object(&["id"], json!({ "id": id("job") }))),
        (
            "Event",
            object(
                &["id", "seq", "type", "workspace_id", "occurred_at", "data"],
                json!({
                    "id": id("evt"),
                    "seq": { "type": "integer", "minimum": 1, "description": "The event's number, in commit order across the whole instance: a reader that has seen N has seen every smaller one. The stream's `id:` and `Last-Event-ID`." },
                    "type": { "type": "string", "example": "member.invited", "description": "One of `GET /event-types`." },
                    "workspace_id": id("ws"),
                    "occurred_at": time(),
                    "data": { "type": "object", "description": "What happened; its JSON Schema is the type's `schema` in `GET /event-types`." },
                }),
            ),
        ),
        (
            "EventType",
            object(
                &["name", "description", "schema", "example"],
                json!({
                    "name": { "type": "string", "example": "member.invited" },
                    "description": { "type": "string" },
                    "schema": { "type": "object", "description": "JSON Schema (draft 2020-12) of the events' `data`." },
                    "example": { "type": "object", "description": "An example `data`." },
                }),
            ),
        ),
    ];
    entries
        .into_iter()
        .chain(super::webhook_schemas::schemas())
        .chain(super::contact_schemas::schemas())
        .chain(super::inbox_schemas::schemas())
        .chain(super::chat::schemas())
        .chain(super::contact_filter_schemas::schemas())
        .chain(super::contact_transfers::schemas())
        .map(|(name, schema)| (name.to_owned(), schema))
        .collect()
}
