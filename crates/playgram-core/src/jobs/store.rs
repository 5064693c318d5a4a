//! SQL for the worker's side of the job queue: enqueue, claim, finish, leases, pruning. Reading and
//! managing jobs for people is in `manage`.

use std::collections::BTreeMap;

use sqlx::AssertSqlSafe;

use super::{Limit, NewJob};
use crate::db::Backend;
use crate::db::placeholders;
use crate::ids::{JobId, WorkspaceId};
use crate::signals::{Signal, notify_on_commit};
use crate::time::{Millis, now_ms};
use crate::{Db, Tx, on_db, on_tx};

/// Rows per multi-row insert (16 binds each).
const CHUNK: usize = 250;
/// Ids per `id IN (…)` statement when finishing or releasing jobs.
const ID_CHUNK: usize = 1000;
const INSERT_COLUMNS: usize = 16;

/// The fairness lane of a workspace ('' for work that belongs to none).
fn lane(workspace_id: Option<&WorkspaceId>) -> &str {
    workspace_id.map(|w| w.as_str()).unwrap_or("")
}

/// Inserts `jobs` and returns the ids of those inserted (a taken unique key skips its job).
pub async fn insert(tx: &mut Tx, jobs: Vec<NewJob>) -> sqlx::Result<Vec<JobId>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let tags = fair_tags(tx, &jobs).await?;
    let mut inserted = Vec::with_capacity(jobs.len());
    for (chunk, chunk_tags) in jobs.chunks(CHUNK).zip(tags.chunks(CHUNK)) {
        let backend = tx.backend();
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "({})",
                    placeholders(backend, 1 + i * INSERT_COLUMNS, INSERT_COLUMNS)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO jobs (id, name, queue, workspace_id, payload, state, priority, fair_tag, run_at, \
             max_attempts, unique_key, limit_key, limit_concurrency, limit_rate, limit_per_ms, created_at) \
             VALUES {} ON CONFLICT DO NOTHING RETURNING id",
            rows.join(", ")
        );
        let ids: Vec<JobId> = on_tx!(tx, conn => {
            let mut query = sqlx::query_scalar(AssertSqlSafe(sql.as_str()));
            for (job, tag) in chunk.iter().zip(chunk_tags) {
                let run_at = job.run_at.unwrap_or(now);
                let state = if run_at <= now { "ready" } else { "scheduled" };
                let limit = job.limit.as_ref();
                let (rate, per) = match limit.and_then(|l| l.rate) {
                    Some((count, per)) => (Some(count as i32), Some(per.as_millis() as i64)),
                    None => (None, None),
                };
                query = query
                    .bind(JobId::new())
                    .bind(job.name)
                    .bind(job.queue)
                    .bind(job.workspace_id.clone())
                    .bind(job.payload.clone())
                    .bind(state)
                    .bind(job.priority)
                    .bind(*tag)
                    .bind(run_at)
                    .bind(job.max_attempts)
                    .bind(job.unique_key.clone())
                    .bind(limit.map(|l| l.key.clone()))
                    .bind(limit.and_then(|l| l.concurrency).map(|c| c as i32))
                    .bind(rate)
                    .bind(per)
                    .bind(now);
            }
            query.fetch_all(conn).await
        })?;
        inserted.extend(ids);
    }
    notify_on_commit(tx, Signal::Jobs).await?;
    Ok(inserted)
}

