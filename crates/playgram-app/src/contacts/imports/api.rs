//! `/api/v1/contact-imports…`: upload, list, progress, preview, start, cancel, error report.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use playgram_core::Conn;
use playgram_core::ids::ImportId;
use playgram_core::time::Millis;
use serde::Serialize;

use super::apply::RowResult;
use super::plan::{PlanIn, Suggestion};
use super::service;
use super::store::{self, ImportRow};
use crate::auth::{Capability, Principal};
use crate::contacts::timeline::By;
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

#[derive(Serialize)]
pub struct ImportOut {
    pub id: ImportId,
    pub filename: String,
    /// csv or xlsx.
    pub format: String,
    /// uploaded, queued, running, completed, failed or cancelled.
    pub status: String,
    pub headers: Vec<String>,
    pub row_count: i32,
    pub rows_done: i32,
    pub created: i32,
    pub updated: i32,
    pub skipped: i32,
    pub failed: i32,
    /// rows_done / row_count, 0 to 1.
    pub progress: f64,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The plan it runs with (null until started).
    pub plan: Option<serde_json::Value>,
    pub created_by: By,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub started_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub finished_at: Option<Millis>,
}

impl From<&ImportRow> for ImportOut {
    fn from(r: &ImportRow) -> Self {
        ImportOut {
            id: r.id.clone(),
            filename: r.filename.clone(),
            format: r.format.clone(),
            status: r.status.clone(),
            headers: r.headers(),
            row_count: r.row_count,
            rows_done: r.rows_done,
            created: r.rows_created,
            updated: r.rows_updated,
            skipped: r.rows_skipped,
            failed: r.rows_failed,
            progress: if r.row_count > 0 {
                f64::from(r.rows_done) / f64::from(r.row_count)
            } else {
                1.0
            },
            error: r.error.clone(),
            plan: r.plan.as_deref().and_then(|p| serde_json::from_str(p).ok()),
            created_by: By::stored(&r.actor_type, r.actor_id.clone()),
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

#[derive(Serialize)]
pub struct UploadOut {
    #[serde(flatten)]
    pub import: ImportOut,
    /// The first five rows, as read.
    pub sample: Vec<Vec<String>>,
    /// A target per column (and a field to create where none fits).
    pub suggestions: Vec<Suggestion>,
}

/// The uploaded file from a multipart body's `file` part, refused past the size limit. A body
/// that is not multipart is a 415 envelope like any other (axum's own answer is plain text).
pub async fn read_upload(
    state: &AppState,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<u8>)> {
    let mut multipart = multipart.map_err(|_| {
        AppError::client(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the file as multipart/form-data, in a part named `file`.",
        )
    })?;
    let limit = state.config.contacts_import_max_bytes;
    let bad = |m: &str| AppError::field("file", m.to_owned());
    while let Some(mut part) = multipart
        .next_field()
        .await
        .map_err(|e| bad(&format!("The upload could not be read: {e}")))?
    {
        if part.name() != Some("file") {
            continue;
        }
        let name = part.file_name().unwrap_or("contacts.csv").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = part
            .chunk()
            .await
            .map_err(|e| bad(&format!("The upload could not be read: {e}")))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(crate::http::json::payload_too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok((name, bytes));
    }
    Err(bad("Send the file as the multipart part named `file`."))
}

/// Uploads a CSV or XLSX file; answers its headers, first rows and suggested mapping.
pub async fn create_import(
    State(state): State<AppState>,
    principal: Principal,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Api<UploadOut>> {
    principal.require(Capability::ImportContacts)?;
    let (name, bytes) = read_upload(&state, multipart).await?;
    let up = service::upload(&state, &principal, &name, &bytes).await?;
    Ok(Api::created(UploadOut {
        import: ImportOut::from(&up.import),
        sample: up.sample,
        suggestions: up.suggestions,
    }))
}

pub async fn list_imports(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<crate::http::PageQuery>,
) -> Result<Api<Vec<ImportOut>>> {
    principal.require(Capability::ImportContacts)?;
    let limit = crate::http::page_limit(q.limit.as_deref(), 50)?;
    let before = crate::http::id_cursor(q.cursor.as_deref(), ImportId::parse)?;
    let rows = store::list(
        &mut Conn::Db(&state.db),
        &principal.workspace_id,
        before.as_ref(),
        limit,
    )
    .await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(rows.iter().map(ImportOut::from).collect(), next))
}

/// The import and its live progress.
pub async fn get_import(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ImportOut>> {
    principal.require(Capability::ImportContacts)?;
    Ok(Api::ok(ImportOut::from(
        &service::found(&state, &principal, &id).await?,
    )))
}

/// A dry run of the first 20 rows with this plan: nothing is kept.
pub async fn preview_import(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(plan): ApiJson<PlanIn>,
) -> Result<Api<Vec<RowResult>>> {
    principal.require(Capability::ImportContacts)?;
    Ok(Api::ok(
        service::preview(&state, &principal, &id, &plan).await?,
    ))
}

/// Starts the import with this plan (once); follow its progress with `GET`.
pub async fn start_import(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(plan): ApiJson<PlanIn>,
) -> Result<Api<ImportOut>> {
    principal.require(Capability::ImportContacts)?;
    let import = service::start(&state, &principal, &id, &plan).await?;
    Ok(Api::accepted(ImportOut::from(&import)))
}

/// Stops the import before its next chunk; what was imported stays.
pub async fn cancel_import(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ImportOut>> {
    principal.require(Capability::ImportContacts)?;
    Ok(Api::ok(ImportOut::from(
        &service::cancel(&state, &principal, &id).await?,
    )))
}

/// The refused rows as CSV: row, column, message, then the row's own cells under the file's
/// headers (fix them and import this file again).
pub async fn get_import_errors(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Response> {
    principal.require(Capability::ImportContacts)?;
    let import = service::found(&state, &principal, &id).await?;
    let errors = store::errors(&mut Conn::Db(&state.db), &import.id, 1_000_000).await?;
    let csv = error_report(&import.headers(), &errors);
    let name = format!(
        "{}-errors.csv",
        import
            .filename
            .trim_end_matches(".csv")
            .trim_end_matches(".xlsx")
    );
    Ok(crate::pages::attachment(
        &name,
        "text/csv; charset=utf-8",
        csv,
    ))
}

/// One line per refused row (its messages joined), formula-safe.
pub fn error_report(headers: &[String], errors: &[store::ErrorRow]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["row".to_owned(), "errors".to_owned()];
    head.extend(headers.iter().cloned());
    let _ = out.write_record(
        head.iter()
            .map(|h| crate::contacts::exports::write::safe_cell(h)),
    );
    let mut i = 0;
    while i < errors.len() {
        let row = errors[i].0;
        let mut messages = Vec::new();
        let raw = errors[i].3.clone();
        while i < errors.len() && errors[i].0 == row {
            let (_, column, message, _) = &errors[i];
            messages.push(if column.is_empty() {
                message.clone()
            } else {
                format!("{column}: {message}")
            });
            i += 1;
        }
        let cells: Vec<String> = serde_json::from_str(&raw).unwrap_or_default();
        let mut record = vec![row.to_string(), messages.join("; ")];
        record.extend(cells);
        let _ = out.write_record(
            record
                .iter()
                .map(|c| crate::contacts::exports::write::safe_cell(c)),
        );
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(out.into_inner().unwrap_or_default());
    bytes
}
