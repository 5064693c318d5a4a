//! Files the server keeps: uploaded imports and finished exports. They live in the database
//! (`stored_files`), so every instance of a deployment can serve them and a backup holds them;
//! each may carry an expiry, after which the hourly prune deletes it. (When the media library
//! arrives with its object storage, large media go there instead; these stay small and short-lived.)

use playgram_core::ids::{FileId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Db, Tx, on_conn, on_db, on_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileRow {
    pub id: FileId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
}

pub async fn insert(
    tx: &mut Tx,
    ws: &WorkspaceId,
    name: &str,
    content_type: &str,
    data: &[u8],
    expires_at: Option<Millis>,
) -> sqlx::Result<FileId> {
    let id = FileId::new();
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO stored_files (id, workspace_id, name, content_type, size, data, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&id).bind(ws).bind(name).bind(content_type).bind(data.len() as i64).bind(data)
        .bind(now_ms()).bind(expires_at)
        .execute(conn).await.map(|_| ()))?;
    Ok(id)
}

/// The file's description (not its bytes), if it exists and has not expired.
pub async fn meta(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    id: &FileId,
) -> sqlx::Result<Option<FileRow>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT id, name, content_type, size, created_at, expires_at FROM stored_files \
         WHERE workspace_id = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3)")
        .bind(ws).bind(id).bind(now_ms()).fetch_optional(conn).await)
}

/// The file's bytes, if it exists and has not expired.
pub async fn data(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    id: &FileId,
) -> sqlx::Result<Option<Vec<u8>>> {
    on_conn!(c, conn => sqlx::query_scalar(
        "SELECT data FROM stored_files WHERE workspace_id = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3)")
        .bind(ws).bind(id).bind(now_ms()).fetch_optional(conn).await)
}

pub async fn delete(tx: &mut Tx, ws: &WorkspaceId, id: &FileId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM stored_files WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(id).execute(conn).await.map(|_| ()))
}

/// Deletes expired files (the hourly prune); returns how many.
pub async fn prune(db: &Db) -> sqlx::Result<u64> {
    on_db!(db, pool => sqlx::query("DELETE FROM stored_files WHERE expires_at IS NOT NULL AND expires_at <= $1")
        .bind(now_ms()).execute(pool).await.map(|r| r.rows_affected()))
}
