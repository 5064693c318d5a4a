//! A contact as stored and as loaded: the row, and the parts kept beside it (emails, phones,
//! identities, tags, field values).

use std::collections::BTreeMap;

use playgram_core::ids::{ContactId, FieldId, TagId, WorkspaceId};
use playgram_core::time::Millis;
use serde::Serialize;

use super::channel::Channel;
use super::fields::FieldSet;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContactRow {
    pub id: ContactId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub avatar_url: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub source: String,
    pub first_seen_at: Option<Millis>,
    pub last_seen_at: Millis,
    pub erased_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

pub const COLUMNS: &str = "c.id, c.workspace_id, c.name, c.avatar_url, c.locale, c.timezone, \
    c.source, c.first_seen_at, c.last_seen_at, c.erased_at, c.created_at, c.updated_at";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IdentityRow {
    #[serde(skip)]
    pub contact_id: ContactId,
    pub channel: String,
    pub external_id: String,
    pub username: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
}

impl IdentityRow {
    pub fn channel(&self) -> Option<Channel> {
        Channel::parse(&self.channel)
    }
}

/// A tag as a contact shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TagRef {
    #[serde(skip)]
    pub contact_id: ContactId,
    pub id: TagId,
    pub name: String,
    pub color: String,
}

/// Everything kept beside the row.
#[derive(Clone, Debug, Default)]
pub struct Parts {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub identities: Vec<IdentityRow>,
    pub tags: Vec<TagRef>,
    /// (field, text, number) rows.
    pub values: Vec<(FieldId, String, Option<f64>)>,
}

#[derive(Clone, Debug)]
pub struct Contact {
    pub row: ContactRow,
    pub parts: Parts,
}

impl Contact {
    /// What people see as the contact's name: the name, else the first email, phone or
    /// username.
    pub fn display_name(&self) -> String {
        display_name(&self.row.name, &self.parts)
    }
}

pub fn display_name(name: &str, parts: &Parts) -> String {
    if !name.trim().is_empty() {
        return name.trim().to_owned();
    }
    if let Some(email) = parts.emails.first() {
        return email.clone();
    }
    if let Some(phone) = parts.phones.first() {
        return phone.clone();
    }
    parts
        .identities
        .iter()
        .find_map(|i| i.username.as_ref().map(|u| format!("@{u}")))
        .unwrap_or_default()
}

/// A contact as the API, events and exports show it.
#[derive(Clone, Debug, Serialize)]
pub struct ContactOut {
    pub id: ContactId,
    pub name: String,
    /// The name, or else the first email, phone or username: what lists show.
    pub display_name: String,
    pub emails: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    pub avatar_url: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub source: String,
    pub identities: Vec<IdentityRow>,
    pub tags: Vec<TagRef>,
    /// Custom field values by key.
    pub fields: BTreeMap<String, serde_json::Value>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub first_seen_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub last_seen_at: Option<Millis>,
    /// Set when the contact was erased and kept anonymised.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub erased_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

impl ContactOut {
    pub fn of(contact: &Contact, fields: &FieldSet) -> ContactOut {
        let row = &contact.row;
        ContactOut {
            id: row.id.clone(),
            name: row.name.clone(),
            display_name: contact.display_name(),
            emails: contact.parts.emails.clone(),
            phones: contact.parts.phones.clone(),
            avatar_url: row.avatar_url.clone(),
            locale: row.locale.clone(),
            timezone: row.timezone.clone(),
            source: row.source.clone(),
            identities: contact.parts.identities.clone(),
            tags: contact.parts.tags.clone(),
            fields: fields.to_json(&contact.parts.values),
            first_seen_at: row.first_seen_at,
            last_seen_at: (row.last_seen_at > 0).then_some(row.last_seen_at),
            erased_at: row.erased_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
