//! The rules of changing contacts. Each action is one transaction holding the change, its
//! timeline entries and field history, and its events; the functions ending in `_in` run inside a
//! caller's transaction (imports, merges, and the channels that upsert contacts by identity).
//!
//! Decisions:
//! - Emails and phones belong to one contact of a workspace, as do channel identities: adding one
//!   that another contact holds is refused with 409 `contact_exists` naming that contact (merge
//!   them instead), so two records of one person are never created silently.
//! - An anonymised (erased) contact cannot change: 409 `contact_erased`.
//! - Tags named when creating or tagging are created if new.

use std::collections::BTreeMap;

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::time::now_ms;
use playgram_core::{Conn, Tx};
use serde_json::{Value, json};

use super::channel::Channel;
use super::events::{ContactCreated, ContactDeleted, ContactUpdated};
use super::fields::{FieldSet, StoredValue};
use super::input::{ContactIn, ContactPatch, Draft, IdentityIn, Profile};
use super::model::{Contact, ContactOut, ContactRow, IdentityRow, Parts};
use super::settings::{self, ContactSettings};
use super::timeline::{self, By, Change};
use super::{store, tags};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::events::catalog;
use crate::http::{AppError, Result};
use crate::state::AppState;

/// What most actions read first: the workspace's fields and contact settings.
pub struct Context {
    pub fields: FieldSet,
    pub settings: ContactSettings,
}

