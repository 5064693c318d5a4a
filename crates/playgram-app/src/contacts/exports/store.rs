//! SQL for the export records.

use playgram_core::ids::{ExportId, FileId, WorkspaceId};
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, on_conn, on_tx};
use sqlx::AssertSqlSafe;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportRow {
    pub id: ExportId,
    pub workspace_id: WorkspaceId,
    pub format: String,
    pub filter: String,
    pub segment_id: Option<String>,
    pub purpose: String,
    pub status: String,
    pub row_count: i32,
    pub file_id: Option<FileId>,
    pub error: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub downloads: i32,
    pub last_downloaded_at: Option<Millis>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
    pub expires_at: Option<Millis>,
}

const COLUMNS: &str = "id, workspace_id, format, filter, segment_id, purpose, status, row_count, file_id, error, \
    actor_type, actor_id, downloads, last_downloaded_at, created_at, finished_at, expires_at";

pub async fn insert(tx: &mut Tx, row: &ExportRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_exports (id, workspace_id, format, filter, segment_id, purpose, status, actor_type, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.format).bind(&row.filter).bind(&row.segment_id)
        .bind(&row.purpose).bind(&row.status).bind(&row.actor_type).bind(&row.actor_id).bind(row.created_at)
        .execute(conn).await.map(|_| ()))
}

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<ExportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM contact_exports WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

pub async fn list(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    before: Option<&ExportId>,
    limit: i64,
) -> sqlx::Result<Vec<ExportRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contact_exports WHERE workspace_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(before).bind(limit).fetch_all(conn).await)
}

/// Progress while the job writes (rows so far).
pub async fn progress(c: &mut Conn<'_>, id: &ExportId, rows: i32) -> sqlx::Result<()> {
    on_conn!(c, conn => sqlx::query("UPDATE contact_exports SET status = 'running', row_count = $1 WHERE id = $2 AND status IN ('queued', 'running')")
        .bind(rows).bind(id).execute(conn).await.map(|_| ()))
}

pub async fn complete(
    tx: &mut Tx,
    id: &ExportId,
    rows: i32,
    file: &FileId,
    now: Millis,
    expires_at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE contact_exports SET status = 'completed', row_count = $1, file_id = $2, finished_at = $3, expires_at = $4 WHERE id = $5")
        .bind(rows).bind(file).bind(now).bind(expires_at).bind(id).execute(conn).await.map(|_| ()))
}

pub async fn fail(c: &mut Conn<'_>, id: &ExportId, error: &str, now: Millis) -> sqlx::Result<()> {
    on_conn!(c, conn => sqlx::query("UPDATE contact_exports SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3")
        .bind(error).bind(now).bind(id).execute(conn).await.map(|_| ()))
}

pub async fn downloaded(tx: &mut Tx, id: &ExportId, now: Millis) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE contact_exports SET downloads = downloads + 1, last_downloaded_at = $1 WHERE id = $2")
        .bind(now).bind(id).execute(conn).await.map(|_| ()))
}
