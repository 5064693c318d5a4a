//! `/api/v1/canned-replies…`: list, add, change, delete, and render one for a conversation.

use axum::extract::{Path, State};
use playgram_core::Conn;
use playgram_core::ids::CannedReplyId;
use playgram_core::time::now_ms;
use serde::{Deserialize, Serialize};

use super::store::{self, CannedReplyRow};
use crate::auth::{Actor, Capability, Principal};
use crate::http::{Api, ApiJson, AppError, FieldErrors, Result};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyIn {
    pub shortcut: Option<String>,
    pub body: Option<String>,
}

pub const BODY_LIMIT: usize = 4096;

/// Checks the fields given and applies them to `row`.
async fn apply(
    c: &mut Conn<'_>,
    principal: &Principal,
    input: &CannedReplyIn,
    row: &mut CannedReplyRow,
) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Some(text) = &input.shortcut {
        match super::shortcut(text) {
            Some(s) => row.shortcut = s,
            None => {
                errors.insert(
                    "shortcut",
                    "Use 1 to 40 letters, digits, - or _ (typed after / in the composer).".into(),
                );
            }
        }
    }
    if let Some(body) = &input.body {
        let body = body.trim();
        if body.is_empty() || body.chars().count() > BODY_LIMIT {
            errors.insert("body", "Write 1 to 4,096 characters.".into());
        } else {
            let fields = store::field_keys(c, &principal.workspace_id).await?;
            let unknown = super::unknown_variables(body, &fields);
            if unknown.is_empty() {
                row.body = body.to_owned();
            } else {
                errors.insert(
                    "body",
                    format!(
                        "Unknown variable {}: use {}, or a contact field's key.",
                        unknown
                            .iter()
                            .map(|u| format!("{{{u}}}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        super::BUILT_IN
                            .iter()
                            .map(|b| format!("{{{b}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(())
}

fn taken(error: sqlx::Error) -> AppError {
    if playgram_core::db::is_unique_violation(&error) {
        AppError::field("shortcut", "Another canned reply has this shortcut.")
    } else {
        error.into()
    }
}

pub async fn list_canned_replies(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<CannedReplyRow>>> {
    principal.require(Capability::ReadInbox)?;
    let rows = store::list(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(Api::ok(rows))
}

pub async fn create_canned_reply(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<CannedReplyIn>,
) -> Result<Api<CannedReplyRow>> {
    Ok(Api::created(create(&state, &principal, &input).await?))
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    input: &CannedReplyIn,
) -> Result<CannedReplyRow> {
    principal.require(Capability::ReplyInbox)?;
    let mut errors = FieldErrors::new();
    if input.shortcut.is_none() {
        errors.insert("shortcut", "Give the shortcut, e.g. hours.".into());
    }
    if input.body.is_none() {
        errors.insert("body", "Write the reply.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let now = now_ms();
    let mut row = CannedReplyRow {
        id: CannedReplyId::new(),
        shortcut: String::new(),
        body: String::new(),
        created_by: match &principal.actor {
            Actor::User(id) => Some(id.clone()),
            Actor::ApiKey(_) => None,
        },
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin().await?;
    apply(&mut Conn::Tx(&mut tx), principal, input, &mut row).await?;
    store::insert(&mut tx, &principal.workspace_id, &row)
        .await
        .map_err(taken)?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update_canned_reply(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CannedReplyIn>,
) -> Result<Api<CannedReplyRow>> {
    Ok(Api::ok(update(&state, &principal, &id, &input).await?))
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: &CannedReplyIn,
) -> Result<CannedReplyRow> {
    principal.require(Capability::ReplyInbox)?;
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let mut row = store::get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    apply(&mut Conn::Tx(&mut tx), principal, input, &mut row).await?;
    row.updated_at = now_ms();
    store::save(&mut tx, ws, &row).await.map_err(taken)?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_canned_reply(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode> {
    delete(&state, &principal, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<()> {
    principal.require(Capability::ReplyInbox)?;
    let mut tx = state.db.begin().await?;
    if !store::delete(&mut tx, &principal.workspace_id, id).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderIn {
    pub conversation_id: String,
}

#[derive(Serialize)]
pub struct Rendered {
    pub text: String,
    /// Variables with no value for this conversation and no fallback (left empty).
    pub missing: Vec<String>,
}

/// The reply filled for a conversation, as the caller would send it.
pub async fn render_canned_reply(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RenderIn>,
) -> Result<Api<Rendered>> {
    principal.require(Capability::ReadInbox)?;
    let ws = &principal.workspace_id;
    let c = &mut Conn::Db(&state.db);
    let reply = store::get(c, ws, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let conversation = crate::inbox::conversations::store::get(c, ws, &input.conversation_id)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "conversation_id",
                "No conversation of this workspace has this id.",
            )
        })?;
    let agent = match &principal.actor {
        Actor::User(id) => Some(id),
        Actor::ApiKey(_) => None,
    };
    let values = store::values(c, &conversation, agent).await?;
    let (text, missing) = super::render(&reply.body, &values);
    Ok(Api::ok(Rendered { text, missing }))
}
