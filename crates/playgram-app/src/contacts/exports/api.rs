//! `/api/v1/contact-exports…`: ask for an export, follow it, download its file.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use playgram_core::Conn;
use playgram_core::ids::{ExportId, SegmentId};
use playgram_core::time::Millis;
use serde::Serialize;

use super::service::{self, ExportIn};
use super::store::{self, ExportRow};
use crate::auth::{Capability, Principal};
use crate::contacts::timeline::By;
use crate::http::{Api, ApiJson, Result};
use crate::state::AppState;

#[derive(Serialize)]
pub struct ExportOut {
    pub id: ExportId,
    pub format: String,
    /// queued, running, completed or failed.
    pub status: String,
    /// The contacts it holds (the filter as recorded, tags by id).
    pub filter: serde_json::Value,
    pub segment_id: Option<SegmentId>,
    pub purpose: String,
    /// Contacts written (so far, while running).
    pub row_count: i32,
    pub error: Option<String>,
    pub requested_by: By,
    pub downloads: i32,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub last_downloaded_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub finished_at: Option<Millis>,
    /// The file can be downloaded until then.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub expires_at: Option<Millis>,
    /// Where to download it, while it is available.
    pub download_url: Option<String>,
}

impl From<&ExportRow> for ExportOut {
    fn from(r: &ExportRow) -> Self {
        let available = r.status == "completed"
            && r.expires_at
                .is_some_and(|t| t > playgram_core::time::now_ms());
        ExportOut {
            id: r.id.clone(),
            format: r.format.clone(),
            status: r.status.clone(),
            filter: serde_json::from_str(&r.filter).unwrap_or_default(),
            segment_id: r.segment_id.as_deref().and_then(SegmentId::parse),
            purpose: r.purpose.clone(),
            row_count: r.row_count,
            error: r.error.clone(),
            requested_by: By::stored(&r.actor_type, r.actor_id.clone()),
            downloads: r.downloads,
            last_downloaded_at: r.last_downloaded_at,
            created_at: r.created_at,
            finished_at: r.finished_at,
            expires_at: r.expires_at,
            download_url: available.then(|| format!("/api/v1/contact-exports/{}/download", r.id)),
        }
    }
}

/// Asks for an export (written by a job; follow it with `GET`).
pub async fn create_export(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<ExportIn>,
) -> Result<Api<ExportOut>> {
    principal.require(Capability::ExportContacts)?;
    let row = service::create(&state, &principal, input).await?;
    Ok(Api::accepted(ExportOut::from(&row)))
}

/// Every export of the workspace: who, when, which contacts, why, downloads.
pub async fn list_exports(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<crate::http::PageQuery>,
) -> Result<Api<Vec<ExportOut>>> {
    principal.require(Capability::ExportContacts)?;
    let limit = crate::http::page_limit(q.limit.as_deref(), 50)?;
    let before = crate::http::id_cursor(q.cursor.as_deref(), ExportId::parse)?;
    let rows = store::list(
        &mut Conn::Db(&state.db),
        &principal.workspace_id,
        before.as_ref(),
        limit,
    )
    .await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(rows.iter().map(ExportOut::from).collect(), next))
}

pub async fn get_export(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ExportOut>> {
    principal.require(Capability::ExportContacts)?;
    Ok(Api::ok(ExportOut::from(
        &service::found(&state, &principal, &id).await?,
    )))
}

/// The export's file (409 until it is ready, 410 once it expired).
pub async fn download_export(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Response> {
    principal.require(Capability::ExportContacts)?;
    let (name, content_type, bytes) = service::download(&state, &principal, &id).await?;
    Ok(crate::pages::attachment(&name, content_type, bytes))
}
