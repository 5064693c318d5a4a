//! SQL for canned replies, and the values their variables take in one conversation.

use std::collections::BTreeMap;

use playgram_core::ids::{CannedReplyId, UserId, WorkspaceId};
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::Serialize;

use crate::inbox::conversations::ConversationRow;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CannedReplyRow {
    pub id: CannedReplyId,
    pub shortcut: String,
    pub body: String,
    pub created_by: Option<UserId>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

const COLUMNS: &str = "id, shortcut, body, created_by, created_at, updated_at";

/// The workspace's canned replies by shortcut.
pub async fn list(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Vec<CannedReplyRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM canned_replies WHERE workspace_id = $1 ORDER BY shortcut");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).fetch_all(conn).await)
}

pub async fn get(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    id: &str,
) -> sqlx::Result<Option<CannedReplyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM canned_replies WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

pub async fn insert(tx: &mut Tx, ws: &WorkspaceId, row: &CannedReplyRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO canned_replies (id, workspace_id, shortcut, body, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&row.id).bind(ws).bind(&row.shortcut).bind(&row.body).bind(&row.created_by)
        .bind(row.created_at).bind(row.updated_at).execute(conn).await.map(drop))
}

pub async fn save(tx: &mut Tx, ws: &WorkspaceId, row: &CannedReplyRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE canned_replies SET shortcut = $1, body = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5")
        .bind(&row.shortcut).bind(&row.body).bind(row.updated_at).bind(ws).bind(&row.id)
        .execute(conn).await.map(drop))
}

pub async fn delete(tx: &mut Tx, ws: &WorkspaceId, id: &str) -> sqlx::Result<bool> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM canned_replies WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(id).execute(conn).await.map(|r| r.rows_affected() > 0))
}

/// The workspace's custom field keys (the variables a body may use beside the built-in ones).
pub async fn field_keys(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Vec<String>> {
    Ok(crate::contacts::fields::store::all(c, ws)
        .await?
        .fields
        .into_iter()
        .map(|f| f.key)
        .collect())
}

/// What each variable stands for in this conversation, answered by `agent`.
pub async fn values(
    c: &mut Conn<'_>,
    conversation: &ConversationRow,
    agent: Option<&UserId>,
) -> crate::http::Result<BTreeMap<String, String>> {
    let ws = &conversation.workspace_id;
    let mut values = BTreeMap::new();
    let contact = crate::contacts::service::found(c, ws, conversation.contact_id.as_str()).await?;
    let name = contact.row.name.trim().to_owned();
    let (first, last) = name.split_once(' ').unwrap_or((&name, ""));
    values.insert("first_name".to_owned(), first.to_owned());
    values.insert("last_name".to_owned(), last.trim().to_owned());
    values.insert("name".to_owned(), name.clone());
    let fields = crate::contacts::fields::store::all(c, ws).await?;
    for field in &fields.fields {
        let rows: Vec<_> = contact
            .parts
            .values
            .iter()
            .filter(|(id, _, _)| id == &field.id)
            .collect();
        let text = field.kind().to_text(&field.options(), &rows);
        values.insert(field.key.clone(), text);
    }
    let workspace: Option<String> = on_conn!(c, conn => sqlx::query_scalar(
        "SELECT name FROM workspaces WHERE id = $1").bind(ws).fetch_optional(conn).await)?;
    values.insert("workspace_name".to_owned(), workspace.unwrap_or_default());
    if let Some(agent) = agent {
        let agent_name: Option<String> = on_conn!(c, conn => sqlx::query_scalar(
            "SELECT name FROM users WHERE id = $1").bind(agent).fetch_optional(conn).await)?;
        let agent_name = agent_name.unwrap_or_default().trim().to_owned();
        let agent_first = agent_name.split(' ').next().unwrap_or_default().to_owned();
        values.insert("agent_name".to_owned(), agent_name);
        values.insert("agent_first_name".to_owned(), agent_first);
    }
    Ok(values)
}
