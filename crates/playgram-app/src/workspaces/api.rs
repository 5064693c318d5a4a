//! REST handlers for workspaces, members and invites.

use axum::extract::{Path, State};
use playgram_core::ids::{InviteId, UserId, WorkspaceId};
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::service;
use super::store::{self, InviteRow, MemberRow, MembershipRow};
use crate::auth::principal::{Caller, client_ip};
use crate::auth::{Capability, Principal, Role, SignedIn};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

#[derive(Serialize)]
pub struct WorkspaceOut {
    pub id: WorkspaceId,
    pub name: String,
    /// Your role here (absent for an API key).
    pub role: Option<Role>,
}

impl From<MembershipRow> for WorkspaceOut {
    fn from(m: MembershipRow) -> Self {
        let role = Some(m.role());
        WorkspaceOut {
            id: m.workspace_id,
            name: m.workspace_name,
            role,
        }
    }
}

#[derive(Serialize)]
pub struct MemberOut {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub totp_enabled: bool,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub joined_at: Millis,
}

impl From<MemberRow> for MemberOut {
    fn from(m: MemberRow) -> Self {
        let role = m.role();
        MemberOut {
            user_id: m.user_id,
            email: m.email,
            name: m.name,
            role,
            totp_enabled: m.totp_enabled,
            joined_at: m.joined_at,
        }
    }
}

#[derive(Serialize)]
pub struct InviteOut {
    pub id: InviteId,
    pub email: String,
    pub role: Role,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: &'static str,
    pub invited_by: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub expires_at: Millis,
}

impl From<InviteRow> for InviteOut {
    fn from(i: InviteRow) -> Self {
        InviteOut {
            status: i.status(),
            role: i.role(),
            id: i.id,
            email: i.email,
            invited_by: i.invited_by_email,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// Lists the workspaces you belong to (an API key sees only its own).
pub async fn list_workspaces(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<WorkspaceOut>>> {
    match principal.user_id() {
        Some(user_id) => {
            let rows = store::memberships_of(&state.db, user_id).await?;
            Ok(Api::ok(rows.into_iter().map(WorkspaceOut::from).collect()))
        }
        None => Ok(Api::ok(vec![WorkspaceOut {
            id: principal.workspace_id,
            name: principal.workspace_name,
            role: None,
        }])),
    }
}

#[derive(Deserialize)]
pub struct WorkspaceIn {
    pub name: String,
}

/// Creates a workspace; you become its owner and your session switches to it.
pub async fn create_workspace(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    parts: axum::http::request::Parts,
    ApiJson(input): ApiJson<WorkspaceIn>,
) -> Result<Api<WorkspaceOut>> {
    let id = service::create_workspace(
        &state,
        &session.user_id,
        &input.name,
        client_ip(&parts).to_string(),
    )
    .await?;
    crate::auth::session::set_workspace(&state.db, &session.token_hash, &id).await?;
    Ok(Api::created(WorkspaceOut {
        id,
        name: input.name.trim().to_owned(),
        role: Some(Role::Owner),
    }))
}

/// Renames the current workspace.
pub async fn update_workspace(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<WorkspaceIn>,
) -> Result<Api<WorkspaceOut>> {
    service::rename_workspace(&state, &principal, &input.name).await?;
    Ok(Api::ok(WorkspaceOut {
        id: principal.workspace_id,
        name: input.name.trim().to_owned(),
        role: principal.role,
    }))
}

/// Makes another of your workspaces the current one for this session.
pub async fn switch_workspace(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Api<WorkspaceOut>> {
    let id = WorkspaceId::parse(&id).ok_or_else(AppError::not_found)?;
    service::switch(&state, &session.user_id, &session.token_hash, &id).await?;
    let rows = store::memberships_of(&state.db, &session.user_id).await?;
    let row = rows
        .into_iter()
        .find(|m| m.workspace_id == id)
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(row.into()))
}

/// Lists the members of the current workspace.
pub async fn list_members(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<MemberOut>>> {
    principal.require(Capability::ReadMembers)?;
    let rows = store::members(&state.db, &principal.workspace_id).await?;
    Ok(Api::ok(rows.into_iter().map(MemberOut::from).collect()))
}

#[derive(Deserialize)]
pub struct RoleIn {
    /// `owner`, `admin`, `manager`, `agent` or `viewer`.
    pub role: String,
}

/// Changes a member's role.
pub async fn update_member(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RoleIn>,
) -> Result<Api<MemberOut>> {
    let user_id = UserId::parse(&id).ok_or_else(AppError::not_found)?;
    service::change_role(&state, &principal, &user_id, &input.role).await?;
    let rows = store::members(&state.db, &principal.workspace_id).await?;
    let member = rows
        .into_iter()
        .find(|m| m.user_id == user_id)
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(member.into()))
}

/// Removes a member (or, for your own id, leaves the workspace).
pub async fn delete_member(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<()>> {
    let user_id = UserId::parse(&id).ok_or_else(AppError::not_found)?;
    service::remove_member(&state, &principal, &user_id).await?;
    Ok(Api::ok(()))
}

/// Lists invites of the current workspace, newest first.
pub async fn list_invites(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<InviteOut>>> {
    principal.require(Capability::InviteMembers)?;
    let rows = store::list_invites(&state.db, &principal.workspace_id).await?;
    Ok(Api::ok(rows.into_iter().map(InviteOut::from).collect()))
}

#[derive(Deserialize)]
pub struct InviteIn {
    pub email: String,
    /// The role the person gets on joining.
    pub role: String,
}

#[derive(Serialize)]
pub struct CreatedInviteOut {
    #[serde(flatten)]
    pub invite: InviteOut,
    /// The link to share; it is shown only now (and emailed when SMTP is configured).
    pub accept_url: String,
    pub emailed: bool,
}

/// Invites someone by email with a role; answers with the link to share.
pub async fn create_invite(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<InviteIn>,
) -> Result<Api<CreatedInviteOut>> {
    let created = service::invite(&state, &principal, &input.email, &input.role).await?;
    Ok(Api::created(CreatedInviteOut {
        invite: created.invite.into(),
        accept_url: created.accept_url,
        emailed: created.emailed,
    }))
}

/// Revokes a pending invite.
pub async fn delete_invite(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<()>> {
    let id = InviteId::parse(&id).ok_or_else(AppError::not_found)?;
    service::revoke_invite(&state, &principal, &id).await?;
    Ok(Api::ok(()))
}

#[derive(Deserialize)]
pub struct AcceptIn {
    /// The token from the invite link (`/invite/{token}`).
    pub token: String,
}

/// Accepts an invite as the signed-in person; the session switches to the joined workspace.
pub async fn accept_invite(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    ApiJson(input): ApiJson<AcceptIn>,
) -> Result<Api<WorkspaceOut>> {
    let mut parts = parts;
    let Some(Caller::Session(session)) =
        crate::auth::principal::resolve(&mut parts, &state).await?
    else {
        return Err(AppError::unauthenticated());
    };
    if session.awaiting_totp {
        return Err(AppError::unauthenticated());
    }
    let id = service::accept(
        &state,
        &input.token,
        &session.user_id,
        &session.token_hash,
        client_ip(&parts).to_string(),
    )
    .await?;
    let rows = store::memberships_of(&state.db, &session.user_id).await?;
    let row = rows
        .into_iter()
        .find(|m| m.workspace_id == id)
        .ok_or_else(AppError::not_found)?;
    Ok(Api::created(row.into()))
}
