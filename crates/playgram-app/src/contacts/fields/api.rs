//! `/api/v1/contact-fields`: custom field definitions, with how many contacts hold a value.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use playgram_core::Conn;
use playgram_core::ids::FieldId;
use playgram_core::time::Millis;
use serde::Serialize;

use super::service::{self, FieldIn};
use super::store::{self, FieldRow};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

#[derive(Serialize)]
pub struct FieldOut {
    pub id: FieldId,
    pub key: String,
    pub label: String,
    pub kind: String,
    /// The choices of a select or multi_select field (otherwise empty).
    pub options: Vec<String>,
    pub description: String,
    /// Contacts holding a value.
    pub contact_count: i64,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

impl FieldOut {
    pub fn of(row: &FieldRow, contact_count: i64) -> FieldOut {
        FieldOut {
            id: row.id.clone(),
            key: row.key.clone(),
            label: row.label.clone(),
            kind: row.kind.clone(),
            options: row.options(),
            description: row.description.clone(),
            contact_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

async fn all_out(state: &AppState, principal: &Principal) -> Result<Vec<FieldOut>> {
    let mut c = Conn::Db(&state.db);
    let ws = &principal.workspace_id;
    let fields = store::all(&mut c, ws).await?;
    let usage = store::usage(&mut c, ws).await?;
    Ok(fields
        .fields
        .iter()
        .map(|f| {
            FieldOut::of(
                f,
                usage
                    .iter()
                    .find(|(id, _)| id == &f.id)
                    .map_or(0, |(_, n)| *n),
            )
        })
        .collect())
}

pub async fn list_fields(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<Vec<FieldOut>>> {
    principal.require(Capability::ReadContacts)?;
    Ok(Api::ok(all_out(&state, &principal).await?))
}

pub async fn create_field(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<FieldIn>,
) -> Result<Api<FieldOut>> {
    principal.require(Capability::ManageContactSchema)?;
    let row = service::create(&state, &principal, input).await?;
    Ok(Api::created(FieldOut::of(&row, 0)))
}

async fn one(state: &AppState, principal: &Principal, id: &str) -> Result<FieldOut> {
    all_out(state, principal)
        .await?
        .into_iter()
        .find(|f| f.id.as_str() == id)
        .ok_or_else(AppError::not_found)
}

pub async fn get_field(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<FieldOut>> {
    principal.require(Capability::ReadContacts)?;
    Ok(Api::ok(one(&state, &principal, &id).await?))
}

/// Changes the label, description or options (the key never; the kind only while no contact has
/// a value).
pub async fn update_field(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FieldIn>,
) -> Result<Api<FieldOut>> {
    principal.require(Capability::ManageContactSchema)?;
    service::update(&state, &principal, &id, input).await?;
    Ok(Api::ok(one(&state, &principal, &id).await?))
}

/// Deletes the field and every contact's value for it.
pub async fn delete_field(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    principal.require(Capability::ManageContactSchema)?;
    service::delete(&state, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
