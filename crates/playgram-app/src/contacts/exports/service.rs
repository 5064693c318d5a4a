//! Asking for an export (recorded, then written by a job) and downloading it.

use playgram_core::Conn;
use playgram_core::ids::ExportId;
use playgram_core::jobs::{NewJob, enqueue};
use playgram_core::time::now_ms;
use serde::Deserialize;
use serde_json::json;

use super::FORMATS;
use super::store::{self, ExportRow};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::contacts::filter::Filter;
use crate::contacts::timeline::By;
use crate::contacts::{api, segments, tags};
use crate::http::{AppError, FieldErrors, Result};
use crate::state::AppState;

/// `POST /api/v1/contact-exports`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportIn {
    /// csv, json or xlsx.
    pub format: String,
    /// Which contacts (every contact when neither this nor `segment_id` is given).
    #[serde(default)]
    pub filter: Option<Filter>,
    #[serde(default)]
    pub segment_id: Option<String>,
    /// Why the data leaves Playgram (kept with the export record): "Newsletter sync", "Audit".
    pub purpose: String,
}

pub async fn create(state: &AppState, principal: &Principal, input: ExportIn) -> Result<ExportRow> {
    let ws = &principal.workspace_id;
    let mut errors = FieldErrors::new();
    let format = input.format.trim().to_ascii_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        errors.insert("format", "Choose csv, json or xlsx.".into());
    }
    let purpose = input
        .purpose
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !(3..=200).contains(&purpose.chars().count()) {
        errors.insert(
            "purpose",
            "Say in 3 to 200 characters why these contacts are exported.".into(),
        );
    }
    if input.filter.is_some() && input.segment_id.is_some() {
        errors.insert("segment_id", "Give a filter or a segment, not both.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut c = Conn::Db(&state.db);
    let (filter, segment_id) = match &input.segment_id {
        Some(id) => {
            let segment = segments::get(&mut c, ws, id)
                .await?
                .ok_or_else(|| AppError::field("segment_id", "There is no such segment."))?;
            (segment.filter(), Some(segment.id.to_string()))
        }
        None => (input.filter.clone().unwrap_or_default(), None),
    };
    // Refuse a filter that does not hold now, and record it with tags by id.
    api::resolve(&mut c, ws, &filter).await?;
    let filter = filter.canonical(&tags::store::all(&mut c, ws).await?);
    let by = By::of(principal);
    let row = ExportRow {
        id: ExportId::new(),
        workspace_id: ws.clone(),
        format,
        filter: serde_json::to_string(&filter).unwrap_or_else(|_| "{}".into()),
        segment_id,
        purpose,
        status: "queued".into(),
        row_count: 0,
        file_id: None,
        error: None,
        actor_type: by.kind.to_owned(),
        actor_id: by.id.clone(),
        downloads: 0,
        last_downloaded_at: None,
        created_at: now_ms(),
        finished_at: None,
        expires_at: None,
    };
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, &row).await?;
    let job = NewJob::of::<super::job::ExportJob>(&super::job::Work {
        export_id: row.id.clone(),
        workspace_id: ws.clone(),
    })
    .map_err(|e| AppError::Internal(e.into()))?
    .workspace(ws);
    enqueue(&mut tx, job).await?;
    audit::record(&mut tx, Entry::by(principal, "contact_export.created").target(&row.id)
        .details(json!({ "format": row.format, "purpose": row.purpose, "filter": filter, "segment_id": row.segment_id }))).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn found(state: &AppState, principal: &Principal, id: &str) -> Result<ExportRow> {
    store::get(&mut Conn::Db(&state.db), &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The export's file (name, content type, bytes); the download is counted and audited.
pub async fn download(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(String, &'static str, Vec<u8>)> {
    let export = found(state, principal, id).await?;
    if export.status != "completed" {
        return Err(AppError::conflict(
            "export_not_ready",
            "This export is not ready yet; its status says how far it is.",
        ));
    }
    let gone = || {
        AppError::client(
            axum::http::StatusCode::GONE,
            "export_expired",
            "This export's file has expired; ask for a new export.",
        )
    };
    let file = export.file_id.as_ref().ok_or_else(gone)?;
    let bytes = crate::files::data(&mut Conn::Db(&state.db), &principal.workspace_id, file)
        .await?
        .ok_or_else(gone)?;
    let mut tx = state.db.begin().await?;
    store::downloaded(&mut tx, &export.id, now_ms()).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact_export.downloaded").target(&export.id),
    )
    .await?;
    tx.commit().await?;
    let name = format!("contacts-{}.{}", export.id, export.format);
    Ok((name, super::write::content_type(&export.format), bytes))
}
