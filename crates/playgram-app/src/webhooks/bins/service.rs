//! The rules for request bins, shared by the API and the pages: who may do what, the loader that
//! fetches *and* authorises (another workspace's bin is simply not found), and each change in one
//! transaction with its audit entry.

use playgram_core::crypto::random_token;
use playgram_core::ids::BinId;

use super::store::{self, BinRow};
use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal};
use crate::http::{AppError, Result};
use crate::state::AppState;

const NAME_MAX_CHARS: usize = 100;

/// A bin's name: trimmed, 1–100 characters.
pub fn parse_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            "Give the bin a name, such as “Staging webhooks”.",
        ));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::field("name", "Use at most 100 characters."));
    }
    Ok(name.to_owned())
}

/// The workspace's bin `id`, for a caller who may read bins; 404 for anything else.
pub async fn load(state: &AppState, principal: &Principal, id: &str) -> Result<BinRow> {
    principal.require(Capability::ReadWebhooks)?;
    let id = BinId::parse(id).ok_or_else(AppError::not_found)?;
    store::get_bin(&state.db, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Creates a bin with a fresh unguessable token.
pub async fn create(state: &AppState, principal: &Principal, name: &str) -> Result<BinRow> {
    principal.require(Capability::ManageWebhooks)?;
    let name = parse_name(name)?;
    let id = BinId::new();
    let mut tx = state.db.begin().await?;
    store::insert_bin(
        &mut tx,
        &principal.workspace_id,
        &id,
        &random_token(),
        &name,
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "request_bin.created")
            .target(&id)
            .details(serde_json::json!({ "name": name })),
    )
    .await?;
    tx.commit().await?;
    store::get_bin(&state.db, &principal.workspace_id, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("request bin {id} vanished after its creation").into())
}

/// Deletes a bin with its captures; its URL answers 404 from then on.
pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<BinRow> {
    principal.require(Capability::ManageWebhooks)?;
    let bin = load(state, principal, id).await?;
    let mut tx = state.db.begin().await?;
    if !store::delete_bin(&mut tx, &principal.workspace_id, &bin.id).await? {
        return Err(AppError::not_found());
    }
    audit::record(
        &mut tx,
        Entry::by(principal, "request_bin.deleted")
            .target(&bin.id)
            .details(serde_json::json!({ "name": bin.name, "captures": bin.capture_count })),
    )
    .await?;
    tx.commit().await?;
    Ok(bin)
}

/// Deletes every capture of a bin (the bin and its URL stay); returns how many.
pub async fn clear(state: &AppState, principal: &Principal, id: &str) -> Result<(BinRow, u64)> {
    principal.require(Capability::ManageWebhooks)?;
    let bin = load(state, principal, id).await?;
    let cleared = store::clear_captures(&state.db, &bin.id).await?;
    Ok((bin, cleared))
}
