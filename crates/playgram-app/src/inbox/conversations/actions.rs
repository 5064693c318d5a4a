//! `/api/v1/conversations/{id}…` changes: status, priority, snooze and assignee (`PATCH`), notes,
//! tags, and marking read. Replying needs `inbox:write` (owner, admin, manager, agent).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use playgram_core::Conn;

use super::api::{ConversationOut, one};
use super::manage::{self, ConversationPatch, NoteIn, TagsIn};
use super::{MessageRow, store};
use crate::auth::Principal;
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

pub async fn update_conversation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ConversationPatch>,
) -> Result<Api<ConversationOut>> {
    let row = manage::update(&state, &principal, &id, &patch).await?;
    one(&state, &principal, row).await.map(Api::ok)
}

pub async fn create_conversation_note(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(note): ApiJson<NoteIn>,
) -> Result<Api<MessageRow>> {
    manage::add_note(&state, &principal, &id, &note)
        .await
        .map(Api::created)
}

pub async fn add_conversation_tags(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(tags): ApiJson<TagsIn>,
) -> Result<Api<ConversationOut>> {
    manage::add_tags(&state, &principal, &id, &tags).await?;
    reread(&state, &principal, &id).await
}

pub async fn delete_conversation_tag(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, tag)): Path<(String, String)>,
) -> Result<StatusCode> {
    manage::remove_tag(&state, &principal, &id, &tag).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a reply (202: queued for sending).
pub async fn send_conversation_message(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<crate::inbox::send::OutboundIn>,
) -> Result<(StatusCode, Api<MessageRow>)> {
    let message = crate::inbox::send::send(&state, &principal, &id, &input).await?;
    Ok((StatusCode::ACCEPTED, Api::ok(message)))
}

pub async fn mark_conversation_read(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ConversationOut>> {
    let row = manage::mark_read(&state, &principal, &id).await?;
    one(&state, &principal, row).await.map(Api::ok)
}

async fn reread(state: &AppState, principal: &Principal, id: &str) -> Result<Api<ConversationOut>> {
    let row = store::get(&mut Conn::Db(&state.db), &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    one(state, principal, row).await.map(Api::ok)
}
