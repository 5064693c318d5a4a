//! `AppState`: everything a handler may need, one cheap `Clone` of shared handles.

use std::sync::Arc;

use playgram_core::events::hub::Hub;
use playgram_core::jobs::metrics::JobMetrics;
use playgram_core::mail::Mailer;
use playgram_core::seal::Sealer;
use playgram_core::{Config, Db};

use crate::api_keys::auth::KeyCache;
use crate::http::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub mailer: Mailer,
    pub sealer: Sealer,
    pub metrics: Arc<Metrics>,
    pub keys: KeyCache,
    /// This instance's realtime hub (live event streams).
    pub hub: Hub,
    pub job_metrics: Arc<JobMetrics>,
    /// Webhook endpoints opened for sending (secrets, headers), cached briefly.
    pub webhook_endpoints: crate::webhooks::prepared::Endpoints,
    /// Turns true when the instance shuts down; long-lived responses (event streams) end on it.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    /// Request bins on this instance: wake-ups for their live streams, and their rate limits.
    pub bins: crate::webhooks::bins::Bins,
    /// Inbox channels as the webhook URLs need them, cached briefly.
    pub channels: crate::inbox::channels::lookup::Channels,
    /// The group-committing writer of inbound webhooks.
    pub ingest: crate::inbox::ingest::Ingest,
    /// Meta's Graph API (WhatsApp, Instagram, Messenger).
    pub graph: playgram_providers::meta::graph::Graph,
    /// The website chat's rate limits.
    pub chat: crate::inbox::website::ChatLimits,
}

impl AppState {
    pub fn new(config: Config, db: Db) -> anyhow::Result<Self> {
        let mailer = Mailer::new(config.smtp_url.as_deref(), &config.mail_from)?;
        let sealer = Sealer::new(&config.secret_key);
        let webhook_endpoints =
            crate::webhooks::prepared::Endpoints::new(db.clone(), sealer.clone());
        let keys = KeyCache::new(config.api_key_cache_seconds);
        let bins = crate::webhooks::bins::Bins::new(&config);
        let channels = crate::inbox::channels::lookup::Channels::new(db.clone(), sealer.clone());
        let ingest = crate::inbox::ingest::Ingest::start(db.clone());
        let graph = playgram_providers::meta::graph::Graph::new(
            &config.meta_graph_url,
            std::time::Duration::from_secs(30),
        );
        Ok(Self {
            config: Arc::new(config),
            db,
            mailer,
            sealer,
            metrics: Arc::new(Metrics::default()),
            keys,
            hub: Hub::new(1024),
            job_metrics: Arc::new(JobMetrics::default()),
            webhook_endpoints,
            shutdown: Arc::new(tokio::sync::watch::Sender::new(false)),
            bins,
            channels,
            ingest,
            graph,
            chat: crate::inbox::website::ChatLimits::default(),
        })
    }

    /// An absolute link to a page of this server, for emails and the CLI.
    pub fn link(&self, path: &str) -> String {
        let base = self.config.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}
