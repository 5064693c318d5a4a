//! SQL for webhook messages (one event for one endpoint) and their delivery attempts.
//!
//! Message statuses: `pending` (not tried yet), `failing` (an attempt failed; another is
//! scheduled), `delivered`, `failed` (no attempt left, or the endpoint is disabled or gone).

use playgram_core::db::placeholders;
use playgram_core::ids::{AttemptId, EndpointId, EventId, MessageId, WorkspaceId};
use playgram_core::time::Millis;
use playgram_core::{Backend, Db, Tx, on_db, on_tx};
use serde::Serialize;
use sqlx::AssertSqlSafe;

pub const STATUSES: [&str; 4] = ["pending", "failing", "delivered", "failed"];

const MESSAGE_COLUMNS: &str = "id, workspace_id, endpoint_id, event_id, event_type, payload, status, \
    attempts, last_response_status, last_error, next_attempt_at, created_at, delivered_at, updated_at";

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MessageRow {
    pub id: MessageId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub endpoint_id: EndpointId,
    /// The event delivered; null for a test send.
    pub event_id: Option<EventId>,
    pub event_type: String,
    #[serde(skip)]
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub last_response_status: Option<i32>,
    pub last_error: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub next_attempt_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub delivered_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

pub struct NewMessage {
    pub id: MessageId,
    pub workspace_id: WorkspaceId,
    pub endpoint_id: EndpointId,
    pub event_id: Option<EventId>,
    pub event_type: String,
    pub payload: String,
    /// `pending`, or `failed` with `last_error` for an endpoint that is disabled (so a recovery
    /// after re-enabling it covers the time it was off).
    pub status: &'static str,
    pub last_error: Option<String>,
    pub created_at: Millis,
}

/// The placeholders of row `row` of a multi-row statement with `width` columns.
fn row_placeholders(backend: Backend, row: usize, width: usize) -> String {
    format!("({})", placeholders(backend, row * width + 1, width))
}

pub async fn insert(tx: &mut Tx, messages: &[NewMessage]) -> sqlx::Result<()> {
    for chunk in messages.chunks(500) {
        let sql = format!(
            "INSERT INTO webhook_messages (id, workspace_id, endpoint_id, event_id, event_type, payload, \
               status, last_error, created_at, updated_at) VALUES {}",
            (0..chunk.len())
                .map(|n| row_placeholders(tx.backend(), n, 10))
                .collect::<Vec<_>>()
                .join(", ")
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql.as_str()));
            for m in chunk {
                query = query.bind(&m.id).bind(&m.workspace_id).bind(&m.endpoint_id).bind(&m.event_id)
                    .bind(&m.event_type).bind(&m.payload).bind(m.status).bind(&m.last_error)
                    .bind(m.created_at).bind(m.created_at);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// A message by id, for the sender (no workspace: the job was enqueued for it).
pub async fn get_for_delivery(db: &Db, id: &MessageId) -> sqlx::Result<Option<MessageRow>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await)
}

pub async fn get(
    db: &Db,
    workspace_id: &WorkspaceId,
    id: &str,
) -> sqlx::Result<Option<MessageRow>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE workspace_id = $1 AND id = $2"
    );
    on_db!(db, pool => sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(pool).await)
}

/// What to list; every field narrows.
#[derive(Clone, Debug, Default)]
pub struct MessageFilter {
    pub endpoint_id: Option<EndpointId>,
    pub status: Option<String>,
    pub event_type: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// A message or event id, or text found in the payload.
    pub search: Option<String>,
    pub before: Option<MessageId>,
}

/// The workspace's messages, newest first.
pub async fn list(
    db: &Db,
    workspace_id: &WorkspaceId,
    filter: &MessageFilter,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    let mut sql = format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages WHERE workspace_id = $1");
    let mut texts: Vec<String> = Vec::new();
    let mut add = |sql: &mut String, clause: &str, value: String| {
        texts.push(value);
        sql.push_str(&clause.replace('#', &format!("${}", texts.len() + 1)));
    };
    if let Some(endpoint) = &filter.endpoint_id {
        add(&mut sql, " AND endpoint_id = #", endpoint.to_string());
    }
    if let Some(status) = &filter.status {
        add(&mut sql, " AND status = #", status.clone());
    }
    if let Some(kind) = &filter.event_type {
        add(&mut sql, " AND event_type = #", kind.clone());
    }
    if let Some(before) = &filter.before {
        add(&mut sql, " AND id < #", before.to_string());
    }
    if let Some(search) = &filter.search {
        texts.push(search.clone());
        let n = texts.len() + 1;
        texts.push(format!("%{}%", playgram_core::sql::escape_like(search)));
        let m = texts.len() + 1;
        sql.push_str(&format!(
            " AND (id = ${n} OR event_id = ${n} OR payload LIKE ${m} ESCAPE '\\')"
        ));
    }
    let times = texts.len() + 2;
    sql.push_str(&format!(
        " AND created_at >= ${times} AND created_at < ${} ORDER BY id DESC LIMIT ${}",
        times + 1,
        times + 2
    ));
    on_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(workspace_id);
        for text in &texts {
            query = query.bind(text);
        }
        query.bind(filter.since.unwrap_or(0)).bind(filter.until.unwrap_or(i64::MAX)).bind(limit)
            .fetch_all(pool).await
    })
}

