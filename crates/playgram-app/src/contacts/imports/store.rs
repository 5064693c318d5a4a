//! SQL for imports and their per-row errors.

use playgram_core::ids::{FileId, ImportId, WorkspaceId};
use playgram_core::sql::{Arg, insert_many};
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, on_conn, on_tx};
use sqlx::AssertSqlSafe;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub id: ImportId,
    pub workspace_id: WorkspaceId,
    pub file_id: Option<FileId>,
    pub filename: String,
    pub format: String,
    pub status: String,
    pub headers: String,
    pub row_count: i32,
    pub plan: Option<String>,
    pub rows_done: i32,
    pub rows_created: i32,
    pub rows_updated: i32,
    pub rows_skipped: i32,
    pub rows_failed: i32,
    pub error: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub created_at: Millis,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
}

impl ImportRow {
    pub fn headers(&self) -> Vec<String> {
        serde_json::from_str(&self.headers).unwrap_or_default()
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "cancelled")
    }
}

const COLUMNS: &str = "id, workspace_id, file_id, filename, format, status, headers, row_count, plan, rows_done, \
    rows_created, rows_updated, rows_skipped, rows_failed, error, actor_type, actor_id, created_at, started_at, finished_at";

pub async fn insert(tx: &mut Tx, row: &ImportRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_imports (id, workspace_id, file_id, filename, format, status, headers, row_count, \
           actor_type, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.file_id).bind(&row.filename).bind(&row.format)
        .bind(&row.status).bind(&row.headers).bind(row.row_count).bind(&row.actor_type).bind(&row.actor_id)
        .bind(row.created_at)
        .execute(conn).await.map(|_| ()))
}

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<ImportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM contact_imports WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

pub async fn list(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    before: Option<&ImportId>,
    limit: i64,
) -> sqlx::Result<Vec<ImportRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contact_imports WHERE workspace_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(before).bind(limit).fetch_all(conn).await)
}

/// Queues the import with its plan (only from `uploaded`: an import runs once).
pub async fn start(tx: &mut Tx, id: &ImportId, plan: &str, now: Millis) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "UPDATE contact_imports SET status = 'queued', plan = $1, started_at = $2 WHERE id = $3 AND status = 'uploaded'")
        .bind(plan).bind(now).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Counts of one committed chunk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub done: i32,
    pub created: i32,
    pub updated: i32,
    pub skipped: i32,
    pub failed: i32,
}

/// Adds a chunk's counts (in the chunk's transaction, so progress and rows commit together).
pub async fn advance(tx: &mut Tx, id: &ImportId, p: Progress) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE contact_imports SET status = 'running', rows_done = rows_done + $1, rows_created = rows_created + $2, \
           rows_updated = rows_updated + $3, rows_skipped = rows_skipped + $4, rows_failed = rows_failed + $5 \
         WHERE id = $6 AND status IN ('queued', 'running')")
        .bind(p.done).bind(p.created).bind(p.updated).bind(p.skipped).bind(p.failed).bind(id)
        .execute(conn).await.map(|_| ()))
}

/// Ends the import (completed, failed or cancelled) unless it ended already.
pub async fn finish(
    tx: &mut Tx,
    id: &ImportId,
    status: &str,
    error: Option<&str>,
    now: Millis,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "UPDATE contact_imports SET status = $1, error = $2, finished_at = $3 \
         WHERE id = $4 AND status IN ('uploaded', 'queued', 'running')")
        .bind(status).bind(error).bind(now).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One failed row: (row number, column, message, the row's cells as JSON).
pub type ErrorRow = (i32, String, String, String);

pub async fn insert_errors(tx: &mut Tx, id: &ImportId, errors: &[ErrorRow]) -> sqlx::Result<()> {
    let rows: Vec<Vec<Arg>> = errors
        .iter()
        .map(|(n, column, message, raw)| {
            vec![
                id.as_str().into(),
                i64::from(*n).into(),
                column.into(),
                message.into(),
                raw.into(),
            ]
        })
        .collect();
    insert_many(
        tx,
        "contact_import_errors",
        &["import_id", "row_number", "column_name", "message", "raw"],
        &rows,
        "ON CONFLICT DO NOTHING",
    )
    .await?;
    Ok(())
}

pub async fn errors(c: &mut Conn<'_>, id: &ImportId, limit: i64) -> sqlx::Result<Vec<ErrorRow>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT row_number, column_name, message, raw FROM contact_import_errors WHERE import_id = $1 \
         ORDER BY row_number, column_name LIMIT $2")
        .bind(id).bind(limit).fetch_all(conn).await)
}
