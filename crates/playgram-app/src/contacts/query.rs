//! Filters, searches, sorting and cursors turned into SQL, on either backend.
//!
//! Lists page by keyset: the cursor holds the last row's sort value and id, and the next page
//! starts after it (`(name_sort, id) > (…)`), so paging stays fast at any depth and a contact added
//! meanwhile is neither skipped nor shown twice. Every sort has an index led by the workspace.
//! Search goes through the full-text index (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL)
//! with the workspace's token, so it only ever reads one workspace's documents.

use base64::Engine;
use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::sql::Sql;
use playgram_core::{Backend, Conn, bind_args, on_conn};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

use super::filter::{Condition, Op, Resolved};
use super::fold;
use super::model::{COLUMNS, ContactRow};
use crate::http::{AppError, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    NameAsc,
    NameDesc,
    CreatedDesc,
    CreatedAsc,
    LastSeenDesc,
    LastSeenAsc,
    UpdatedDesc,
    UpdatedAsc,
}

impl Sort {
    pub const ALL: [Sort; 8] = [
        Sort::CreatedDesc,
        Sort::CreatedAsc,
        Sort::NameAsc,
        Sort::NameDesc,
        Sort::LastSeenDesc,
        Sort::LastSeenAsc,
        Sort::UpdatedDesc,
        Sort::UpdatedAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::NameAsc => "name",
            Sort::NameDesc => "-name",
            Sort::CreatedDesc => "-created_at",
            Sort::CreatedAsc => "created_at",
            Sort::LastSeenDesc => "-last_seen_at",
            Sort::LastSeenAsc => "last_seen_at",
            Sort::UpdatedDesc => "-updated_at",
            Sort::UpdatedAsc => "updated_at",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::NameAsc => "Name A–Z",
            Sort::NameDesc => "Name Z–A",
            Sort::CreatedDesc => "Newest first",
            Sort::CreatedAsc => "Oldest first",
            Sort::LastSeenDesc => "Recently seen",
            Sort::LastSeenAsc => "Least recently seen",
            Sort::UpdatedDesc => "Recently updated",
            Sort::UpdatedAsc => "Least recently updated",
        }
    }

    pub fn parse(text: Option<&str>) -> Result<Sort> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(Sort::CreatedDesc),
            Some(t) => Sort::ALL.into_iter().find(|s| s.as_str() == t).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_sort",
                    "Sort by name, created_at, last_seen_at or updated_at (prefix - for descending).",
                )
            }),
        }
    }

    /// The column after which ties break by id; `None` when the id alone orders.
    fn column(self) -> Option<&'static str> {
        match self {
            Sort::NameAsc | Sort::NameDesc => Some("c.name_sort"),
            Sort::LastSeenDesc | Sort::LastSeenAsc => Some("c.last_seen_at"),
            Sort::UpdatedDesc | Sort::UpdatedAsc => Some("c.updated_at"),
            Sort::CreatedDesc | Sort::CreatedAsc => None,
        }
    }

    fn descending(self) -> bool {
        matches!(
            self,
            Sort::NameDesc | Sort::CreatedDesc | Sort::LastSeenDesc | Sort::UpdatedDesc
        )
    }

    /// The value of the sort column for a row (for the next cursor).
    fn key_of(self, row: &ContactRow, name_sort: Option<&str>) -> CursorKey {
        match self {
            Sort::NameAsc | Sort::NameDesc => {
                CursorKey::Text(name_sort.unwrap_or_default().to_owned())
            }
            Sort::LastSeenDesc | Sort::LastSeenAsc => CursorKey::Int(row.last_seen_at),
            Sort::UpdatedDesc | Sort::UpdatedAsc => CursorKey::Int(row.updated_at),
            Sort::CreatedDesc | Sort::CreatedAsc => CursorKey::None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum CursorKey {
    Int(i64),
    Text(String),
    None,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The sort it belongs to: a cursor from another sort is refused.
    s: String,
    k: CursorKey,
    id: ContactId,
}

pub fn encode_cursor(sort: Sort, row: &ContactRow, name_sort: Option<&str>) -> String {
    let cursor = Cursor {
        s: sort.as_str().to_owned(),
        k: sort.key_of(row, name_sort),
        id: row.id.clone(),
    };
    let json = serde_json::to_vec(&cursor).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(sort: Sort, text: &str) -> Result<Cursor> {
    let bad = || {
        AppError::bad_request(
            "invalid_cursor",
            "The cursor is not one this list gave out (or it was made for another sort).",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let fits = match (sort.column(), &cursor.k) {
        (None, CursorKey::None) => true,
        (Some("c.name_sort"), CursorKey::Text(_)) => true,
        (Some(_), CursorKey::Int(_)) => sort.column() != Some("c.name_sort"),
        _ => false,
    };
    if cursor.s != sort.as_str() || !fits {
        return Err(bad());
    }
    Ok(cursor)
}

/// The FROM clause: on SQLite a search reads the full-text index first and joins the contacts it
/// names (the cost follows the matches, not the workspace's size); otherwise the contacts.
fn from(backend: Backend, f: &Resolved) -> &'static str {
    match (backend, &f.words) {
        (Backend::Sqlite, Some(_)) => {
            " FROM contacts_fts CROSS JOIN contacts c ON c.num = contacts_fts.rowid"
        }
        _ => " FROM contacts c",
    }
}

/// Appends the WHERE conditions of `f` (after `c.workspace_id = … AND c.erased_at IS NULL`).
pub fn where_clause(sql: &mut Sql, backend: Backend, ws: &WorkspaceId, f: &Resolved) {
    let w = sql.arg(ws.as_str());
    sql.push(&format!(
        " WHERE c.workspace_id = {w} AND c.erased_at IS NULL"
    ));
    if let Some(words) = &f.words {
        match backend {
            Backend::Sqlite => {
                let m = sql.arg(fold::sqlite_match(ws, words));
                sql.push(&format!(" AND contacts_fts MATCH {m}"));
            }
            Backend::Postgres => {
                // A sub-select, so the query is parsed once: in a prepared statement's generic
                // plan a bare `to_tsquery($n)` is evaluated again for every row it is tested on.
                let q = sql.arg(fold::postgres_tsquery(ws, words));
                sql.push(&format!(
                    " AND c.search_vector @@ (SELECT to_tsquery('simple', {q}))"
                ));
            }
        }
    }
    for any in &f.any_tags {
        if any.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            let list = sql.list(any.iter().map(|t| t.as_str()));
            sql.push(&format!(" AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag_id IN ({list}))"));
        }
    }
    for tag in &f.all_tags {
        let t = sql.arg(tag.as_str());
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag_id = {t})"));
    }
    if !f.none_tags.is_empty() {
        let list = sql.list(f.none_tags.iter().map(|t| t.as_str()));
        sql.push(&format!(" AND NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag_id IN ({list}))"));
    }
    for condition in &f.fields {
        field_condition(sql, condition);
    }
    let mut range = |column: &str, after: Option<i64>, before: Option<i64>| {
        if let Some(after) = after {
            let a = sql.arg(after);
            sql.push(&format!(" AND {column} >= {a}"));
        }
        if let Some(before) = before {
            let b = sql.arg(before);
            sql.push(&format!(" AND {column} < {b}"));
        }
    };
    range("c.created_at", f.created_after, f.created_before);
    range("c.last_seen_at", f.seen_after, f.seen_before);
    if f.never_seen {
        sql.push(" AND c.last_seen_at = 0");
    }
    if !f.channels.is_empty() {
        let mut parts = Vec::new();
        let identity: Vec<&str> = f
            .channels
            .iter()
            .filter(|c| c.has_identity())
            .map(|c| c.as_str())
            .collect();
        if !identity.is_empty() {
            let list = sql.list(identity);
            parts.push(format!("EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id AND i.channel IN ({list}))"));
        }
        if f.channels.contains(&super::channel::Channel::Email) {
            parts.push("EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id)".into());
        }
        if f.channels.contains(&super::channel::Channel::Sms) {
            parts.push("EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = c.id)".into());
        }
        sql.push(&format!(" AND ({})", parts.join(" OR ")));
    }
    for (channel, purpose, status) in &f.consent {
        let ch = sql.arg(channel.as_str());
        let p = sql.arg(purpose.as_str());
        let exists = format!(
            "EXISTS (SELECT 1 FROM contact_consents k WHERE k.contact_id = c.id AND k.channel = {ch} AND k.purpose = {p}"
        );
        if status == "unknown" {
            sql.push(&format!(" AND NOT {exists})"));
        } else {
            let s = sql.arg(status.as_str());
            sql.push(&format!(" AND {exists} AND k.status = {s})"));
        }
    }
}

fn field_condition(sql: &mut Sql, c: &Condition) {
    let f = sql.arg(c.field.as_str());
    let base =
        format!("SELECT 1 FROM contact_values v WHERE v.contact_id = c.id AND v.field_id = {f}");
    let numeric = c.kind.is_numeric();
    let compare = |sql: &mut Sql, op: &str, i: usize| -> String {
        let value = &c.values[i.min(c.values.len().saturating_sub(1))];
        if numeric {
            let n = sql.arg(value.number.unwrap_or_default());
            format!("v.number_value {op} {n}")
        } else {
            let t = sql.arg(value.text.to_lowercase());
            format!("v.text_lower {op} {t}")
        }
    };
    let like = |sql: &mut Sql, prefix: bool| -> String {
        let escaped = playgram_core::sql::escape_like(
            &c.values
                .first()
                .map(|v| v.text.to_lowercase())
                .unwrap_or_default(),
        );
        let pattern = if prefix {
            format!("{escaped}%")
        } else {
            format!("%{escaped}%")
        };
        let p = sql.arg(pattern);
        format!("v.text_lower LIKE {p} ESCAPE '\\'")
    };
    let text = match c.op {
        Op::IsSet => format!(" AND EXISTS ({base})"),
        Op::IsNotSet => format!(" AND NOT EXISTS ({base})"),
        Op::Eq => format!(" AND EXISTS ({base} AND {})", compare(sql, "=", 0)),
        Op::Neq => format!(" AND NOT EXISTS ({base} AND {})", compare(sql, "=", 0)),
        Op::Lt => format!(" AND EXISTS ({base} AND {})", compare(sql, "<", 0)),
        Op::Lte => format!(" AND EXISTS ({base} AND {})", compare(sql, "<=", 0)),
        Op::Gt => format!(" AND EXISTS ({base} AND {})", compare(sql, ">", 0)),
        Op::Gte => format!(" AND EXISTS ({base} AND {})", compare(sql, ">=", 0)),
        Op::Between => {
            let low = compare(sql, ">=", 0);
            let high = compare(sql, "<=", 1);
            format!(" AND EXISTS ({base} AND {low} AND {high})")
        }
        Op::Contains => format!(" AND EXISTS ({base} AND {})", like(sql, false)),
        Op::NotContains => format!(" AND NOT EXISTS ({base} AND {})", like(sql, false)),
        Op::StartsWith => format!(" AND EXISTS ({base} AND {})", like(sql, true)),
        Op::In | Op::HasAny | Op::NotIn | Op::HasNone => {
            let list = if numeric {
                sql.list(c.values.iter().map(|v| v.number.unwrap_or_default()))
            } else {
                sql.list(c.values.iter().map(|v| v.text.to_lowercase()))
            };
            let column = if numeric {
                "v.number_value"
            } else {
                "v.text_lower"
            };
            let negate = if matches!(c.op, Op::NotIn | Op::HasNone) {
                "NOT "
            } else {
                ""
            };
            format!(" AND {negate}EXISTS ({base} AND {column} IN ({list}))")
        }
        Op::HasAll => {
            let mut out = String::new();
            for value in &c.values {
                let f = sql.arg(c.field.as_str());
                let t = sql.arg(value.text.to_lowercase());
                out.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM contact_values v WHERE v.contact_id = c.id AND v.field_id = {f} AND v.text_lower = {t})"
                ));
            }
            out
        }
    };
    sql.push(&text);
}

