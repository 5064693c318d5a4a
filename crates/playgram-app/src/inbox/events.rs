//! The inbox's events in the catalog. They reach webhook endpoints (`message.*`,
//! `conversation.*`) and the live dashboard over the workspace's event stream.
//!
//! - `message.received`: a customer's message was stored (once, however often Meta delivered it).
//! - `message.created`: anything else appeared in a thread: a reply queued by an agent or the API,
//!   an echo of a message sent from another app, an internal note, an activity line ("Assigned to
//!   Ana"). Every change of a conversation writes such a line, so a thread can follow one stream.
//! - `message.status_changed`: one of our messages moved to sent, delivered, read or failed.
//! - `conversation.created` and `conversation.updated` (status, priority, assignee, tags).
//!
//! They are written in the transaction that makes the change, by the store functions everyone
//! uses ([`super::conversations::store::insert_messages`] and friends), so none can be forgotten.

use std::collections::BTreeMap;

use playgram_core::Tx;
use playgram_core::ids::{ChannelId, ContactId, ConversationId, InboxMessageId, WorkspaceId};
use playgram_core::time::Millis;
use serde::Serialize;
use serde_json::{Value, json};

use super::conversations::store::NewMessage;
use crate::events::catalog::{EventData, emit, emit_many, object};

/// A message as events carry it: what a list or a notification needs, without the provider's
/// content (read the message for that).
#[derive(Clone, Debug, Serialize)]
pub struct MessageInfo {
    pub id: String,
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    /// `in` (the customer), `out` (to the customer) or `note` (internal: notes and activity).
    pub direction: &'static str,
    pub kind: String,
    pub text: String,
    pub status: &'static str,
    pub author_id: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub sent_at: Millis,
}

