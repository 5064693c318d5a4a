//! Reading and managing jobs for the dashboard and the API, always within one workspace, and the
//! queue depth for `/metrics`. The worker's side of the queue is in `store`.

use serde::Serialize;
use sqlx::AssertSqlSafe;

use crate::ids::{JobId, WorkspaceId};
use crate::signals::{Signal, notify_on_commit};
use crate::time::{Millis, now_ms};
use crate::{Db, Tx, on_db, on_tx};

/// A job as the API and dashboard show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct JobRow {
    pub id: JobId,
    pub name: String,
    pub queue: String,
    pub state: String,
    #[serde(skip)]
    pub payload: String,
    pub priority: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    pub unique_key: Option<String>,
    pub limit_key: Option<String>,
    pub last_error: Option<String>,
    #[serde(with = "crate::time::as_rfc3339")]
    pub run_at: i64,
    #[serde(with = "crate::time::as_rfc3339")]
    pub created_at: i64,
    #[serde(with = "crate::time::as_rfc3339::option")]
    pub started_at: Option<i64>,
    #[serde(with = "crate::time::as_rfc3339::option")]
    pub finished_at: Option<i64>,
}

impl JobRow {
    /// The payload as JSON (it is always written from a serialized value).
    pub fn payload_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null)
    }

    /// Failed at least once and waiting for another attempt.
    pub fn is_failing(&self) -> bool {
        self.state == "scheduled" && self.last_error.is_some()
    }
}

const JOB_COLUMNS: &str = "id, name, queue, state, payload, priority, attempts, max_attempts, unique_key, \
     limit_key, last_error, run_at, created_at, started_at, finished_at";

/// Which jobs to list. `state = "failing"` means scheduled again after an error.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub state: Option<String>,
    pub queue: Option<String>,
    pub name: Option<String>,
    /// Only ids before this one (newest first).
    pub before: Option<JobId>,
}

pub async fn list(
    db: &Db,
    workspace_id: &WorkspaceId,
    filter: &JobFilter,
    limit: i64,
) -> sqlx::Result<Vec<JobRow>> {
    let mut sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE workspace_id = $1");
    let mut args: Vec<String> = Vec::new();
    match filter.state.as_deref() {
        Some("failing") => sql.push_str(" AND state = 'scheduled' AND last_error IS NOT NULL"),
        Some(state) => {
            args.push(state.to_owned());
            sql.push_str(&format!(" AND state = ${}", args.len() + 1));
        }
        None => {}
    }
    for (column, value) in [("queue", &filter.queue), ("name", &filter.name)] {
        if let Some(value) = value {
            args.push(value.clone());
            sql.push_str(&format!(" AND {column} = ${}", args.len() + 1));
        }
    }
    if let Some(before) = &filter.before {
        args.push(before.to_string());
        sql.push_str(&format!(" AND id < ${}", args.len() + 1));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", args.len() + 2));
    on_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(workspace_id);
        for arg in &args {
            query = query.bind(arg);
        }
        query.bind(limit).fetch_all(pool).await
    })
}

pub async fn get(db: &Db, workspace_id: &WorkspaceId, id: &str) -> sqlx::Result<Option<JobRow>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE workspace_id = $1 AND id = $2");
    on_db!(db, pool => sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(pool).await)
}

/// Jobs per (queue, state) in a workspace.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StateCount {
    pub queue: String,
    pub state: String,
    pub count: i64,
}

pub async fn counts(db: &Db, workspace_id: &WorkspaceId) -> sqlx::Result<Vec<StateCount>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT queue, CASE WHEN state = 'scheduled' AND last_error IS NOT NULL THEN 'failing' ELSE state END AS state, \
           COUNT(*) AS count FROM jobs WHERE workspace_id = $1 GROUP BY 1, 2 ORDER BY 1, 2")
        .bind(workspace_id).fetch_all(pool).await)
}

/// Finished runs in one minute.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Throughput {
    #[serde(with = "crate::time::as_rfc3339")]
    pub minute: i64,
    pub done: i64,
    pub failed: i64,
    pub dead: i64,
}

pub async fn throughput(
    db: &Db,
    workspace_id: &WorkspaceId,
    since: Millis,
) -> sqlx::Result<Vec<Throughput>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT minute, CAST(SUM(done) AS BIGINT) AS done, CAST(SUM(failed) AS BIGINT) AS failed, \
           CAST(SUM(dead) AS BIGINT) AS dead FROM job_stats \
         WHERE lane = $1 AND minute >= $2 GROUP BY minute ORDER BY minute")
        .bind(workspace_id).bind(since).fetch_all(pool).await)
}

