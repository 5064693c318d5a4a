//! SQL for request bins and their captured requests. Bin queries take the workspace first; capture
//! queries take a bin id that a workspace-scoped loader has already handed out.

use playgram_core::ids::{BinId, CaptureId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Db, Tx, on_db, on_tx};

/// A bin with its capture count and newest capture time.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct BinRow {
    pub id: BinId,
    pub token: String,
    pub name: String,
    pub created_at: Millis,
    pub capture_count: i64,
    pub last_capture_at: Option<Millis>,
}

const BIN_COLUMNS: &str = "b.id, b.token, b.name, b.created_at,
    (SELECT COUNT(*) FROM request_bin_captures c WHERE c.bin_id = b.id) AS capture_count,
    (SELECT MAX(c.received_at) FROM request_bin_captures c WHERE c.bin_id = b.id) AS last_capture_at
    FROM request_bins b";

/// One recorded request, as stored.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct CaptureRow {
    pub id: CaptureId,
    pub bin_id: BinId,
    pub method: String,
    pub path: String,
    pub query: String,
    /// JSON array of `[name, value]` pairs, in the order received.
    pub headers: String,
    pub body_encoding: String,
    pub body: String,
    pub body_size: i32,
    pub truncated: bool,
    pub remote_addr: Option<String>,
    pub received_at: Millis,
}

const CAPTURE_COLUMNS: &str = "id, bin_id, method, path, query, headers, body_encoding, body, \
    body_size, truncated, remote_addr, received_at FROM request_bin_captures";

pub async fn insert_bin(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &BinId,
    token: &str,
    name: &str,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO request_bins (id, workspace_id, token, name, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(workspace_id)
    .bind(token)
    .bind(name)
    .bind(now_ms())
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The workspace's bins, newest first, one page.
pub async fn list_bins(
    db: &Db,
    workspace_id: &WorkspaceId,
    before: Option<&BinId>,
    limit: i64,
) -> sqlx::Result<Vec<BinRow>> {
    let sql = format!(
        "SELECT {BIN_COLUMNS} WHERE b.workspace_id = $1 AND ($2 IS NULL OR b.id < $2) ORDER BY b.id DESC LIMIT $3"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(workspace_id)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

pub async fn get_bin(
    db: &Db,
    workspace_id: &WorkspaceId,
    id: &BinId,
) -> sqlx::Result<Option<BinRow>> {
    let sql = format!("SELECT {BIN_COLUMNS} WHERE b.workspace_id = $1 AND b.id = $2");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// Whether the bin still exists (a live stream ends when its bin is deleted).
pub async fn bin_exists(db: &Db, id: &BinId) -> sqlx::Result<bool> {
    let found: Option<i32> = on_db!(db, pool => sqlx::query_scalar("SELECT 1 FROM request_bins WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(found.is_some())
}

/// The bin a capture URL's token names (the only query not scoped by workspace: the token is the
/// credential).
pub async fn bin_by_token(db: &Db, token: &str) -> sqlx::Result<Option<BinId>> {
    on_db!(db, pool => sqlx::query_scalar("SELECT id FROM request_bins WHERE token = $1")
        .bind(token)
        .fetch_optional(pool)
        .await)
}

/// Deletes a bin and its captures; false when the workspace has no such bin.
pub async fn delete_bin(tx: &mut Tx, workspace_id: &WorkspaceId, id: &BinId) -> sqlx::Result<bool> {
    on_tx!(tx, conn => sqlx::query(
        "DELETE FROM request_bin_captures WHERE bin_id = (SELECT id FROM request_bins WHERE workspace_id = $1 AND id = $2)",
    )
    .bind(workspace_id)
    .bind(id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    let deleted = on_tx!(tx, conn => sqlx::query("DELETE FROM request_bins WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id)
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(deleted > 0)
}

pub async fn insert_capture(tx: &mut Tx, row: &CaptureRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO request_bin_captures (id, bin_id, method, path, query, headers, body_encoding, body, body_size, truncated, remote_addr, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&row.id)
    .bind(&row.bin_id)
    .bind(&row.method)
    .bind(&row.path)
    .bind(&row.query)
    .bind(&row.headers)
    .bind(&row.body_encoding)
    .bind(&row.body)
    .bind(row.body_size)
    .bind(row.truncated)
    .bind(&row.remote_addr)
    .bind(row.received_at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes all but the newest `keep` captures of a bin.
pub async fn trim(tx: &mut Tx, bin_id: &BinId, keep: i64) -> sqlx::Result<u64> {
    on_tx!(tx, conn => sqlx::query(
        "DELETE FROM request_bin_captures WHERE bin_id = $1 AND id <= (
            SELECT id FROM request_bin_captures WHERE bin_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
    )
    .bind(bin_id)
    .bind(keep)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

/// A bin's captures, newest first, one page.
pub async fn list_captures(
    db: &Db,
    bin_id: &BinId,
    before: Option<&CaptureId>,
    limit: i64,
) -> sqlx::Result<Vec<CaptureRow>> {
    let sql = format!(
        "SELECT {CAPTURE_COLUMNS} WHERE bin_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(bin_id)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// A bin's captures after `after` (all when `None`) received at or after `since`, oldest first:
/// what a live stream has not sent yet.
pub async fn captures_since(
    db: &Db,
    bin_id: &BinId,
    after: Option<&CaptureId>,
    since: Millis,
    limit: i64,
) -> sqlx::Result<Vec<CaptureRow>> {
    let sql = format!(
        "SELECT {CAPTURE_COLUMNS} WHERE bin_id = $1 AND ($2 IS NULL OR id > $2) AND received_at >= $3 ORDER BY id LIMIT $4"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(bin_id)
        .bind(after)
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

pub async fn get_capture(
    db: &Db,
    bin_id: &BinId,
    id: &CaptureId,
) -> sqlx::Result<Option<CaptureRow>> {
    let sql = format!("SELECT {CAPTURE_COLUMNS} WHERE bin_id = $1 AND id = $2");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(bin_id)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The id of the bin's newest capture (a stream without a resume point starts after it).
pub async fn newest_capture(db: &Db, bin_id: &BinId) -> sqlx::Result<Option<CaptureId>> {
    on_db!(db, pool => sqlx::query_scalar("SELECT MAX(id) FROM request_bin_captures WHERE bin_id = $1")
        .bind(bin_id)
        .fetch_one(pool)
        .await)
}

pub async fn clear_captures(db: &Db, bin_id: &BinId) -> sqlx::Result<u64> {
    on_db!(db, pool => sqlx::query("DELETE FROM request_bin_captures WHERE bin_id = $1")
        .bind(bin_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
}

/// Retention: deletes captures received before `before`, then trims every bin to its newest
/// `keep` (a bin over the cap got there through concurrent inserts on several instances).
pub async fn prune(db: &Db, before: Millis, keep: i64) -> sqlx::Result<u64> {
    let mut pruned = on_db!(db, pool => sqlx::query("DELETE FROM request_bin_captures WHERE received_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    let crowded: Vec<BinId> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT bin_id FROM request_bin_captures GROUP BY bin_id HAVING COUNT(*) > $1",
    )
    .bind(keep)
    .fetch_all(pool)
    .await)?;
    for bin_id in crowded {
        let mut tx = db.begin().await?;
        pruned += trim(&mut tx, &bin_id, keep).await?;
        tx.commit().await?;
    }
    Ok(pruned)
}
