//! SQL for tags and for which contacts carry them.

use playgram_core::ids::{ContactId, TagId, WorkspaceId};
use playgram_core::sql::Sql;
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, bind_args, on_conn, on_tx};
use sqlx::AssertSqlSafe;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TagRow {
    pub id: TagId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub name_key: String,
    pub color: String,
    pub description: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str =
    "id, workspace_id, name, name_key, color, description, created_at, updated_at";

/// Every tag, by name, with how many contacts carry it.
pub async fn all_with_counts(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
) -> sqlx::Result<Vec<(TagRow, i64)>> {
    let tags = all(c, ws).await?;
    let counts: Vec<(TagId, i64)> = on_conn!(c, conn => sqlx::query_as(
        "SELECT ct.tag_id, COUNT(*) FROM contact_tags ct WHERE ct.workspace_id = $1 GROUP BY ct.tag_id")
        .bind(ws).fetch_all(conn).await)?;
    Ok(tags
        .into_iter()
        .map(|t| {
            let n = counts
                .iter()
                .find(|(id, _)| id == &t.id)
                .map_or(0, |(_, n)| *n);
            (t, n)
        })
        .collect())
}

pub async fn all(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Vec<TagRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tags WHERE workspace_id = $1 ORDER BY name_key");
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).fetch_all(conn).await)
}

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<TagRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tags WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

pub async fn by_key(c: &mut Conn<'_>, ws: &WorkspaceId, key: &str) -> sqlx::Result<Option<TagRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tags WHERE workspace_id = $1 AND name_key = $2");
    on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(ws).bind(key).fetch_optional(conn).await)
}

pub async fn insert(tx: &mut Tx, row: &TagRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO tags (id, workspace_id, name, name_key, color, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.name).bind(&row.name_key).bind(&row.color)
        .bind(&row.description).bind(row.created_at).bind(row.updated_at)
        .execute(conn).await.map(|_| ()))
}

pub async fn update(tx: &mut Tx, row: &TagRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE tags SET name = $1, name_key = $2, color = $3, description = $4, updated_at = $5 \
         WHERE workspace_id = $6 AND id = $7")
        .bind(&row.name).bind(&row.name_key).bind(&row.color).bind(&row.description)
        .bind(row.updated_at).bind(&row.workspace_id).bind(&row.id)
        .execute(conn).await.map(|_| ()))
}

pub async fn delete(tx: &mut Tx, ws: &WorkspaceId, id: &TagId) -> sqlx::Result<u64> {
    let removed = on_tx!(tx, conn => sqlx::query("DELETE FROM contact_tags WHERE tag_id = $1")
        .bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, conn => sqlx::query("DELETE FROM tags WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(id).execute(conn).await.map(|_| ()))?;
    Ok(removed)
}

/// Tags the contact; false when it already had the tag.
pub async fn attach(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    tag: &TagId,
    now: Millis,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_tags (contact_id, tag_id, workspace_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING")
        .bind(contact).bind(tag).bind(ws).bind(now).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Untags the contact; false when it did not have the tag.
pub async fn detach(tx: &mut Tx, contact: &ContactId, tag: &TagId) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1 AND tag_id = $2")
        .bind(contact).bind(tag).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Tags by their folded names.
pub async fn by_keys(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    keys: &[String],
) -> sqlx::Result<Vec<TagRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let w = sql.arg(ws.as_str());
    let list = sql.list(keys.iter().map(String::as_str));
    let text =
        format!("SELECT {COLUMNS} FROM tags WHERE workspace_id = {w} AND name_key IN ({list})");
    on_conn!(c, conn => bind_args!(sqlx::query_as(AssertSqlSafe(text.clone())), &sql.args).fetch_all(conn).await)
}