impl MessageInfo {
    fn of(m: &NewMessage) -> MessageInfo {
        MessageInfo {
            id: m.id.clone(),
            conversation_id: m.conversation_id.clone(),
            channel_id: m.channel_id.clone(),
            direction: m.direction,
            kind: m.kind.clone(),
            text: m.text.chars().take(1000).collect(),
            status: m.status,
            author_id: m.author_id.clone(),
            sent_at: m.sent_at,
        }
    }

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["id", "conversation_id", "channel_id", "direction", "kind", "text", "status", "sent_at"],
            "properties": {
                "id": { "type": "string" },
                "conversation_id": { "type": "string" },
                "channel_id": { "type": "string" },
                "direction": { "enum": ["in", "out", "note"] },
                "kind": { "type": "string", "description": "text, image, video, audio, document, sticker, location, contacts, interactive, button, reaction, template, note, activity, unsupported…" },
                "text": { "type": "string", "description": "The text, cut at 1,000 characters." },
                "status": { "enum": ["received", "queued", "sent", "delivered", "read", "failed", "deleted"] },
                "author_id": { "type": ["string", "null"] },
                "sent_at": { "type": "string", "format": "date-time" },
            }
        })
    }

    fn example(direction: &'static str) -> MessageInfo {
        MessageInfo {
            id: "msg_01JD0000000000000000000000".into(),
            conversation_id: ConversationId::parse("cv_01JD0000000000000000000000")
                .unwrap_or_default(),
            channel_id: ChannelId::parse("ch_01JD0000000000000000000000").unwrap_or_default(),
            direction,
            kind: "text".into(),
            text: "Do you ship to Lyon?".into(),
            status: if direction == "in" {
                "received"
            } else {
                "queued"
            },
            author_id: None,
            sent_at: 1_795_000_000_000,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageReceived {
    pub message: MessageInfo,
}

impl EventData for MessageReceived {
    const TYPE: &'static str = "message.received";
    const DESCRIPTION: &'static str = "A customer's message was stored in a conversation (once, however often the channel delivered it).";
    fn schema() -> Value {
        object(&["message"], json!({ "message": MessageInfo::schema() }))
    }
    fn example() -> Self {
        MessageReceived {
            message: MessageInfo::example("in"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageCreated {
    pub message: MessageInfo,
}

impl EventData for MessageCreated {
    const TYPE: &'static str = "message.created";
    const DESCRIPTION: &'static str = "A reply was queued, a message sent from another app was echoed, or a note or activity line was added to a conversation.";
    fn schema() -> Value {
        object(&["message"], json!({ "message": MessageInfo::schema() }))
    }
    fn example() -> Self {
        MessageCreated {
            message: MessageInfo::example("out"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageStatusChanged {
    pub message_id: InboxMessageId,
    pub conversation_id: ConversationId,
    pub status: String,
    pub error_code: Option<String>,
    pub error: Option<String>,
}

impl EventData for MessageStatusChanged {
    const TYPE: &'static str = "message.status_changed";
    const DESCRIPTION: &'static str =
        "One of our messages was sent, delivered, read, or failed (with the reason).";
    fn schema() -> Value {
        object(
            &["message_id", "conversation_id", "status"],
            json!({
                "message_id": { "type": "string" },
                "conversation_id": { "type": "string" },
                "status": { "enum": ["sent", "delivered", "read", "failed"] },
                "error_code": { "type": ["string", "null"], "description": "The provider's code, e.g. 131047." },
                "error": { "type": ["string", "null"], "description": "Why it failed, in plain words." },
            }),
        )
    }
    fn example() -> Self {
        MessageStatusChanged {
            message_id: InboxMessageId::parse("msg_01JD0000000000000000000000").unwrap_or_default(),
            conversation_id: ConversationId::parse("cv_01JD0000000000000000000000")
                .unwrap_or_default(),
            status: "delivered".into(),
            error_code: None,
            error: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ConversationCreated {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub contact_id: ContactId,
}

impl EventData for ConversationCreated {
    const TYPE: &'static str = "conversation.created";
    const DESCRIPTION: &'static str = "A contact wrote on a channel for the first time.";
    fn schema() -> Value {
        object(
            &["conversation_id", "channel_id", "contact_id"],
            json!({
                "conversation_id": { "type": "string" },
                "channel_id": { "type": "string" },
                "contact_id": { "type": "string" },
            }),
        )
    }
    fn example() -> Self {
        ConversationCreated {
            conversation_id: ConversationId::parse("cv_01JD0000000000000000000000")
                .unwrap_or_default(),
            channel_id: ChannelId::parse("ch_01JD0000000000000000000000").unwrap_or_default(),
            contact_id: ContactId::parse("ct_01JD0000000000000000000000").unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ConversationUpdated {
    pub conversation_id: ConversationId,
    /// The new values of what changed: `status`, `priority`, `assignee_id`, `tags`.
    pub changes: BTreeMap<&'static str, Value>,
}

impl EventData for ConversationUpdated {
    const TYPE: &'static str = "conversation.updated";
    const DESCRIPTION: &'static str = "A conversation's status, priority, assignee or tags changed (by a person, the API, automatic assignment, a snooze ending or the customer writing again).";
    fn schema() -> Value {
        object(
            &["conversation_id", "changes"],
            json!({
                "conversation_id": { "type": "string" },
                "changes": { "type": "object", "description": "New values by name.", "properties": {
                    "status": { "enum": ["open", "pending", "snoozed", "resolved"] },
                    "priority": { "enum": ["none", "low", "medium", "high", "urgent"] },
                    "assignee_id": { "type": ["string", "null"] },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "Tag names now on the conversation." },
                } },
            }),
        )
    }
    fn example() -> Self {
        ConversationUpdated {
            conversation_id: ConversationId::parse("cv_01JD0000000000000000000000")
                .unwrap_or_default(),
            changes: BTreeMap::from([("status", json!("resolved"))]),
        }
    }
}

/// Writes `message.received` / `message.created` for stored messages (of any workspaces).
pub async fn messages_stored(tx: &mut Tx, messages: &[NewMessage]) -> sqlx::Result<()> {
    let mut received: BTreeMap<&WorkspaceId, Vec<MessageReceived>> = BTreeMap::new();
    let mut created: BTreeMap<&WorkspaceId, Vec<MessageCreated>> = BTreeMap::new();
    for m in messages {
        let message = MessageInfo::of(m);
        if m.direction == "in" {
            received
                .entry(&m.workspace_id)
                .or_default()
                .push(MessageReceived { message });
        } else {
            created
                .entry(&m.workspace_id)
                .or_default()
                .push(MessageCreated { message });
        }
    }
    for (ws, data) in received {
        emit_many(tx, ws, &data).await?;
    }
    for (ws, data) in created {
        emit_many(tx, ws, &data).await?;
    }
    Ok(())
}

pub async fn status_changed(
    tx: &mut Tx,
    ws: &WorkspaceId,
    data: &MessageStatusChanged,
) -> sqlx::Result<()> {
    emit(tx, ws, data).await.map(drop)
}

pub async fn conversation_created(
    tx: &mut Tx,
    ws: &WorkspaceId,
    data: &ConversationCreated,
) -> sqlx::Result<()> {
    emit(tx, ws, data).await.map(drop)
}

pub async fn conversation_updated(
    tx: &mut Tx,
    ws: &WorkspaceId,
    conversation_id: &ConversationId,
    changes: BTreeMap<&'static str, Value>,
) -> sqlx::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let data = ConversationUpdated {
        conversation_id: conversation_id.clone(),
        changes,
    };
    emit(tx, ws, &data).await.map(drop)
}
