//! `playgram bench queue`: the job queue's throughput and pick-up latency, on a fresh database.
//!
//! 1. Enqueue `--jobs` no-op jobs in transactions of 500 (multi-row inserts): enqueue/s.
//! 2. Start a worker (`--concurrency`, `--batch`) and time until every job is done: processed/s.
//!    Claims and completions are batched; SQLite commits with `synchronous = FULL`.
//! 3. With the worker idle, enqueue `--latency-jobs` jobs one transaction at a time, spaced a little
//!    apart, and read each job's `started_at - created_at`: p50/p99/max pick-up latency.
//!
//! The database is a new SQLite file in a temporary directory, or with `--postgres ADMIN_URL` a new
//! PostgreSQL database created and dropped through that admin connection. Prints one JSON line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use playgram_core::jobs::metrics::JobMetrics;
use playgram_core::jobs::{Job, JobContext, JobError, NewJob, Registry, Worker, WorkerOptions};
use playgram_core::{Db, on_db};

use super::Scratch;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug)]
pub struct QueueBench {
    pub jobs: usize,
    pub concurrency: usize,
    pub batch: usize,
    pub latency_jobs: usize,
    pub postgres: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Noop {
    i: usize,
}

struct NoopJob;

impl Job for NoopJob {
    const NAME: &'static str = "bench.noop";
    const QUEUE: &'static str = "bench";
    type Payload = Noop;

    async fn run(&self, _: JobContext, _: Noop) -> Result<(), JobError> {
        Ok(())
    }
}

pub async fn queue(options: QueueBench) -> anyhow::Result<()> {
    let scratch = Scratch::create(options.postgres.as_deref()).await?;
    let result = run_queue(&options, &scratch.url).await;
    scratch.finish().await;
    let report = result?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

async fn run_queue(options: &QueueBench, url: &str) -> anyhow::Result<serde_json::Value> {
    let db = Db::connect(url, 8).await.context("connecting")?;
    db.migrate().await.context("migrating")?;
    let backend = format!("{:?}", db.backend()).to_lowercase();

    // 1. Enqueue.
    let started = Instant::now();
    for chunk in (0..options.jobs).collect::<Vec<_>>().chunks(500) {
        let jobs = chunk
            .iter()
            .map(|&i| NewJob::of::<NoopJob>(&Noop { i }))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = db.begin().await?;
        playgram_core::jobs::enqueue_many(&mut tx, jobs).await?;
        tx.commit().await?;
    }
    let enqueue_s = started.elapsed().as_secs_f64();

    // 2. Process.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut registry = Registry::default();
    registry.register(NoopJob);
    let worker = Worker::new(
        db.clone(),
        registry,
        WorkerOptions {
            concurrency: options.concurrency,
            claim_batch: options.batch,
            poll: Duration::from_millis(200),
            ..WorkerOptions::default()
        },
        Arc::new(JobMetrics::default()),
    );
    let started = Instant::now();
    let worker = tokio::spawn(worker.run(stopped));
    wait_until_done(&db, options.jobs as i64).await?;
    let process_s = started.elapsed().as_secs_f64();

    // 3. Pick-up latency, one job per transaction, about 500 per second.
    for i in 0..options.latency_jobs {
        let mut tx = db.begin().await?;
        playgram_core::jobs::enqueue(&mut tx, NewJob::of::<NoopJob>(&Noop { i })?).await?;
        tx.commit().await?;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    wait_until_done(&db, (options.jobs + options.latency_jobs) as i64).await?;
    let _ = stop.send(true);
    let _ = worker.await;
    // The statistics count runs; the rows must say the same.
    let total = (options.jobs + options.latency_jobs) as i64;
    let done: i64 = on_db!(&db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE state = 'done'").fetch_one(pool).await)?;
    anyhow::ensure!(done == total, "{done} of {total} jobs are marked done");
    let mut pickups: Vec<i64> = on_db!(&db, pool => sqlx::query_scalar(
        "SELECT started_at - created_at FROM jobs ORDER BY created_at DESC LIMIT $1")
        .bind(options.latency_jobs as i64).fetch_all(pool).await)?;
    pickups.sort_unstable();
    let at = |q: f64| -> i64 {
        if pickups.is_empty() {
            return 0;
        }
        pickups[((pickups.len() as f64 * q).ceil() as usize).clamp(1, pickups.len()) - 1]
    };
    db.close().await;
    Ok(serde_json::json!({
        "bench": "queue",
        "backend": backend,
        "jobs": options.jobs,
        "concurrency": options.concurrency,
        "claim_batch": options.batch,
        "enqueue_per_s": (options.jobs as f64 / enqueue_s).round(),
        "process_per_s": (options.jobs as f64 / process_s).round(),
        "pickup_ms": { "p50": at(0.50), "p99": at(0.99), "max": at(1.0), "jobs": pickups.len() },
    }))
}

/// Waits until `total` runs are recorded. Reads the per-minute statistics (a few rows, written in
/// the same transaction as the runs) rather than counting jobs, which would take CPU from the worker.
async fn wait_until_done(db: &Db, total: i64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let done: i64 = on_db!(db, pool => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(done), 0) AS BIGINT) FROM job_stats").fetch_one(pool).await)?;
        if done >= total {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {done} of {total} jobs done after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
