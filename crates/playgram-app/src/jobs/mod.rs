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
use crate::webhooks::deliver::DeliverJob;
use crate::webhooks::notify::NotifyDisabledJob;

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
                webhook_log: Duration::from_secs(
                    config.webhooks_log_retention_days as u64 * 86_400,
                ),
                request_bins: Duration::from_secs(config.request_bin_retention_hours as u64 * 3600),
            },
        })
        .register(NotifyDisabledJob {
            state: state.clone(),
        })
        .register(crate::contacts::bulk::BulkJob {
            state: state.clone(),
        })
        .register(crate::contacts::gdpr::RetentionJob {
            state: state.clone(),
        })
        .register(crate::contacts::imports::job::ImportJob {
            state: state.clone(),
        })
        .register(crate::contacts::exports::job::ExportJob {
            state: state.clone(),
        })
        .register(crate::inbox::parse_job::ParseJob {
            state: state.clone(),
        })
        .register(crate::inbox::send::job::SendJob {
            state: state.clone(),
        })
        .register(crate::inbox::send::reconnect::ReconnectAlertJob {
            state: state.clone(),
        })
        .register(crate::inbox::templates::SyncJob {
            state: state.clone(),
        })
        .register(crate::inbox::media::FetchMediaJob {
            state: state.clone(),
        })
        .register(crate::inbox::wake::WakeJob {
            db: state.db.clone(),
        });
    registry
}

/// The webhook sender's own worker: deliveries wait on other people's servers, so they get their
/// own (larger) concurrency and never take the slots of the rest of the background work.
pub fn webhook_registry(state: &AppState) -> anyhow::Result<Registry> {
    let mut registry = Registry::default();
    registry.register(DeliverJob::new(state)?);
    registry.register(crate::inbox::api_channel::deliver::ApiDeliverJob::new(
        state,
    )?);
    Ok(registry)
}

pub fn webhook_worker_options(config: &Config) -> WorkerOptions {
    WorkerOptions {
        concurrency: config.webhooks_concurrency,
        ..worker_options(config)
    }
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
