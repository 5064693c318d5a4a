//! The website chat's public URLs in the document (tag `website chat`), at the site's root: what
//! `/widget.js` calls, for sites that want their own chat interface instead of the widget.

use serde_json::{Value, json};

use super::paths::{Auth, INVALID, Op, op};

pub(super) const TAG: &str = "Website chat: the URLs `/widget.js` calls, usable by any page of the channel's `allowed_origins` (all sites when it has none; CORS names the calling origin). A visitor is their token `v_….<signature>`, answered by the first message, upload or offline form and sent back as `X-Playgram-Visitor` (or `?token=`, or the `pg_chat` cookie set with it); a token that does not verify is 401 `invalid_visitor`. Limits: per visitor 20 messages and 5 uploads a minute, per address 30 new visitors and 5 offline forms (429 with `Retry-After`).";

fn root(mut op: Op, with_channel: bool) -> Op {
    op.value["servers"] = json!([{ "url": "/", "description": "The site's root: the chat URLs are not under /api/v1." }]);
    if with_channel {
        op.value["parameters"] = json!([
            { "name": "channel_id", "in": "path", "required": true, "description": "The website channel's id.", "schema": { "type": "string", "example": "ch_01M82B2HPC5A7CBGX06DESGZ8Y" } },
            { "name": "X-Playgram-Visitor", "in": "header", "required": false, "description": "The visitor's token.", "schema": { "type": "string" } },
            { "name": "token", "in": "query", "required": false, "description": "The visitor's token, for clients that cannot set headers (EventSource, links).", "schema": { "type": "string" } },
        ]);
    }
    op.fails(
        403,
        "`origin_not_allowed`: the page's origin is not among the channel's allowed_origins.",
    )
    .fails(404, "`not_found`: no such website channel.")
}

fn data(status: u16, description: &str, properties: Value) -> impl FnOnce(Op) -> Op {
    let description = description.to_owned();
    move |mut op: Op| {
        op.value["responses"][status.to_string()] = json!({ "description": description,
            "content": { "application/json": { "schema": { "allOf": [{ "$ref": "#/components/schemas/Envelope" },
                { "properties": { "data": { "type": "object", "properties": properties } } }] } } } });
        op
    }
}

fn sent() -> impl FnOnce(Op) -> Op {
    data(
        201,
        "Stored (a client_id already stored answers the same message).",
        json!({
            "token": { "type": "string", "description": "The visitor's token: send it with later requests." },
            "message_id": { "type": "string" },
        }),
    )
}

pub(super) fn operations() -> Vec<(&'static str, &'static str, Op)> {
    let chat =
        |summary: &str, description: &str| op("website chat", summary, description, Auth::Public);
    let mut widget = chat(
        "Get the chat widget",
        "The embeddable script: `<script src=\"…/widget.js\" data-channel=\"ch_…\" async>`. Hand-written, no dependencies, drawn in a shadow root. Cached for an hour.",
    );
    widget.value["servers"] = json!([{ "url": "/" }]);
    widget.value["responses"]["200"] = json!({ "description": "JavaScript.", "content": { "text/javascript": { "schema": { "type": "string" } } } });
    let mut stream = root(chat("Follow a visitor's thread", "Server-sent events: `event: message` with `{\"id\": \"msg_…\"}` whenever the visitor's thread gains a message (theirs from another tab, or a reply); then read `…/messages?after=`. Needs the visitor's token."), true)
        .fails(400, "`no_visitor`: no token; write first.")
        .fails(401, "`invalid_visitor`.");
    stream.value["responses"]["200"] = json!({ "description": "An event stream.", "content": { "text/event-stream": { "schema": { "type": "string" } } } });
    let mut file = root(
        chat(
            "Get a file of the visitor's thread",
            "The file's bytes, for the visitor whose thread it is in (others: 404).",
        ),
        true,
    )
    .fails(401, "`invalid_visitor`.");
    if let Some(params) = file.value["parameters"].as_array_mut() {
        params.push(json!({ "name": "file_id", "in": "path", "required": true, "schema": { "type": "string" } }));
    }
    file.value["responses"]["200"] = json!({ "description": "The file.", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } });
    let mut upload = sent()(root(chat("Send a file from the chat", "The body is the file's bytes (at most 10 MB); `name` and `client_id` go in the query. Images (PNG, JPEG, GIF, WebP), PDF, Word, Excel and text files, recognised by their bytes."), true))
        .fails(413, "`file_too_large`.")
        .fails(415, "`file_type_refused`.")
        .fails(429, "`rate_limited`.");
    upload.value["requestBody"] = json!({ "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } });
    vec![
        ("get", "/widget.js", widget),
        ("get", "/chat/{channel_id}/config", data(200, "The chat's look and whether someone is available.", json!({
            "name": { "type": "string" }, "color": { "type": "string" }, "greeting": { "type": "string" },
            "online": { "type": "boolean", "description": "A member is marked available; otherwise show the offline form." },
        }))(root(chat("Get the chat's settings", "Name, colour, greeting and `online`."), true))),
        ("get", "/chat/{channel_id}/messages", data(200, "The visitor's thread (never internal notes), oldest first.", json!({
            "messages": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "from": { "enum": ["visitor", "agent"] }, "kind": { "type": "string" },
                "text": { "type": "string" }, "author": { "type": ["string", "null"], "description": "The agent's first name." },
                "file": { "type": ["object", "null"], "description": "`url`, `name`, `size`, `content_type` of an attached file." },
                "sent_at": { "type": "integer", "description": "Milliseconds since 1970." } } } },
        }))(root(chat("Read the visitor's thread", "Empty without a token. `after=msg_…` gives only what came after that message."), true)
            .query("after", "Only messages after this one.", json!({ "type": "string" })))
            .fails(401, "`invalid_visitor`.")),
        ("post", "/chat/{channel_id}/messages", sent()(root(chat("Send a message from the chat", "`{client_id, text}`: `client_id` is the page's id for this message, so a retry is stored once. Without a token, a new visitor is made (and answered)."), true))
            .body("ChatMessageIn").fails(401, "`invalid_visitor`.").fails(422, INVALID).fails(429, "`rate_limited`.")),
        ("post", "/chat/{channel_id}/uploads", upload),
        ("get", "/chat/{channel_id}/files/{file_id}", file),
        ("post", "/chat/{channel_id}/offline", sent()(root(chat("Leave a message while nobody is available", "`{client_id, name, email, text}`: lands in the inbox like any message; the email is saved on the contact when no other contact has it."), true))
            .body("ChatOfflineIn").fails(422, INVALID).fails(429, "`rate_limited`.")),
        ("get", "/chat/{channel_id}/stream", stream),
    ]
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "ChatMessageIn",
            json!({ "type": "object", "additionalProperties": false, "required": ["client_id", "text"], "properties": {
            "client_id": { "type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$" },
            "text": { "type": "string", "maxLength": 4096 } } }),
        ),
        (
            "ChatOfflineIn",
            json!({ "type": "object", "additionalProperties": false, "required": ["client_id", "name", "email", "text"], "properties": {
            "client_id": { "type": "string", "maxLength": 64 }, "name": { "type": "string", "maxLength": 120 },
            "email": { "type": "string", "format": "email" }, "text": { "type": "string", "maxLength": 4096 } } }),
        ),
    ]
}