/// One page of contacts matching `f`, in `sort` order, after `cursor`; the next cursor when more
/// may follow.
pub async fn page(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    f: &Resolved,
    sort: Sort,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<ContactRow>, Option<String>)> {
    let backend = c.backend();
    let after = cursor
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| decode_cursor(sort, t))
        .transpose()?;
    let rows = match (backend, &f.words, &mut *c) {
        (Backend::Postgres, Some(words), Conn::Db(db)) => {
            postgres_search(db, ws, f, words, sort, after.as_ref(), limit).await?
        }
        _ => {
            let sql = page_sql(backend, ws, f, sort, after.as_ref(), limit, "");
            fetch_ranked(c, &sql).await?
        }
    };
    let more = rows.len() as i64 > limit;
    let mut rows: Vec<Ranked> = rows.into_iter().take(limit as usize).collect();
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(encode_cursor(sort, &last.row, Some(&last.name_sort))),
        _ => None,
    };
    Ok((rows.drain(..).map(|r| r.row).collect(), next))
}

async fn fetch_ranked(c: &mut Conn<'_>, sql: &Sql) -> Result<Vec<Ranked>> {
    let rows: Vec<Ranked> = on_conn!(c, conn => bind_args!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.args).fetch_all(conn).await)?;
    Ok(rows)
}

