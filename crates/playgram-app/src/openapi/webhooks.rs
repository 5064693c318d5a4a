//! The outbound-webhooks part of the document: the `webhooks` and `request-bins` tags (with what a
//! delivery looks like and how to verify it), and their operations, in the order of router.rs, plus
//! the public capture URL `/bin/{token}`. Their schemas are in `webhook_schemas.rs`.

use serde_json::{Value, json};

use super::paths::{Auth, FORBIDDEN, INVALID, Op, list_of, one, op};

/// The default of a configuration key, as documented in `playgram_core::config::KEYS`.
pub(super) fn config_default(name: &str) -> &'static str {
    playgram_core::config::KEYS
        .iter()
        .find(|key| key.name == name)
        .map_or("", |key| key.default)
}

const WEBHOOKS_TAG: &str = r#"Outbound webhooks: the workspace's endpoints (URLs that receive its events), the delivery log (one message per event and endpoint, with every attempt), resending, recovery and test sends. Reading needs owner, admin or manager (scope `webhooks:read`); changing anything, and reading a signing secret, needs owner or admin (scope `webhooks:write`).

### What a delivery looks like

Every event of the catalog (`GET /event-types`) that an enabled endpoint subscribes to (its `event_types`: exact names, or families such as `member.*`; every event when null) and whose `data` passes the endpoint's `filter` becomes one message, delivered as a [Standard Webhooks](https://www.standardwebhooks.com/) request. For example, signed with the secret `whsec_2YHd1fkeYVAVUTNxnek17J/QhWkG6hP47w5j9dleaEE=`:

```http
POST /webhooks HTTP/1.1
Host: example.com
content-type: application/json
user-agent: Playgram-Webhooks/1.0
webhook-id: msg_01M82B2HPC5A7CBGX06DESGZ8Y
webhook-timestamp: 1795000000
webhook-signature: v1,fb+I+Stp/W4ED3Ih1a4nbwnBcZGjCTAx50iPFpJwJFY=

{"type":"member.invited","timestamp":"2026-11-22T10:00:00Z","data":{"invite_id":"inv_01M82B2HPC5A7CBGX06DESGZ8Y","email":"sam@example.com","role":"agent","expires_at":"2026-11-29T10:00:00Z","actor":{"type":"user","id":"usr_01M82B2HPC5A7CBGX06DESGZ8Y"}}}
```

