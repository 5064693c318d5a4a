//! `/api/v1/inbox/agents…` and `/api/v1/inbox/settings`: who takes conversations, and whether
//! they are handed out automatically (see [`super::assign`]). Anyone who may reply can set their
//! own availability and capacity; owners and admins (`channels:manage`) set anyone's, and the
//! workspace's automatic assignment.

use axum::extract::{Path, State};
use playgram_core::Conn;
use playgram_core::ids::UserId;
use playgram_core::time::now_ms;
use serde::{Deserialize, Serialize};

use super::assign::{self, Agent};
use crate::audit::{self, Entry};
use crate::auth::{Actor, Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

pub async fn list_inbox_agents(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<Agent>>> {
    principal.require(Capability::ReadInbox)?;
    let agents = assign::agents(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(Api::ok(agents))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    pub available: Option<bool>,
    /// Open and pending conversations at once, 1 to 1000.
    pub capacity: Option<i64>,
}

pub async fn update_inbox_agent(
    State(state): State<AppState>,
    principal: Principal,
    Path(user_id): Path<String>,
    ApiJson(patch): ApiJson<AgentPatch>,
) -> Result<Api<Agent>> {
    principal.require(Capability::ReplyInbox)?;
    let is_self = matches!(&principal.actor, Actor::User(me) if me.as_str() == user_id);
    if !is_self {
        principal.require(Capability::ManageChannels)?;
    }
    if let Some(capacity) = patch.capacity
        && !(1..=1000).contains(&capacity)
    {
        return Err(AppError::field(
            "capacity",
            "Take 1 to 1,000 conversations at once.",
        ));
    }
    let ws = &principal.workspace_id;
    let user = UserId::parse(&user_id).ok_or_else(AppError::not_found)?;
    let mut tx = state.db.begin().await?;
    let agents = assign::agents(&mut Conn::Tx(&mut tx), ws).await?;
    if !agents.iter().any(|a| a.user_id == user) {
        return Err(AppError::not_found());
    }
    assign::set_agent(&mut tx, ws, &user, patch.available, patch.capacity).await?;
    assign::assign_waiting(&mut tx, ws, now_ms()).await?;
    let agent = assign::agents(&mut Conn::Tx(&mut tx), ws)
        .await?
        .into_iter()
        .find(|a| a.user_id == user)
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(Api::ok(agent))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxSettings {
    /// Hand new and waiting conversations to available members, round-robin.
    pub auto_assign: bool,
}

pub async fn get_inbox_settings(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<InboxSettings>> {
    principal.require(Capability::ReadInbox)?;
    let auto_assign =
        assign::auto_assign(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(Api::ok(InboxSettings { auto_assign }))
}

pub async fn update_inbox_settings(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(settings): ApiJson<InboxSettings>,
) -> Result<Api<InboxSettings>> {
    principal.require(Capability::ManageChannels)?;
    let ws = &principal.workspace_id;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    assign::set_auto_assign(&mut tx, ws, settings.auto_assign, now).await?;
    assign::assign_waiting(&mut tx, ws, now).await?;
    audit::record(
        &mut tx,
        Entry::by(&principal, "inbox.settings_updated")
            .details(serde_json::json!({ "auto_assign": settings.auto_assign })),
    )
    .await?;
    tx.commit().await?;
    Ok(Api::ok(settings))
}
