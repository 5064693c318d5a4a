//! Uploading, previewing, starting and cancelling imports.

use playgram_core::Conn;
use playgram_core::ids::ImportId;
use playgram_core::jobs::{NewJob, enqueue};
use playgram_core::time::now_ms;
use serde_json::json;

use super::apply::{self, Batch, RowResult};
use super::plan::{Plan, PlanIn, Suggestion, suggest};
use super::read::{self, Format, Table};
use super::store::{self, ImportRow};
use super::{PREVIEW_ROWS, UPLOAD_TTL_MS, rows};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::contacts::fields::{self, FieldSet};
use crate::contacts::service::Context;
use crate::contacts::timeline::By;
use crate::http::{AppError, Result};
use crate::state::AppState;

/// An upload's first rows and suggestions, answered with it.
pub struct Uploaded {
    pub import: ImportRow,
    pub sample: Vec<Vec<String>>,
    pub suggestions: Vec<Suggestion>,
}

pub async fn upload(
    state: &AppState,
    principal: &Principal,
    filename: &str,
    bytes: &[u8],
) -> Result<Uploaded> {
    let filename = clean_name(filename);
    let format = Format::detect(&filename, bytes).ok_or_else(|| {
        AppError::field("file", "Upload a CSV or an XLSX file (older .xls and .ods workbooks: save them as XLSX first).")
    })?;
    let table = read::read(format, bytes).map_err(|m| AppError::field("file", m))?;
    if table.rows.is_empty() {
        return Err(AppError::field(
            "file",
            "The file has a header row but no rows to import.",
        ));
    }
    let ws = &principal.workspace_id;
    let fields = fields::store::all(&mut Conn::Db(&state.db), ws).await?;
    let by = By::of(principal);
    let content_type = match format {
        Format::Csv => "text/csv",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let file_id = crate::files::insert(
        &mut tx,
        ws,
        &filename,
        content_type,
        bytes,
        Some(now + UPLOAD_TTL_MS),
    )
    .await?;
    let import = ImportRow {
        id: ImportId::new(),
        workspace_id: ws.clone(),
        file_id: Some(file_id),
        filename: filename.clone(),
        format: format.as_str().into(),
        status: "uploaded".into(),
        headers: serde_json::to_string(&table.headers).unwrap_or_else(|_| "[]".into()),
        row_count: table.rows.len() as i32,
        plan: None,
        rows_done: 0,
        rows_created: 0,
        rows_updated: 0,
        rows_skipped: 0,
        rows_failed: 0,
        error: None,
        actor_type: by.kind.to_owned(),
        actor_id: by.id.clone(),
        created_at: now,
        started_at: None,
        finished_at: None,
    };
    store::insert(&mut tx, &import).await?;
    tx.commit().await?;
    let sample: Vec<Vec<String>> = table.rows.iter().take(5).cloned().collect();
    let suggestions = suggest(
        &table.headers,
        &table.rows.iter().take(50).cloned().collect::<Vec<_>>(),
        &fields,
    );
    Ok(Uploaded {
        import,
        sample,
        suggestions,
    })
}

/// A file name safe to show and to put in a header: its last path part, printable, at most 200.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    if clean.trim().is_empty() {
        "contacts.csv".into()
    } else {
        clean.trim().to_owned()
    }
}