- `webhook-id`: the message's id (`msg_…`). It stays the same on every retry, resend and recovery of the message: use it to drop duplicates, since delivery is at least once, and messages may arrive out of order.
- `webhook-timestamp`: when this attempt was signed, in Unix seconds (each attempt is signed afresh).
- `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` (the body's exact bytes), keyed with the base64-decoded part of the endpoint's secret after `whsec_`. While a rotated secret overlaps (until the endpoint's `previous_secret_until`), the header carries two signatures separated by a space, `v1,<new> v1,<old>`: accept the request when any one of them matches.
- The body: `type` (the event type), `timestamp` (when the event occurred, RFC 3339) and `data` (the event's data; its JSON Schema is the type's `schema` in `GET /event-types`). A test send carries the type's example `data`.
- The endpoint's custom `headers` are sent as well; they cannot replace the headers above.

### Verifying a delivery

Use a Standard Webhooks library with the endpoint's secret (answered by `POST /webhook-endpoints`, `GET /webhook-endpoints/{id}/secret` and each rotation), on the raw body, before parsing it. The libraries check the signature and refuse a timestamp more than five minutes away from now, so a captured request cannot be replayed later.

Python (`pip install standardwebhooks`):

```python
from standardwebhooks.webhooks import Webhook

wh = Webhook("whsec_…")
event = wh.verify(raw_body, request_headers)  # raises WebhookVerificationError
```

JavaScript or TypeScript (`npm install standardwebhooks`):

```js
import { Webhook } from "standardwebhooks";

const wh = new Webhook("whsec_…");
const event = wh.verify(rawBody, headers); // throws WebhookVerificationError
```

Libraries for C#, Elixir, Go, Java, PHP, Ruby and Rust are at https://github.com/standard-webhooks/standard-webhooks.

### Answers, retries and disabling

- Answer with any 2xx within `webhooks_timeout_seconds` ($TIMEOUT s by default), and do the work afterwards. Redirects are not followed: a 3xx, like any other status, a timeout or a refused connection, is a failed attempt. The first 4 KB of each answer is kept in the log.
- A failed message is tried again on `webhooks_retry_schedule`: by default `$SCHEDULE`, the wait before each of its $ATTEMPTS attempts, ±10 %. On 429 and 503 a longer `Retry-After` (seconds or an HTTP date, at most 24 hours) is honoured. Its status goes from `pending` to `failing` while attempts remain, and ends `delivered` or `failed`.
- A 410 Gone disables the endpoint at once (`disabled_reason: gone`); so does failing without a single success for `webhooks_disable_after_hours` ($DISABLE_HOURS hours by default; `failing`). The workspace's owners and admins are emailed, and the workspace gets a `webhook_endpoint.disabled` event. While an endpoint is disabled (also `manual`, by `PATCH` with `enabled: false`), its new messages are logged as `failed` without being sent: fix the receiver, enable the endpoint again, then `POST /webhook-endpoints/{id}/recover` them.
- Each endpoint has at most `max_in_flight` requests in flight per Playgram instance and, when it sets `rate_limit`, at most that many deliveries a second; a slow endpoint does not delay the others.
- Finished messages and their attempts are kept `webhooks_log_retention_days` ($RETENTION_DAYS days by default).

### Safety

An endpoint's URL must be `http` or `https`, with a host and without a user name or password. Each request connects only to public addresses: loopback, private, link-local, carrier-grade NAT, multicast, documentation and reserved addresses (and IPv6 addresses leading to them) are refused where the connection is made, after DNS resolution, so DNS rebinding cannot get around the check; IP literals are checked in any spelling. The failed attempt's error names the host, not the addresses it resolved to. Proxies from the environment are not used. Operators running receivers on a private network allow those blocks with `PLAYGRAM_WEBHOOKS_ALLOW_NETWORKS`."#;

const BINS_TAG: &str = "Request bins: capture URLs that record every request sent to them (method, path, query, headers and body), to watch webhooks arrive while setting them up: point a webhook endpoint at a bin's `url`. The capture URL (`/bin/{token}`, outside `/api/v1`) is public; its unguessable token is the only credential. A bin keeps its newest $KEEP captures for `request_bin_retention_hours` ($RETENTION_HOURS hours by default), keeps at most `request_bin_max_body_bytes` of each body ($MAX_BODY by default; longer ones are cut and marked `truncated`), and accepts `request_bin_rate_per_minute` requests a minute ($RATE by default; more are refused with 429 and not recorded). Reading needs owner, admin or manager (scope `webhooks:read`); creating, clearing and deleting needs owner or admin (scope `webhooks:write`).";

/// The `webhooks` tag's description, with the configuration's defaults.
pub(super) fn webhooks_tag() -> String {
    let schedule = config_default("webhooks_retry_schedule");
    let attempts = schedule.split([' ', ',']).filter(|s| !s.is_empty()).count();
    WEBHOOKS_TAG
        .replace("$TIMEOUT", config_default("webhooks_timeout_seconds"))
        .replace("$SCHEDULE", schedule)
        .replace("$ATTEMPTS", &attempts.to_string())
        .replace(
            "$DISABLE_HOURS",
            config_default("webhooks_disable_after_hours"),
        )
        .replace(
            "$RETENTION_DAYS",
            config_default("webhooks_log_retention_days"),
        )
}

/// The `request-bins` tag's description, with the configuration's defaults.
pub(super) fn bins_tag() -> String {
    BINS_TAG
        .replace(
            "$KEEP",
            &crate::webhooks::bins::capture::KEEP_PER_BIN.to_string(),
        )
        .replace(
            "$RETENTION_HOURS",
            config_default("request_bin_retention_hours"),
        )
        .replace(
            "$MAX_BODY",
            &format!("{} bytes", config_default("request_bin_max_body_bytes")),
        )
        .replace("$RATE", config_default("request_bin_rate_per_minute"))
}

const READ: &str = "Owner, admin or manager (scope `webhooks:read`).";
const WRITE: &str = "Owner or admin (scope `webhooks:write`).";
const PAGE: &str = "`invalid_cursor` or `invalid_limit`.";
const DISABLED: &str = "`endpoint_disabled`: the endpoint is disabled; enable it first.";

/// The methods the capture URL is documented with (it accepts any).
pub(super) const CAPTURE_METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn limit() -> Value {
    json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 })
}

