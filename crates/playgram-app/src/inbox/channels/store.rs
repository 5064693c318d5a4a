//! SQL for channels.

use playgram_core::ids::{ChannelId, WorkspaceId};
use playgram_core::time::Millis;
use playgram_core::{Conn, Db, Tx, on_conn, on_db, on_tx};

use super::ChannelRow;

const COLUMNS: &str = "id, workspace_id, kind, name, external_id, settings, secrets, status, \
    status_reason, created_at, updated_at";

pub async fn insert(tx: &mut Tx, row: &ChannelRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO channels (id, workspace_id, kind, name, external_id, settings, secrets, status, \
           status_reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.kind).bind(&row.name)
        .bind(&row.external_id).bind(&row.settings).bind(&row.secrets).bind(&row.status)
        .bind(&row.status_reason).bind(row.created_at).bind(row.updated_at)
        .execute(conn).await.map(drop))
}

pub async fn update(tx: &mut Tx, row: &ChannelRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE channels SET name = $1, external_id = $2, settings = $3, secrets = $4, status = $5, \
           status_reason = $6, updated_at = $7 WHERE id = $8 AND workspace_id = $9")
        .bind(&row.name).bind(&row.external_id).bind(&row.settings).bind(&row.secrets)
        .bind(&row.status).bind(&row.status_reason).bind(row.updated_at)
        .bind(&row.id).bind(&row.workspace_id)
        .execute(conn).await.map(drop))
}

/// The workspace's channel, read from the pool or inside a transaction.
pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

/// A channel by id alone: for the public webhook URLs, which carry no workspace.
pub async fn by_id(db: &Db, id: &ChannelId) -> sqlx::Result<Option<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
}

/// Channels by id, oldest first.
pub async fn list(db: &Db, ws: &WorkspaceId) -> sqlx::Result<Vec<ChannelRow>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE workspace_id = $1 ORDER BY id");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).fetch_all(pool).await)
}

pub async fn delete(tx: &mut Tx, ws: &WorkspaceId, id: &ChannelId) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query("DELETE FROM channels WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks the channel as needing a new token (the provider refused it), or connected again.
pub async fn set_status(
    tx: &mut Tx,
    id: &ChannelId,
    status: &str,
    reason: Option<&str>,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE channels SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4")
        .bind(status).bind(reason).bind(at).bind(id).execute(conn).await.map(drop))
}
