//! Playgram's application: the domains (one folder each), their HTTP API and dashboard pages, and
//! [`Application`], which wires configuration, database and router into a running server.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod events;
pub mod files;
pub mod http;
pub mod inbox;
pub mod jobs;
pub mod maintenance;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod router;
pub mod state;
pub mod webhooks;
pub mod workspaces;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use playgram_core::jobs::Worker;
use playgram_core::jobs::cron::{self, CronExpr, Schedule};
use playgram_core::{Config, Db, signals};
use tokio::net::TcpListener;

pub use state::AppState;

/// Which parts of Playgram this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServeRole {
    /// API, dashboard and background work.
    All,
    /// API and dashboard only.
    Web,
    /// Background work only (with the operational endpoints for probes).
    Worker,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    role: ServeRole,
    schedules: Vec<(Schedule, CronExpr)>,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config, role: ServeRole) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url, config.db_max_connections)
            .await
            .with_context(|| {
                format!(
                    "connecting to {}",
                    playgram_core::config::redact_url(&config.database_url)
                )
            })?;
        db.migrate().await.context("applying database migrations")?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let schedules = cron::resolve(maintenance::SCHEDULES, &config.cron)
            .map_err(|e| anyhow::anyhow!("invalid `cron` setting: {e}"))?;
        let state = AppState::new(config, db)?;
        Ok(Self {
            listener,
            state,
            role,
            schedules,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.bind)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting connections, ends event streams,
    /// and gives in-flight requests and running jobs `shutdown_grace_seconds` to finish.
    ///
    /// Every role relays PostgreSQL notifications and runs the event sequencer (events written by
    /// a web instance are sequenced without waiting for a worker); web roles run the realtime hub;
    /// worker roles run the job worker and the cron scheduler.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            role,
            schedules,
        } = self;
        let grace = Duration::from_secs(state.config.shutdown_grace_seconds);
        let stop_tx = state.shutdown.clone();
        let stop_rx = stop_tx.subscribe();
        let poll = Duration::from_millis(state.config.jobs_poll_ms);
        tokio::spawn(signals::listen(state.db.clone(), stop_rx.clone()));
        let subscribers: playgram_core::events::Subscribers =
            std::sync::Arc::new(vec![webhooks::fanout::Fanout::new(
                state.config.webhooks_retry_schedule.clone(),
            )]);
        tokio::spawn(playgram_core::events::run_sequencer(
            state.db.clone(),
            subscribers,
            poll,
            stop_rx.clone(),
        ));
        if role != ServeRole::Worker {
            tokio::spawn(
                state
                    .hub
                    .clone()
                    .run(state.db.clone(), poll, stop_rx.clone()),
            );
        }
        let webhook_registry = match role {
            ServeRole::Web => None,
            ServeRole::All | ServeRole::Worker => Some(jobs::webhook_registry(&state)?),
        };
        let worker = webhook_registry.map(|webhook_registry| {
            let worker = Worker::new(
                state.db.clone(),
                jobs::registry(&state),
                jobs::worker_options(&state.config),
                state.job_metrics.clone(),
            );
            let webhooks = Worker::new(
                state.db.clone(),
                webhook_registry,
                jobs::webhook_worker_options(&state.config),
                state.job_metrics.clone(),
            );
            tokio::spawn(cron::run(state.db.clone(), schedules, stop_rx.clone()));
            let webhooks = tokio::spawn(webhooks.run(stop_rx.clone()));
            let worker = tokio::spawn(worker.run(stop_rx.clone()));
            async move {
                let _ = tokio::join!(worker, webhooks);
            }
        });
        let router = match role {
            ServeRole::Worker => router::worker(state.clone()),
            ServeRole::All | ServeRole::Web => router::web(state.clone()),
        };
        let mut stopped = stop_rx.clone();
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        });
        let server = tokio::spawn(async move { server.await });
        shutdown.await;
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "shutting down: no new connections, finishing requests in flight"
        );
        stop_tx.send_replace(true);
        match tokio::time::timeout(grace, server).await {
            Ok(result) => result.context("server task")?.context("server")?,
            Err(_) => tracing::warn!("grace period over; dropping the connections still open"),
        }
        if let Some(workers) = worker {
            // The workers have their own deadline (the same grace) and give back unfinished jobs.
            let _ = tokio::time::timeout(grace + Duration::from_secs(5), workers).await;
        }
        state.db.close().await;
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
