//! The extractors that decide who is calling. They *are* the tenant boundary: a handler that takes a
//! [`Principal`] is handed the one workspace the caller acts in, and every store function it calls
//! takes that workspace id first.
//!
//! - `Authorization: Bearer pgk_…` → an API key, acting for its own workspace only. A present but
//!   bad header is a 401; it never falls back to the cookie.
//! - otherwise the `pg_session` cookie → a signed-in person acting in their current workspace.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use playgram_core::ids::{ApiKeyId, UserId, WorkspaceId};
use std::net::IpAddr;

use super::session::{self, SessionRow};
use super::{Capability, Role, Scopes};
use crate::api_keys::auth::KeyRecord;
use crate::http::error::AppError;
use crate::http::layers::ClientIp;
use crate::state::AppState;

/// How the caller authenticated, resolved once per request and cached in its extensions.
#[derive(Clone, Debug)]
pub enum Caller {
    Session(SessionRow),
    ApiKey(KeyRecord),
}

#[derive(Clone, Debug)]
pub enum Actor {
    User(UserId),
    ApiKey(ApiKeyId),
}

/// A caller acting in one workspace.
#[derive(Clone, Debug)]
pub struct Principal {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub actor: Actor,
    /// The member's role; `None` for an API key, whose rights come from its scopes.
    pub role: Option<Role>,
    pub scopes: Option<Scopes>,
    pub ip: IpAddr,
    /// The session's token hash, when the caller is a signed-in person.
    pub session_hash: Option<String>,
}

impl Principal {
    /// Refuses with 403 unless the caller may do `capability` here.
    pub fn require(&self, capability: Capability) -> Result<(), AppError> {
        match (&self.role, &self.scopes) {
            (Some(role), _) if role.can(capability) => Ok(()),
            (_, Some(scopes)) if scopes.grants(capability) => Ok(()),
            (_, Some(_)) => Err(AppError::client(
                axum::http::StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!(
                    "This API key lacks the scope for that: {}",
                    capability.refusal()
                ),
            )),
            _ => Err(AppError::forbidden(capability.refusal())),
        }
    }

    /// The role used to bound what the caller may grant to others. A key acts as an admin at most.
    pub fn granting_role(&self) -> Role {
        self.role.unwrap_or(Role::Admin)
    }

    pub fn user_id(&self) -> Option<&UserId> {
        match &self.actor {
            Actor::User(id) => Some(id),
            Actor::ApiKey(_) => None,
        }
    }

    pub fn api_key_id(&self) -> Option<&ApiKeyId> {
        match &self.actor {
            Actor::ApiKey(id) => Some(id),
            Actor::User(_) => None,
        }
    }
}

pub fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ClientIp>()
        .map(|c| c.0)
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// Resolves the caller, or `None` when the request carries no credentials at all.
pub async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Caller>, AppError> {
    if let Some(caller) = parts.extensions.get::<Option<Caller>>() {
        return Ok(caller.clone());
    }
    let caller = if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or_default();
        let secret = text.strip_prefix("Bearer ").ok_or_else(|| {
            AppError::client(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "Send the key as `Authorization: Bearer pgk_…`.",
            )
        })?;
        Some(Caller::ApiKey(
            crate::api_keys::auth::authenticate(state, secret.trim()).await?,
        ))
    } else if let Some(token) = session::token_from(&parts.headers) {
        session::find(state, &token).await?.map(Caller::Session)
    } else {
        None
    };
    parts.extensions.insert(caller.clone());
    Ok(caller)
}

/// The authenticated caller (API key or fully signed-in person), as resolved for this request.
impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match resolve(parts, state).await? {
            Some(Caller::Session(row)) if row.awaiting_totp => Err(AppError::unauthenticated()),
            Some(caller) => Ok(caller),
            None => Err(AppError::unauthenticated()),
        }
    }
}

/// A fully signed-in person (2FA done), whatever workspace they are in.
#[derive(Clone, Debug)]
pub struct SignedIn(pub SessionRow);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match resolve(parts, state).await? {
            Some(Caller::Session(row)) if !row.awaiting_totp => Ok(SignedIn(row)),
            Some(Caller::ApiKey(_)) => Err(AppError::forbidden(
                "This action needs a signed-in person, not an API key.",
            )),
            _ => Err(AppError::unauthenticated()),
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ip = client_ip(parts);
        match resolve(parts, state).await? {
            Some(Caller::ApiKey(key)) => Ok(Principal {
                workspace_id: key.workspace_id.clone(),
                workspace_name: key.workspace_name.clone(),
                actor: Actor::ApiKey(key.key_id.clone()),
                role: None,
                scopes: Some(key.scopes.clone()),
                ip,
                session_hash: None,
            }),
            Some(Caller::Session(row)) if !row.awaiting_totp => {
                let row = ensure_workspace(state, row).await?;
                let (Some(workspace_id), Some(role)) = (row.workspace_id.clone(), row.role())
                else {
                    return Err(AppError::client(
                        axum::http::StatusCode::FORBIDDEN,
                        "no_workspace",
                        "You are not a member of any workspace. Ask for an invite or create one.",
                    ));
                };
                Ok(Principal {
                    workspace_id,
                    workspace_name: row.workspace_name.clone().unwrap_or_default(),
                    actor: Actor::User(row.user_id.clone()),
                    role: Some(role),
                    scopes: None,
                    ip,
                    session_hash: Some(row.token_hash.clone()),
                })
            }
            _ => Err(AppError::unauthenticated()),
        }
    }
}

/// If the session's workspace is gone (or the person was removed from it), moves the session to
/// another workspace the person still belongs to.
async fn ensure_workspace(state: &AppState, row: SessionRow) -> Result<SessionRow, AppError> {
    if row.role().is_some() {
        return Ok(row);
    }
    let memberships = crate::workspaces::store::memberships_of(&state.db, &row.user_id).await?;
    let Some(first) = memberships.into_iter().next() else {
        return Ok(row);
    };
    session::set_workspace(&state.db, &row.token_hash, &first.workspace_id).await?;
    Ok(SessionRow {
        workspace_id: Some(first.workspace_id),
        role: Some(first.role),
        workspace_name: Some(first.workspace_name),
        ..row
    })
}
