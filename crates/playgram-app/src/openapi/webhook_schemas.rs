//! Component schemas of the webhook endpoints, messages and attempts (`webhooks/api.rs`,
//! `endpoint.rs`, `filter.rs`, `messages.rs`) and of request bins (`webhooks/bins/api.rs`).

use serde_json::{Value, json};

use super::schemas::{closed, id, nullable, object, reference, time};
use crate::webhooks::endpoint::{DEFAULT_MAX_IN_FLIGHT, MAX_IN_FLIGHT_CAP, MAX_RATE_LIMIT};
use crate::webhooks::filter::MAX_CONDITIONS;
use crate::webhooks::service::{DEFAULT_OVERLAP_HOURS, MAX_OVERLAP_HOURS};

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn integer(description: &str) -> Value {
    json!({ "type": "integer", "description": description })
}

fn string_map(description: &str) -> Value {
    json!({ "type": "object", "additionalProperties": { "type": "string" }, "description": description })
}

/// The message statuses (`webhooks::messages::STATUSES`).
fn status() -> Value {
    json!({
        "type": "string",
        "enum": crate::webhooks::messages::STATUSES,
        "description": "`pending`: not tried yet. `failing`: an attempt failed and another is scheduled (`next_attempt_at`). `delivered`: an attempt got a 2xx. `failed`: no attempt left, or not sent because the endpoint was disabled (see `last_error`).",
    })
}

