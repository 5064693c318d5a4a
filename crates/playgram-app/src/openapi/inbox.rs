//! The inbox part of the document: the `channels` and `conversations` tags and their operations
//! (in the order of `inbox/routes.rs`), and Meta's webhook URLs at the site's root. Schemas are in
//! `inbox_schemas.rs`.

use serde_json::json;

use super::paths::{Auth, FORBIDDEN, INVALID, Op, list_of, one, op};

pub(super) const CHANNELS_TAG: &str = "Channels: where conversations come from. `whatsapp` (WhatsApp Cloud API: `phone_number_id`, `waba_id`), `instagram` (`account_id`) and `messenger` (`page_id`) take an `access_token` and the Meta app's `app_secret`; Meta delivers their webhooks to the channel's `webhook_url` and verifies it with the channel's `verify_token` (generated and answered once when you leave it out). `website` is the chat widget (`color`, `greeting`, `allowed_origins`); `api` takes messages by REST and delivers replies to `outbound_url`, signed with the `signing_secret` answered once at creation. Secret values are sealed at rest and never answered again: `secrets_set` names the ones that are set. Reading needs `inbox:read`; changing needs owner or admin (`channels:manage`).";

pub(super) const CONVERSATIONS_TAG: &str = "Conversations: one contact on one channel, created by the contact's first message and reopened by any message after it was resolved or snoozed. `last_inbound_at` is the customer's last message (free-form replies are allowed for 24 hours after it on WhatsApp). Messages are listed newest first; each has a `direction` (`in` from the customer, `out` to them), a `kind` (text, image, audio, video, document, sticker, location, contacts, interactive, button, postback, referral, comment, share, reaction, unsupported), the readable `text`, the kind's details in `content`, the provider's id (`provider_id`, unique per channel: a webhook Meta delivers twice adds its message once), a `status` (`received`; `queued`, `sent`, `delivered`, `read` or `failed` with `error_code` and `error`; `deleted` when the customer unsent it) and the customer's `reaction`. Reading needs `inbox:read`.";

const READ: &str = "Any member (scope `inbox:read`).";
const WRITE: &str = "Owner, admin, manager or agent (scope `inbox:write`).";
const MANAGE: &str = "Owner or admin (scope `channels:manage`).";

