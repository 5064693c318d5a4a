//! Typed, prefixed public ids (`ws_…`, `usr_…`, `key_…`).
//!
//! An id is a short prefix naming the kind of thing, an underscore and 26 Crockford base32 characters:
//! 48 bits of milliseconds since the epoch followed by 80 random bits (the ULID layout). Ids therefore sort
//! by creation time, which keyset ("cursor") pagination relies on, and reveal nothing but that time.
//! The same text is stored in the database on both backends, so there is no translation at the edges.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Mutex;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The last id value handed out by this process, so ids made within one millisecond still sort in
/// the order they were made (ULID's "monotonic" rule): the next one is the last plus one.
static LAST: Mutex<u128> = Mutex::new(0);

/// Makes a new id body: 10 characters of time, 16 of randomness.
fn new_body() -> String {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u128;
    let mut random = [0u8; 10];
    rand::rng().fill_bytes(&mut random);
    let mut value: u128 = millis << 80;
    for (i, byte) in random.iter().enumerate() {
        value |= u128::from(*byte) << (8 * (9 - i));
    }
    if let Ok(mut last) = LAST.lock() {
        if value >> 80 <= *last >> 80 {
            value = *last + 1;
        }
        *last = value;
    }
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((value >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// True when `body` could have come from [`new_body`]: 26 Crockford characters.
fn is_valid_body(body: &str) -> bool {
    body.len() == 26 && body.bytes().all(|b| CROCKFORD.contains(&b))
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[serde(try_from = "String", into = "String")]
        #[sqlx(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn new() -> Self {
                Self(format!("{}_{}", $prefix, new_body()))
            }

            /// Parses an id given by a client; `None` when it is not of this kind.
            pub fn parse(text: &str) -> Option<Self> {
                let body = text.strip_prefix($prefix)?.strip_prefix('_')?;
                is_valid_body(body).then(|| Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                Self::parse(&text).ok_or_else(|| format!("not a {} id", $prefix))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

typed_id!(
    /// A workspace: the tenant boundary.
    WorkspaceId, "ws"
);
typed_id!(
    /// A person who can log in.
    UserId, "usr"
);
typed_id!(
    /// An API key (the id is public; the secret is not).
    ApiKeyId, "key"
);
typed_id!(
    /// An invitation to join a workspace.
    InviteId, "inv"
);
typed_id!(
    /// An audit log entry.
    AuditId, "aud"
);
typed_id!(
    /// A unit of background work in the job queue.
    JobId, "job"
);
typed_id!(
    /// A domain event in the outbox.
    EventId, "evt"
);
typed_id!(
    /// An outbound webhook endpoint.
    EndpointId, "ep"
);
typed_id!(
    /// One event (or test) to be delivered to one endpoint; its `webhook-id`.
    MessageId, "msg"
);
typed_id!(
    /// One delivery attempt of a message.
    AttemptId, "att"
);
typed_id!(
    /// A request bin: a capture URL.
    BinId, "bin"
);
typed_id!(
    /// One request recorded by a request bin.
    CaptureId, "cap"
);

typed_id!(
    /// A contact: one person across every channel.
    ContactId, "ct"
);
typed_id!(
    /// A contact tag.
    TagId, "tag"
);
typed_id!(
    /// A custom contact field's definition.
    FieldId, "fld"
);
typed_id!(
    /// A saved contact filter.
    SegmentId, "seg"
);
typed_id!(
    /// One entry of a contact's timeline.
    ActivityId, "act"
);
typed_id!(
    /// One change of one contact attribute (the field history).
    ChangeId, "chg"
);
typed_id!(
    /// One merge of two contacts.
    MergeId, "mrg"
);
typed_id!(
    /// A contact import (an uploaded CSV or XLSX file and its run).
    ImportId, "imp"
);
typed_id!(
    /// A contact export.
    ExportId, "exp"
);
typed_id!(
    /// A file kept by the server (an uploaded import, a finished export).
    FileId, "file"
);
typed_id!(
    /// An inbox channel: a WhatsApp number, an Instagram account, a Facebook page, the website
    /// chat or the API channel.
    ChannelId, "ch"
);
typed_id!(
    /// A conversation: one contact on one channel.
    ConversationId, "cv"
);
typed_id!(
    /// One message of a conversation (shares the `msg_` prefix with the outbound webhooks'
    /// `webhook-id`s; the two never meet in one API).
    InboxMessageId, "msg"
);
typed_id!(
    /// A canned reply: a saved answer agents insert with `/shortcut`.
    CannedReplyId, "cr"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_by_time() {
        let first = WorkspaceId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = WorkspaceId::new();
        assert!(first < second);
        assert_eq!(WorkspaceId::parse(first.as_str()), Some(first.clone()));
        assert_eq!(first.as_str().len(), 3 + 26);
    }

    #[test]
    fn ids_made_in_the_same_millisecond_keep_their_order() {
        let ids: Vec<AuditId> = (0..1000).map(|_| AuditId::new()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn wrong_prefix_or_body_is_refused() {
        let user = UserId::new();
        assert!(WorkspaceId::parse(user.as_str()).is_none());
        assert!(WorkspaceId::parse("ws_short").is_none());
        assert!(WorkspaceId::parse("ws_0123456789ABCDEFGHJKMNPQRI").is_none());
    }
}