/// The endpoint's messages that ended `failed` at or after `since` (for a bulk resend).
pub async fn failed_since(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    endpoint_id: &EndpointId,
    since: Millis,
    limit: usize,
) -> sqlx::Result<Vec<MessageId>> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM webhook_messages WHERE workspace_id = $1 AND endpoint_id = $2 \
           AND status = 'failed' AND updated_at >= $3 ORDER BY id LIMIT $4")
        .bind(workspace_id).bind(endpoint_id).bind(since).bind(limit as i64).fetch_all(conn).await)
}

/// Marks messages as waiting again (a resend was queued for them).
pub async fn mark_resent(tx: &mut Tx, ids: &[MessageId], now: Millis) -> sqlx::Result<()> {
    let backend = tx.backend();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE webhook_messages SET status = CASE WHEN status = 'failed' THEN 'failing' ELSE status END, \
               next_attempt_at = {}, updated_at = {} WHERE id IN ({})",
            placeholders(backend, 1, 1),
            placeholders(backend, 2, 1),
            placeholders(backend, 3, chunk.len())
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql.as_str())).bind(now).bind(now);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Ends a message without an attempt (its endpoint is disabled or gone).
pub async fn fail_without_attempt(db: &Db, id: &MessageId, reason: &str) -> sqlx::Result<()> {
    let now = playgram_core::time::now_ms();
    on_db!(db, pool => sqlx::query(
        "UPDATE webhook_messages SET status = 'failed', last_error = $1, next_attempt_at = NULL, updated_at = $2 \
         WHERE id = $3 AND status <> 'delivered'")
        .bind(reason).bind(now).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One delivery attempt as logged.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: AttemptId,
    pub message_id: MessageId,
    pub endpoint_id: EndpointId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub attempt: i32,
    /// scheduled, replay or test.
    pub trigger: String,
    pub url: String,
    #[serde(serialize_with = "json_text")]
    pub request_headers: String,
    pub request_body: String,
    pub response_status: Option<i32>,
    #[serde(serialize_with = "json_text_opt")]
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub succeeded: bool,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub started_at: Millis,
}

fn json_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<serde_json::Value>(text)
        .unwrap_or(serde_json::Value::Null)
        .serialize(s)
}

fn json_text_opt<S: serde::Serializer>(text: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match text {
        Some(text) => json_text(text, s),
        None => s.serialize_none(),
    }
}

const ATTEMPT_COLUMNS: &str = "id, message_id, endpoint_id, workspace_id, attempt, trigger, url, \
    request_headers, request_body, response_status, response_headers, response_body, duration_ms, \
    error, succeeded, started_at";

pub async fn attempts_of(
    db: &Db,
    workspace_id: &WorkspaceId,
    message_id: &MessageId,
) -> sqlx::Result<Vec<AttemptRow>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE workspace_id = $1 AND message_id = $2 ORDER BY id"
    );
    on_db!(db, pool => sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(message_id).fetch_all(pool).await)
}

/// An attempt to log, with the message's new state.
#[derive(Clone, Debug)]
pub struct Logged {
    pub attempt: AttemptRow,
    /// The message's status after this attempt.
    pub status: &'static str,
    pub next_attempt_at: Option<Millis>,
}

