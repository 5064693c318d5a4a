//! `/api/v1/tags`: the workspace's tags with how many contacts carry each.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use playgram_core::Conn;
use playgram_core::ids::TagId;
use playgram_core::time::Millis;
use serde::Serialize;

use super::service::{self, TagIn};
use super::store::{self, TagRow};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

#[derive(Serialize)]
pub struct TagOut {
    pub id: TagId,
    pub name: String,
    pub color: String,
    pub description: String,
    /// Contacts carrying the tag now.
    pub contact_count: i64,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

impl TagOut {
    pub fn of(row: TagRow, contact_count: i64) -> TagOut {
        TagOut {
            id: row.id,
            name: row.name,
            color: row.color,
            description: row.description,
            contact_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

async fn counted(state: &AppState, principal: &Principal, id: &TagId) -> Result<TagOut> {
    let all = store::all_with_counts(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    all.into_iter()
        .find(|(t, _)| &t.id == id)
        .map(|(t, n)| TagOut::of(t, n))
        .ok_or_else(AppError::not_found)
}

pub async fn list_tags(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<TagOut>>> {
    principal.require(Capability::ReadContacts)?;
    let rows = store::all_with_counts(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(Api::ok(
        rows.into_iter().map(|(t, n)| TagOut::of(t, n)).collect(),
    ))
}

/// Creates a tag (agents may: tagging a contact with a new name does the same).
pub async fn create_tag(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<TagIn>,
) -> Result<Api<TagOut>> {
    principal.require(Capability::WriteContacts)?;
    let row = service::create(&state, &principal, input).await?;
    Ok(Api::created(TagOut::of(row, 0)))
}

pub async fn get_tag(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<TagOut>> {
    principal.require(Capability::ReadContacts)?;
    let id = TagId::parse(&id).ok_or_else(AppError::not_found)?;
    Ok(Api::ok(counted(&state, &principal, &id).await?))
}

/// Renames, recolours or redescribes a tag; every contact keeps it.
pub async fn update_tag(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TagIn>,
) -> Result<Api<TagOut>> {
    principal.require(Capability::ManageContactSchema)?;
    let row = service::update(&state, &principal, &id, input).await?;
    Ok(Api::ok(counted(&state, &principal, &row.id).await?))
}

/// Deletes the tag and takes it off every contact.
pub async fn delete_tag(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    principal.require(Capability::ManageContactSchema)?;
    service::delete(&state, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