pub(super) fn operations() -> Vec<(&'static str, &'static str, Op)> {
    let mut ops = vec![
        ("get", "/channels", op("channels", "List channels", &format!("The workspace's channels, oldest first. {READ}"), Auth::Any)
            .ok(200, list_of("Channel")).fails(403, FORBIDDEN)),
        ("post", "/channels", op("channels", "Add a channel", &format!("Adds a channel of `kind`. The fields of other kinds are refused by name. The answer carries the secrets Playgram generated (`verify_token` for Meta channels unless given, `signing_secret` for the API channel), this once. Recorded in the audit log. {MANAGE}"), Auth::Any)
            .body("ChannelIn").ok(201, one("ChannelCreated")).fails(403, FORBIDDEN).fails(422, INVALID)),
        ("get", "/channels/{id}", op("channels", "Get a channel", READ, Auth::Any)
            .path_id("id", "ch").ok(200, one("Channel")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such channel in this workspace.")),
        ("patch", "/channels/{id}", op("channels", "Update a channel", &format!("Changes the fields sent; `kind` cannot change. A new `access_token` sets the status back to `connected`. Recorded in the audit log (the names of the secrets changed, never their values). {MANAGE}"), Auth::Any)
            .path_id("id", "ch").body("ChannelIn").ok(200, one("Channel")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("delete", "/channels/{id}", op("channels", "Delete a channel", &format!("Removes the channel with its conversations and messages; its webhook URL answers 404 from then on. Recorded in the audit log. {MANAGE}"), Auth::Any)
            .path_id("id", "ch").no_content().fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("post", "/channels/{id}/test", op("channels", "Test a channel's connection", &format!("Reads the number, account or page with the channel's access token (`GET /{{id}}?fields=…` on the Graph API). `ok: true` with `account` when it works (a channel marked `reconnect` is `connected` again); `ok: false` with Meta's `error` otherwise, and a refused token (190) marks the channel `reconnect`. No body. {MANAGE}"), Auth::Any)
            .path_id("id", "ch").ok(200, one("ChannelTest")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, "`not_testable`: website and API channels have no provider.")),
        ("post", "/channels/{id}/messages", op("channels", "Post a customer's message to an API channel", &format!("For integrations: a message a customer sent through your own software enters the inbox. `message_id` is your id for it: the same id again answers 200 with `created: false` and changes nothing; a new one answers 201. The customer becomes a contact by your id for them (`customer.id`), with `email` and `phone` added when no other contact has them. Replies in the conversation are delivered to the channel's `outbound_url`, signed per Standard Webhooks with its `signing_secret` (`webhook-id` is the reply's message id): 2xx marks the reply `sent`; 5xx, 408, 429 or no answer are retried with growing waits; another 4xx marks it `failed` with the endpoint's status and words. {WRITE}"), Auth::Any)
            .path_id("id", "ch").body("ApiChannelMessageIn").ok(201, one("ApiChannelMessage")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, "`not_api_channel`: only API channels take posted messages.").fails(422, INVALID)),
        ("get", "/channels/{id}/templates", op("channels", "List a channel's WhatsApp templates", &format!("The templates of the channel's WhatsApp Business Account as last read (hourly, `POST …/templates/sync`) or reported by Meta's status webhooks, with their status and, when rejected or paused, the reason. {READ}"), Auth::Any)
            .path_id("id", "ch").ok(200, list_of("WhatsappTemplate")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, "`not_whatsapp`.")),
        ("post", "/channels/{id}/templates", op("channels", "Submit a WhatsApp template", &format!("Submits a template for Meta's review (`POST /{{waba_id}}/message_templates`) and stores it as Meta answers (usually `PENDING`); its approval or rejection arrives by webhook. {MANAGE}"), Auth::Any)
            .path_id("id", "ch").body("WhatsappTemplateIn").ok(201, one("WhatsappTemplate")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, "`not_whatsapp`.").fails(422, &format!("{INVALID} `template_refused`: Meta refused it (its reason in the message)."))),
        ("post", "/channels/{id}/templates/sync", op("channels", "Sync a channel's WhatsApp templates", &format!("Reads the WABA's templates now (they are also read every hour). No body. {MANAGE}"), Auth::Any)
            .path_id("id", "ch").ok(200, Some(json!({ "type": "object", "properties": { "templates": { "type": "integer" } } }))).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(409, "`not_whatsapp`.").fails(502, "`provider_error`: Meta refused the request.")),
        ("get", "/conversations", op("conversations", "List conversations", &format!("The workspace's conversations, latest activity first. {READ}"), Auth::Any)
            .query("status", "Only this status.", json!({ "type": "string", "enum": crate::inbox::conversations::STATUSES }))
            .query("channel_id", "Only this channel's.", json!({ "type": "string" }))
            .query("contact_id", "Only this contact's.", json!({ "type": "string" }))
            .query("assignee", "`me` (a signed-in person's own), `none` (unassigned) or a user id.", json!({ "type": "string" }))
            .query("unread", "`true`: only those with customer messages the signed-in caller has not read (for an API key: that nobody has read).", json!({ "type": "boolean" }))
            .query("tag", "Only those with this tag (an id or a name).", json!({ "type": "string" }))
            .query("q", "Words in the contact's name, addresses or identities, or in a message (any case).", json!({ "type": "string" }))
            .query("cursor", "`meta.next_cursor` of the previous page.", json!({ "type": "string" }))
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200 }))
            .ok(200, list_of("Conversation")).fails(400, "`invalid_status`, `invalid_assignee`, `invalid_unread`, `invalid_cursor` or `invalid_limit`.").fails(403, FORBIDDEN)),
        ("get", "/conversations/{id}", op("conversations", "Get a conversation", READ, Auth::Any)
            .path_id("id", "cv").ok(200, one("Conversation")).fails(403, FORBIDDEN).fails(404, "`not_found`: no such conversation in this workspace.")),
        ("patch", "/conversations/{id}", op("conversations", "Update a conversation", &format!("Changes the status, priority, snooze or assignee. `snoozed_until` (RFC 3339, in the future) snoozes: the conversation reopens then, or at the customer's next message. `assignee_id: null` unassigns (with automatic assignment on, the conversation joins the queue). The assignee must be a member who may reply. Each change adds an activity line to the thread (`kind: activity`). Every invalid field is reported at once, and nothing changes. {WRITE}"), Auth::Any)
            .path_id("id", "cv").body("ConversationPatch").ok(200, one("Conversation")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("post", "/conversations/{id}/notes", op("conversations", "Add a note", &format!("An internal note (never sent to the customer): `direction: note`, `kind: note`. `@handle` mentions a member by their email's local part or their name without spaces; the mentioned are in `content.mentions`. {WRITE}"), Auth::Any)
            .path_id("id", "cv").body("NoteIn").ok(201, one("InboxMessage")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("post", "/conversations/{id}/tags", op("conversations", "Tag a conversation", &format!("Adds tags by name (the workspace's tags, shared with contacts; new names are created). {WRITE}"), Auth::Any)
            .path_id("id", "cv").body("TagsIn").ok(200, one("Conversation")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("delete", "/conversations/{id}/tags/{tag_id}", op("conversations", "Untag a conversation", &format!("Answers 204. {WRITE}"), Auth::Any)
            .path_id("id", "cv").path_id("tag_id", "tag").no_content().fails(403, FORBIDDEN).fails(404, "`not_found`: no such conversation, or it does not have the tag.")),
        ("post", "/conversations/{id}/read", op("conversations", "Mark a conversation read", &format!("Marks it read up to its latest message for the signed-in caller (their `unread_mine` becomes 0) and clears the shared `unread`. No body. {READ}"), Auth::Any)
            .path_id("id", "cv").ok(200, one("Conversation")).fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("post", "/conversations/{id}/messages", op("conversations", "Send a reply", &format!("Stores the reply as `queued` and answers 202; a background job sends it through the channel's provider (`sent` with its `provider_id`, then `delivered` and `read` by webhook), at most 80 a second per channel. Send exactly one of: `text`; `media` (by public https URL); `template` (WhatsApp: an approved template by name and language, with the body's variables in order; the stored `text` is the filled-in body); or `text` with `buttons`. The customer service window is checked first: on WhatsApp, more than 24 hours after the customer's last message only a template may be sent; on Instagram and Messenger, a reply with `human_agent: true` may be sent up to 7 days after it. When sending fails the message is `failed` with Meta's `error_code` and a reason a person can act on: 131047 (window closed), 131026 (the customer cannot receive it), 190 (the token was refused: the channel is marked `reconnect` and its owners and admins are emailed); throttling (130429, 131056) and server errors are retried. Website and API channel replies are stored as `sent`. {WRITE}"), Auth::Any)
            .path_id("id", "cv").body("OutboundIn").ok(202, one("InboxMessage")).fails(403, FORBIDDEN).fails(404, "`not_found`.")
            .fails(409, "`window_closed` (see above) or `channel_reconnect` (set a new access token first); nothing was stored.").fails(422, INVALID)),
        ("get", "/conversations/{id}/messages", op("conversations", "List a conversation's messages", &format!("Newest first. {READ}"), Auth::Any)
            .path_id("id", "cv")
            .query("cursor", "`meta.next_cursor` of the previous page.", json!({ "type": "string" }))
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200 }))
            .ok(200, list_of("InboxMessage")).fails(400, "`invalid_cursor` or `invalid_limit`.").fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("get", "/inbox/agents", op("conversations", "List inbox agents", &format!("The members who may reply, with their availability, capacity and how many open or pending conversations they have. {READ}"), Auth::Any)
            .ok(200, list_of("InboxAgent")).fails(403, FORBIDDEN)),
        ("patch", "/inbox/agents/{user_id}", op("conversations", "Update an inbox agent", "Sets a member's availability and capacity (1–1,000 open or pending conversations). A member may change their own (`inbox:write`); owners and admins anyone's (`channels:manage`). Turning available or raising the capacity hands out waiting conversations.", Auth::Any)
            .path_id("user_id", "usr").body("InboxAgentPatch").ok(200, one("InboxAgent")).fails(403, FORBIDDEN).fails(404, "`not_found`: not a member who may reply.").fails(422, INVALID)),
        ("get", "/inbox/settings", op("conversations", "Get the inbox settings", READ, Auth::Any)
            .ok(200, one("InboxSettings")).fails(403, FORBIDDEN)),
        ("patch", "/inbox/settings", op("conversations", "Update the inbox settings", &format!("`auto_assign`: hand new and waiting conversations to available members round-robin, each up to their capacity; the rest wait, oldest first. Recorded in the audit log. {MANAGE}"), Auth::Any)
            .body("InboxSettings").ok(200, one("InboxSettings")).fails(403, FORBIDDEN).fails(422, INVALID)),
        ("get", "/canned-replies", op("conversations", "List canned replies", &format!("The workspace's canned replies by shortcut. {READ}"), Auth::Any)
            .ok(200, list_of("CannedReply")).fails(403, FORBIDDEN)),
        ("post", "/canned-replies", op("conversations", "Add a canned reply", &format!("A saved answer agents insert with `/shortcut`. Variables are checked: an unknown name is refused. {WRITE}"), Auth::Any)
            .body("CannedReplyIn").ok(201, one("CannedReply")).fails(403, FORBIDDEN).fails(422, &format!("{INVALID} A shortcut already used is refused on `shortcut`."))),
        ("patch", "/canned-replies/{id}", op("conversations", "Update a canned reply", WRITE, Auth::Any)
            .path_id("id", "cr").body("CannedReplyIn").ok(200, one("CannedReply")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("delete", "/canned-replies/{id}", op("conversations", "Delete a canned reply", WRITE, Auth::Any)
            .path_id("id", "cr").no_content().fails(403, FORBIDDEN).fails(404, "`not_found`.")),
        ("post", "/canned-replies/{id}/render", op("conversations", "Fill a canned reply for a conversation", &format!("The text as the caller would send it in the conversation: the contact's name and fields, the caller's name (empty for an API key), fallbacks; `missing` names what had no value. {READ}"), Auth::Any)
            .path_id("id", "cr").body("CannedReplyRender").ok(200, one("CannedReplyRendered")).fails(403, FORBIDDEN).fails(404, "`not_found`.").fails(422, INVALID)),
        ("get", "/inbound-payloads", op("channels", "List flagged webhook payloads", &format!("The newest 100 webhook payloads that were kept but not fully understood (an unknown field or message type, a body that is not JSON), with a note saying what, and the body as it arrived. What was understood of them is in the conversations. {MANAGE}"), Auth::Any)
            .ok(200, list_of("FlaggedPayload")).fails(403, FORBIDDEN)),
    ];
    for kind in ["whatsapp", "instagram", "messenger"] {
        ops.push(("get", hook_path(kind), handshake(kind)));
        ops.push(("post", hook_path(kind), delivery(kind)));
    }
    ops
}

fn hook_path(kind: &str) -> &'static str {
    match kind {
        "whatsapp" => "/hooks/whatsapp/{channel_id}",
        "instagram" => "/hooks/instagram/{channel_id}",
        _ => "/hooks/messenger/{channel_id}",
    }
}

fn at_root(mut op: Op) -> Op {
    op.value["servers"] = json!([{ "url": "/", "description": "The site's root: Meta's webhook URLs are not under /api/v1." }]);
    op.value["parameters"] = json!([{ "name": "channel_id", "in": "path", "required": true, "description": "The channel's id (its `webhook_url` ends with it).", "schema": { "type": "string", "example": "ch_01M82B2HPC5A7CBGX06DESGZ8Y" } }]);
    op
}

fn handshake(kind: &str) -> Op {
    let mut op = at_root(op("channels", &format!("Verify the {kind} webhook URL"), "Meta's subscription handshake: with `hub.mode=subscribe` and the channel's `hub.verify_token`, answers `hub.challenge` as plain text. Public.", Auth::Public)
        .query("hub.mode", "`subscribe`.", json!({ "type": "string" }))
        .query("hub.verify_token", "The channel's verify token.", json!({ "type": "string" }))
        .query("hub.challenge", "Echoed back.", json!({ "type": "string" }))
        .fails(403, "`verification_failed`: the mode is not `subscribe` or the token is not the channel's.")
        .fails(404, "`not_found`: no such channel of this kind."));
    op.value["responses"]["200"] = json!({ "description": "The challenge.", "content": { "text/plain": { "schema": { "type": "string" } } } });
    op
}

fn delivery(kind: &str) -> Op {
    let mut op = at_root(op("channels", &format!("Receive a {kind} webhook"), "Meta's event delivery. `X-Hub-Signature-256` must be `sha256=` and the hex HMAC-SHA256 of the body's exact bytes with the channel's `app_secret`. The body is committed before the 200 (concurrent deliveries share one commit), then parsed by a background job into contacts, conversations and messages; a duplicate (same provider message id) is stored once; a shape Playgram does not know is kept and flagged (`GET /inbound-payloads`). Public.", Auth::Public)
        .fails(401, "`invalid_signature`: the signature is missing or wrong; nothing was stored.")
        .fails(404, "`not_found`: no such channel of this kind.")
        .fails(503, "`not_stored`: the body could not be stored; Meta delivers it again."));
    op.value["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "type": "object" } } } });
    op.value["responses"]["200"] = json!({ "description": "Stored; no body." });
    op
}
