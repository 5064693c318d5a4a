//! What a Meta webhook tells us, in one shape for every channel. Times are milliseconds since the
//! epoch (WhatsApp sends seconds as strings, Instagram and Messenger milliseconds as numbers).

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A message from the customer.
    Message(Message),
    /// A message the business sent from somewhere else (Meta's own app, another tool): kept in the
    /// conversation as outbound, once.
    Echo(Message),
    /// A delivery status of a message we sent.
    Status(Status),
    /// The customer reacted to a message (`emoji` None: the reaction was removed).
    Reaction {
        customer: Person,
        /// The reacted-to message.
        target: String,
        emoji: Option<String>,
        at: i64,
    },
    /// The customer deleted (unsent) one of their messages.
    Deleted {
        customer: Person,
        target: String,
        at: i64,
    },
    /// The customer has seen the conversation up to this message of ours.
    Seen {
        customer: Person,
        target: Option<String>,
        at: i64,
    },
    /// A WhatsApp template was approved, rejected, paused, …
    TemplateStatus(TemplateStatus),
    /// A shape we do not know: the payload is kept and flagged with this note.
    Unknown(String),
}

impl Event {
    pub fn unknown(note: impl Into<String>) -> Event {
        Event::Unknown(note.into())
    }
}

/// The customer as the channel knows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    /// `wa_id`, IGSID or PSID.
    pub id: String,
    pub name: Option<String>,
    pub username: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub customer: Person,
    /// `wamid.…` or `mid`.
    pub provider_id: String,
    /// text, image, audio, video, document, sticker, location, contacts, interactive, button,
    /// postback, referral, comment, order, unsupported.
    pub kind: String,
    /// What a person reads in the list: the text, caption, chosen reply or a short description.
    pub text: String,
    /// The rest, by kind (media id and type, coordinates, shared contacts, reply ids, errors).
    pub content: Value,
    /// The message this one answers (WhatsApp `context.id`, Instagram `reply_to.mid`).
    pub reply_to: Option<String>,
    pub at: i64,
    /// Set when the message itself has a shape we do not know (kept as `unsupported`).
    pub flag: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub provider_id: String,
    /// sent, delivered, read or failed.
    pub status: String,
    pub recipient: String,
    pub at: i64,
    /// The first error's code and a readable reason, for failed messages.
    pub error: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateStatus {
    pub external_id: String,
    pub name: String,
    pub language: String,
    pub category: Option<String>,
    /// APPROVED, REJECTED, PENDING, PAUSED, DISABLED, …
    pub status: String,
    /// Why (for rejections and pauses): Meta's reason code and its explanation.
    pub reason: Option<String>,
}

/// A string field, or a number written as a string (ids arrive both ways).
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `value[key]` as text, or empty.
pub(crate) fn field(value: &Value, key: &str) -> String {
    text_of(&value[key]).unwrap_or_default()
}

/// A Meta error object's code and readable reason: the details when given, else the title.
pub(crate) fn error_of(error: &Value) -> Option<(String, String)> {
    let code = text_of(&error["code"])?;
    let reason = [
        &error["error_data"]["details"],
        &error["message"],
        &error["title"],
    ]
    .into_iter()
    .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
    .unwrap_or("")
    .to_owned();
    Some((code, reason))
}
