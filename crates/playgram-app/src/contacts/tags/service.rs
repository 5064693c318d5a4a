//! Changing tags and tagging contacts; each change one transaction (with its timeline entries and
//! events when contacts are tagged or untagged).

use playgram_core::ids::{ContactId, TagId, WorkspaceId};
use playgram_core::time::now_ms;
use playgram_core::{Conn, Tx};
use serde::Deserialize;
use serde_json::json;

use super::store::{self, TagRow};
use super::{default_color, parse_color, parse_name};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::contacts::events::{ContactTagAdded, ContactTagRemoved, TagInfo};
use crate::contacts::fold::fold;
use crate::contacts::timeline::{self, By};
use crate::events::catalog;
use crate::http::{AppError, FieldErrors, Result};
use crate::state::AppState;

/// `POST /api/v1/tags`; in a PATCH the fields named change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagIn {
    #[serde(default)]
    pub name: Option<String>,
    /// `#rrggbb`; chosen from the name when absent.
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl TagIn {
    fn apply(&self, row: &mut TagRow) -> Result<()> {
        let mut errors = FieldErrors::new();
        if let Some(name) = &self.name {
            match parse_name(name) {
                Ok(name) => {
                    row.name_key = fold(&name);
                    row.name = name;
                }
                Err(m) => {
                    errors.insert("name", m);
                }
            }
        }
        if let Some(color) = &self.color {
            match parse_color(color) {
                Ok(c) => row.color = c,
                Err(m) => {
                    errors.insert("color", m);
                }
            }
        }
        if let Some(description) = &self.description {
            if description.chars().count() > 500 {
                errors.insert("description", "Use at most 500 characters.".into());
            }
            row.description = description.trim().to_owned();
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(errors))
        }
    }
}

fn taken(name: &str) -> AppError {
    AppError::conflict(
        "tag_exists",
        format!("There is already a tag named `{name}`."),
    )
}

pub async fn create(state: &AppState, principal: &Principal, input: TagIn) -> Result<TagRow> {
    if input.name.is_none() {
        return Err(AppError::field("name", "Give the tag a name."));
    }
    let now = now_ms();
    let mut row = TagRow {
        id: TagId::new(),
        workspace_id: principal.workspace_id.clone(),
        name: String::new(),
        name_key: String::new(),
        color: String::new(),
        description: String::new(),
        created_at: now,
        updated_at: now,
    };
    input.apply(&mut row)?;
    if row.color.is_empty() {
        row.color = default_color(&row.name).to_owned();
    }
    let mut tx = state.db.begin().await?;
    if store::by_key(&mut Conn::Tx(&mut tx), &row.workspace_id, &row.name_key)
        .await?
        .is_some()
    {
        return Err(taken(&row.name));
    }
    store::insert(&mut tx, &row).await.map_err(|e| {
        if playgram_core::db::is_unique_violation(&e) {
            taken(&row.name)
        } else {
            e.into()
        }
    })?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: TagIn,
) -> Result<TagRow> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let mut row = store::get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let before = row.name.clone();
    input.apply(&mut row)?;
    if let Some(other) = store::by_key(&mut Conn::Tx(&mut tx), ws, &row.name_key).await?
        && other.id != row.id
    {
        return Err(taken(&row.name));
    }
    row.updated_at = now_ms();
    store::update(&mut tx, &row).await?;
    if before != row.name {
        audit::record(
            &mut tx,
            Entry::by(principal, "tag.renamed")
                .target(id)
                .details(json!({ "from": before, "to": row.name })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Deletes the tag and takes it off every contact; returns how many carried it.
pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<u64> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = store::get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let removed = store::delete(&mut tx, ws, &row.id).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "tag.deleted")
            .target(id)
            .details(json!({ "name": row.name, "contacts": removed })),
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}

/// The tags `names` name (names, folded, or `tag_…` ids), in the caller's transaction. Missing
/// names are created when `create` is true, refused otherwise; unknown ids are refused.
pub async fn resolve(
    tx: &mut Tx,
    ws: &WorkspaceId,
    names: &[String],
    create: bool,
) -> Result<Vec<TagRow>> {
    let mut out: Vec<TagRow> = Vec::new();
    for name in names {
        let found = match TagId::parse(name.trim()) {
            Some(id) => store::get(&mut Conn::Tx(tx), ws, id.as_str()).await?,
            None => {
                store::by_key(
                    &mut Conn::Tx(tx),
                    ws,
                    &fold(&parse_name(name).map_err(|m| AppError::field("tags", m))?),
                )
                .await?
            }
        };
        let row = match found {
            Some(row) => row,
            None if create && TagId::parse(name.trim()).is_none() => {
                let name = parse_name(name).map_err(|m| AppError::field("tags", m))?;
                let now = now_ms();
                let row = TagRow {
                    id: TagId::new(),
                    workspace_id: ws.clone(),
                    name_key: fold(&name),
                    color: default_color(&name).to_owned(),
                    name,
                    description: String::new(),
                    created_at: now,
                    updated_at: now,
                };
                store::insert(tx, &row).await?;
                row
            }
            None => {
                return Err(AppError::field(
                    "tags",
                    format!("There is no tag `{}`.", name.trim()),
                ));
            }
        };
        if !out.iter().any(|t| t.id == row.id) {
            out.push(row);
        }
    }
    Ok(out)
}

/// Tags the contact; each tag it did not have gets a timeline entry and a `contact.tag_added`.
/// Returns the tags added.
pub async fn attach(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    tags: &[TagRow],
    by: &By,
) -> sqlx::Result<Vec<TagRow>> {
    let now = now_ms();
    let mut added = Vec::new();
    for tag in tags {
        if store::attach(tx, ws, contact, &tag.id, now).await? {
            announce_added(tx, ws, contact, tag, by).await?;
            added.push(tag.clone());
        }
    }
    Ok(added)
}

/// The timeline entry and `contact.tag_added` of a tag just attached.
pub async fn announce_added(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    tag: &TagRow,
    by: &By,
) -> sqlx::Result<()> {
    timeline::record(
        tx,
        ws,
        contact,
        "tag_added",
        &format!("Tagged {}", tag.name),
        &json!({ "tag_id": tag.id, "name": tag.name }),
        by,
    )
    .await?;
    catalog::emit(
        tx,
        ws,
        &ContactTagAdded {
            contact_id: contact.clone(),
            tag: TagInfo {
                id: tag.id.clone(),
                name: tag.name.clone(),
            },
            actor: by.clone(),
        },
    )
    .await?;
    Ok(())
}

/// Untags the contact, with a timeline entry and a `contact.tag_removed` for each tag it had.
pub async fn detach(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    tags: &[TagRow],
    by: &By,
) -> sqlx::Result<Vec<TagRow>> {
    let mut removed = Vec::new();
    for tag in tags {
        if store::detach(tx, contact, &tag.id).await? {
            timeline::record(
                tx,
                ws,
                contact,
                "tag_removed",
                &format!("Untagged {}", tag.name),
                &json!({ "tag_id": tag.id, "name": tag.name }),
                by,
            )
            .await?;
            catalog::emit(
                tx,
                ws,
                &ContactTagRemoved {
                    contact_id: contact.clone(),
                    tag: TagInfo {
                        id: tag.id.clone(),
                        name: tag.name.clone(),
                    },
                    actor: by.clone(),
                },
            )
            .await?;
            removed.push(tag.clone());
        }
    }
    Ok(removed)
}
