//! `/api/v1/jobs…`: the workspace's background jobs — list, inspect, statistics, retry, cancel,
//! replay, and a probe job to check the pipeline.

use axum::extract::{Path, Query, State};
use playgram_core::ids::JobId;
use playgram_core::jobs::manage::{self, ChangeError, JobFilter, JobRow, StateCount, Throughput};
use playgram_core::jobs::{NewJob, enqueue};
use playgram_core::time::{Millis, now_ms};
use serde::{Deserialize, Serialize};

use super::probe::{Failure, Probe, ProbeJob};
use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

const STATES: [&str; 7] = [
    "scheduled",
    "ready",
    "running",
    "done",
    "dead",
    "cancelled",
    "failing",
];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// scheduled, ready, running, done, dead, cancelled, or failing (scheduled again after an error).
    pub state: Option<String>,
    pub queue: Option<String>,
    /// The job type, such as `diag.probe`.
    pub name: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// A job with its payload.
#[derive(Serialize)]
pub struct JobOut {
    #[serde(flatten)]
    pub job: JobRow,
    pub payload: serde_json::Value,
    /// Failed at least once and waiting for another attempt.
    pub failing: bool,
}

impl From<JobRow> for JobOut {
    fn from(job: JobRow) -> Self {
        JobOut {
            payload: job.payload_json(),
            failing: job.is_failing(),
            job,
        }
    }
}

pub fn filter_from(query: &ListQuery) -> Result<(JobFilter, i64)> {
    let nonempty = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let state = nonempty(&query.state);
    if let Some(state) = &state
        && !STATES.contains(&state.as_str())
    {
        return Err(AppError::bad_request(
            "invalid_state",
            format!("`state` must be one of {}.", STATES.join(", ")),
        ));
    }
    let before = match nonempty(&query.cursor) {
        Some(cursor) => Some(JobId::parse(&cursor).ok_or_else(|| {
            AppError::bad_request("invalid_cursor", "The cursor is not one this API gave out.")
        })?),
        None => None,
    };
    let filter = JobFilter {
        state,
        queue: nonempty(&query.queue),
        name: nonempty(&query.name),
        before,
    };
    Ok((filter, crate::http::page_limit(query.limit.as_deref(), 50)?))
}