impl Context {
    pub async fn load(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Context> {
        Ok(Context {
            fields: super::fields::store::all(c, ws).await?,
            settings: settings::get(c, ws).await?,
        })
    }

    pub fn country(&self) -> Option<&str> {
        self.settings.default_country.as_deref()
    }
}

/// The contact, or 404: `contact_merged` (with `merged_into`) for one folded into another.
pub async fn found(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> Result<Contact> {
    if let Some(contact) = store::load(c, ws, id).await? {
        return Ok(contact);
    }
    if let Some(into) = super::merge::merged_into(c, ws, id).await? {
        return Err(AppError::client(
            axum::http::StatusCode::NOT_FOUND,
            "contact_merged",
            format!("This contact was merged into {into}."),
        )
        .with_details(json!({ "merged_into": into })));
    }
    Err(AppError::not_found())
}

/// Like [`found`], refusing an anonymised contact.
pub async fn found_live(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> Result<Contact> {
    let contact = found(c, ws, id).await?;
    if contact.row.erased_at.is_some() {
        return Err(AppError::conflict(
            "contact_erased",
            "This contact was erased; it cannot change.",
        ));
    }
    Ok(contact)
}

fn exists(attribute: &str, value: &str, owner: &ContactId) -> AppError {
    AppError::conflict(
        "contact_exists",
        format!(
            "{value} belongs to another contact ({owner}); merge the two instead of adding it here."
        ),
    )
    .with_details(json!({ "attribute": attribute, "value": value, "contact_id": owner }))
}

/// Refuses emails, phones or identities another contact holds.
async fn check_unique(
    tx: &mut Tx,
    ws: &WorkspaceId,
    me: Option<&ContactId>,
    emails: &[String],
    phones: &[String],
    identities: &[(Channel, String, Option<String>)],
) -> Result<()> {
    let mut c = Conn::Tx(tx);
    if let Some((email, owner)) = store::owners_of_emails(&mut c, ws, emails)
        .await?
        .into_iter()
        .find(|(_, o)| Some(o) != me)
    {
        return Err(exists("emails", &email, &owner));
    }
    if let Some((phone, owner)) = store::owners_of_phones(&mut c, ws, phones)
        .await?
        .into_iter()
        .find(|(_, o)| Some(o) != me)
    {
        return Err(exists("phones", &phone, &owner));
    }
    for (channel, external_id, _) in identities {
        if let Some(owner) = store::by_identity(&mut c, ws, *channel, external_id).await?
            && Some(&owner) != me
        {
            return Err(exists(
                "identities",
                &format!("{channel} {external_id}"),
                &owner,
            ));
        }
    }
    Ok(())
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    input: &ContactIn,
    source: &str,
) -> Result<Contact> {
    let ws = &principal.workspace_id;
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let mut draft = input.parse(&context.fields, context.country())?;
    if input.source.is_none() {
        draft.source = source.to_owned();
    }
    let by = By::of(principal);
    let mut tx = state.db.begin().await?;
    let id = create_in(&mut tx, ws, &draft, &context.fields, &by).await?;
    let contact = found(&mut Conn::Tx(&mut tx), ws, id.as_str()).await?;
    tx.commit().await?;
    Ok(contact)
}

/// Creates a contact in the caller's transaction (uniqueness checked), with its timeline entry
/// and `contact.created`.
pub async fn create_in(
    tx: &mut Tx,
    ws: &WorkspaceId,
    draft: &Draft,
    fields: &FieldSet,
    by: &By,
) -> Result<ContactId> {
    let p = &draft.profile;
    let emails = p.emails.clone().unwrap_or_default();
    let phones = p.phones.clone().unwrap_or_default();
    check_unique(tx, ws, None, &emails, &phones, &draft.identities).await?;
    let now = now_ms();
    let id = ContactId::new();
    let row = ContactRow {
        id: id.clone(),
        workspace_id: ws.clone(),
        name: p.name.clone().unwrap_or_default(),
        avatar_url: p.avatar_url.clone().flatten(),
        locale: p.locale.clone().flatten(),
        timezone: p.timezone.clone().flatten(),
        source: draft.source.clone(),
        first_seen_at: None,
        last_seen_at: 0,
        erased_at: None,
        created_at: now,
        updated_at: now,
    };
    let parts = Parts {
        emails,
        phones,
        identities: draft
            .identities
            .iter()
            .map(|(channel, external_id, username)| IdentityRow {
                contact_id: id.clone(),
                channel: channel.as_str().to_owned(),
                external_id: external_id.clone(),
                username: username.clone(),
                created_at: now,
            })
            .collect(),
        ..Parts::default()
    };
    store::insert(
        tx,
        store::NewRow {
            row: &row,
            parts: &parts,
        },
    )
    .await
    .map_err(unique_to_conflict)?;
    for (key, rows) in &p.fields {
        if let Some(field) = fields.by_key(key) {
            super::fields::store::set_value(tx, ws, &id, &field.id, rows).await?;
        }
    }
    let summary = format!("Created from {}", draft.source);
    timeline::record(
        tx,
        ws,
        &id,
        "created",
        &summary,
        &json!({ "source": draft.source }),
        by,
    )
    .await?;
    let tag_rows = tags::service::resolve(tx, ws, &draft.tags, true).await?;
    for tag in &tag_rows {
        tags::store::attach(tx, ws, &id, &tag.id, now).await?;
    }
    let contact = found(&mut Conn::Tx(tx), ws, id.as_str()).await?;
    catalog::emit(
        tx,
        ws,
        &ContactCreated {
            contact: ContactOut::of(&contact, fields),
            actor: by.clone(),
        },
    )
    .await?;
    // After `contact.created` (which lists the tags), so automations meet the contact first.
    for tag in &tag_rows {
        tags::service::announce_added(tx, ws, &id, tag, by).await?;
    }
    Ok(id)
}

/// A unique index caught what the checks could not see yet (a concurrent writer on PostgreSQL).
fn unique_to_conflict(error: sqlx::Error) -> AppError {
    if playgram_core::db::is_unique_violation(&error) {
        AppError::conflict(
            "contact_exists",
            "Another contact took one of these emails, phones or identities just now; look it up and merge if needed.",
        )
    } else {
        error.into()
    }
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    patch: &ContactPatch,
) -> Result<Contact> {
    let ws = &principal.workspace_id;
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let profile = patch.parse(&context.fields, context.country())?;
    let mut tx = state.db.begin().await?;
    let contact = found_live(&mut Conn::Tx(&mut tx), ws, id).await?;
    apply_in(
        &mut tx,
        ws,
        &contact,
        &profile,
        &context.fields,
        &By::of(principal),
    )
    .await?;
    let contact = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    tx.commit().await?;
    Ok(contact)
}

/// Applies profile changes in the caller's transaction; returns what changed (nothing changed:
/// nothing written, no event).
pub async fn apply_in(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &Contact,
    p: &Profile,
    fields: &FieldSet,
    by: &By,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let mut row = contact.row.clone();
    let mut change = |attribute: &str, old: Value, new: Value| {
        if old != new {
            changes.push(Change {
                attribute: attribute.to_owned(),
                old,
                new,
            });
        }
    };
    if let Some(name) = &p.name {
        change("name", json!(row.name), json!(name));
        row.name = name.clone();
    }
    for (attribute, value, slot) in [
        ("avatar_url", &p.avatar_url, &mut row.avatar_url),
        ("locale", &p.locale, &mut row.locale),
        ("timezone", &p.timezone, &mut row.timezone),
    ] {
        if let Some(value) = value {
            change(attribute, json!(slot), json!(value));
            *slot = value.clone();
        }
    }
    if let Some(emails) = &p.emails {
        change("emails", json!(contact.parts.emails), json!(emails));
    }
    if let Some(phones) = &p.phones {
        change("phones", json!(contact.parts.phones), json!(phones));
    }
    let mut field_writes = Vec::new();
    for (key, rows) in &p.fields {
        let Some(field) = fields.by_key(key) else {
            continue;
        };
        let old_rows: Vec<&(playgram_core::ids::FieldId, String, Option<f64>)> = contact
            .parts
            .values
            .iter()
            .filter(|(f, _, _)| f == &field.id)
            .collect();
        let new_rows: Vec<(playgram_core::ids::FieldId, String, Option<f64>)> = rows
            .iter()
            .map(|r| (field.id.clone(), r.text.clone(), r.number))
            .collect();
        let options = field.options();
        let old = field.kind().to_json(&options, &old_rows);
        let new = field
            .kind()
            .to_json(&options, &new_rows.iter().collect::<Vec<_>>());
        if old != new {
            change(&format!("fields.{key}"), old, new);
            field_writes.push((field.id.clone(), rows.clone()));
        }
    }
    let linking: Vec<(Channel, String, Option<String>)> = p
        .add_identities
        .iter()
        .filter(|(c, id, username)| {
            !contact.parts.identities.iter().any(|i| {
                i.channel == c.as_str()
                    && &i.external_id == id
                    && (username.is_none() || &i.username == username)
            })
        })
        .cloned()
        .collect();
    if !linking.is_empty() {
        let mut after = contact.parts.identities.clone();
        for (channel, external_id, username) in &linking {
            match after
                .iter_mut()
                .find(|i| i.channel == channel.as_str() && &i.external_id == external_id)
            {
                Some(known) => known.username.clone_from(username),
                None => after.push(IdentityRow {
                    contact_id: row.id.clone(),
                    channel: channel.as_str().to_owned(),
                    external_id: external_id.clone(),
                    username: username.clone(),
                    created_at: now_ms(),
                }),
            }
        }
        change("identities", json!(contact.parts.identities), json!(after));
    }
    if changes.is_empty() {
        return Ok(changes);
    }
    check_unique(
        tx,
        ws,
        Some(&row.id),
        p.emails.as_deref().unwrap_or_default(),
        p.phones.as_deref().unwrap_or_default(),
        &linking,
    )
    .await?;
    for (channel, external_id, username) in &linking {
        let known = contact
            .parts
            .identities
            .iter()
            .any(|i| i.channel == channel.as_str() && &i.external_id == external_id);
        if known {
            store::set_username(tx, ws, *channel, external_id, username.as_deref()).await?;
        } else {
            let identity = IdentityRow {
                contact_id: row.id.clone(),
                channel: channel.as_str().to_owned(),
                external_id: external_id.clone(),
                username: username.clone(),
                created_at: now_ms(),
            };
            store::insert_identity(tx, ws, &identity)
                .await
                .map_err(unique_to_conflict)?;
        }
    }
    let now = now_ms();
    row.updated_at = now;
    store::update_profile(tx, &row).await?;
    if let Some(emails) = &p.emails {
        store::set_emails(tx, ws, &row.id, emails)
            .await
            .map_err(unique_to_conflict)?;
    }
    if let Some(phones) = &p.phones {
        store::set_phones(tx, ws, &row.id, phones)
            .await
            .map_err(unique_to_conflict)?;
    }
    for (field, rows) in &field_writes {
        super::fields::store::set_value(tx, ws, &row.id, field, rows).await?;
    }
    store::refresh_search(tx, ws, &row.id).await?;
    record_update(tx, ws, &row.id, &changes, fields, by).await?;
    Ok(changes)
}

/// The history rows, the timeline entry and `contact.updated` of a change.
pub async fn record_update(
    tx: &mut Tx,
    ws: &WorkspaceId,
    id: &ContactId,
    changes: &[Change],
    fields: &FieldSet,
    by: &By,
) -> Result<()> {
    let now = now_ms();
    timeline::record_changes(tx, ws, id, changes, by, now).await?;
    let names: Vec<String> = changes
        .iter()
        .map(|c| match c.attribute.strip_prefix("fields.") {
            Some(key) => fields
                .by_key(key)
                .map_or(c.attribute.clone(), |f| f.label.clone()),
            None => c.attribute.replace('_', " "),
        })
        .collect();
    let summary = format!("Changed {}", names.join(", "));
    timeline::record(
        tx,
        ws,
        id,
        "updated",
        &summary,
        &json!({ "changes": changes }),
        by,
    )
    .await?;
    let contact = found(&mut Conn::Tx(tx), ws, id.as_str()).await?;
    catalog::emit(
        tx,
        ws,
        &ContactUpdated {
            contact_id: id.clone(),
            changes: changes.to_vec(),
            contact: ContactOut::of(&contact, fields),
            actor: by.clone(),
        },
    )
    .await?;
    Ok(())
}

/// Deletes the contact and everything about it (no tombstone: that is what erasing adds).
pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<()> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let contact = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    delete_in(&mut tx, ws, &contact.row.id, &By::of(principal)).await?;
    audit::record(&mut tx, Entry::by(principal, "contact.deleted").target(id)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_in(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId, by: &By) -> Result<()> {
    super::merge::forget(tx, ws, id).await?;
    store::delete(tx, ws, id).await?;
    catalog::emit(
        tx,
        ws,
        &ContactDeleted {
            contact_id: id.clone(),
            erased: false,
            mode: None,
            reason: None,
            actor: by.clone(),
        },
    )
    .await?;
    Ok(())
}

/// Adds a channel identity to the contact.
pub async fn add_identity(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: &IdentityIn,
) -> Result<Contact> {
    let ws = &principal.workspace_id;
    let identity =
        super::input::parse_identity(input).map_err(|m| AppError::field("identities", m))?;
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let by = By::of(principal);
    let mut tx = state.db.begin().await?;
    let contact = found_live(&mut Conn::Tx(&mut tx), ws, id).await?;
    check_unique(
        &mut tx,
        ws,
        Some(&contact.row.id),
        &[],
        &[],
        std::slice::from_ref(&identity),
    )
    .await?;
    let (channel, external_id, username) = identity;
    let had = contact
        .parts
        .identities
        .iter()
        .any(|i| i.channel == channel.as_str() && i.external_id == external_id);
    if !had {
        let row = IdentityRow {
            contact_id: contact.row.id.clone(),
            channel: channel.as_str().to_owned(),
            external_id: external_id.clone(),
            username: username.clone(),
            created_at: now_ms(),
        };
        store::insert_identity(&mut tx, ws, &row)
            .await
            .map_err(unique_to_conflict)?;
    } else {
        store::set_username(&mut tx, ws, channel, &external_id, username.as_deref()).await?;
    }
    store::refresh_search(&mut tx, ws, &contact.row.id).await?;
    let after = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    let changes = vec![Change {
        attribute: "identities".into(),
        old: json!(contact.parts.identities),
        new: json!(after.parts.identities),
    }];
    if changes[0].old != changes[0].new {
        timeline::record(
            &mut tx,
            ws,
            &contact.row.id,
            "identity_added",
            &format!(
                "Linked {} {}",
                channel.label(),
                username
                    .as_deref()
                    .map(|u| format!("@{u}"))
                    .unwrap_or(external_id.clone())
            ),
            &json!({ "channel": channel, "external_id": external_id, "username": username }),
            &by,
        )
        .await?;
        record_update(&mut tx, ws, &contact.row.id, &changes, &context.fields, &by).await?;
    }
    let contact = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    tx.commit().await?;
    Ok(contact)
}

pub async fn remove_identity(
    state: &AppState,
    principal: &Principal,
    id: &str,
    channel: &str,
    external_id: &str,
) -> Result<Contact> {
    let ws = &principal.workspace_id;
    let channel = Channel::parse(channel)
        .filter(|c| c.has_identity())
        .ok_or_else(AppError::not_found)?;
    // Named as it was added (`+33…` for a wa_id is its digits); what cannot be an id is not one.
    let external_id = &channel
        .parse_external_id(external_id)
        .map_err(|_| AppError::not_found())?;
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let by = By::of(principal);
    let mut tx = state.db.begin().await?;
    let contact = found_live(&mut Conn::Tx(&mut tx), ws, id).await?;
    if !store::delete_identity(&mut tx, ws, &contact.row.id, channel, external_id).await? {
        return Err(AppError::not_found());
    }
    store::refresh_search(&mut tx, ws, &contact.row.id).await?;
    let after = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    timeline::record(
        &mut tx,
        ws,
        &contact.row.id,
        "identity_removed",
        &format!("Unlinked {} {external_id}", channel.label()),
        &json!({ "channel": channel, "external_id": external_id }),
        &by,
    )
    .await?;
    let changes = vec![Change {
        attribute: "identities".into(),
        old: json!(contact.parts.identities),
        new: json!(after.parts.identities),
    }];
    record_update(&mut tx, ws, &contact.row.id, &changes, &context.fields, &by).await?;
    let contact = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    tx.commit().await?;
    Ok(contact)
}

/// Tags (`add`) or untags the contact; names of new tags are created when tagging.
pub async fn retag(
    state: &AppState,
    principal: &Principal,
    id: &str,
    names: &[String],
    add: bool,
) -> Result<Contact> {
    let ws = &principal.workspace_id;
    let by = By::of(principal);
    let mut tx = state.db.begin().await?;
    let contact = found_live(&mut Conn::Tx(&mut tx), ws, id).await?;
    let rows = tags::service::resolve(&mut tx, ws, names, add).await?;
    if add {
        tags::service::attach(&mut tx, ws, &contact.row.id, &rows, &by).await?;
    } else {
        tags::service::detach(&mut tx, ws, &contact.row.id, &rows, &by).await?;
    }
    let contact = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    tx.commit().await?;
    Ok(contact)
}

/// What a channel (or an API client) knows about the person behind an identity.
#[derive(Clone, Debug, Default)]
pub struct Sighting {
    pub channel: Option<Channel>,
    pub external_id: String,
    pub username: Option<String>,
    pub profile: Profile,
    pub source: String,
    pub tags: Vec<String>,
    /// The person was active on the channel at this time (first and last seen).
    pub seen_at: Option<i64>,
}

/// Finds the contact by identity or creates it, in the caller's transaction: the path every
/// channel takes for an inbound message. Emails and phones are added to the ones the contact has
/// (not replaced); the other attributes given overwrite. Returns the contact and whether it was
/// created.
pub async fn upsert_in(
    tx: &mut Tx,
    ws: &WorkspaceId,
    s: &Sighting,
    fields: &FieldSet,
    by: &By,
) -> Result<(ContactId, bool)> {
    let channel = s
        .channel
        .filter(|c| c.has_identity())
        .ok_or_else(|| AppError::field("channel", "Choose a channel with identities."))?;
    let existing = store::by_identity(&mut Conn::Tx(tx), ws, channel, &s.external_id).await?;
    let (id, created) = match existing {
        None => {
            let draft = Draft {
                profile: s.profile.clone(),
                source: s.source.clone(),
                identities: vec![(channel, s.external_id.clone(), s.username.clone())],
                tags: s.tags.clone(),
            };
            (create_in(tx, ws, &draft, fields, by).await?, true)
        }
        Some(id) => {
            let contact = found_live(&mut Conn::Tx(tx), ws, id.as_str()).await?;
            let mut profile = s.profile.clone();
            profile.emails = profile
                .emails
                .map(|more| union(&contact.parts.emails, &more));
            profile.phones = profile
                .phones
                .map(|more| union(&contact.parts.phones, &more));
            let known = contact
                .parts
                .identities
                .iter()
                .find(|i| i.channel == channel.as_str() && i.external_id == s.external_id);
            if let Some(known) = known
                && s.username.is_some()
                && known.username != s.username
            {
                store::set_username(tx, ws, channel, &s.external_id, s.username.as_deref()).await?;
                store::refresh_search(tx, ws, &id).await?;
            }
            apply_in(tx, ws, &contact, &profile, fields, by).await?;
            if !s.tags.is_empty() {
                let rows = tags::service::resolve(tx, ws, &s.tags, true).await?;
                tags::service::attach(tx, ws, &id, &rows, by).await?;
            }
            (id, false)
        }
    };
    if let Some(at) = s.seen_at {
        store::seen(tx, &id, at).await?;
    }
    Ok((id, created))
}

/// The contact's addresses and the new ones after them. Not cut to the usual limit: an upsert,
/// like a merge, never drops an address a channel reported.
fn union(current: &[String], more: &[String]) -> Vec<String> {
    let mut out = current.to_vec();
    for item in more {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// `POST /contacts/upsert` for API clients: retried once when a concurrent writer created the
/// same identity first (PostgreSQL; SQLite has one writer).
pub async fn upsert(
    state: &AppState,
    principal: &Principal,
    s: &Sighting,
) -> Result<(Contact, bool)> {
    let ws = &principal.workspace_id;
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let by = By::of(principal);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = state.db.begin().await?;
        match upsert_in(&mut tx, ws, s, &context.fields, &by).await {
            Ok((id, created)) => {
                let contact = found(&mut Conn::Tx(&mut tx), ws, id.as_str()).await?;
                tx.commit().await?;
                return Ok((contact, created));
            }
            Err(error) if attempt < 3 && error.code() == "contact_exists" => {
                drop(tx);
                continue;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Parses a field value map for a [`Sighting`] or an import.
pub fn parse_field_values(
    fields: &FieldSet,
    values: &BTreeMap<String, Value>,
    country: Option<&str>,
) -> Result<BTreeMap<String, Vec<StoredValue>>> {
    let mut problems = super::input::Problems::default();
    let out = super::input::parse_fields(fields, values, country, &mut problems);
    problems.into_result(out)
}