/// The SELECT of a page: `limit + 1` rows (one more tells whether another page follows).
fn page_sql(
    backend: Backend,
    ws: &WorkspaceId,
    f: &Resolved,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    extra: &str,
) -> Sql {
    let mut sql = Sql::new(format!(
        "SELECT {COLUMNS}, c.name_sort{extra}{}",
        from(backend, f)
    ));
    where_clause(&mut sql, backend, ws, f);
    // A SQLite search in creation order walks the full-text index in its own row order (rows are
    // numbered as they are inserted, which is creation order) and stops after the page, instead of
    // sorting every match.
    let fts_order = backend == Backend::Sqlite && f.words.is_some() && sort.column().is_none();
    let cmp = if sort.descending() { "<" } else { ">" };
    if let Some(after) = after {
        let id = sql.arg(after.id.as_str());
        match (sort.column(), &after.k) {
            (Some(column), CursorKey::Int(k)) => {
                let k = sql.arg(*k);
                sql.push(&format!(" AND ({column}, c.id) {cmp} ({k}, {id})"));
            }
            (Some(column), CursorKey::Text(k)) => {
                let k = sql.arg(k.as_str());
                sql.push(&format!(" AND ({column}, c.id) {cmp} ({k}, {id})"));
            }
            _ if fts_order => {
                sql.push(&format!(
                    " AND contacts_fts.rowid {cmp} (SELECT num FROM contacts WHERE id = {id})"
                ));
            }
            _ => {
                sql.push(&format!(" AND c.id {cmp} {id}"));
            }
        }
    }
    sql.push(&order_by(sort, fts_order));
    let l = sql.arg(limit + 1);
    sql.push(&format!(" LIMIT {l}"));
    sql
}