/// `cursor` and `limit` of a list whose cursor is the last id of the previous page.
fn paged(op: Op, what: &str) -> Op {
    op.query(
        "cursor",
        &format!("`meta.next_cursor` of the previous page ({what})."),
        json!({ "type": "string" }),
    )
    .query("limit", "Page size, 1–200 (default 50).", limit())
}

fn described(first: &str, who: &str) -> String {
    format!("{first} {who}")
}

pub(super) fn operations() -> Vec<(&'static str, &'static str, Op)> {
    let statuses = crate::webhooks::messages::STATUSES;
    let mut ops = vec![
        ("get", "/webhook-endpoints", paged(op("webhooks", "List webhook endpoints", &described("The workspace's endpoints, newest first. Secrets are not listed (see `GET /webhook-endpoints/{id}/secret`).", READ), Auth::Any), "an endpoint id")
            .ok(200, list_of("WebhookEndpoint")).fails(400, PAGE).fails(403, FORBIDDEN)),
        ("post", "/webhook-endpoints", op("webhooks", "Create a webhook endpoint", &described("Adds an endpoint that receives the workspace's events as signed Standard Webhooks requests (see the `webhooks` tag). Only `url` is required: without `event_types` it receives every event, and it starts enabled. The answer carries its signing secret, `whsec_…`. Recorded in the audit log, and emits a `webhook_endpoint.created` event.", WRITE), Auth::Any)
            .body("WebhookEndpointIn").ok(201, one("WebhookEndpointWithSecret")).fails(403, FORBIDDEN)
            .fails(422, &format!("{INVALID} Every invalid field is reported at once (`url`, `event_types`, `filter`, `headers`…)."))),
        ("get", "/webhook-endpoints/{id}", op("webhooks", "Get a webhook endpoint", READ, Auth::Any)
            .path_id("id", "ep").ok(200, one("WebhookEndpoint")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such endpoint in this workspace.")),
        ("patch", "/webhook-endpoints/{id}", op("webhooks", "Update a webhook endpoint", &described("Changes only the fields sent; a field left out keeps its value, and a list or map sent replaces the stored one whole. `null` clears a nullable field: `event_types: null` subscribes to every event, `filter: null` removes every condition, `rate_limit: null` removes the limit and `headers: null` the custom headers. `enabled: false` disables the endpoint (`disabled_reason: manual`); `enabled: true` enables a disabled one and restarts its failure clock (`failing_since` is cleared). Enabling does not resend what failed meanwhile: see `POST /webhook-endpoints/{id}/recover`. Every invalid field is reported at once, and nothing changes.", WRITE), Auth::Any)
            .path_id("id", "ep").body("WebhookEndpointPatch").ok(200, one("WebhookEndpoint")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("delete", "/webhook-endpoints/{id}", op("webhooks", "Delete a webhook endpoint", &described("Deletes the endpoint with its messages and delivery log; deliveries still queued are dropped. Emits a `webhook_endpoint.deleted` event. Answers 204 without a body.", WRITE), Auth::Any)
            .path_id("id", "ep").no_content().fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("get", "/webhook-endpoints/{id}/secret", op("webhooks", "Get the signing secret of a webhook endpoint", &described("The endpoint with its current `whsec_…` secret, to verify deliveries with. Each reveal is recorded in the audit log (`webhook_endpoint.secret_viewed`).", WRITE), Auth::Any)
            .path_id("id", "ep").ok(200, one("WebhookEndpointWithSecret")).fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("post", "/webhook-endpoints/{id}/secret/rotate", op("webhooks", "Rotate the signing secret of a webhook endpoint", &described("Makes a new secret current and answers it. For `overlap_hours` (default 24, at most 168) every delivery is signed with both secrets, the new one first (`webhook-signature: v1,<new> v1,<old>`), so the receiver can switch to the new secret without refusing a delivery; the endpoint's `previous_secret_until` says when the old one stops. `overlap_hours: 0` drops the old secret at once. The body is optional.", WRITE), Auth::Any)
            .path_id("id", "ep").optional_body("WebhookSecretRotateIn").ok(200, one("WebhookEndpointWithSecret"))
            .fails(400, "`invalid_json`.").fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, "`validation_failed`: `overlap_hours` is not 0–168.")),
        ("post", "/webhook-endpoints/{id}/test", op("webhooks", "Send a test webhook message", &described("Sends the example `data` of an event type (from `GET /event-types`) to the endpoint once, signed like any delivery, whatever its `event_types` and `filter`. A test is tried once and never retried. Answers 202 with the new message (`event_id` null, status `pending`); follow it with `GET /webhook-messages/{id}`.", WRITE), Auth::Any)
            .path_id("id", "ep").body("WebhookTestIn").ok(202, one("WebhookMessage")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, DISABLED)
            .fails(422, &format!("{INVALID} `event_type` is not in the catalog."))),
        ("post", "/webhook-endpoints/{id}/recover", op("webhooks", "Recover failed webhook messages", &described("Resends every message of the endpoint that ended `failed` at or after `since` (at most 10,000), each with a fresh retry schedule, its own `webhook-id` and body: typically after fixing the receiver and enabling the endpoint again, since the messages of a disabled endpoint are logged as failed without being sent. Answers 202 with how many were queued.", WRITE), Auth::Any)
            .path_id("id", "ep").body("WebhookRecoverIn").ok(202, one("WebhookRecovered")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, DISABLED)
            .fails(422, &format!("{INVALID} `since` is not an RFC 3339 time."))),
        ("get", "/webhook-messages", paged(op("webhooks", "List webhook messages", &described("The delivery log: the workspace's messages (one per event and endpoint, and one per test send), newest first, with their status and last outcome. The attempts are in `GET /webhook-messages/{id}`.", READ), Auth::Any)
            .query("endpoint_id", "Only this endpoint's messages.", json!({ "type": "string", "example": "ep_01M82B2HPC5A7CBGX06DESGZ8Y" }))
            .query("status", "Only messages in this status: `pending` (not tried yet), `failing` (an attempt failed; another is scheduled), `delivered`, or `failed` (no attempt left, or not sent because the endpoint was disabled).", json!({ "type": "string", "enum": statuses }))
            .query("event_type", "Only messages of this event type (an exact name, e.g. `member.invited`).", json!({ "type": "string" }))
            .query("since", "Only messages created at or after this time (RFC 3339).", json!({ "type": "string", "format": "date-time" }))
            .query("until", "Only messages created before this time (RFC 3339).", json!({ "type": "string", "format": "date-time" }))
            .query("q", "A message id (`msg_…`), an event id (`evt_…`), or text found in the body (at most 200 characters are used).", json!({ "type": "string" })), "a message id")
            .ok(200, list_of("WebhookMessage")).fails(400, "`invalid_status`, `invalid_cursor` or `invalid_limit`.").fails(403, FORBIDDEN)
            .fails(404, "`not_found`: `endpoint_id` is not an endpoint id.").fails(422, "`validation_failed`: `since` or `until` is not an RFC 3339 time.")),
        ("get", "/webhook-messages/{id}", op("webhooks", "Get a webhook message", &described("The message with `attempts_log`: every attempt, oldest first, with the request as sent, the answer, the duration and the error.", READ), Auth::Any)
            .path_id("id", "msg").ok(200, one("WebhookMessage")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such message in this workspace.")),
        ("post", "/webhook-messages/{id}/resend", op("webhooks", "Resend a webhook message", &described("Queues the message again now, with a fresh retry schedule and the same `webhook-id` and body, whatever its status (a delivered message is sent again too). A `failed` message becomes `failing` until the new attempts end. No body. Answers 202 with the message.", WRITE), Auth::Any)
            .path_id("id", "msg").ok(202, one("WebhookMessage")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, DISABLED)),
        ("get", "/request-bins", paged(op("request-bins", "List request bins", &described("The workspace's request bins, newest first.", READ), Auth::Any), "a bin id")
            .ok(200, list_of("RequestBin")).fails(400, PAGE).fails(403, FORBIDDEN)),
        ("post", "/request-bins", op("request-bins", "Create a request bin", &described("A bin with a new, unguessable capture URL (`url`): every request sent to it, or to a path below it, is recorded (see `/bin/{token}`). Recorded in the audit log.", WRITE), Auth::Any)
            .body("RequestBinIn").ok(201, one("RequestBin")).fails(403, FORBIDDEN).fails(422, INVALID)),
        ("get", "/request-bins/{id}", op("request-bins", "Get a request bin", READ, Auth::Any)
            .path_id("id", "bin").ok(200, one("RequestBin")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such bin in this workspace.")),
        ("delete", "/request-bins/{id}", op("request-bins", "Delete a request bin", &described("Deletes the bin and everything it captured; its URL answers 404 from then on. Recorded in the audit log.", WRITE), Auth::Any)
            .path_id("id", "bin").ok(200, None).fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("get", "/request-bins/{id}/captures", paged(op("request-bins", "List captured requests", &described("The bin's captured requests, newest first.", READ), Auth::Any).path_id("id", "bin"), "a capture id")
            .ok(200, list_of("CapturedRequest")).fails(400, PAGE).fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("delete", "/request-bins/{id}/captures", op("request-bins", "Clear a request bin", &described("Deletes every request the bin captured; the bin and its URL stay.", WRITE), Auth::Any)
            .path_id("id", "bin").ok(200, one("RequestBinCleared")).fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("get", "/request-bins/{id}/captures/{capture_id}", op("request-bins", "Get a captured request", READ, Auth::Any)
            .path_id("id", "bin").path_id("capture_id", "cap").ok(200, one("CapturedRequest")).fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("get", "/request-bins/{id}/stream", op("request-bins", "Stream captured requests", &described("The bin's new captures, live, as Server-Sent Events (`text/event-stream`): each is `id:` (the capture's id), `event: capture` and `data:` (the `CapturedRequest` as one line of JSON). Works with the browser's `EventSource` or any client sending `Authorization: Bearer pgk_…`. Without a resume point only captures arriving from now on are sent; with `Last-Event-ID` (or `after`) every capture after that one comes first. The stream opens with a `: connected` comment and `retry: 2000`, sends a `: heartbeat` comment every `sse_heartbeat_seconds`, and ends when the bin is deleted or the server shuts down. Errors are answered before the stream starts, as JSON envelopes.", READ), Auth::Any)
            .path_id("id", "bin")
            .header("Last-Event-ID", "Resume after this capture (the `id` of the last one received). `EventSource` sends it itself when it reconnects.", json!({ "type": "string", "example": "cap_01M82B2HPC5A7CBGX06DESGZ8Y" }))
            .query("after", "The same as the `Last-Event-ID` header, for clients that cannot set headers; the header wins when both are sent.", json!({ "type": "string" }))
            .sse("The capture stream. It stays open; each message is `id:` (the capture's id), `event: capture` and `data:` (a `CapturedRequest` as JSON).", "Server-Sent Events; each `data:` line is a `CapturedRequest` (see components.schemas.CapturedRequest).",
                ": connected\nretry: 2000\n\nid: cap_01M82B2HPC5A7CBGX06DESGZ8Y\nevent: capture\ndata: {\"id\":\"cap_01M82B2HPC5A7CBGX06DESGZ8Y\",\"bin_id\":\"bin_01M82B2HPC5A7CBGX06DESGZ8Y\",\"method\":\"POST\",\"path\":\"\",\"query\":\"\",\"headers\":[[\"content-type\",\"application/json\"],[\"webhook-id\",\"msg_01M82B2HPC5A7CBGX06DESGZ8Y\"]],\"body_encoding\":\"utf8\",\"body\":\"{\\\"type\\\":\\\"member.joined\\\"}\",\"body_size\":24,\"truncated\":false,\"remote_addr\":\"203.0.113.7\",\"received_at\":\"2026-11-22T10:00:00Z\"}\n\n: heartbeat\n\n")
            .fails(400, "`invalid_last_event_id`: not a capture id.").fails(403, FORBIDDEN).fails(404, "`not_found`.")),
    ];
    for method in CAPTURE_METHODS {
        ops.push((method, "/bin/{token}", capture(method)));
    }
    ops
}

/// `ANY /bin/{token}`: public, at the site's root rather than under `/api/v1`.
fn capture(method: &str) -> Op {
    let mut capture = op("request-bins", "Capture a request", "Records the request: its method, the path after the token (requests to any path below `/bin/{token}/` are captured too), the raw query, every header in order and the body. Answers `{\"ok\": true, \"capture_id\": \"cap_…\"}` (plain JSON, not the envelope) and echoes nothing of the request. Any method is accepted; the common ones are listed. Public: no credentials and no CSRF check, the token in the bin's `url` is the credential. Playgram's own session cookie is recorded as `[redacted]`. Bodies over `request_bin_max_body_bytes` are kept cut (`truncated`); bodies over the server's `max_body_bytes` are refused. Served at the site's root, not under `/api/v1`.", Auth::Public)
        .fails(404, "`not_found`: no bin has this token (or it was deleted).")
        .fails(413, "`payload_too_large`: the body is larger than the server accepts; nothing was recorded.")
        .fails(429, "`rate_limited`: the bin had `request_bin_rate_per_minute` requests this minute; nothing was recorded. See `Retry-After`.");
    capture.value["servers"] = json!([{ "url": "/", "description": "The site's root: capture URLs are not under /api/v1." }]);
    capture.value["parameters"] = json!([{ "name": "token", "in": "path", "required": true, "description": "The token at the end of the bin's `url`.", "schema": { "type": "string", "pattern": "^[A-Za-z0-9_-]{32,64}$", "example": "Ol1yqYjFBNaSsF0NLzVSQpW2WPzd7IFJsDgKltGtfMM" } }]);
    capture.value["responses"]["200"] = json!({
        "description": "Recorded.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CaptureAck" } } },
    });
    capture.value["responses"]["429"]["headers"] = json!({ "Retry-After": { "description": "Seconds until the bin accepts requests again.", "schema": { "type": "integer", "minimum": 1 } } });
    if matches!(method, "post" | "put" | "patch") {
        capture.value["requestBody"] = json!({ "required": false, "description": "Anything: text is kept as text, other bytes as base64.", "content": { "*/*": { "schema": { "type": "string", "format": "binary" } } } });
    }
    capture
}
