//! The app's background work: which job types the workers run, the worker settings, and the jobs
//! API and pages. The queue itself is `playgram_core::jobs`.

pub mod api;
pub mod probe;
pub mod views;

use std::time::Duration;

use playgram_core::Config;
use playgram_core::jobs::{Registry, WorkerOptions};

use crate::maintenance::{PruneJob, Retention, SweepJob};
use crate::state::AppState;

/// Every job type this build can run. Add new ones here.
pub fn registry(state: &AppState) -> Registry {
    let config = &state.config;
    let mut registry = Registry::default();
    registry
        .register(probe::ProbeJob)
        .register(SweepJob {
            db: state.db.clone(),
        })
        .register(PruneJob {
            db: state.db.clone(),
            retention: Retention {
                done: Duration::from_secs(config.jobs_retention_hours as u64 * 3600),
                dead: Duration::from_secs(config.jobs_dead_retention_days as u64 * 86_400),
                events: Duration::from_secs(config.events_retention_days as u64 * 86_400),
            },
        });
    registry
}

pub fn worker_options(config: &Config) -> WorkerOptions {
    WorkerOptions {
        concurrency: config.jobs_concurrency,
        claim_batch: config.jobs_claim_batch,
        lease: Duration::from_secs(config.jobs_lease_seconds),
        poll: Duration::from_millis(config.jobs_poll_ms),
        shutdown_deadline: Duration::from_secs(config.shutdown_grace_seconds),
    }
}