/// Start tags for `jobs`: per lane, `max(virtual clock, lane's last tag) + 1, + 2, …`.
async fn fair_tags(tx: &mut Tx, jobs: &[NewJob]) -> sqlx::Result<Vec<i64>> {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for job in jobs {
        *counts.entry(lane(job.workspace_id.as_ref())).or_default() += 1;
    }
    let clock: i64 = on_tx!(tx, conn => sqlx::query_scalar("SELECT last_tag FROM job_lanes WHERE lane = '*'").fetch_one(conn).await)?;
    let mut next: BTreeMap<&str, i64> = BTreeMap::new();
    for (lane, count) in counts {
        let last: i64 = on_tx!(tx, conn => sqlx::query_scalar(
            "INSERT INTO job_lanes (lane, last_tag) VALUES ($1, $2 + $3) \
             ON CONFLICT (lane) DO UPDATE SET last_tag = \
               (CASE WHEN job_lanes.last_tag > $2 THEN job_lanes.last_tag ELSE $2 END) + $3 \
             RETURNING last_tag")
            .bind(lane).bind(clock).bind(count).fetch_one(conn).await)?;
        next.insert(lane, last - count + 1);
    }
    Ok(jobs
        .iter()
        .map(|job| {
            let slot = next.entry(lane(job.workspace_id.as_ref())).or_default();
            *slot += 1;
            *slot - 1
        })
        .collect())
}

/// The id of the unfinished job holding `unique_key`.
pub async fn unfinished_with_key(tx: &mut Tx, unique_key: &str) -> sqlx::Result<Option<JobId>> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM jobs WHERE unique_key = $1 AND state IN ('scheduled', 'ready', 'running')")
        .bind(unique_key).fetch_optional(conn).await)
}

/// A job leased to this worker.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: JobId,
    pub name: String,
    pub queue: String,
    pub workspace_id: Option<WorkspaceId>,
    pub payload: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub priority: i32,
    pub fair_tag: i64,
    pub limit_key: Option<String>,
    pub limit_concurrency: Option<i32>,
    pub limit_rate: Option<i32>,
    pub limit_per_ms: Option<i64>,
    pub created_at: i64,
    pub run_at: i64,
}

impl Claimed {
    fn limit(&self) -> Option<Limit> {
        let key = self.limit_key.clone()?;
        let mut limit = Limit::key(key);
        if let Some(max) = self.limit_concurrency {
            limit = limit.concurrency(max.max(1) as u32);
        }
        if let (Some(count), Some(per)) = (self.limit_rate, self.limit_per_ms) {
            limit = limit.rate(
                count.max(1) as u32,
                std::time::Duration::from_millis(per.max(1) as u64),
            );
        }
        Some(limit)
    }
}

const CLAIM_RETURNING: &str = "RETURNING id, name, queue, workspace_id, payload, attempts, max_attempts, \
     priority, fair_tag, limit_key, limit_concurrency, limit_rate, limit_per_ms, created_at, run_at";

/// Leases up to `max` ready jobs named in `names` to `worker` until `now + lease_ms`, in claim order
/// (priority, then fair tag). Due scheduled jobs are promoted first; jobs over their key's limit
/// are put back for later in the same transaction.
pub async fn claim(
    db: &Db,
    worker: &str,
    names: &[&str],
    max: usize,
    lease_ms: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    promote_due(&mut tx, now).await?;
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1, \
           lease_until = $2, started_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE state = 'ready' AND name IN ({}) \
           ORDER BY priority DESC, fair_tag LIMIT $4{lock}) {CLAIM_RETURNING}",
        // Numbered on both backends (`$4` follows this short list in the text).
        placeholders(Backend::Postgres, 5, names.len().max(1))
    );
    let mut claimed: Vec<Claimed> = on_tx!(&mut tx, conn => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(worker).bind(now + lease_ms).bind(now).bind(max as i64);
        if names.is_empty() {
            query = query.bind("");
        }
        for name in names {
            query = query.bind(*name);
        }
        query.fetch_all(conn).await
    })?;
    claimed.sort_by_key(|job| (-job.priority, job.fair_tag));
    if claimed.iter().any(|job| job.limit_key.is_some()) {
        claimed = enforce_limits(&mut tx, claimed, now).await?;
    }
    if let Some(top) = claimed.iter().map(|job| job.fair_tag).max() {
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE job_lanes SET last_tag = $1 WHERE lane = '*' AND last_tag < $1")
            .bind(top).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(claimed)
}