/// The settings a client sends, for creation (`url` required) or a PATCH (nothing required;
/// `null` clears the nullable fields).
fn endpoint_in(patch: bool) -> Value {
    let absent = if patch { "Left out: unchanged. " } else { "" };
    let enabled = if patch {
        "Left out: unchanged. `false` disables the endpoint (`disabled_reason: manual`); `true` enables it again and clears `failing_since`."
    } else {
        "Default `true`. A disabled endpoint's messages are logged as failed without being sent."
    };
    let properties = json!({
        "url": { "type": "string", "format": "uri", "maxLength": 2000, "example": "https://example.com/webhooks", "description": format!("{absent}Where to POST events: an `http` or `https` URL with a host and without a user name or password. Where it leads is checked at every request (see the `webhooks` tag's Safety).") },
        "description": { "type": "string", "maxLength": 500, "description": format!("{absent}What the endpoint is for (default: empty).") },
        "event_types": nullable(json!({ "type": "array", "minItems": 1, "items": { "type": "string", "example": "member.*" }, "description": "Event types from `GET /event-types` (`member.joined`) or families (`member.*`, which also takes the family's future types). An empty list is refused." })),
        "filter": nullable(json!({ "type": "array", "maxItems": MAX_CONDITIONS, "items": reference("WebhookFilterCondition"), "description": format!("Conditions on the event's `data`, all of which must hold for the endpoint to receive it (at most {MAX_CONDITIONS}). Null or empty: no condition.") })),
        "enabled": { "type": "boolean", "description": enabled },
        "rate_limit": nullable(json!({ "type": "integer", "minimum": 1, "maximum": MAX_RATE_LIMIT, "description": "Deliveries a second at most." })),
        "max_in_flight": { "type": "integer", "minimum": 1, "maximum": MAX_IN_FLIGHT_CAP, "description": format!("{absent}Requests to this endpoint in flight at once, per Playgram instance (default {DEFAULT_MAX_IN_FLIGHT}).") },
        "headers": nullable(json!({ "type": "object", "maxProperties": 20, "additionalProperties": { "type": "string", "maxLength": 1000 }, "example": { "x-team": "blue" }, "description": "Extra headers sent with every delivery: at most 20 valid header names (stored in lower case) with values of at most 1,000 characters on one line. `webhook-*`, `content-type`, `content-length`, `host`, `user-agent` and the hop-by-hop headers (`connection`, `transfer-encoding`, `keep-alive`, `upgrade`, `te`) are refused. Values of headers whose names look like credentials (`auth`, `token`, `key`, `secret`, `password`, `cookie`…) are masked in the delivery log." })),
    });
    let mut schema = closed(if patch { &[] } else { &["url"] }, properties);
    let nulls = if patch {
        "Only the fields sent change. `null` clears a nullable field: `event_types: null` = every event, `filter: null` = no condition, `rate_limit: null` = no limit, `headers: null` = no custom header. A list or map replaces the stored one whole."
    } else {
        "Only `url` is required. Left out or null: `event_types` = every event, `filter` = no condition, `rate_limit` = no limit, `headers` = none."
    };
    schema["description"] = json!(nulls);
    schema
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "WebhookFilterCondition",
            closed(
                &["path", "op"],
                json!({
                    "path": { "type": "string", "maxLength": 200, "example": "actor.type", "description": "A dotted path into the event's `data`; digits index arrays (`items.0.sku`)." },
                    "op": { "type": "string", "enum": ["eq", "in", "exists"], "description": "`eq`: the field equals `value` (JSON equality: `\"1\"` is not `1`). `in`: it equals one of `value`'s items. `exists`: it is present and not null (`value: false`: absent or null)." },
                    "value": { "description": "For `eq`: any JSON value (required). For `in`: a non-empty array (required). For `exists`: `true` (default) or `false`." },
                }),
            ),
        ),
        (
            "WebhookEndpoint",
            object(
                &[
                    "id",
                    "url",
                    "description",
                    "event_types",
                    "filter",
                    "enabled",
                    "disabled_reason",
                    "disabled_at",
                    "rate_limit",
                    "max_in_flight",
                    "headers",
                    "failing_since",
                    "previous_secret_until",
                    "created_at",
                    "updated_at",
                ],
                json!({
                    "id": id("ep"),
                    "url": { "type": "string", "format": "uri", "example": "https://example.com/webhooks" },
                    "description": { "type": "string" },
                    "event_types": nullable(json!({ "type": "array", "items": { "type": "string" }, "description": "Event types and families (`member.*`) it receives; null: every event." })),
                    "filter": { "type": "array", "items": reference("WebhookFilterCondition"), "description": "Conditions on the event's `data`, all of which must hold; empty: none." },
                    "enabled": { "type": "boolean" },
                    "disabled_reason": nullable(json!({ "type": "string", "enum": ["manual", "gone", "failing"], "description": "`manual`: disabled by a person. `gone`: it answered 410 Gone. `failing`: it failed without a success for `webhooks_disable_after_hours`." })),
                    "disabled_at": nullable(time()),
                    "rate_limit": nullable(integer("Deliveries a second at most; null: no limit.")),
                    "max_in_flight": integer("Requests in flight at once, per Playgram instance."),
                    "headers": string_map("Custom headers sent with every delivery."),
                    "failing_since": nullable(json!({ "type": "string", "format": "date-time", "description": "When the current run of failures began; null when the last attempt succeeded." })),
                    "previous_secret_until": nullable(json!({ "type": "string", "format": "date-time", "description": "While a rotation overlaps, deliveries are signed with the previous secret too, until then." })),
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        (
            "WebhookEndpointWithSecret",
            json!({ "allOf": [reference("WebhookEndpoint"), object(&["secret"], json!({
                "secret": { "type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$", "example": "whsec_2YHd1fkeYVAVUTNxnek17J/QhWkG6hP47w5j9dleaEE=", "description": "The signing secret: verify deliveries with it (Standard Webhooks)." },
            }))] }),
        ),
        ("WebhookEndpointIn", endpoint_in(false)),
        ("WebhookEndpointPatch", endpoint_in(true)),
        (
            "WebhookSecretRotateIn",
            closed(
                &[],
                json!({ "overlap_hours": { "type": "integer", "minimum": 0, "maximum": MAX_OVERLAP_HOURS, "default": DEFAULT_OVERLAP_HOURS, "description": "How long deliveries are signed with the old secret too." } }),
            ),
        ),
        (
            "WebhookTestIn",
            closed(
                &["event_type"],
                json!({ "event_type": { "type": "string", "example": "member.invited", "description": "An event type of `GET /event-types` (not a family): its example `data` is sent." } }),
            ),
        ),
        (
            "WebhookRecoverIn",
            closed(
                &["since"],
                json!({ "since": { "type": "string", "format": "date-time", "description": "Resend the messages that ended `failed` at or after this time." } }),
            ),
        ),
        (
            "WebhookRecovered",
            object(
                &["resent"],
                json!({ "resent": integer("How many messages were queued again.") }),
            ),
        ),
        (
            "WebhookMessage",
            object(
                &[
                    "id",
                    "endpoint_id",
                    "event_id",
                    "event_type",
                    "status",
                    "attempts",
                    "last_response_status",
                    "last_error",
                    "next_attempt_at",
                    "created_at",
                    "delivered_at",
                    "updated_at",
                    "payload",
                ],
                json!({
                    "id": id("msg"),
                    "endpoint_id": id("ep"),
                    "event_id": nullable(id("evt")),
                    "event_type": { "type": "string", "example": "member.invited" },
                    "status": status(),
                    "attempts": integer("Attempts made so far, across resends."),
                    "last_response_status": nullable(integer("The HTTP status of the last attempt; null when none arrived.")),
                    "last_error": nullable(string("Why the last attempt failed, e.g. `HTTP 502 Bad Gateway`.")),
                    "next_attempt_at": nullable(json!({ "type": "string", "format": "date-time", "description": "When the next attempt is due (while `failing`)." })),
                    "created_at": time(),
                    "delivered_at": nullable(time()),
                    "updated_at": time(),
                    "payload": { "type": "object", "required": ["type", "timestamp", "data"], "description": "The body as sent: `{type, timestamp, data}`." },
                    "attempts_log": { "type": "array", "items": reference("WebhookAttempt"), "description": "Only in `GET /webhook-messages/{id}`: every attempt, oldest first." },
                }),
            ),
        ),
        (
            "WebhookAttempt",
            object(
                &[
                    "id",
                    "message_id",
                    "endpoint_id",
                    "attempt",
                    "trigger",
                    "url",
                    "request_headers",
                    "request_body",
                    "response_status",
                    "response_headers",
                    "response_body",
                    "duration_ms",
                    "error",
                    "succeeded",
                    "started_at",
                ],
                json!({
                    "id": id("att"),
                    "message_id": id("msg"),
                    "endpoint_id": id("ep"),
                    "attempt": integer("The message's attempt number (1 for the first), counted across resends."),
                    "trigger": { "type": "string", "enum": ["scheduled", "replay", "test"], "description": "`scheduled`: a delivery or its retry schedule. `replay`: a resend or recovery. `test`: a test send." },
                    "url": { "type": "string", "format": "uri" },
                    "request_headers": string_map("The headers as sent; values of custom headers that look like credentials are masked (`••••••`)."),
                    "request_body": string("The body sent (its first 64 KB)."),
                    "response_status": nullable(integer("Null when no answer arrived (refused, blocked, timed out).")),
                    "response_headers": nullable(string_map("The answer's headers.")),
                    "response_body": nullable(string("The first 4 KB of the answer, as text.")),
                    "duration_ms": { "type": "integer", "minimum": 0 },
                    "error": nullable(string("Why the attempt failed: `HTTP 503 Service Unavailable`, a timeout, a refused or blocked address…")),
                    "succeeded": { "type": "boolean", "description": "The answer was a 2xx." },
                    "started_at": time(),
                }),
            ),
        ),
        (
            "RequestBin",
            object(
                &[
                    "id",
                    "name",
                    "url",
                    "capture_count",
                    "last_capture_at",
                    "created_at",
                ],
                json!({
                    "id": id("bin"),
                    "name": { "type": "string" },
                    "url": { "type": "string", "format": "uri", "example": "https://playgram.example.com/bin/Ol1yqYjFBNaSsF0NLzVSQpW2WPzd7IFJsDgKltGtfMM", "description": "The capture URL: every request sent to it, or to a path below it, is recorded. Anyone who has it can send requests to it." },
                    "capture_count": integer("How many captured requests the bin holds."),
                    "last_capture_at": nullable(json!({ "type": "string", "format": "date-time", "description": "When the newest of them arrived." })),
                    "created_at": time(),
                }),
            ),
        ),
        (
            "RequestBinIn",
            closed(
                &["name"],
                json!({ "name": { "type": "string", "minLength": 1, "maxLength": 100, "example": "Staging webhooks", "description": "What the bin is for (trimmed)." } }),
            ),
        ),
        (
            "RequestBinCleared",
            object(
                &["deleted"],
                json!({ "deleted": integer("How many captured requests were deleted.") }),
            ),
        ),
        (
            "CapturedRequest",
            object(
                &[
                    "id",
                    "bin_id",
                    "method",
                    "path",
                    "query",
                    "headers",
                    "body_encoding",
                    "body",
                    "body_size",
                    "truncated",
                    "remote_addr",
                    "received_at",
                ],
                json!({
                    "id": id("cap"),
                    "bin_id": id("bin"),
                    "method": { "type": "string", "example": "POST" },
                    "path": { "type": "string", "example": "/orders/42", "description": "The path after the bin's URL: empty, or starting with `/`." },
                    "query": { "type": "string", "example": "x=1&y=a%20b", "description": "The raw query string, without the `?`." },
                    "headers": { "type": "array", "description": "Every header as `[name, value]`, in the order received (names in lower case). Playgram's own session cookie is `[redacted]`.", "items": { "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2 }, "example": [["content-type", "application/json"], ["webhook-id", "msg_01M82B2HPC5A7CBGX06DESGZ8Y"]] },
                    "body_encoding": { "type": "string", "enum": ["utf8", "base64"], "description": "`utf8`: `body` is the text as received. `base64`: the body was not UTF-8 text." },
                    "body": { "type": "string" },
                    "body_size": integer("The size of the body as received, in bytes."),
                    "truncated": { "type": "boolean", "description": "The body was larger than the bin keeps (`request_bin_max_body_bytes`); `body` is its start." },
                    "remote_addr": nullable(json!({ "type": "string", "example": "203.0.113.7" })),
                    "received_at": time(),
                }),
            ),
        ),
        (
            "CaptureAck",
            object(
                &["ok", "capture_id"],
                json!({ "ok": { "type": "boolean", "const": true }, "capture_id": id("cap") }),
            ),
        ),
    ]
}
