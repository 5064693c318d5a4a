//! A contact's parts: tags on it, identities, timeline and field history.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use playgram_core::Conn;
use playgram_core::ids::ActivityId;
use serde::Deserialize;

use super::crud::out;
use crate::auth::{Capability, Principal};
use crate::contacts::input::IdentityIn;
use crate::contacts::model::ContactOut;
use crate::contacts::service;
use crate::contacts::timeline::{self, ActivityOut, HistoryOut};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagsIn {
    /// Tag names (created when new) or tag ids.
    pub tags: Vec<String>,
}

/// Tags the contact (each new tag: a timeline entry and `contact.tag_added`).
pub async fn add_contact_tags(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TagsIn>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::WriteContacts)?;
    if input.tags.is_empty() || input.tags.len() > 50 {
        return Err(AppError::field("tags", "Name 1 to 50 tags."));
    }
    let contact = service::retag(&state, &principal, &id, &input.tags, true).await?;
    Ok(Api::ok(out(&state, &principal, &contact).await?))
}

/// Takes one tag (name or id) off the contact.
pub async fn delete_contact_tag(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::WriteContacts)?;
    let contact = service::retag(&state, &principal, &id, &[tag], false)
        .await
        .map_err(|e| {
            if e.code() == "validation_failed" {
                AppError::not_found()
            } else {
                e
            }
        })?;
    Ok(Api::ok(out(&state, &principal, &contact).await?))
}

pub async fn create_contact_identity(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IdentityIn>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::WriteContacts)?;
    let contact = service::add_identity(&state, &principal, &id, &input).await?;
    Ok(Api::created(out(&state, &principal, &contact).await?))
}

pub async fn delete_contact_identity(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, channel, external_id)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    principal.require(Capability::WriteContacts)?;
    service::remove_identity(&state, &principal, &id, &channel, &external_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize)]
pub struct TimelineQuery {
    pub kind: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// The contact's timeline, newest first.
pub async fn list_contact_timeline(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<TimelineQuery>,
) -> Result<Api<Vec<ActivityOut>>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let contact = service::found(&mut c, ws, &id).await?;
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    let before = match query
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(text) => Some(ActivityId::parse(text).ok_or_else(|| {
            AppError::bad_request("invalid_cursor", "The cursor is not one this API gave out.")
        })?),
        None => None,
    };
    let kind = query
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let rows = timeline::list(&mut c, ws, &contact.row.id, kind, before.as_ref(), limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(
        rows.into_iter().map(ActivityOut::from).collect(),
        next,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    /// One attribute only: `name`, `emails`, `fields.plan`, …
    pub attribute: Option<String>,
}

/// Every value the contact's attributes held, oldest first, with who changed them and when.
pub async fn get_contact_history(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Api<Vec<HistoryOut>>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let contact = service::found(&mut c, ws, &id).await?;
    let attribute = query
        .attribute
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    Ok(Api::ok(
        timeline::history(&mut c, ws, &contact.row.id, attribute).await?,
    ))
}