fn order_by(sort: Sort, fts_order: bool) -> String {
    let dir = if sort.descending() { "DESC" } else { "ASC" };
    match sort.column() {
        Some(column) => format!(" ORDER BY {column} {dir}, c.id {dir}"),
        None if fts_order => format!(" ORDER BY contacts_fts.rowid {dir}"),
        None => format!(" ORDER BY c.id {dir}"),
    }
}

/// How many rows of the sorted list a PostgreSQL search checks before it asks the full-text
/// index instead.
const SCAN: i64 = 4_000;

/// A search on PostgreSQL. The planner cannot tell a common word from a rare one, and picks either
/// the sort's index (checking each row: fast when matches are dense, a full scan when they are
/// rare) or the full-text index (every match, then sorted: fast when rare, slow when dense). So:
/// first the sort's index over its first [`SCAN`] rows — a full page there is the right answer;
/// else the matches are rare, and the full-text index gives them all, sorted.
async fn postgres_search(
    db: &playgram_core::Db,
    ws: &WorkspaceId,
    f: &Resolved,
    words: &[String],
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Ranked>> {
    let playgram_core::db::Pool::Postgres(pool) = db.pool() else {
        return Ok(Vec::new());
    };
    let plain = Resolved {
        words: None,
        ..f.clone()
    };
    let mut sql = page_sql(
        Backend::Postgres,
        ws,
        &plain,
        sort,
        after,
        SCAN - 1,
        ", c.search_vector",
    );
    let q = sql.arg(fold::postgres_tsquery(ws, words));
    let l = sql.arg(limit + 1);
    let text = format!(
        "SELECT {COLUMNS}, c.name_sort FROM ({}) c WHERE c.search_vector @@ (SELECT to_tsquery('simple', {q})){} LIMIT {l}",
        sql.text,
        order_by(sort, false)
    );
    let rows: Vec<Ranked> = bind_args!(sqlx::query_as(AssertSqlSafe(text)), &sql.args)
        .fetch_all(pool)
        .await?;
    if rows.len() as i64 > limit {
        return Ok(rows);
    }
    let sql = page_sql(Backend::Postgres, ws, f, sort, after, limit, "");
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL enable_indexscan = off")
        .execute(&mut *tx)
        .await?;
    let rows: Vec<Ranked> = bind_args!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.args)
        .fetch_all(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct Ranked {
    #[sqlx(flatten)]
    row: ContactRow,
    name_sort: String,
}

/// How many contacts match `f`.
pub async fn count(c: &mut Conn<'_>, ws: &WorkspaceId, f: &Resolved) -> Result<i64> {
    let backend = c.backend();
    let mut sql = Sql::new(format!("SELECT COUNT(*){}", from(backend, f)));
    where_clause(&mut sql, backend, ws, f);
    let n: i64 = on_conn!(c, conn => bind_args!(sqlx::query_scalar(AssertSqlSafe(sql.text.clone())), &sql.args).fetch_one(conn).await)?;
    Ok(n)
}

/// The ids of up to `limit` contacts matching `f` after `after` (id order), for bulk work.
pub async fn ids_after(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    f: &Resolved,
    after: Option<&ContactId>,
    limit: i64,
) -> Result<Vec<ContactId>> {
    Ok(rows_after(c, ws, f, after, limit)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// Up to `limit` contacts matching `f` after `after`, in id order (exports).
pub async fn rows_after(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    f: &Resolved,
    after: Option<&ContactId>,
    limit: i64,
) -> Result<Vec<ContactRow>> {
    let backend = c.backend();
    let mut sql = Sql::new(format!("SELECT {COLUMNS}{}", from(backend, f)));
    where_clause(&mut sql, backend, ws, f);
    if let Some(after) = after {
        let a = sql.arg(after.as_str());
        sql.push(&format!(" AND c.id > {a}"));
    }
    let l = sql.arg(limit);
    sql.push(&format!(" ORDER BY c.id LIMIT {l}"));
    let rows: Vec<ContactRow> = on_conn!(c, conn => bind_args!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.args).fetch_all(conn).await)?;
    Ok(rows)
}
