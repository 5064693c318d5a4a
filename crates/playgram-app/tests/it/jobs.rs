//! The durable job queue, end to end on the real app: transactional enqueue, unique keys,
//! retries and dead jobs. Limits and fairness, leases and shutdown, the jobs API, and two
//! instances on PostgreSQL are in the submodules.

mod api;
mod cluster;
mod housekeeping;
mod leases;
mod limits;

use std::future::Future;
use std::time::{Duration, Instant};

use playgram_app::jobs::probe::{Failure, Probe, ProbeJob};
use playgram_core::jobs::{Enqueued, NewJob, enqueue};
use playgram_core::on_db;
use playgram_testkit::{TestApp, both};

/// A job as the tests look at it, straight from the `jobs` table.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub worker: Option<String>,
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

const ROW: &str = "SELECT id, state, attempts, last_error, worker, lease_until, created_at, \
     started_at, finished_at FROM jobs";

pub async fn job(app: &TestApp, id: &str) -> Option<JobRow> {
    let sql = format!("{ROW} WHERE id = $1");
    let row: sqlx::Result<Option<JobRow>> = on_db!(app.db(), pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(pool).await);
    row.expect("read a job")
}

/// Every job with this name, oldest first.
pub async fn jobs_named(app: &TestApp, name: &str) -> Vec<JobRow> {
    let sql = format!("{ROW} WHERE name = $1 ORDER BY created_at, id");
    let rows: sqlx::Result<Vec<JobRow>> = on_db!(app.db(), pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(name).fetch_all(pool).await);
    rows.expect("read jobs")
}

/// Polls `check` every 20 ms until it gives a value; panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (generously: the machine may be loaded) until job `id` is in `state`.
pub async fn wait_state(app: &TestApp, id: &str, state: &str) -> JobRow {
    let mut last = None;
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let row = job(app, id).await;
            if row.as_ref().is_some_and(|r| r.state == state) {
                return row;
            }
            last = row;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    match found {
        Ok(Some(row)) => row,
        _ => panic!("job {id} never reached {state}; last seen: {last:#?}"),
    }
}

/// A `diag.probe` job.
pub fn probe(sleep_ms: u64, fail: Failure, fail_attempts: i32) -> NewJob {
    NewJob::of::<ProbeJob>(&Probe {
        sleep_ms,
        fail,
        fail_attempts,
    })
    .expect("a probe payload")
}

/// Enqueues `job` in a transaction of its own.
pub async fn enqueue_now(app: &TestApp, job: NewJob) -> Enqueued {
    let mut tx = app.db().begin().await.expect("begin");
    let enqueued = enqueue(&mut tx, job).await.expect("enqueue");
    tx.commit().await.expect("commit");
    enqueued
}

async fn rollback_leaves_no_job_and_commit_runs_it(app: TestApp) {
    let mut tx = app.db().begin().await.unwrap();
    let rolled_back = enqueue(&mut tx, probe(0, Failure::None, 0)).await.unwrap();
    drop(tx); // A transaction dropped without commit rolls back.
    // Give a worker woken by mistake every chance to find it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(job(&app, rolled_back.id.as_str()).await.is_none());
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM jobs", &[]).await,
        0,
        "a rolled-back enqueue left a row"
    );

    let mut tx = app.db().begin().await.unwrap();
    let committed = enqueue(&mut tx, probe(0, Failure::None, 0)).await.unwrap();
    assert!(!committed.duplicate);
    tx.commit().await.unwrap();
    let done = wait_state(&app, committed.id.as_str(), "done").await;
    assert_eq!(done.attempts, 1);
    assert!(done.last_error.is_none());
    assert!(done.started_at.is_some() && done.finished_at.is_some());
}
both!(rollback_leaves_no_job_and_commit_runs_it);

async fn a_unique_key_holds_one_job_until_it_finishes(app: TestApp) {
    // The first job runs for a while, so it is unfinished while the second enqueue happens.
    let first = enqueue_now(&app, probe(1500, Failure::None, 0).unique("k")).await;
    assert!(!first.duplicate);
    let second = enqueue_now(&app, probe(0, Failure::None, 0).unique("k")).await;
    assert!(second.duplicate, "the second enqueue was not a duplicate");
    assert_eq!(second.id, first.id);
    let count = "SELECT COUNT(*) FROM jobs WHERE unique_key = 'k'";
    assert_eq!(app.fetch_i64(count, &[]).await, 1);

    // Many at once, from concurrent transactions: still one job (a scheduled one, so it surely
    // stays unfinished while they race).
    let racers = (0..8).map(|_| {
        let app = &app;
        let job = probe(0, Failure::None, 0)
            .unique("race")
            .delay(Duration::from_secs(60));
        async move { enqueue_now(app, job).await }
    });
    let results = futures_util::future::join_all(racers).await;
    let fresh: Vec<_> = results.iter().filter(|e| !e.duplicate).collect();
    assert_eq!(fresh.len(), 1, "{results:?}");
    assert!(results.iter().all(|e| e.id == fresh[0].id), "{results:?}");

    // Once the holder is done, the key is free again.
    wait_state(&app, first.id.as_str(), "done").await;
    let third = enqueue_now(&app, probe(0, Failure::None, 0).unique("k")).await;
    assert!(!third.duplicate);
    assert_ne!(third.id, first.id);
    assert_eq!(app.fetch_i64(count, &[]).await, 2);
    wait_state(&app, third.id.as_str(), "done").await;
}
both!(a_unique_key_holds_one_job_until_it_finishes);

async fn a_panicking_job_is_retried_then_dead_with_the_panic_message(app: TestApp) {
    let panics = enqueue_now(&app, probe(0, Failure::Panic, 0)).await;
    let fatal = enqueue_now(&app, probe(0, Failure::Fatal, 0)).await;
    let flaky = enqueue_now(&app, probe(0, Failure::Error, 1)).await;

    let dead = wait_state(&app, panics.id.as_str(), "dead").await;
    assert_eq!(dead.attempts, 3, "{dead:#?}");
    let error = dead.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("panicked") && error.contains("probe panicked on purpose (attempt 3)"),
        "{error}"
    );
    assert!(dead.finished_at.is_some());

    let dead = wait_state(&app, fatal.id.as_str(), "dead").await;
    assert_eq!(dead.attempts, 1, "a fatal error is not retried: {dead:#?}");
    assert_eq!(
        dead.last_error.as_deref(),
        Some("probe failed on purpose, fatally")
    );

    let done = wait_state(&app, flaky.id.as_str(), "done").await;
    assert_eq!(done.attempts, 2, "{done:#?}");
    // The error of the failed attempt stays on record.
    assert_eq!(
        done.last_error.as_deref(),
        Some("probe failed on purpose (attempt 1)")
    );
}
both!(a_panicking_job_is_retried_then_dead_with_the_panic_message);
