//! The durable job queue: every unit of background work is a row in the app database.
//!
//! - **Enqueue** ([`enqueue`], [`enqueue_many`]) writes inside the caller's transaction: a rollback
//!   leaves no job, a commit wakes the workers (in process at once; on PostgreSQL other instances
//!   too, through `LISTEN/NOTIFY`).
//! - **States**: `scheduled` (waits for `run_at`) → `ready` → `running` (leased to one worker) →
//!   `done`, or back to `scheduled` after a failure with exponential backoff and full jitter, or
//!   `dead` when the attempts are used up (the last error is kept; replay puts it back).
//!   `scheduled` and `ready` jobs can be `cancelled`; a running job cannot be interrupted.
//! - **Claims** are batched: one statement moves up to N ready jobs to `running` (PostgreSQL
//!   `FOR UPDATE SKIP LOCKED`; SQLite is one writer, so the statement is atomic by itself).
//! - **Leases**: a worker heartbeats its running jobs; a reaper on every worker returns jobs whose
//!   lease ran out (the worker was killed) to the queue, or kills them when no attempt is left. A
//!   worker that loses a lease aborts that run, so one job never runs twice at the same time.
//! - **Fairness**: each job carries a start tag from its workspace's lane (start-time fair queueing:
//!   `max(virtual clock, lane's last tag) + 1`), and claims take the smallest tags first. A workspace
//!   that queues 100,000 jobs gets tags far ahead of the clock; another workspace's next job gets a
//!   tag next to the clock, so it waits at most about a batch.
//! - **Unique keys** hold while a job is not finished (scheduled, ready or running): enqueueing a
//!   second job with the same key returns the first one's id.
//! - **Limits** ([`Limit`]): a job may name a key with a concurrency cap and a token bucket
//!   (capacity `count`, refilled at `count` per `per`). A claim that would break either puts the job
//!   back to `scheduled` for when a token is due; that is not an attempt and never a failure.
//! - **Cron** ([`cron`]): schedules declared in code, overridable in config, enqueued once per tick
//!   across all nodes.

pub mod backoff;
pub mod cron;
pub mod manage;
pub mod metrics;
mod registry;
pub mod store;
mod worker;

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Tx;
use crate::ids::{JobId, WorkspaceId};
use crate::time::Millis;

pub use registry::Registry;
pub use worker::{Worker, WorkerOptions, linger};

/// A kind of background work. Register an instance with [`Registry::register`]; enqueue payloads
/// with [`NewJob::of`].
pub trait Job: Send + Sync + 'static {
    /// The stable name stored with each job (`area.verb`, e.g. `webhooks.deliver`).
    const NAME: &'static str;
    /// Groups jobs on the dashboard and in metrics.
    const QUEUE: &'static str = "default";
    /// Attempts before the job is dead.
    const MAX_ATTEMPTS: i32 = 10;
    type Payload: Serialize + DeserializeOwned + Send + 'static;

    /// How long to wait before attempt `attempt + 1` after attempt `attempt` failed.
    fn backoff(&self, attempt: i32) -> Duration {
        backoff::full_jitter(attempt, Duration::from_secs(1), Duration::from_secs(3600))
    }

    fn run(
        &self,
        context: JobContext,
        payload: Self::Payload,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What a running job knows about itself.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub id: JobId,
    pub attempt: i32,
    pub workspace_id: Option<WorkspaceId>,
}

/// Why a run failed, and what to do about it.
#[derive(Debug)]
pub struct JobError {
    pub message: String,
    /// `false`: no further attempt can help (the job goes straight to dead).
    pub retry: bool,
    /// Overrides the job type's backoff (e.g. a provider's `Retry-After`).
    pub retry_after: Option<Duration>,
    /// Not a failure: the job could not start its work yet (a resource it needs is busy); it runs
    /// again after `retry_after` and this attempt is not counted.
    pub deferred: bool,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            retry: true,
            retry_after: None,
            deferred: false,
        }
    }

    pub fn fatal(message: impl Into<String>) -> Self {
        JobError {
            retry: false,
            ..JobError::retry(message)
        }
    }

    pub fn retry_after(message: impl Into<String>, after: Duration) -> Self {
        JobError {
            retry_after: Some(after),
            ..JobError::retry(message)
        }
    }

    /// Runs the job again after `after` without counting this attempt or recording an error.
    pub fn defer(after: Duration) -> Self {
        JobError {
            deferred: true,
            ..JobError::retry_after("deferred", after)
        }
    }
}

