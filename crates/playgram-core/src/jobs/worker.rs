//! The worker: claims jobs in batches, runs them concurrently, records outcomes in batches, keeps
//! its leases alive and reaps other workers' expired leases.
//!
//! Four tasks cooperate: the claimer fills a bounded channel with claimed jobs (double-buffered, so
//! a batch is claimed while the previous one runs); the dispatcher starts each job when a
//! concurrency permit is free; the flusher writes finished runs in batches (whatever finished while
//! the previous write was committing); the lease keeper heartbeats, aborts runs whose lease was
//! lost, and reaps expired leases.
//!
//! Shutdown: stop claiming, give back the claimed jobs not started, wait up to the deadline for the
//! running ones, then abort the rest and give them back too (the interrupted attempt is not counted).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::AbortHandle;

use super::metrics::JobMetrics;
use super::registry::Registry;
use super::store::{self, Claimed, Finish, Outcome};
use super::{JobContext, JobError};
use crate::Db;
use crate::ids::JobId;
use crate::signals::Signal;
use crate::time::now_ms;

#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Jobs running at once.
    pub concurrency: usize,
    /// Jobs claimed per statement.
    pub claim_batch: usize,
    /// How long a claim holds a job without a heartbeat.
    pub lease: Duration,
    /// The longest wait between looks at the queue when no wake-up comes.
    pub poll: Duration,
    /// How long shutdown waits for running jobs.
    pub shutdown_deadline: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            concurrency: 32,
            claim_batch: 256,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// Runs in flight: job id → (abort handle, when the run started).
type InFlight = Arc<Mutex<HashMap<JobId, (AbortHandle, Instant)>>>;

pub struct Worker {
    db: Db,
    registry: Arc<Registry>,
    options: WorkerOptions,
    id: String,
    metrics: Arc<JobMetrics>,
}

impl Worker {
    pub fn new(
        db: Db,
        registry: Registry,
        options: WorkerOptions,
        metrics: Arc<JobMetrics>,
    ) -> Self {
        let id = format!("wrk_{}", &crate::crypto::random_token()[..10]);
        Worker {
            db,
            registry: Arc::new(registry),
            options,
            id,
            metrics,
        }
    }

    /// This worker's name in the `jobs.worker` column.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `stop` turns true, then shuts down gracefully.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let Worker {
            db,
            registry,
            options,
            id,
            metrics,
        } = self;
        let id: Arc<str> = Arc::from(id);
        let batch = options.claim_batch.max(1);
        let in_flight: InFlight = Arc::default();
        let (jobs_tx, mut jobs_rx) = mpsc::channel::<Claimed>(batch * 2);
        let (outcomes_tx, outcomes_rx) = mpsc::unbounded_channel::<Outcome>();
        let flusher = tokio::spawn(flush(db.clone(), id.clone(), outcomes_rx));
        let claimer = tokio::spawn(claim(
            db.clone(),
            id.clone(),
            registry.names(),
            options.clone(),
            jobs_tx,
            stop.clone(),
        ));
        let keeper = tokio::spawn(keep_leases(
            db.clone(),
            id.clone(),
            options.lease,
            in_flight.clone(),
            stop.clone(),
        ));
        tracing::info!(worker = %id, concurrency = options.concurrency, batch, "worker started");

        let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
        let mut not_started = Vec::new();
        loop {
            let job = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => break,
                job = jobs_rx.recv() => match job { Some(job) => job, None => break },
            };
            let permit = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => { not_started.push(job.id); break }
                permit = permits.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
            };
            let run = Run {
                registry: registry.clone(),
                outcomes: outcomes_tx.clone(),
                in_flight: in_flight.clone(),
                metrics: metrics.clone(),
            };
            tokio::spawn(async move {
                run.start(job).await;
                drop(permit);
            });
        }

        // Shutdown.
        let _ = claimer.await;
        jobs_rx.close();
        while let Some(job) = jobs_rx.recv().await {
            not_started.push(job.id);
        }
        let all = options.concurrency.max(1) as u32;
        let finished =
            tokio::time::timeout(options.shutdown_deadline, permits.acquire_many(all)).await;
        let interrupted: Vec<JobId> = match finished {
            Ok(_) => Vec::new(),
            Err(_) => {
                let runs: Vec<_> = in_flight
                    .lock()
                    .map(|mut m| m.drain().collect())
                    .unwrap_or_default();
                runs.into_iter()
                    .map(|(job, (abort, _))| {
                        abort.abort();
                        job
                    })
                    .collect()
            }
        };
        keeper.abort();
        drop(outcomes_tx);
        let _ = flusher.await;
        not_started.extend(interrupted.iter().cloned());
        match store::release(&db, &id, &not_started).await {
            Ok(released) => tracing::info!(
                worker = %id, released, interrupted = interrupted.len(), "worker stopped"
            ),
            Err(error) => tracing::warn!(
                worker = %id, %error, "could not give back unstarted jobs; their leases will expire"
            ),
        }
    }
}