/// Moves scheduled jobs whose time has come to `ready`.
async fn promote_due(tx: &mut Tx, now: Millis) -> sqlx::Result<u64> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = 'ready' WHERE id IN (SELECT id FROM jobs \
         WHERE state = 'scheduled' AND run_at <= $1 ORDER BY run_at LIMIT 1000{lock})"
    );
    on_tx!(tx, conn => sqlx::query(AssertSqlSafe(sql)).bind(now).execute(conn).await.map(|r| r.rows_affected()))
}

/// Keeps the claimed jobs their keys allow and puts the others back to `scheduled` for when they
/// may run, without counting an attempt.
async fn enforce_limits(
    tx: &mut Tx,
    claimed: Vec<Claimed>,
    now: Millis,
) -> sqlx::Result<Vec<Claimed>> {
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, job) in claimed.iter().enumerate() {
        if let Some(key) = &job.limit_key {
            by_key.entry(key.clone()).or_default().push(i);
        }
    }
    let mut deferred: BTreeMap<usize, Millis> = BTreeMap::new();
    for (key, positions) in by_key {
        let Some(limit) = claimed[positions[0]].limit() else {
            continue;
        };
        let mut allowed = positions.len();
        if let Some(max_running) = limit.concurrency {
            if tx.backend() == Backend::Postgres {
                // Another worker claiming jobs of this key at the same moment sees only its own
                // uncommitted claims; without this lock (held to commit, taken in key order) both
                // would fill the cap and together exceed it. SQLite has one writer anyway.
                on_tx!(tx, conn => sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(&key).execute(conn).await.map(|r| r.rows_affected()))?;
            }
            let running: i64 = on_tx!(tx, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND limit_key = $1")
                .bind(&key).fetch_one(conn).await)?;
            let others = running - positions.len() as i64;
            allowed = allowed.min((max_running as i64 - others).max(0) as usize);
        }
        let mut wait_ms = Vec::new();
        if let Some((count, per)) = limit.rate {
            let (granted, waits) =
                take_tokens(tx, &key, count, per.as_millis() as i64, allowed, now).await?;
            allowed = granted;
            wait_ms = waits;
        }
        for (n, &position) in positions.iter().enumerate().skip(allowed) {
            // Past the rate: when its token is due. Past the concurrency cap: shortly, with jitter.
            let wait = wait_ms
                .get(n - allowed)
                .copied()
                .unwrap_or_else(|| 200 + rand::random_range(0..300));
            deferred.insert(position, now + wait);
        }
    }
    for (&position, &at) in &deferred {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE jobs SET state = 'scheduled', run_at = $1, attempts = attempts - 1, worker = NULL, \
               lease_until = NULL, started_at = NULL WHERE id = $2")
            .bind(at).bind(&claimed[position].id).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(claimed
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !deferred.contains_key(i))
        .map(|(_, job)| job)
        .collect())
}

/// Takes up to `wanted` tokens from `key`'s bucket (capacity `count`, refilled at `count` per
/// `per_ms`). Returns how many were granted and, for each job refused, how long until its token.
async fn take_tokens(
    tx: &mut Tx,
    key: &str,
    count: u32,
    per_ms: i64,
    wanted: usize,
    now: Millis,
) -> sqlx::Result<(usize, Vec<i64>)> {
    let capacity = f64::from(count);
    let per_ms_rate = capacity / per_ms.max(1) as f64;
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO job_rate_buckets (limit_key, tokens, updated_at) VALUES ($1, $2, $3) ON CONFLICT (limit_key) DO NOTHING")
        .bind(key).bind(capacity).bind(now).execute(conn).await.map(|r| r.rows_affected()))?;
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT tokens, updated_at FROM job_rate_buckets WHERE limit_key = $1{lock}");
    let (tokens, updated_at): (f64, i64) =
        on_tx!(tx, conn => sqlx::query_as(AssertSqlSafe(sql)).bind(key).fetch_one(conn).await)?;
    let elapsed = (now - updated_at).max(0) as f64;
    let available = (tokens + elapsed * per_ms_rate).min(capacity);
    let granted = (available.floor().max(0.0) as usize).min(wanted);
    let left = available - granted as f64;
    on_tx!(tx, conn => sqlx::query(
        "UPDATE job_rate_buckets SET tokens = $1, updated_at = $2 WHERE limit_key = $3")
        .bind(left).bind(now).bind(key).execute(conn).await.map(|r| r.rows_affected()))?;
    let waits = (0..wanted - granted)
        .map(|i| ((i as f64 + 1.0 - left) / per_ms_rate).ceil().max(1.0) as i64)
        .collect();
    Ok((granted, waits))
}

