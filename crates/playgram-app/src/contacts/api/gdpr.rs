//! GDPR and settings: one contact's data as a ZIP, erasure, the tombstones of erased contacts,
//! and the workspace's contact settings.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use playgram_core::Conn;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal};
use crate::contacts::gdpr::{self, Tombstone};
use crate::contacts::settings::{self, ContactSettings, SettingsPatch};
use crate::http::{Api, ApiJson, Result};
use crate::state::AppState;

/// A ZIP of everything about the contact (audited).
pub async fn get_contact_gdpr_export(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Response> {
    principal.require(Capability::ExportContacts)?;
    let (name, bytes) = gdpr::export(&state, &principal, &id).await?;
    Ok(crate::pages::attachment(&name, "application/zip", bytes))
}

#[derive(Serialize)]
pub struct ErasedOut {
    pub contact_id: String,
    /// delete or anonymise (the workspace's setting).
    pub mode: String,
}

/// Erases the contact under GDPR: its data goes, a tombstone stays.
pub async fn erase_contact(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ErasedOut>> {
    principal.require(Capability::DeleteContacts)?;
    let mode = gdpr::erase(&state, &principal, &id).await?;
    Ok(Api::ok(ErasedOut {
        contact_id: id,
        mode,
    }))
}

pub type TombstoneQuery = crate::http::PageQuery;

/// The erased contacts: id, when, how and why; nothing personal.
pub async fn list_contact_tombstones(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<TombstoneQuery>,
) -> Result<Api<Vec<Tombstone>>> {
    principal.require(Capability::ReadContacts)?;
    let limit = crate::http::page_limit(q.limit.as_deref(), 50)?;
    let cursor = crate::http::id_cursor(q.cursor.as_deref(), playgram_core::ids::ContactId::parse)?;
    let rows = gdpr::tombstones(
        &mut Conn::Db(&state.db),
        &principal.workspace_id,
        cursor.as_ref().map(|c| c.as_str()),
        limit,
    )
    .await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.contact_id.to_string());
    Ok(Api::page(rows, next))
}

/// The contact settings (for anyone who reads contacts, or may change the settings).
pub async fn get_contact_settings(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<ContactSettings>> {
    if principal
        .require(Capability::ManageContactSettings)
        .is_err()
    {
        principal.require(Capability::ReadContacts)?;
    }
    Ok(Api::ok(
        settings::get(&mut Conn::Db(&state.db), &principal.workspace_id).await?,
    ))
}

pub async fn update_contact_settings(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> Result<Api<ContactSettings>> {
    principal.require(Capability::ManageContactSettings)?;
    let saved = save_settings(&state, &principal, patch).await?;
    Ok(Api::ok(saved))
}

/// Saves a settings change (audited) and answers the settings as stored.
pub async fn save_settings(
    state: &AppState,
    principal: &Principal,
    patch: SettingsPatch,
) -> Result<ContactSettings> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let current = settings::get(&mut Conn::Tx(&mut tx), ws).await?;
    let next = patch.apply(current.clone())?;
    settings::save(&mut tx, ws, &next).await?;
    audit::record(&mut tx, Entry::by(principal, "contact_settings.updated").details(json!({
        "erase_mode": next.erase_mode, "retention_days": next.retention_days, "default_country": next.default_country,
    }))).await?;
    let saved = settings::get(&mut Conn::Tx(&mut tx), ws).await?;
    tx.commit().await?;
    Ok(saved)
}