/// Fills `jobs` with claimed jobs, a batch whenever there is room for one.
async fn claim(
    db: Db,
    worker: Arc<str>,
    names: Vec<&'static str>,
    options: WorkerOptions,
    jobs: mpsc::Sender<Claimed>,
    mut stop: watch::Receiver<bool>,
) {
    let batch = options.claim_batch.max(1);
    let lease_ms = options.lease.as_millis() as i64;
    let mut woken = db.signals().subscribe(Signal::Jobs);
    loop {
        let room = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => return,
            room = jobs.reserve_many(batch) => match room { Ok(room) => room, Err(_) => return },
        };
        let got = match store::claim(&db, &worker, &names, batch, lease_ms).await {
            Ok(claimed) => {
                let got = claimed.len();
                for (job, slot) in claimed.into_iter().zip(room) {
                    slot.send(job);
                }
                got
            }
            Err(error) => {
                tracing::warn!(%error, "claiming jobs failed; retrying");
                drop(room);
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if got == batch {
            continue;
        }
        let mut wait = options.poll;
        if let Ok(Some(due)) = store::next_due(&db).await {
            let until = Duration::from_millis((due - now_ms()).max(0) as u64);
            wait = wait.min(until);
        }
        tokio::select! {
            _ = woken.wait(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Everything one run needs.
struct Run {
    registry: Arc<Registry>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    in_flight: InFlight,
    metrics: Arc<JobMetrics>,
}

impl Run {
    async fn start(self, job: Claimed) {
        let Some(handler) = self.registry.get(&job.name) else {
            return; // Claims only name registered jobs.
        };
        let due = job.run_at.max(job.created_at);
        self.metrics
            .pickup(&job.queue, (now_ms() - due) as f64 / 1000.0);
        let context = JobContext {
            id: job.id.clone(),
            attempt: job.attempts,
            workspace_id: job.workspace_id.clone(),
        };
        let started = Instant::now();
        let task = tokio::spawn(handler.run(context, &job.payload));
        if let Ok(mut runs) = self.in_flight.lock() {
            // A run of the same job still here lost its lease; it must not go on beside this one.
            if let Some((old, _)) = runs.insert(job.id.clone(), (task.abort_handle(), started)) {
                old.abort();
            }
        }
        let result = task.await;
        if let Ok(mut runs) = self.in_flight.lock()
            && runs.get(&job.id).is_some_and(|(_, at)| *at == started)
        {
            runs.remove(&job.id);
        }
        let elapsed = started.elapsed();
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error),
            Err(join) if join.is_panic() => Some(JobError::retry(format!(
                "panicked: {}",
                panic_message(join.into_panic())
            ))),
            // Aborted: the lease was lost or shutdown ran out of time; nothing to record here.
            Err(_) => return,
        };
        let finish = match error {
            None => Finish::Done,
            Some(error) if error.deferred => Finish::Defer {
                at: now_ms() + error.retry_after.unwrap_or_default().as_millis() as i64,
            },
            Some(error) if !error.retry || job.attempts >= job.max_attempts => Finish::Dead {
                error: error.message,
            },
            Some(error) => {
                let delay = error
                    .retry_after
                    .unwrap_or_else(|| handler.backoff(job.attempts));
                Finish::Retry {
                    at: now_ms() + delay.as_millis() as i64,
                    error: error.message,
                }
            }
        };
        let outcome = match finish {
            Finish::Done => "done",
            Finish::Defer { .. } => "deferred",
            Finish::Retry { .. } => "retry",
            Finish::Dead { .. } => "dead",
        };
        self.metrics.run(&job.name, outcome, elapsed.as_secs_f64());
        let _ = self.outcomes.send(Outcome {
            id: job.id,
            queue: job.queue,
            workspace_id: job.workspace_id,
            finish,
            run_ms: elapsed.as_millis() as i64,
        });
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a non-text panic".to_owned()
    }
}

/// Writes outcomes in batches: everything that finished while the previous write committed, and
/// when that is only a few, whatever else finishes within a millisecond (a write transaction costs
/// about the same for one outcome as for hundreds).
async fn flush(db: Db, worker: Arc<str>, mut outcomes: mpsc::UnboundedReceiver<Outcome>) {
    const MAX: usize = 2000;
    let mut batch = Vec::with_capacity(MAX);
    while outcomes.recv_many(&mut batch, MAX).await > 0 {
        linger(&mut outcomes, &mut batch, MAX).await;
        let mut delay = Duration::from_millis(100);
        while let Err(error) = store::finish(&db, &worker, &batch).await {
            // The runs happened; keep trying so they are recorded (their leases are heartbeated).
            tracing::warn!(%error, jobs = batch.len(), "recording finished jobs failed; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        batch.clear();
    }
}

/// Tops up a small batch with what arrives within a millisecond (busy times only: an idle queue's
/// single outcome is written at once... after at most that millisecond).
pub async fn linger<T>(receiver: &mut mpsc::UnboundedReceiver<T>, batch: &mut Vec<T>, max: usize) {
    const SMALL: usize = 64;
    if batch.len() < SMALL {
        tokio::time::sleep(Duration::from_millis(1)).await;
        while batch.len() < max {
            match receiver.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
    }
}

/// Heartbeats this worker's leases, aborts runs whose lease another worker took, and reaps
/// expired leases of workers that disappeared.
async fn keep_leases(
    db: Db,
    worker: Arc<str>,
    lease: Duration,
    in_flight: InFlight,
    mut stop: watch::Receiver<bool>,
) {
    let every = (lease / 3).max(Duration::from_millis(100));
    let lease_ms = lease.as_millis() as i64;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let asked = Instant::now();
        match store::heartbeat(&db, &worker, lease_ms).await {
            Ok(held) => {
                let held: std::collections::HashSet<JobId> = held.into_iter().collect();
                if let Ok(mut runs) = in_flight.lock() {
                    runs.retain(|job, (abort, started)| {
                        let lost = *started < asked && !held.contains(job);
                        if lost {
                            tracing::warn!(job = %job, "lease lost; aborting this run");
                            abort.abort();
                        }
                        !lost
                    });
                }
            }
            Err(error) => tracing::warn!(%error, "heartbeat failed"),
        }
        match store::reap(&db).await {
            Ok(0) => {}
            Ok(reaped) => tracing::warn!(reaped, "returned jobs whose worker stopped to the queue"),
            Err(error) => tracing::warn!(%error, "reaping expired leases failed"),
        }
    }
}