pub async fn found(state: &AppState, principal: &Principal, id: &str) -> Result<ImportRow> {
    store::get(&mut Conn::Db(&state.db), &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The import's file as a table; an expired or deleted file is a clear 410.
pub async fn table(state: &AppState, import: &ImportRow) -> Result<Table> {
    let gone = || {
        AppError::client(
            axum::http::StatusCode::GONE,
            "import_file_gone",
            "The uploaded file is no longer kept (uploads wait 7 days); upload it again.",
        )
    };
    let file = import.file_id.as_ref().ok_or_else(gone)?;
    let bytes = crate::files::data(&mut Conn::Db(&state.db), &import.workspace_id, file)
        .await?
        .ok_or_else(gone)?;
    let format = Format::parse(&import.format).unwrap_or(Format::Csv);
    read::read(format, &bytes).map_err(|m| AppError::field("file", m))
}

/// The plan checked against the file and the fields, and the fields as they will be once those
/// it creates exist (each checked as `POST /contact-fields` checks it).
fn checked(
    import: &ImportRow,
    input: &PlanIn,
    fields: &FieldSet,
) -> Result<(Plan, FieldSet, Vec<fields::FieldRow>)> {
    let plan = input.check(&import.headers(), fields)?;
    let mut with_new = fields.clone();
    let mut new = Vec::new();
    let mut problems = crate::contacts::input::Problems::default();
    for def in &plan.create_fields {
        match fields::service::build(&import.workspace_id, def.to_input()) {
            Ok(row) if with_new.by_key(&row.key).is_none() => {
                with_new.fields.push(row.clone());
                new.push(row);
            }
            Ok(row) => problems.add(
                format!("create_fields.{}", row.key),
                "This key is given twice.",
            ),
            Err(e) => {
                for (field, message) in e.named_field_errors() {
                    problems.add(format!("create_fields.{}.{field}", def.key), message);
                }
            }
        }
    }
    problems.into_result((plan, with_new, new))
}

/// What the first rows would do, without keeping anything.
pub async fn preview(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: &PlanIn,
) -> Result<Vec<RowResult>> {
    let import = found(state, principal, id).await?;
    let context = Context::load(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    let (plan, fields, new) = checked(&import, input, &context.fields)?;
    let table = table(state, &import).await?;
    let by = By::of(principal);
    let batch = Batch {
        ws: &principal.workspace_id,
        plan: &plan,
        fields: &fields,
        by: &by,
        filename: &import.filename,
    };
    let parsed = table
        .rows
        .iter()
        .take(PREVIEW_ROWS)
        .enumerate()
        .map(|(i, cells)| {
            (
                table.number(i),
                rows::parse(&plan, &fields, context.country(), &table.headers, cells),
            )
        })
        .collect();
    let mut tx = state.db.begin().await?;
    // Fields to create are needed for the values to be written; the rollback removes them.
    create_fields(&mut tx, &new).await?;
    let results = apply::apply(&mut tx, &batch, parsed).await?;
    drop(tx);
    Ok(results)
}

async fn create_fields(tx: &mut playgram_core::Tx, new: &[fields::FieldRow]) -> Result<()> {
    for row in new {
        fields::store::insert(tx, row).await?;
    }
    Ok(())
}

/// Starts the import: creates the fields it needs, stores the plan and queues the job.
pub async fn start(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: &PlanIn,
) -> Result<ImportRow> {
    let import = found(state, principal, id).await?;
    if import.status != "uploaded" {
        return Err(AppError::conflict(
            "import_started",
            "This import was started already; upload the file again to run it once more.",
        ));
    }
    let context = Context::load(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    let (_, _, new) = checked(&import, input, &context.fields)?;
    let mut tx = state.db.begin().await?;
    create_fields(&mut tx, &new).await?;
    let stored = serde_json::to_string(input).unwrap_or_else(|_| "{}".into());
    if !store::start(&mut tx, &import.id, &stored, now_ms()).await? {
        return Err(AppError::conflict(
            "import_started",
            "This import was started already.",
        ));
    }
    let job = NewJob::of::<super::job::ImportJob>(&super::job::Work {
        import_id: import.id.clone(),
        workspace_id: import.workspace_id.clone(),
    })
    .map_err(|e| AppError::Internal(e.into()))?
    .workspace(&import.workspace_id)
    .unique(format!("contact_import:{}", import.id));
    enqueue(&mut tx, job).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact_import.started")
            .target(&import.id)
            .details(json!({ "file": import.filename, "rows": import.row_count })),
    )
    .await?;
    tx.commit().await?;
    found(state, principal, id).await
}

/// Stops an import that has not finished; rows already imported stay.
pub async fn cancel(state: &AppState, principal: &Principal, id: &str) -> Result<ImportRow> {
    let import = found(state, principal, id).await?;
    if import.is_finished() {
        return Err(AppError::conflict(
            "import_finished",
            "This import has finished; there is nothing to cancel.",
        ));
    }
    let mut tx = state.db.begin().await?;
    if store::finish(&mut tx, &import.id, "cancelled", None, now_ms()).await? {
        let ended = found_in(&mut tx, &import).await?;
        super::job::announce(&mut tx, &ended).await?;
    }
    audit::record(
        &mut tx,
        Entry::by(principal, "contact_import.cancelled").target(&import.id),
    )
    .await?;
    tx.commit().await?;
    found(state, principal, id).await
}

async fn found_in(tx: &mut playgram_core::Tx, import: &ImportRow) -> Result<ImportRow> {
    store::get(&mut Conn::Tx(tx), &import.workspace_id, import.id.as_str())
        .await?
        .ok_or_else(AppError::not_found)
}