/// Why a job could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such job")]
    NotFound,
    #[error("a job that is {0} cannot be changed this way")]
    WrongState(String),
    #[error("another unfinished job holds the same unique key")]
    KeyTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Runs a scheduled (typically failing), dead or cancelled job now. A dead or cancelled job gets its
/// attempts back.
pub async fn retry(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &str,
) -> Result<JobRow, ChangeError> {
    change(tx, workspace_id, id, Change::Retry).await
}

/// Cancels a job that has not started.
pub async fn cancel(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &str,
) -> Result<JobRow, ChangeError> {
    change(tx, workspace_id, id, Change::Cancel).await
}

enum Change {
    Retry,
    Cancel,
}

async fn change(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    id: &str,
    change: Change,
) -> Result<JobRow, ChangeError> {
    let (from, sql): (&[&str], &str) = match change {
        Change::Retry => (
            &["scheduled", "dead", "cancelled"],
            "UPDATE jobs SET attempts = CASE WHEN state = 'scheduled' THEN attempts ELSE 0 END, \
               state = 'ready', run_at = $1, finished_at = NULL \
             WHERE id = $2 AND state IN ('scheduled', 'dead', 'cancelled')",
        ),
        Change::Cancel => (
            &["scheduled", "ready"],
            "UPDATE jobs SET state = 'cancelled', finished_at = $1 \
             WHERE id = $2 AND state IN ('scheduled', 'ready')",
        ),
    };
    let state: Option<String> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT state FROM jobs WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(id).fetch_optional(conn).await)?;
    let state = state.ok_or(ChangeError::NotFound)?;
    if !from.contains(&state.as_str()) {
        return Err(ChangeError::WrongState(state));
    }
    // The state is checked again by the UPDATE itself: on PostgreSQL a worker may claim the job
    // between the read and the write, and a running job must be neither cancelled nor re-queued.
    let updated = on_tx!(tx, conn => sqlx::query(sql).bind(now_ms()).bind(id).execute(conn).await.map(|r| r.rows_affected()));
    match updated {
        Err(error) if crate::db::is_unique_violation(&error) => return Err(ChangeError::KeyTaken),
        Ok(0) => return Err(ChangeError::WrongState("running".into())),
        other => other?,
    };
    if matches!(change, Change::Retry) {
        notify_on_commit(tx, Signal::Jobs).await?;
    }
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let job: Option<JobRow> =
        on_tx!(tx, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await)?;
    job.ok_or(ChangeError::NotFound)
}

/// Puts the workspace's dead jobs (optionally of one type, finished within `[since, until)`) back
/// in the queue with fresh attempts. A dead job whose unique key is now held by another unfinished
/// job stays dead, and of several dead jobs sharing a key only the newest is replayed. Returns how
/// many were replayed.
pub async fn replay_dead(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    name: Option<&str>,
    since: Millis,
    until: Millis,
) -> sqlx::Result<u64> {
    let mut sql = String::from(
        "UPDATE jobs SET state = 'ready', attempts = 0, run_at = $2, finished_at = NULL \
         WHERE workspace_id = $1 AND state = 'dead' AND finished_at >= $3 AND finished_at < $4 \
           AND (unique_key IS NULL OR (NOT EXISTS (SELECT 1 FROM jobs other WHERE other.unique_key = jobs.unique_key \
             AND other.state IN ('scheduled', 'ready', 'running')) \
             AND id = (SELECT MAX(dead.id) FROM jobs dead WHERE dead.unique_key = jobs.unique_key \
               AND dead.state = 'dead')))",
    );
    if name.is_some() {
        sql.push_str(" AND name = $5");
    }
    let replayed = on_tx!(tx, conn => {
        let mut query = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(workspace_id).bind(now_ms()).bind(since).bind(until);
        if let Some(name) = name {
            query = query.bind(name);
        }
        query.execute(conn).await.map(|r| r.rows_affected())
    })?;
    notify_on_commit(tx, Signal::Jobs).await?;
    Ok(replayed)
}

/// Queue depth for `/metrics`: jobs per (queue, state) over every workspace, and the age of the
/// oldest ready job per queue.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Depth {
    pub queue: String,
    pub state: String,
    pub count: i64,
    pub oldest_created_at: Option<i64>,
}

pub async fn depth(db: &Db) -> sqlx::Result<Vec<Depth>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT queue, state, COUNT(*) AS count, MIN(created_at) AS oldest_created_at FROM jobs \
         WHERE state IN ('scheduled', 'ready', 'running', 'dead') GROUP BY queue, state")
        .fetch_all(pool).await)
}
