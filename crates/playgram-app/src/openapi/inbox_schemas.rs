//! Component schemas of channels, conversations, messages and flagged payloads (`inbox/`).

use serde_json::{Value, json};

use super::schemas::{closed, id, nullable, object, time};

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn channel_properties() -> Value {
    json!({
        "id": id("ch"),
        "kind": { "type": "string", "enum": ["whatsapp", "instagram", "messenger", "website", "api"] },
        "name": { "type": "string" },
        "status": string("`connected`, or `reconnect` when the provider refused the access token (set a new one)."),
        "status_reason": nullable(json!({ "type": "string" })),
        "webhook_url": nullable(string("Meta channels: the callback URL to give Meta.")),
        "phone_number_id": string("WhatsApp."),
        "waba_id": string("WhatsApp."),
        "account_id": string("Instagram."),
        "page_id": string("Messenger."),
        "color": string("Website chat: `#rrggbb`."),
        "greeting": string("Website chat."),
        "allowed_origins": { "type": "array", "items": { "type": "string" }, "description": "Website chat: sites allowed to embed the widget (empty: any)." },
        "outbound_url": string("API channel: where replies are delivered."),
        "secrets_set": { "type": "array", "items": { "type": "string", "enum": ["access_token", "app_secret", "verify_token", "signing_secret"] } },
        "created_at": time(),
        "updated_at": time(),
    })
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let required = [
        "id",
        "kind",
        "name",
        "status",
        "secrets_set",
        "created_at",
        "updated_at",
    ];
    let mut created = channel_properties();
    created["verify_token"] = string(
        "Meta channels, when generated: paste it into Meta's webhook settings. Shown this once.",
    );
    created["signing_secret"] = string(
        "API channel: `whsec_…`, verifies the replies delivered to `outbound_url`. Shown this once.",
    );
    vec![
        ("Channel", object(&required, channel_properties())),
        ("ChannelCreated", object(&required, created)),
        (
            "ChannelIn",
            closed(
                &[],
                json!({
                    "kind": { "type": "string", "enum": ["whatsapp", "instagram", "messenger", "website", "api"], "description": "Required on creation; cannot change." },
                    "name": string("Up to 80 characters (default: the kind's name)."),
                    "phone_number_id": string("WhatsApp (required): digits."),
                    "waba_id": string("WhatsApp (required): the WhatsApp Business Account id."),
                    "account_id": string("Instagram (required): digits."),
                    "page_id": string("Messenger (required): digits."),
                    "access_token": string("Meta channels (required on creation)."),
                    "app_secret": string("Meta channels (required on creation): verifies webhook signatures."),
                    "verify_token": string("Meta channels: generated when left out."),
                    "color": string("Website chat: `#rrggbb` (default `#5443c9`)."),
                    "greeting": string("Website chat: up to 300 characters."),
                    "allowed_origins": { "type": "array", "items": { "type": "string" }, "description": "Website chat: `https://…` addresses; only their origin is kept." },
                    "outbound_url": string("API channel: an http(s) URL, or empty to stop delivering."),
                }),
            ),
        ),
        (
            "Conversation",
            object(
                &[
                    "id",
                    "channel_id",
                    "contact_id",
                    "status",
                    "priority",
                    "last_message_at",
                    "preview",
                    "unread",
                    "created_at",
                    "updated_at",
                ],
                json!({
                    "id": id("cv"),
                    "channel_id": id("ch"),
                    "contact_id": id("ct"),
                    "customer_ref": { "type": "string", "description": "The channel's id for the customer (wa_id, IGSID, PSID, visitor id): where replies go." },
                    "status": { "type": "string", "enum": crate::inbox::conversations::STATUSES },
                    "priority": { "type": "string", "enum": ["none", "low", "medium", "high", "urgent"] },
                    "assignee_id": nullable(id("usr")),
                    "snoozed_until": nullable(time()),
                    "last_inbound_at": nullable(time()),
                    "last_message_at": time(),
                    "preview": string("The latest message, cut to 140 characters, or what it is (`Photo`, `Location`…)."),
                    "unread": { "type": "integer", "description": "Customer messages since anyone last read it." },
                "reply_window_closes_at": nullable(json!({ "type": "string", "format": "date-time", "description": "24 hours after the customer's last message: free-form replies stop then." })),
                "unread_mine": nullable(json!({ "type": "integer", "description": "Customer messages the signed-in caller has not read (null for an API key)." })),
                "tags": { "type": "array", "items": object(&["id", "name", "color"], json!({ "id": id("tag"), "name": { "type": "string" }, "color": { "type": "string" } })) },
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        (
            "InboxMessage",
            object(
                &[
                    "id",
                    "conversation_id",
                    "channel_id",
                    "direction",
                    "kind",
                    "text",
                    "content",
                    "status",
                    "sent_at",
                    "created_at",
                    "updated_at",
                ],
                json!({
                    "id": id("msg"),
                    "conversation_id": id("cv"),
                    "channel_id": id("ch"),
                    "direction": { "type": "string", "enum": ["in", "out", "note"] },
                    "kind": { "type": "string" },
                    "text": { "type": "string" },
                    "content": { "type": "object", "description": "By kind: `media` (id, mime_type, sha256, filename, voice, url), `location`, `contacts`, `reply` (type, id, title, payload), `attachments`, `comment`, `referral`, `errors`, `forwarded`; `original` for a type Playgram does not know." },
                    "provider_id": nullable(json!({ "type": "string" })),
                    "reply_to": nullable(string("The provider id of the message this one answers or reacts to.")),
                    "status": { "type": "string", "enum": ["received", "queued", "sent", "delivered", "read", "failed", "deleted"] },
                    "error_code": nullable(json!({ "type": "string" })),
                    "error": nullable(json!({ "type": "string" })),
                    "reaction": nullable(string("The customer's reaction (an emoji).")),
                    "sent_at": time(),
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        (
            "ConversationPatch",
            closed(
                &[],
                json!({
                    "status": { "type": "string", "enum": crate::inbox::conversations::STATUSES },
                    "priority": { "type": "string", "enum": crate::inbox::conversations::manage::PRIORITIES },
                    "snoozed_until": { "type": "string", "format": "date-time", "description": "In the future; snoozes." },
                    "assignee_id": nullable(id("usr")),
                }),
            ),
        ),
        (
            "NoteIn",
            closed(
                &["text"],
                json!({ "text": string("1 to 10,000 characters; `@handle` mentions a member.") }),
            ),
        ),
        (
            "TagsIn",
            closed(
                &["tags"],
                json!({ "tags": { "type": "array", "items": { "type": "string" }, "minItems": 1, "maxItems": 20 } }),
            ),
        ),
        (
            "InboxAgent",
            object(
                &[
                    "user_id",
                    "name",
                    "email",
                    "role",
                    "available",
                    "capacity",
                    "open",
                ],
                json!({
                    "user_id": id("usr"),
                    "name": { "type": "string" },
                    "email": { "type": "string" },
                    "role": { "type": "string" },
                    "available": { "type": "boolean" },
                    "capacity": { "type": "integer" },
                    "open": { "type": "integer", "description": "Open and pending conversations assigned now." },
                }),
            ),
        ),
        (
            "InboxAgentPatch",
            closed(
                &[],
                json!({ "available": { "type": "boolean" }, "capacity": { "type": "integer", "minimum": 1, "maximum": 1000 } }),
            ),
        ),
        (
            "InboxSettings",
            closed(
                &["auto_assign"],
                json!({ "auto_assign": { "type": "boolean" } }),
            ),
        ),
        (
            "ChannelTest",
            object(
                &["ok", "channel"],
                json!({
                    "ok": { "type": "boolean" },
                    "account": nullable(json!({ "type": "object", "description": "What Meta answered for the number, account or page." })),
                    "error": nullable(json!({ "type": "string" })),
                    "channel": { "$ref": "#/components/schemas/Channel" },
                }),
            ),
        ),
        (
            "OutboundIn",
            closed(
                &[],
                json!({
                    "text": string("Up to 4,096 characters."),
                    "media": closed(&["type", "url"], json!({
                        "type": { "type": "string", "enum": ["image", "video", "audio", "document"] },
                        "url": string("A public https URL the provider fetches."),
                        "caption": { "type": "string" },
                        "filename": { "type": "string" },
                    })),
                    "template": closed(&["name", "language"], json!({
                        "name": { "type": "string" },
                        "language": string("e.g. en_US"),
                        "variables": { "type": "array", "items": { "type": "string" }, "description": "The body's {{1}}, {{2}}, … in order." },
                    })),
                    "buttons": { "type": "array", "items": closed(&["id", "title"], json!({ "id": { "type": "string" }, "title": { "type": "string", "maxLength": 20 } })), "description": "Up to 3 (WhatsApp) or 13 (Instagram, Messenger); needs `text`." },
                    "reply_to": string("A message id (`msg_…`) of this conversation to answer."),
                    "human_agent": { "type": "boolean", "description": "Instagram and Messenger: the HUMAN_AGENT tag (up to 7 days after the customer's last message)." },
                }),
            ),
        ),
        (
            "WhatsappTemplate",
            object(
                &[
                    "external_id",
                    "name",
                    "language",
                    "category",
                    "status",
                    "components",
                    "updated_at",
                ],
                json!({
                    "external_id": string("Meta's template id."),
                    "name": { "type": "string" },
                    "language": { "type": "string" },
                    "category": { "type": "string" },
                    "status": string("APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …"),
                    "reason": nullable(json!({ "type": "string" })),
                    "components": { "type": "array", "items": { "type": "object" } },
                    "updated_at": time(),
                }),
            ),
        ),
        (
            "WhatsappTemplateIn",
            closed(
                &["name", "language", "category", "components"],
                json!({
                    "name": string("Lower-case letters, digits and underscores."),
                    "language": string("e.g. en_US"),
                    "category": { "type": "string", "enum": ["MARKETING", "UTILITY", "AUTHENTICATION"] },
                    "components": { "type": "array", "items": { "type": "object" }, "description": "Meta's components; a BODY is required." },
                }),
            ),
        ),
        (
            "FlaggedPayload",
            object(
                &["id", "channel_id", "received_at", "note", "body"],
                json!({
                    "id": { "type": "integer" },
                    "channel_id": id("ch"),
                    "received_at": time(),
                    "note": string("What was not understood."),
                    "body": string("The body as it arrived (bytes that are not UTF-8 are replaced)."),
                }),
            ),
        ),
        (
            "CannedReply",
            object(
                &["id", "shortcut", "body", "created_at", "updated_at"],
                json!({
                    "id": id("cr"),
                    "shortcut": string("Typed after `/` in the composer: lower-case letters, digits, - and _."),
                    "body": string("The text, with variables: {first_name}, {last_name}, {name}, {agent_name}, {agent_first_name}, {workspace_name} or a contact field's key; `{first_name|there}` falls back to \"there\"."),
                    "created_by": nullable(id("usr")),
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        (
            "CannedReplyIn",
            closed(
                &[],
                json!({
                    "shortcut": { "type": "string", "maxLength": 40, "description": "A leading / is dropped; stored lower-case." },
                    "body": { "type": "string", "maxLength": 4096 },
                }),
            ),
        ),
        (
            "CannedReplyRender",
            closed(&["conversation_id"], json!({ "conversation_id": id("cv") })),
        ),
        (
            "CannedReplyRendered",
            object(
                &["text", "missing"],
                json!({
                    "text": string("The reply filled for the conversation and the caller."),
                    "missing": { "type": "array", "items": { "type": "string" }, "description": "Variables with no value here and no fallback (left empty)." },
                }),
            ),
        ),
        (
            "ApiChannelMessageIn",
            closed(
                &["message_id", "customer", "text"],
                json!({
                    "message_id": { "type": "string", "maxLength": 128, "description": "Your id for the message: posting it again stores nothing new." },
                    "customer": { "type": "object", "required": ["id"], "additionalProperties": false, "properties": {
                        "id": { "type": "string", "maxLength": 128, "description": "Your id for the customer." },
                        "name": { "type": "string" },
                        "email": { "type": "string", "format": "email" },
                        "phone": { "type": "string", "description": "E.164 preferred." } } },
                    "text": { "type": "string", "maxLength": 4096 },
                    "metadata": { "description": "Anything to keep with the message (in its `content.metadata`)." },
                    "sent_at": { "type": "string", "format": "date-time", "description": "When the customer sent it; now when left out." },
                }),
            ),
        ),
        (
            "ApiChannelMessage",
            object(
                &["id", "conversation_id", "contact_id", "created"],
                json!({
                    "id": id("msg"),
                    "conversation_id": id("cv"),
                    "contact_id": id("ct"),
                    "created": { "type": "boolean", "description": "False when this message_id was already stored." },
                }),
            ),
        ),
    ]
}