/// Lists the workspace's jobs, newest first.
pub async fn list_jobs(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Api<Vec<JobOut>>> {
    principal.require(Capability::ReadJobs)?;
    let (filter, limit) = filter_from(&query)?;
    let rows = manage::list(&state.db, &principal.workspace_id, &filter, limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(
        rows.into_iter().map(JobOut::from).collect(),
        next,
    ))
}

pub async fn get_job(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<JobOut>> {
    principal.require(Capability::ReadJobs)?;
    let job = manage::get(&state.db, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(job.into()))
}

#[derive(Serialize)]
pub struct StatsOut {
    /// Jobs per queue and state (`failing` = scheduled again after an error).
    pub counts: Vec<StateCount>,
    /// Finished runs per minute over the last hour.
    pub throughput: Vec<Throughput>,
}

pub async fn get_job_stats(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Api<StatsOut>> {
    principal.require(Capability::ReadJobs)?;
    Ok(Api::ok(stats(&state, &principal).await?))
}

pub async fn stats(state: &AppState, principal: &Principal) -> Result<StatsOut> {
    let counts = manage::counts(&state.db, &principal.workspace_id).await?;
    let since = now_ms() - 60 * 60_000;
    let throughput = manage::throughput(&state.db, &principal.workspace_id, since).await?;
    Ok(StatsOut { counts, throughput })
}

fn change_error(error: ChangeError) -> AppError {
    match error {
        ChangeError::NotFound => AppError::not_found(),
        ChangeError::WrongState(state) => AppError::conflict(
            "job_state",
            format!("This job is {state}; that action does not apply to it."),
        ),
        ChangeError::KeyTaken => AppError::conflict(
            "job_unique_key_taken",
            "Another unfinished job holds this job's unique key; wait for it to finish.",
        ),
        ChangeError::Db(error) => error.into(),
    }
}

/// Runs a scheduled job now (typically one waiting to retry after a failure), or a dead or
/// cancelled one again with fresh attempts.
pub async fn retry_job(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<JobOut>> {
    principal.require(Capability::ManageJobs)?;
    let job = retry(&state, &principal, &id).await.map_err(change_error)?;
    Ok(Api::ok(job.into()))
}

/// Cancels a job that has not started.
pub async fn cancel_job(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<JobOut>> {
    principal.require(Capability::ManageJobs)?;
    let job = cancel(&state, &principal, &id)
        .await
        .map_err(change_error)?;
    Ok(Api::ok(job.into()))
}

/// Retries a job in one transaction with its audit entry.
pub async fn retry(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> std::result::Result<JobRow, ChangeError> {
    let mut tx = state.db.begin().await?;
    let job = manage::retry(&mut tx, &principal.workspace_id, id).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "job.retried")
            .target(id)
            .details(serde_json::json!({ "name": job.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(job)
}

/// Cancels a job in one transaction with its audit entry.
pub async fn cancel(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> std::result::Result<JobRow, ChangeError> {
    let mut tx = state.db.begin().await?;
    let job = manage::cancel(&mut tx, &principal.workspace_id, id).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "job.cancelled")
            .target(id)
            .details(serde_json::json!({ "name": job.name })),
    )
    .await?;
    tx.commit().await?;
    Ok(job)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReplayIn {
    /// Only dead jobs of this type.
    pub name: Option<String>,
    /// Only jobs that died at or after this time (RFC 3339; default: 7 days ago).
    pub since: Option<String>,
    /// Only jobs that died before this time (RFC 3339; default: now).
    pub until: Option<String>,
}

#[derive(Serialize)]
pub struct ReplayOut {
    pub replayed: u64,
}

fn parse_time(field: &'static str, value: Option<&str>, default: Millis) -> Result<Millis> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|_| {
                AppError::field(field, "Use an RFC 3339 time such as 2026-11-22T10:00:00Z.")
            }),
    }
}

/// Puts dead jobs back in the queue with fresh attempts, in bulk.
pub async fn replay_jobs(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<ReplayIn>,
) -> Result<Api<ReplayOut>> {
    principal.require(Capability::ManageJobs)?;
    let replayed = replay(&state, &principal, &input).await?;
    Ok(Api::ok(ReplayOut { replayed }))
}

pub async fn replay(state: &AppState, principal: &Principal, input: &ReplayIn) -> Result<u64> {
    let now = now_ms();
    let since = parse_time("since", input.since.as_deref(), now - 7 * 86_400_000);
    let until = parse_time("until", input.until.as_deref(), now + 1);
    crate::accounts::fields::all_fields([since.as_ref().err(), until.as_ref().err()])?;
    let name = input.name.as_deref().filter(|n| !n.trim().is_empty());
    let (since, until) = (since?, until?);
    let mut tx = state.db.begin().await?;
    let replayed =
        manage::replay_dead(&mut tx, &principal.workspace_id, name, since, until).await?;
    if replayed > 0 {
        let details = serde_json::json!({ "name": name, "since": since, "until": until, "replayed": replayed });
        audit::record(
            &mut tx,
            Entry::by(principal, "jobs.replayed").details(details),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(replayed)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProbeIn {
    /// How long the probe runs, 0–60,000 ms.
    #[serde(default)]
    pub sleep_ms: u64,
    /// none (default), error, panic or fatal.
    #[serde(default)]
    pub fail: Failure,
    /// Run at this time (RFC 3339) instead of now.
    pub run_at: Option<String>,
}

#[derive(Serialize)]
pub struct ProbeOut {
    pub id: JobId,
}

/// Enqueues a `diag.probe` job for the workspace, to see the pipeline work.
pub async fn create_probe(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<ProbeIn>,
) -> Result<Api<ProbeOut>> {
    principal.require(Capability::ManageJobs)?;
    let id = enqueue_probe(&state, &principal, &input).await?;
    Ok(Api::accepted(ProbeOut { id }))
}

pub async fn enqueue_probe(
    state: &AppState,
    principal: &Principal,
    input: &ProbeIn,
) -> Result<JobId> {
    if input.sleep_ms > 60_000 {
        return Err(AppError::field("sleep_ms", "Choose at most 60000 ms."));
    }
    let now = now_ms();
    let run_at = parse_time("run_at", input.run_at.as_deref(), now)?;
    let probe = Probe {
        sleep_ms: input.sleep_ms,
        fail: input.fail,
        fail_attempts: 0,
    };
    let job = NewJob::of::<ProbeJob>(&probe)
        .map_err(|e| AppError::from(anyhow::anyhow!(e)))?
        .workspace(&principal.workspace_id)
        .run_at(run_at);
    let mut tx = state.db.begin().await?;
    let enqueued = enqueue(&mut tx, job).await?;
    tx.commit().await?;
    Ok(enqueued.id)
}
