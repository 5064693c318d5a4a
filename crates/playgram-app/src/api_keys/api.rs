//! REST handlers for API keys.

use axum::extract::{Path, State};
use playgram_core::ids::ApiKeyId;
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::service::{self, CreateInput};
use super::store::{self, KeyRow};
use crate::auth::{Capability, Principal, Scopes};
use crate::http::{Api, ApiJson, AppError, Result};

use crate::state::AppState;

#[derive(Serialize)]
pub struct KeyOut {
    pub id: ApiKeyId,
    pub name: String,
    pub scopes: Vec<&'static str>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
    /// The start and end of the current secret, to recognise it.
    pub hint: Option<String>,
    pub created_by: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub expires_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub last_used_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub revoked_at: Option<Millis>,
    /// Until when the previous secret still works, after a rotation.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub previous_secret_expires_at: Option<Millis>,
}

impl From<KeyRow> for KeyOut {
    fn from(k: KeyRow) -> Self {
        KeyOut {
            status: k.status(),
            scopes: Scopes::from_stored(&k.scopes).names(),
            id: k.id,
            name: k.name,
            hint: k.hint,
            created_by: k.created_by_email,
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
            previous_secret_expires_at: k.previous_expires_at,
        }
    }
}

#[derive(Serialize)]
pub struct KeyWithSecretOut {
    #[serde(flatten)]
    pub key: KeyOut,
    /// The secret, shown only in this response. Send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// Lists the workspace's API keys (active first). Secrets are never listed.
pub async fn list_api_keys(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<KeyOut>>> {
    principal.require(Capability::ReadApiKeys)?;
    let rows = store::list(&state.db, &principal.workspace_id).await?;
    Ok(Api::ok(rows.into_iter().map(KeyOut::from).collect()))
}

/// One API key.
pub async fn get_api_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<KeyOut>> {
    principal.require(Capability::ReadApiKeys)?;
    let id = ApiKeyId::parse(&id).ok_or_else(AppError::not_found)?;
    let row = store::get(&state.db, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(row.into()))
}

#[derive(Deserialize)]
pub struct KeyIn {
    pub name: String,
    /// Scopes such as `workspace:read`, `members:write`, `api_keys:read`, `api_keys:write`, `audit:read`.
    pub scopes: Vec<String>,
    /// RFC 3339 time after which the key stops working; absent for no expiry.
    pub expires_at: Option<String>,
}

/// Creates an API key. The secret is in this response only.
pub async fn create_api_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<KeyIn>,
) -> Result<Api<KeyWithSecretOut>> {
    let expires_at = match input.expires_at.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    AppError::field(
                        "expires_at",
                        "Use an RFC 3339 time such as 2027-01-31T00:00:00Z.",
                    )
                })?
                .timestamp_millis(),
        ),
        None => None,
    };
    let created = service::create(
        &state,
        &principal,
        CreateInput {
            name: &input.name,
            scopes: input.scopes.iter().map(String::as_str).collect(),
            expires_at,
        },
    )
    .await?;
    Ok(Api::created(KeyWithSecretOut {
        key: created.key.into(),
        secret: created.secret,
    }))
}

#[derive(Deserialize, Default)]
pub struct RotateIn {
    /// How long the old secret keeps working, 0–720 hours (default from configuration, 24).
    pub overlap_hours: Option<i64>,
}

/// Issues a new secret for a key; the old one keeps working for the overlap period.
/// The body is optional: an empty body rotates with the default overlap.
pub async fn rotate_api_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Api<KeyWithSecretOut>> {
    let id = ApiKeyId::parse(&id).ok_or_else(AppError::not_found)?;
    let input: RotateIn = crate::http::json::optional_json(body)?;
    let overlap = input.overlap_hours;
    let rotated = service::rotate(&state, &principal, &id, overlap).await?;
    Ok(Api::ok(KeyWithSecretOut {
        key: rotated.key.into(),
        secret: rotated.secret,
    }))
}

/// Revokes a key at once. Revoking twice is harmless.
pub async fn delete_api_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<()>> {
    let id = ApiKeyId::parse(&id).ok_or_else(AppError::not_found)?;
    service::revoke(&state, &principal, &id).await?;
    Ok(Api::ok(()))
}
