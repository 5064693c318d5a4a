//! `/api/v1/segments`: saved filters with live counts, and their contacts.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use playgram_core::Conn;

use super::ListQuery;
use crate::auth::{Capability, Principal};
use crate::contacts::model::ContactOut;
use crate::contacts::segments::{self, SegmentIn, SegmentOut};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

pub async fn list_segments(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<SegmentOut>>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let mut out = Vec::new();
    for row in segments::all(&mut c, ws).await? {
        out.push(segments::out(&mut c, ws, &row).await?);
    }
    Ok(Api::ok(out))
}

pub async fn create_segment(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<SegmentIn>,
) -> Result<Api<SegmentOut>> {
    principal.require(Capability::ManageContactSchema)?;
    let row = segments::create(&state, &principal, input).await?;
    Ok(Api::created(
        segments::out(&mut Conn::Db(&state.db), &principal.workspace_id, &row).await?,
    ))
}

pub async fn get_segment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<SegmentOut>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let row = segments::get(&mut c, ws, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(segments::out(&mut c, ws, &row).await?))
}

pub async fn update_segment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SegmentIn>,
) -> Result<Api<SegmentOut>> {
    principal.require(Capability::ManageContactSchema)?;
    let row = segments::update(&state, &principal, &id, input).await?;
    Ok(Api::ok(
        segments::out(&mut Conn::Db(&state.db), &principal.workspace_id, &row).await?,
    ))
}

pub async fn delete_segment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    principal.require(Capability::ManageContactSchema)?;
    segments::delete(&state, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The segment's contacts (the list's parameters narrow it further).
pub async fn list_segment_contacts(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(mut query): Query<ListQuery>,
) -> Result<Api<Vec<ContactOut>>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    segments::get(&mut c, ws, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    query.segment = Some(id);
    super::crud::page_of(&state, &principal, &query).await
}
