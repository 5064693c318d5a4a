//! SQL for field definitions and their values.

use playgram_core::ids::{ContactId, FieldId, WorkspaceId};
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, on_conn, on_tx};

use super::{FieldKind, FieldSet, StoredValue};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FieldRow {
    pub id: FieldId,
    pub workspace_id: WorkspaceId,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub options: Option<String>,
    pub description: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl FieldRow {
    pub fn kind(&self) -> FieldKind {
        FieldKind::parse(&self.kind).unwrap_or(FieldKind::Text)
    }

    pub fn options(&self) -> Vec<String> {
        self.options
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default()
    }
}

const COLUMNS: &str =
    "id, workspace_id, key, label, kind, options, description, created_at, updated_at";

/// Every field of the workspace, by label.
pub async fn all(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<FieldSet> {
    let sql =
        format!("SELECT {COLUMNS} FROM contact_fields WHERE workspace_id = $1 ORDER BY label, id");
    let fields = on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).fetch_all(conn).await)?;
    Ok(FieldSet { fields })
}

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<FieldRow>> {
    let sql = format!("SELECT {COLUMNS} FROM contact_fields WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

pub async fn insert(tx: &mut Tx, row: &FieldRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_fields (id, workspace_id, key, label, kind, options, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&row.id).bind(&row.workspace_id).bind(&row.key).bind(&row.label).bind(&row.kind)
        .bind(&row.options).bind(&row.description).bind(row.created_at).bind(row.updated_at)
        .execute(conn).await.map(|_| ()))
}

pub async fn update(tx: &mut Tx, row: &FieldRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE contact_fields SET label = $1, kind = $2, options = $3, description = $4, updated_at = $5 \
         WHERE workspace_id = $6 AND id = $7")
        .bind(&row.label).bind(&row.kind).bind(&row.options).bind(&row.description)
        .bind(row.updated_at).bind(&row.workspace_id).bind(&row.id)
        .execute(conn).await.map(|_| ()))
}

pub async fn delete(tx: &mut Tx, ws: &WorkspaceId, id: &FieldId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM contact_fields WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(id).execute(conn).await.map(|_| ()))
}

/// How many contacts hold a value for each field.
pub async fn usage(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Vec<(FieldId, i64)>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT field_id, COUNT(DISTINCT contact_id) FROM contact_values WHERE workspace_id = $1 GROUP BY field_id")
        .bind(ws).fetch_all(conn).await)
}

/// How many contacts use `option` of a select field.
pub async fn option_usage(tx: &mut Tx, field: &FieldId, option: &str) -> sqlx::Result<i64> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT COUNT(*) FROM contact_values WHERE field_id = $1 AND text_value = $2")
        .bind(field).bind(option).fetch_one(conn).await)
}

/// The stored rows of the contacts' values: (contact, field, text, number).
pub async fn values_of(
    c: &mut Conn<'_>,
    contacts: &[ContactId],
) -> sqlx::Result<Vec<(ContactId, FieldId, String, Option<f64>)>> {
    if contacts.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = playgram_core::sql::Sql::new("");
    let list = sql.list(contacts.iter().map(|c| c.as_str()));
    sql.text = format!(
        "SELECT contact_id, field_id, text_value, number_value FROM contact_values WHERE contact_id IN ({list})"
    );
    on_conn!(c, conn => playgram_core::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.args).fetch_all(conn).await)
}

/// Replaces the contact's value of one field (no rows: cleared).
pub async fn set_value(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    field: &FieldId,
    rows: &[StoredValue],
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM contact_values WHERE contact_id = $1 AND field_id = $2")
        .bind(contact).bind(field).execute(conn).await.map(|_| ()))?;
    for row in rows {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO contact_values (contact_id, field_id, workspace_id, text_value, text_lower, number_value) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(contact).bind(field).bind(ws).bind(&row.text).bind(row.text.to_lowercase()).bind(row.number)
            .execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}
