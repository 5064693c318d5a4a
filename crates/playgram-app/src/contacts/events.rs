//! The contact events in the catalog: created, updated, deleted (or erased), merged, a tag added or
//! removed, consent changed, and an import finished. Each carries who did it (`actor`, which can be
//! `system` for retention and channels). `contact.*` subscribes a webhook endpoint to the contact
//! events; `contact_import.finished` is its own family (`contact_import.*`).

use std::collections::BTreeMap;

use playgram_core::ids::{ContactId, ImportId, TagId};
use serde::Serialize;
use serde_json::{Value, json};

use super::model::{ContactOut, IdentityRow, TagRef};
use super::timeline::{By, Change};
use crate::events::catalog::{EventData, object};

fn contact_schema() -> Value {
    json!({
        "type": "object",
        "description": "The contact as `GET /contacts/{id}` answers it.",
        "required": ["id", "name", "display_name", "emails", "phones", "identities", "tags", "fields", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string" },
            "name": { "type": "string" },
            "display_name": { "type": "string" },
            "emails": { "type": "array", "items": { "type": "string", "format": "email" } },
            "phones": { "type": "array", "items": { "type": "string", "description": "E.164" } },
            "avatar_url": { "type": ["string", "null"] },
            "locale": { "type": ["string", "null"] },
            "timezone": { "type": ["string", "null"] },
            "source": { "type": "string" },
            "identities": { "type": "array", "items": { "type": "object", "properties": {
                "channel": { "type": "string" }, "external_id": { "type": "string" },
                "username": { "type": ["string", "null"] }, "created_at": { "type": "string", "format": "date-time" } } } },
            "tags": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "name": { "type": "string" }, "color": { "type": "string" } } } },
            "fields": { "type": "object", "description": "Custom field values by key." },
            "first_seen_at": { "type": ["string", "null"], "format": "date-time" },
            "last_seen_at": { "type": ["string", "null"], "format": "date-time" },
            "erased_at": { "type": ["string", "null"], "format": "date-time" },
            "created_at": { "type": "string", "format": "date-time" },
            "updated_at": { "type": "string", "format": "date-time" },
        }
    })
}

fn example_contact_id() -> ContactId {
    ContactId::parse("ct_01JD0000000000000000000000").unwrap_or_default()
}

fn example_tag() -> TagRef {
    TagRef {
        contact_id: example_contact_id(),
        id: TagId::parse("tag_01JD0000000000000000000000").unwrap_or_default(),
        name: "VIP".into(),
        color: "#5443c9".into(),
    }
}

pub fn example_contact() -> ContactOut {
    ContactOut {
        id: example_contact_id(),
        name: "Ana Núñez".into(),
        display_name: "Ana Núñez".into(),
        emails: vec!["ana@example.com".into()],
        phones: vec!["+33612345678".into()],
        avatar_url: None,
        locale: Some("es-ES".into()),
        timezone: Some("Europe/Madrid".into()),
        source: "whatsapp".into(),
        identities: vec![IdentityRow {
            contact_id: example_contact_id(),
            channel: "whatsapp".into(),
            external_id: "33612345678".into(),
            username: None,
            created_at: 1_795_000_000_000,
        }],
        tags: vec![example_tag()],
        fields: BTreeMap::from([("plan".to_owned(), json!("Gold"))]),
        first_seen_at: Some(1_795_000_000_000),
        last_seen_at: Some(1_795_000_600_000),
        erased_at: None,
        created_at: 1_795_000_000_000,
        updated_at: 1_795_000_600_000,
    }
}