/// How one run ended.
#[derive(Clone, Debug)]
pub enum Finish {
    Done,
    /// Back to `scheduled` for another attempt at `at`.
    Retry {
        at: Millis,
        error: String,
    },
    Dead {
        error: String,
    },
    /// Back to `scheduled` for `at` without counting the attempt (see `JobError::defer`).
    Defer {
        at: Millis,
    },
}

/// One finished run, as the worker reports it.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub id: JobId,
    pub queue: String,
    pub workspace_id: Option<WorkspaceId>,
    pub finish: Finish,
    pub run_ms: i64,
}

/// Records a batch of outcomes for `worker` in one transaction, with the per-minute statistics.
/// A job this worker no longer holds (its lease was lost) is left alone.
pub async fn finish(db: &Db, worker: &str, outcomes: &[Outcome]) -> sqlx::Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let done: Vec<&JobId> = outcomes
        .iter()
        .filter(|o| matches!(o.finish, Finish::Done))
        .map(|o| &o.id)
        .collect();
    for chunk in done.chunks(ID_CHUNK) {
        let backend = db.backend();
        let sql = format!(
            "UPDATE jobs SET state = 'done', finished_at = {}, lease_until = NULL \
             WHERE state = 'running' AND worker = {} AND id IN ({})",
            placeholders(backend, 1, 1),
            placeholders(backend, 2, 1),
            placeholders(backend, 3, chunk.len())
        );
        on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql.as_str())).bind(now).bind(worker);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    for outcome in outcomes {
        let (state, run_at, error, finished_at) = match &outcome.finish {
            Finish::Done => continue,
            Finish::Defer { at } => {
                on_tx!(&mut tx, conn => sqlx::query(
                    "UPDATE jobs SET state = 'scheduled', run_at = $1, attempts = attempts - 1, \
                       lease_until = NULL, worker = NULL, started_at = NULL \
                     WHERE id = $2 AND worker = $3 AND state = 'running'")
                    .bind(*at).bind(&outcome.id).bind(worker)
                    .execute(conn).await.map(|r| r.rows_affected()))?;
                continue;
            }
            Finish::Retry { at, error } => ("scheduled", *at, error, None),
            Finish::Dead { error } => ("dead", now, error, Some(now)),
        };
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, finished_at = $4, \
               lease_until = NULL, worker = NULL \
             WHERE id = $5 AND worker = $6 AND state = 'running'")
            .bind(state).bind(run_at).bind(truncate(error, 4000)).bind(finished_at)
            .bind(&outcome.id).bind(worker).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    record_stats(&mut tx, outcomes, now).await?;
    tx.commit().await
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// Adds the batch to the per-minute, per-lane, per-queue counters.
async fn record_stats(tx: &mut Tx, outcomes: &[Outcome], now: Millis) -> sqlx::Result<()> {
    let minute = now - now.rem_euclid(60_000);
    let mut totals: BTreeMap<(&str, &str), [i64; 4]> = BTreeMap::new();
    for outcome in outcomes {
        let entry = totals
            .entry((lane(outcome.workspace_id.as_ref()), outcome.queue.as_str()))
            .or_default();
        match outcome.finish {
            Finish::Done => entry[0] += 1,
            Finish::Retry { .. } => entry[1] += 1,
            Finish::Dead { .. } => entry[2] += 1,
            Finish::Defer { .. } => continue,
        }
        entry[3] += outcome.run_ms;
    }
    for ((lane, queue), [done, failed, dead, run_ms]) in totals {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO job_stats (minute, lane, queue, done, failed, dead, run_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (minute, lane, queue) DO UPDATE SET done = job_stats.done + $4, \
               failed = job_stats.failed + $5, dead = job_stats.dead + $6, run_ms = job_stats.run_ms + $7")
            .bind(minute).bind(lane).bind(queue).bind(done).bind(failed).bind(dead).bind(run_ms)
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Extends the lease of every job `worker` holds; returns the ids it still holds.
pub async fn heartbeat(db: &Db, worker: &str, lease_ms: i64) -> sqlx::Result<Vec<JobId>> {
    on_db!(db, pool => sqlx::query_scalar(
        "UPDATE jobs SET lease_until = $1 WHERE state = 'running' AND worker = $2 RETURNING id")
        .bind(now_ms() + lease_ms).bind(worker).fetch_all(pool).await)
}

/// The message recorded on a job whose worker disappeared.
pub const LEASE_EXPIRED: &str =
    "lease expired: the worker stopped (killed or lost) while running this job";

/// Returns jobs whose lease ran out to the queue (or to dead when no attempt is left).
pub async fn reap(db: &Db) -> sqlx::Result<u64> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let reaped = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END, \
           finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, \
           last_error = $2, worker = NULL, lease_until = NULL \
         WHERE state = 'running' AND lease_until < $1")
        .bind(now).bind(LEASE_EXPIRED).execute(conn).await.map(|r| r.rows_affected()))?;
    if reaped > 0 {
        notify_on_commit(&mut tx, Signal::Jobs).await?;
    }
    tx.commit().await?;
    Ok(reaped)
}

/// Gives back jobs `worker` claimed but did not finish (shutdown): ready again, the attempt not
/// counted.
pub async fn release(db: &Db, worker: &str, ids: &[JobId]) -> sqlx::Result<u64> {
    let mut released = 0;
    for chunk in ids.chunks(ID_CHUNK) {
        let mut tx = db.begin().await?;
        let backend = db.backend();
        let sql = format!(
            "UPDATE jobs SET state = 'ready', attempts = attempts - 1, worker = NULL, lease_until = NULL, \
               started_at = NULL WHERE state = 'running' AND worker = {} AND id IN ({})",
            placeholders(backend, 1, 1),
            placeholders(backend, 2, chunk.len())
        );
        released += on_tx!(&mut tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql.as_str())).bind(worker);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(conn).await.map(|r| r.rows_affected())
        })?;
        notify_on_commit(&mut tx, Signal::Jobs).await?;
        tx.commit().await?;
    }
    Ok(released)
}

/// When the earliest scheduled job is due, if any.
pub async fn next_due(db: &Db) -> sqlx::Result<Option<Millis>> {
    on_db!(db, pool => sqlx::query_scalar("SELECT MIN(run_at) FROM jobs WHERE state = 'scheduled'").fetch_one(pool).await)
}

/// Deletes finished jobs: done and cancelled ones finished before `done_before`, dead ones before
/// `dead_before`; statistics older than `stats_before`. Deletes in slices so no transaction is long.
pub async fn prune(
    db: &Db,
    done_before: Millis,
    dead_before: Millis,
    stats_before: Millis,
) -> sqlx::Result<u64> {
    let mut total = 0;
    for (states, before) in [
        ("'done', 'cancelled'", done_before),
        ("'dead'", dead_before),
    ] {
        let sql = format!(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ({states}) \
             AND finished_at < $1 LIMIT 5000)"
        );
        loop {
            let deleted = on_db!(db, pool => sqlx::query(AssertSqlSafe(sql.as_str())).bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
            total += deleted;
            if deleted < 5000 {
                break;
            }
        }
    }
    on_db!(db, pool => sqlx::query("DELETE FROM job_stats WHERE minute < $1").bind(stats_before).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(total)
}
