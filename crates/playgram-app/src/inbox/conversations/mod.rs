//! Conversations: one contact on one channel, with its messages. A conversation is created by the
//! contact's first message on the channel and reopened by each message after it was resolved or
//! snoozed, so a customer always finds their thread and an agent always sees the history.

pub mod actions;
pub mod api;
pub mod manage;
pub mod store;

use playgram_core::ids::{ChannelId, ContactId, ConversationId, InboxMessageId, UserId};
use playgram_core::time::Millis;
use serde::Serialize;

pub const STATUSES: [&str; 4] = ["open", "pending", "snoozed", "resolved"];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: ConversationId,
    #[serde(skip)]
    pub workspace_id: playgram_core::ids::WorkspaceId,
    pub channel_id: ChannelId,
    pub contact_id: ContactId,
    /// The channel's id for the customer (`wa_id`, IGSID, PSID, visitor id).
    pub customer_ref: String,
    pub status: String,
    pub priority: String,
    pub assignee_id: Option<UserId>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub snoozed_until: Option<Millis>,
    /// The customer's last message: free-form replies are allowed for 24 hours after it.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub last_inbound_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub last_message_at: Millis,
    pub preview: String,
    pub unread: i64,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MessageRow {
    #[serde(skip)]
    pub num: i64,
    pub id: InboxMessageId,
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub direction: String,
    pub kind: String,
    pub text: String,
    #[serde(serialize_with = "raw_json")]
    pub content: String,
    pub provider_id: Option<String>,
    pub reply_to: Option<String>,
    pub status: String,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub reaction: Option<String>,
    /// The person who wrote it (replies and notes).
    pub author_id: Option<UserId>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub sent_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

/// Stored JSON text written as JSON (not as a string).
fn raw_json<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    value.serialize(s)
}

/// What the conversation list shows for a message: its text, or what kind of thing it is.
pub fn preview_of(kind: &str, text: &str) -> String {
    let text = text.trim();
    let label = match kind {
        "image" => "Photo",
        "video" => "Video",
        "audio" => "Audio",
        "document" => "Document",
        "sticker" => "Sticker",
        "location" => "Location",
        "contacts" => "Contact card",
        "share" => "Shared post",
        "reaction" => "Reaction",
        "unsupported" => "Unsupported message",
        _ => "",
    };
    let full = match (label, text.is_empty()) {
        ("", _) => text.to_owned(),
        (label, true) => label.to_owned(),
        (label, false) if kind == "unsupported" => label.to_owned(),
        (label, false) => format!("{label}: {text}"),
    };
    let cut: String = full.chars().take(140).collect();
    if cut.len() < full.len() {
        format!("{}…", cut.trim_end())
    } else {
        cut
    }
}