fn example_by() -> By {
    By {
        kind: "user",
        id: Some("usr_01JD0000000000000000000000".into()),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactCreated {
    pub contact: ContactOut,
    pub actor: By,
}

impl EventData for ContactCreated {
    const TYPE: &'static str = "contact.created";
    const DESCRIPTION: &'static str =
        "A contact was added: by hand, through the API, an import or a channel (its `source`).";
    fn schema() -> Value {
        object(
            &["contact", "actor"],
            json!({ "contact": contact_schema(), "actor": By::schema() }),
        )
    }
    fn example() -> Self {
        ContactCreated {
            contact: example_contact(),
            actor: example_by(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactUpdated {
    pub contact_id: ContactId,
    /// Each changed attribute (`name`, `emails`, `phones`, `avatar_url`, `locale`, `timezone`,
    /// `fields.<key>`) with its old and new value.
    pub changes: Vec<Change>,
    pub contact: ContactOut,
    pub actor: By,
}

impl EventData for ContactUpdated {
    const TYPE: &'static str = "contact.updated";
    const DESCRIPTION: &'static str = "A contact's profile or custom fields changed; `changes` lists each attribute with its old and new value.";
    fn schema() -> Value {
        object(
            &["contact_id", "changes", "contact", "actor"],
            json!({
                "contact_id": { "type": "string" },
                "changes": { "type": "array", "items": { "type": "object", "required": ["attribute", "old", "new"], "properties": {
                    "attribute": { "type": "string" }, "old": {}, "new": {} } } },
                "contact": contact_schema(),
                "actor": By::schema(),
            }),
        )
    }
    fn example() -> Self {
        ContactUpdated {
            contact_id: example_contact_id(),
            changes: vec![Change {
                attribute: "fields.plan".into(),
                old: json!("Silver"),
                new: json!("Gold"),
            }],
            contact: example_contact(),
            actor: example_by(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactDeleted {
    pub contact_id: ContactId,
    /// True for a GDPR erasure (a tombstone without personal data remains).
    pub erased: bool,
    /// For an erasure: `delete` (every row went) or `anonymise` (the row stays, emptied).
    pub mode: Option<String>,
    /// For an erasure: `request` or `retention`.
    pub reason: Option<String>,
    pub actor: By,
}

impl EventData for ContactDeleted {
    const TYPE: &'static str = "contact.deleted";
    const DESCRIPTION: &'static str =
        "A contact was deleted, or erased under GDPR (by request or by the retention policy).";
    fn schema() -> Value {
        object(
            &["contact_id", "erased", "mode", "reason", "actor"],
            json!({
                "contact_id": { "type": "string" },
                "erased": { "type": "boolean" },
                "mode": { "type": ["string", "null"], "enum": ["delete", "anonymise", null] },
                "reason": { "type": ["string", "null"], "enum": ["request", "retention", null] },
                "actor": By::schema(),
            }),
        )
    }
    fn example() -> Self {
        ContactDeleted {
            contact_id: example_contact_id(),
            erased: true,
            mode: Some("anonymise".into()),
            reason: Some("request".into()),
            actor: example_by(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactMerged {
    /// The contact that remains.
    pub contact_id: ContactId,
    /// The contact folded into it (it no longer exists).
    pub merged_contact_id: ContactId,
    pub contact: ContactOut,
    pub actor: By,
}

impl EventData for ContactMerged {
    const TYPE: &'static str = "contact.merged";
    const DESCRIPTION: &'static str = "Two contacts were merged into one: the merged one's identities, emails, phones, tags, fields, consent and timeline moved to `contact_id`.";
    fn schema() -> Value {
        object(
            &["contact_id", "merged_contact_id", "contact", "actor"],
            json!({
                "contact_id": { "type": "string" },
                "merged_contact_id": { "type": "string" },
                "contact": contact_schema(),
                "actor": By::schema(),
            }),
        )
    }
    fn example() -> Self {
        ContactMerged {
            contact_id: example_contact_id(),
            merged_contact_id: ContactId::parse("ct_01JD0000000000000000000001")
                .unwrap_or_default(),
            contact: example_contact(),
            actor: example_by(),
        }
    }
}

/// A tag as events name it.
#[derive(Clone, Debug, Serialize)]
pub struct TagInfo {
    pub id: TagId,
    pub name: String,
}

fn tag_schema() -> Value {
    json!({ "type": "object", "required": ["id", "name"], "properties": { "id": { "type": "string" }, "name": { "type": "string" } } })
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactTagAdded {
    pub contact_id: ContactId,
    pub tag: TagInfo,
    pub actor: By,
}

impl EventData for ContactTagAdded {
    const TYPE: &'static str = "contact.tag_added";
    const DESCRIPTION: &'static str = "A contact was tagged.";
    fn schema() -> Value {
        object(
            &["contact_id", "tag", "actor"],
            json!({ "contact_id": { "type": "string" }, "tag": tag_schema(), "actor": By::schema() }),
        )
    }
    fn example() -> Self {
        let tag = example_tag();
        ContactTagAdded {
            contact_id: example_contact_id(),
            tag: TagInfo {
                id: tag.id,
                name: tag.name,
            },
            actor: example_by(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactTagRemoved {
    pub contact_id: ContactId,
    pub tag: TagInfo,
    pub actor: By,
}

impl EventData for ContactTagRemoved {
    const TYPE: &'static str = "contact.tag_removed";
    const DESCRIPTION: &'static str =
        "A tag was taken off a contact (deleting a tag altogether raises no event per contact).";
    fn schema() -> Value {
        object(
            &["contact_id", "tag", "actor"],
            json!({ "contact_id": { "type": "string" }, "tag": tag_schema(), "actor": By::schema() }),
        )
    }
    fn example() -> Self {
        let tag = example_tag();
        ContactTagRemoved {
            contact_id: example_contact_id(),
            tag: TagInfo {
                id: tag.id,
                name: tag.name,
            },
            actor: example_by(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactConsentChanged {
    pub contact_id: ContactId,
    pub channel: String,
    pub purpose: String,
    /// `opted_in` or `opted_out`.
    pub status: String,
    /// What it was before (null: never recorded).
    pub previous_status: Option<String>,
    pub source: String,
    pub evidence: String,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub recorded_at: i64,
    /// False for a record older than the one in force (history being filled in): the current
    /// status did not change.
    pub current: bool,
    pub actor: By,
}

impl EventData for ContactConsentChanged {
    const TYPE: &'static str = "contact.consent_changed";
    const DESCRIPTION: &'static str = "A contact opted in to or out of a purpose on a channel (marketing on WhatsApp, for example).";
    fn schema() -> Value {
        object(
            &[
                "contact_id",
                "channel",
                "purpose",
                "status",
                "previous_status",
                "source",
                "evidence",
                "recorded_at",
                "current",
                "actor",
            ],
            json!({
                "contact_id": { "type": "string" },
                "channel": { "type": "string", "enum": ["whatsapp", "instagram", "messenger", "manychat", "website", "email", "sms"] },
                "purpose": { "type": "string" },
                "status": { "type": "string", "enum": ["opted_in", "opted_out"] },
                "previous_status": { "type": ["string", "null"], "enum": ["opted_in", "opted_out", null] },
                "source": { "type": "string" },
                "evidence": { "type": "string" },
                "recorded_at": { "type": "string", "format": "date-time" },
                "current": { "type": "boolean", "description": "False when the record is older than the one in force (the status in force did not change)." },
                "actor": By::schema(),
            }),
        )
    }
    fn example() -> Self {
        ContactConsentChanged {
            contact_id: example_contact_id(),
            channel: "whatsapp".into(),
            purpose: "marketing".into(),
            status: "opted_in".into(),
            previous_status: None,
            source: "keyword".into(),
            evidence: "Replied YES to the opt-in message".into(),
            recorded_at: 1_795_000_000_000,
            current: true,
            actor: example_by(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactImportFinished {
    pub import_id: ImportId,
    /// `completed`, `failed` or `cancelled`.
    pub status: String,
    pub filename: String,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub actor: By,
}

impl EventData for ContactImportFinished {
    const TYPE: &'static str = "contact_import.finished";
    const DESCRIPTION: &'static str = "A contact import ended (completed, failed or cancelled), with how many rows created, updated, skipped or failed contacts.";
    fn schema() -> Value {
        object(
            &[
                "import_id",
                "status",
                "filename",
                "rows",
                "created",
                "updated",
                "skipped",
                "failed",
                "actor",
            ],
            json!({
                "import_id": { "type": "string" },
                "status": { "type": "string", "enum": ["completed", "failed", "cancelled"] },
                "filename": { "type": "string" },
                "rows": { "type": "integer" },
                "created": { "type": "integer" },
                "updated": { "type": "integer" },
                "skipped": { "type": "integer" },
                "failed": { "type": "integer" },
                "actor": By::schema(),
            }),
        )
    }
    fn example() -> Self {
        ContactImportFinished {
            import_id: ImportId::parse("imp_01JD0000000000000000000000").unwrap_or_default(),
            status: "completed".into(),
            filename: "contacts.csv".into(),
            rows: 1200,
            created: 1100,
            updated: 80,
            skipped: 12,
            failed: 8,
            actor: example_by(),
        }
    }
}