impl From<sqlx::Error> for JobError {
    fn from(error: sqlx::Error) -> Self {
        JobError::retry(format!("database: {error}"))
    }
}

impl From<anyhow::Error> for JobError {
    fn from(error: anyhow::Error) -> Self {
        JobError::retry(format!("{error:#}"))
    }
}

/// A concurrency cap and/or a token-bucket rate for every job naming `key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    pub key: String,
    pub concurrency: Option<u32>,
    /// At most `count` starts per `per` on average, with bursts of at most `count`.
    pub rate: Option<(u32, Duration)>,
}

impl Limit {
    pub fn key(key: impl Into<String>) -> Self {
        Limit {
            key: key.into(),
            concurrency: None,
            rate: None,
        }
    }

    pub fn concurrency(mut self, max_running: u32) -> Self {
        self.concurrency = Some(max_running.max(1));
        self
    }

    pub fn rate(mut self, count: u32, per: Duration) -> Self {
        self.rate = Some((count.max(1), per.max(Duration::from_millis(1))));
        self
    }
}

/// A job to enqueue. Built with [`NewJob::of`] and the builder methods.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub name: &'static str,
    pub queue: &'static str,
    pub payload: String,
    pub workspace_id: Option<WorkspaceId>,
    pub run_at: Option<Millis>,
    pub priority: i32,
    pub max_attempts: i32,
    pub unique_key: Option<String>,
    pub limit: Option<Limit>,
}

impl NewJob {
    pub fn of<J: Job>(payload: &J::Payload) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            name: J::NAME,
            queue: J::QUEUE,
            payload: serde_json::to_string(payload)?,
            workspace_id: None,
            run_at: None,
            priority: 0,
            max_attempts: J::MAX_ATTEMPTS.max(1),
            unique_key: None,
            limit: None,
        })
    }

    /// The workspace the work is for: its dashboard shows the job and fairness shares by it.
    pub fn workspace(mut self, workspace_id: &WorkspaceId) -> Self {
        self.workspace_id = Some(workspace_id.clone());
        self
    }

    /// Not before `at` (milliseconds since the epoch).
    pub fn run_at(mut self, at: Millis) -> Self {
        self.run_at = Some(at);
        self
    }

    pub fn delay(self, delay: Duration) -> Self {
        let at = crate::time::now_ms() + delay.as_millis() as i64;
        self.run_at(at)
    }

    /// Higher runs first (default 0); fairness applies within a priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// At most one unfinished job with this key.
    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    pub fn limit(mut self, limit: Limit) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// The result of [`enqueue`]: the job's id, and whether it is new or an unfinished job with the same
/// unique key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enqueued {
    pub id: JobId,
    pub duplicate: bool,
}

/// Enqueues one job in `tx`.
pub async fn enqueue(tx: &mut Tx, job: NewJob) -> sqlx::Result<Enqueued> {
    // A unique key's holder may finish between the skipped insert and the lookup (PostgreSQL):
    // then the key is free again and the insert is simply tried again.
    for _ in 0..3 {
        if let Some(id) = store::insert(tx, vec![job.clone()]).await?.pop() {
            return Ok(Enqueued {
                id,
                duplicate: false,
            });
        }
        let key = job.unique_key.as_deref().unwrap_or_default();
        if let Some(id) = store::unfinished_with_key(tx, key).await? {
            return Ok(Enqueued {
                id,
                duplicate: true,
            });
        }
    }
    Err(sqlx::Error::Protocol(
        "the job's unique key kept changing hands; try again".into(),
    ))
}

/// Enqueues many jobs in `tx` with multi-row inserts; returns the ids of the jobs inserted (jobs whose
/// unique key is taken are skipped).
pub async fn enqueue_many(tx: &mut Tx, jobs: Vec<NewJob>) -> sqlx::Result<Vec<JobId>> {
    store::insert(tx, jobs).await
}