/// Writes a batch of attempts and updates their messages, in the caller's transaction: one
/// statement per 200 attempts for each. An attempt whose message is gone meanwhile (its endpoint
/// was deleted) is skipped rather than failing the batch; attempts are numbered here.
pub async fn record(tx: &mut Tx, batch: &[Logged]) -> sqlx::Result<()> {
    for chunk in batch.chunks(200) {
        let rows = (0..chunk.len())
            .map(|n| row_placeholders(tx.backend(), n, 16))
            .collect::<Vec<_>>()
            .join(", ");
        // The attempt's number is the message's count so far plus one (the UPDATE below counts it).
        let sql = format!(
            "INSERT INTO webhook_attempts ({ATTEMPT_COLUMNS}) \
             SELECT v.column1, v.column2, v.column3, v.column4, m.attempts + 1, v.column6, v.column7, \
               v.column8, v.column9, v.column10, v.column11, v.column12, v.column13, v.column14, \
               v.column15, v.column16 \
             FROM (VALUES {rows}) AS v JOIN webhook_messages m ON m.id = v.column2"
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql.as_str()));
            for logged in chunk {
                let a = &logged.attempt;
                query = query.bind(&a.id).bind(&a.message_id).bind(&a.endpoint_id).bind(&a.workspace_id)
                    .bind(a.attempt).bind(&a.trigger).bind(&a.url).bind(&a.request_headers)
                    .bind(&a.request_body).bind(a.response_status).bind(&a.response_headers)
                    .bind(&a.response_body).bind(a.duration_ms).bind(&a.error).bind(a.succeeded)
                    .bind(a.started_at);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })?;
        // v: (id, status, response status, error, next attempt, delivered at, updated at)
        let rows = (0..chunk.len())
            .map(|n| row_placeholders(tx.backend(), n, 7))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE webhook_messages AS m SET status = v.column2, attempts = attempts + 1, \
               last_response_status = v.column3, last_error = v.column4, next_attempt_at = v.column5, \
               delivered_at = COALESCE(v.column6, m.delivered_at), updated_at = v.column7 \
             FROM (VALUES {rows}) AS v WHERE m.id = v.column1"
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql.as_str()));
            for logged in chunk {
                let a = &logged.attempt;
                let now = a.started_at + a.duration_ms;
                let delivered_at = (logged.status == "delivered").then_some(now);
                query = query.bind(&a.message_id).bind(logged.status).bind(a.response_status)
                    .bind(&a.error).bind(logged.next_attempt_at).bind(delivered_at).bind(now);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Deletes finished messages (and their attempts) last changed before `before`, and attempts of
/// any message older than that; returns how many messages went.
pub async fn prune(db: &Db, before: Millis) -> sqlx::Result<u64> {
    let mut total = 0;
    loop {
        let deleted = on_db!(db, pool => sqlx::query(
            "DELETE FROM webhook_messages WHERE id IN (SELECT id FROM webhook_messages \
               WHERE created_at < $1 AND status IN ('delivered', 'failed') AND updated_at < $1 LIMIT 5000)")
            .bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
        total += deleted;
        if deleted < 5000 {
            break;
        }
    }
    // Attempts of messages still unfinished past the retention (the rest went with their message).
    on_db!(db, pool => sqlx::query(
        "DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages WHERE created_at < $1) \
           AND started_at < $1")
        .bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(total)
}

/// How many messages of one endpoint are in one status.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatusCount {
    pub endpoint_id: EndpointId,
    pub status: String,
    pub count: i64,
}

/// The workspace's messages created at or after `since`, counted per endpoint and status (the
/// endpoints page's delivery health: one query for every endpoint).
pub async fn counts_since(
    db: &Db,
    workspace_id: &WorkspaceId,
    since: Millis,
) -> sqlx::Result<Vec<StatusCount>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT endpoint_id, status, COUNT(*) AS count FROM webhook_messages \
         WHERE workspace_id = $1 AND created_at >= $2 GROUP BY endpoint_id, status")
        .bind(workspace_id).bind(since).fetch_all(pool).await)
}

/// How many of an endpoint's messages created in one hour are in one status.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HourCount {
    /// The hour's start.
    pub hour_start: Millis,
    pub status: String,
    pub count: i64,
}

/// An endpoint's messages created at or after `since`, counted per hour and status (the chart on
/// the endpoint's page).
pub async fn hourly_since(
    db: &Db,
    workspace_id: &WorkspaceId,
    endpoint_id: &EndpointId,
    since: Millis,
) -> sqlx::Result<Vec<HourCount>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT CAST(created_at - created_at % 3600000 AS BIGINT) AS hour_start, status, COUNT(*) AS count \
         FROM webhook_messages WHERE workspace_id = $1 AND endpoint_id = $2 AND created_at >= $3 \
         GROUP BY hour_start, status")
        .bind(workspace_id).bind(endpoint_id).bind(since).fetch_all(pool).await)
}
