//! Segments: saved filters with live counts (each count is one SQL `COUNT(*)` of the filter, so it
//! is always current). Tags in a segment are kept by id, so renaming a tag keeps the segment; a
//! segment naming a deleted field answers its problem instead of a count.

use playgram_core::ids::{SegmentId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::filter::{Filter, Resolved};
use super::{fields, query, tags};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::http::{AppError, FieldErrors, Result};
use crate::state::AppState;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SegmentRow {
    pub id: SegmentId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: String,
    pub filter: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl SegmentRow {
    pub fn filter(&self) -> Filter {
        serde_json::from_str(&self.filter).unwrap_or_default()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SegmentOut {
    pub id: SegmentId,
    pub name: String,
    pub description: String,
    pub filter: Filter,
    /// How many contacts match now; null when the filter no longer holds (see `problem`).
    pub contact_count: Option<i64>,
    /// Why the filter cannot be evaluated (it names a field that was deleted).
    pub problem: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

/// `POST /api/v1/segments`; in a PATCH the parts named change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentIn {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub filter: Option<Filter>,
}

const COLUMNS: &str = "id, workspace_id, name, description, filter, created_at, updated_at";

pub async fn all(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Vec<SegmentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM segments WHERE workspace_id = $1 ORDER BY name, id");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).fetch_all(conn).await)
}

pub async fn get(c: &mut Conn<'_>, ws: &WorkspaceId, id: &str) -> sqlx::Result<Option<SegmentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM segments WHERE workspace_id = $1 AND id = $2");
    on_conn!(c, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws).bind(id).fetch_optional(conn).await)
}

/// The segment's filter, resolved against the workspace as it is now.
pub async fn resolve(c: &mut Conn<'_>, ws: &WorkspaceId, row: &SegmentRow) -> Result<Resolved> {
    let fields = fields::store::all(c, ws).await?;
    let tags = tags::store::all(c, ws).await?;
    row.filter().resolve(&fields, &tags)
}

/// The segment with its live count.
pub async fn out(c: &mut Conn<'_>, ws: &WorkspaceId, row: &SegmentRow) -> Result<SegmentOut> {
    let (count, problem) = match resolve(c, ws, row).await {
        Ok(resolved) => (Some(query::count(c, ws, &resolved).await?), None),
        Err(AppError::Client(e)) => (None, Some(e.message)),
        Err(e) => return Err(e),
    };
    Ok(SegmentOut {
        id: row.id.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        filter: row.filter(),
        contact_count: count,
        problem,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn parse_name(text: &str, errors: &mut FieldErrors) -> String {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 80 {
        errors.insert("name", "Use 1 to 80 characters.".into());
    }
    name
}

async fn checked_filter(tx: &mut Tx, ws: &WorkspaceId, filter: &Filter) -> Result<String> {
    let mut c = Conn::Tx(tx);
    let fields = fields::store::all(&mut c, ws).await?;
    let tags = tags::store::all(&mut c, ws).await?;
    filter.resolve(&fields, &tags)?;
    Ok(serde_json::to_string(&filter.canonical(&tags)).unwrap_or_else(|_| "{}".into()))
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    input: SegmentIn,
) -> Result<SegmentRow> {
    let mut errors = FieldErrors::new();
    let name = parse_name(input.name.as_deref().unwrap_or_default(), &mut errors);
    let description = input.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > 500 {
        errors.insert("description", "Use at most 500 characters.".into());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let filter = checked_filter(&mut tx, ws, &input.filter.unwrap_or_default()).await?;
    let now = now_ms();
    let row = SegmentRow {
        id: SegmentId::new(),
        workspace_id: ws.clone(),
        name,
        description,
        filter,
        created_at: now,
        updated_at: now,
    };
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO segments (id, workspace_id, name, description, filter, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&row.id).bind(ws).bind(&row.name).bind(&row.description).bind(&row.filter).bind(now).bind(now)
        .execute(conn).await.map(|_| ()))?;
    audit::record(
        &mut tx,
        Entry::by(principal, "segment.created")
            .target(&row.id)
            .details(json!({ "name": row.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: SegmentIn,
) -> Result<SegmentRow> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let mut row = get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut errors = FieldErrors::new();
    if let Some(name) = &input.name {
        row.name = parse_name(name, &mut errors);
    }
    if let Some(description) = &input.description {
        if description.chars().count() > 500 {
            errors.insert("description", "Use at most 500 characters.".into());
        }
        row.description = description.trim().to_owned();
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if let Some(filter) = &input.filter {
        row.filter = checked_filter(&mut tx, ws, filter).await?;
    }
    row.updated_at = now_ms();
    on_tx!(tx, conn => sqlx::query(
        "UPDATE segments SET name = $1, description = $2, filter = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6")
        .bind(&row.name).bind(&row.description).bind(&row.filter).bind(row.updated_at).bind(ws).bind(&row.id)
        .execute(conn).await.map(|_| ()))?;
    audit::record(&mut tx, Entry::by(principal, "segment.updated").target(id)).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<()> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = get(&mut Conn::Tx(&mut tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    on_tx!(tx, conn => sqlx::query("DELETE FROM segments WHERE workspace_id = $1 AND id = $2")
        .bind(ws).bind(&row.id).execute(conn).await.map(|_| ()))?;
    audit::record(
        &mut tx,
        Entry::by(principal, "segment.deleted")
            .target(id)
            .details(json!({ "name": row.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
