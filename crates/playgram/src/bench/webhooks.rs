//! `playgram bench webhooks`: outbound webhook deliveries per second with the delivery log kept.
//!
//! The real path, in process, on a fresh database: events written to the outbox; the sequencer's
//! fan-out writes one message and one delivery job per event; the webhook worker signs (Standard
//! Webhooks), POSTs over keep-alive connections to a local receiver, logs every attempt (group
//! commit) and marks the message delivered. The receiver runs on its own thread and verifies each
//! signature, as the peer's receiver (`shared/bench/ceiling`) does.
//!
//! 1. Emit `--events` events (transactions of 500): emit/s.
//! 2. Sequence them (fan-out into messages and jobs): fanout/s.
//! 3. Start the webhook worker and time until every message is delivered and logged: delivered/s
//!    (the peer's figure: a BullMQ worker over jobs already queued). The backlog's p99
//!    event-to-delivery time is reported too; it is mostly waiting behind the backlog.
//! 4. With everything idle and running (sequencer and worker), emit `--latency-events` events one
//!    at a time: p50/p99 event-to-delivery latency (the receiver's clock minus the event's time).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use playgram_app::AppState;
use playgram_app::webhooks::endpoint::Settings;
use playgram_app::webhooks::fanout::Fanout;
use playgram_app::webhooks::signature::{self, Secret};
use playgram_core::config::Layers;
use playgram_core::events::{self, Subscribers};
use playgram_core::ids::{EndpointId, WorkspaceId};
use playgram_core::jobs::Worker;
use playgram_core::time::now_ms;
use playgram_core::{Db, on_db};
use serde::Serialize;
use tokio::sync::watch;

use super::Scratch;

#[derive(Clone, Debug)]
pub struct WebhookBench {
    pub events: usize,
    pub concurrency: usize,
    pub batch: usize,
    pub latency_events: usize,
    pub postgres: Option<String>,
}

#[derive(Serialize)]
struct Report {
    backend: &'static str,
    events: usize,
    concurrency: usize,
    emit_per_s: u64,
    fanout_per_s: u64,
    delivered_per_s: u64,
    backlog_p99_ms: i64,
    latency_p50_ms: i64,
    latency_p99_ms: i64,
    latency_max_ms: i64,
    attempts_logged: i64,
}

pub async fn webhooks(options: WebhookBench) -> anyhow::Result<()> {
    let scratch = Scratch::create(options.postgres.as_deref()).await?;
    let result = run(&options, &scratch.url).await;
    scratch.finish().await;
    println!("{}", serde_json::to_string(&result?)?);
    Ok(())
}

async fn run(options: &WebhookBench, url: &str) -> anyhow::Result<Report> {
    let receiver = Receiver::start()?;
    let data_dir = std::env::temp_dir().join(format!(
        "playgram-bench-data-{}",
        &playgram_core::crypto::random_token()[..8]
    ));
    let env = [
        ("DATABASE_URL", url.to_owned()),
        ("PLAYGRAM_DATA_DIR", data_dir.display().to_string()),
        (
            "PLAYGRAM_SECRET_KEY",
            hex(&playgram_core::crypto::random_bytes::<32>()),
        ),
        (
            "PLAYGRAM_WEBHOOKS_ALLOW_NETWORKS",
            "127.0.0.1/32".to_owned(),
        ),
        (
            "PLAYGRAM_WEBHOOKS_CONCURRENCY",
            options.concurrency.to_string(),
        ),
        ("PLAYGRAM_JOBS_CLAIM_BATCH", options.batch.to_string()),
    ];
    let layers = Layers::load(None, &|name| {
        env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })?;
    let config = layers.resolve()?;
    let db = Db::connect(url, 8).await?;
    db.migrate().await?;
    let state = AppState::new(config, db.clone())?;
    let backend = match db.backend() {
        playgram_core::Backend::Sqlite => "sqlite",
        playgram_core::Backend::Postgres => "postgres",
    };

    let workspace = WorkspaceId::new();
    on_db!(&db, pool => sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, 'Bench', $2)")
        .bind(&workspace).bind(now_ms()).execute(pool).await.map(|r| r.rows_affected()))?;
    let secret = Secret::generate();
    receiver.expect(&secret);
    let settings = Settings {
        url: receiver.url.clone(),
        description: "bench".into(),
        event_types: None,
        filter: Vec::new(),
        enabled: true,
        rate_limit: None,
        max_in_flight: options.concurrency as u32,
        headers: Default::default(),
    };
    let mut tx = db.begin().await?;
    let endpoint = EndpointId::new();
    let store = playgram_app::webhooks::store::insert;
    store(
        &mut tx,
        &state.sealer,
        &workspace,
        &endpoint,
        &settings,
        &secret,
        now_ms(),
    )
    .await?;
    tx.commit().await?;

    // 1. Emit.
    let started = Instant::now();
    for chunk in (0..options.events).collect::<Vec<_>>().chunks(500) {
        let mut tx = db.begin().await?;
        for i in chunk {
            let data =
                serde_json::json!({ "id": format!("msg_{i}"), "text": format!("hello {i}") });
            events::emit(&mut tx, &workspace, "message.received", &data).await?;
        }
        tx.commit().await?;
    }
    let emit_per_s = per_second(options.events, started.elapsed());

    // 2. Fan out.
    let subscribers: Subscribers = Arc::new(vec![Fanout::new(
        state.config.webhooks_retry_schedule.clone(),
    )]);
    let started = Instant::now();
    while events::sequence(&db, &subscribers, 500).await? > 0 {}
    let fanout_per_s = per_second(options.events, started.elapsed());

    // 3. Deliver the backlog.
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let worker = Worker::new(
        db.clone(),
        playgram_app::jobs::webhook_registry(&state)?,
        playgram_app::jobs::webhook_worker_options(&state.config),
        state.job_metrics.clone(),
    );
    let worker = tokio::spawn(worker.run(stopped.clone()));
    receiver
        .wait_for(options.events, Duration::from_secs(600))
        .await?;
    wait_delivered(&db, options.events as i64, Duration::from_secs(60)).await?;
    let delivered_per_s = per_second(options.events, started.elapsed());
    let backlog = receiver.take_latencies();
    anyhow::ensure!(
        backlog.len() >= options.events,
        "the receiver verified {} of {} deliveries",
        backlog.len(),
        options.events
    );

    // 4. Latency with the pipeline idle and running.
    tokio::spawn(events::run_sequencer(
        db.clone(),
        subscribers,
        Duration::from_millis(1000),
        stopped.clone(),
    ));
    for i in 0..options.latency_events {
        let mut tx = db.begin().await?;
        events::emit(
            &mut tx,
            &workspace,
            "message.received",
            &serde_json::json!({ "i": i }),
        )
        .await?;
        tx.commit().await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = (options.events + options.latency_events) as i64;
    receiver
        .wait_for(options.latency_events, Duration::from_secs(60))
        .await?;
    wait_delivered(&db, total, Duration::from_secs(60)).await?;
    let latencies = receiver.take_latencies();
    stop.send_replace(true);
    let _ = tokio::time::timeout(Duration::from_secs(15), worker).await;
    let attempts_logged: i64 = on_db!(&db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_attempts WHERE succeeded = TRUE").fetch_one(pool).await)?;
    anyhow::ensure!(
        attempts_logged == total,
        "{attempts_logged} of {total} attempts logged"
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(Report {
        backend,
        events: options.events,
        concurrency: options.concurrency,
        emit_per_s,
        fanout_per_s,
        delivered_per_s,
        backlog_p99_ms: percentile(&backlog, 0.99),
        latency_p50_ms: percentile(&latencies, 0.50),
        latency_p99_ms: percentile(&latencies, 0.99),
        latency_max_ms: percentile(&latencies, 1.0),
        attempts_logged,
    })
}

fn per_second(count: usize, took: Duration) -> u64 {
    (count as f64 / took.as_secs_f64().max(1e-9)) as u64
}

fn percentile(values: &[i64], p: f64) -> i64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(at).copied().unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn wait_delivered(db: &Db, total: i64, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let done: i64 = on_db!(db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_messages WHERE status = 'delivered'").fetch_one(pool).await)?;
        if done >= total {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{done} of {total} delivered in time"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

impl Receiver {
    /// Waits until `count` verified deliveries arrived since the last `take_latencies` (watching
    /// the receiver, so the measurement does not poll the database it measures).
    async fn wait_for(&self, count: usize, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let got = self
                .shared
                .latencies
                .lock()
                .map(|l| l.len())
                .unwrap_or_default();
            if got >= count {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{got} of {count} deliveries arrived in time"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// The local receiver: its own thread and runtime; checks every signature, records how long after
/// the event each delivery arrived.
struct Receiver {
    url: String,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    secret: Mutex<Option<Secret>>,
    latencies: Mutex<Vec<i64>>,
}

impl Receiver {
    fn start() -> anyhow::Result<Receiver> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}/hooks", listener.local_addr()?);
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
                    let state = state.clone();
                    async move { receive(&state, &headers, &body) }
                });
                let _ = axum::serve(listener, app).await;
            });
        });
        Ok(Receiver { url, shared })
    }

    fn expect(&self, secret: &Secret) {
        if let Ok(mut slot) = self.shared.secret.lock() {
            *slot = Secret::parse(&secret.expose());
        }
    }

    fn take_latencies(&self) -> Vec<i64> {
        self.shared
            .latencies
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

fn receive(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let verified = shared.secret.lock().ok().and_then(|secret| {
        let secret = secret.as_ref()?;
        signature::verify(
            secret,
            header("webhook-id"),
            header("webhook-timestamp"),
            header("webhook-signature"),
            body,
            now_ms() / 1000,
            300,
        )
        .ok()
    });
    if verified.is_none() {
        return StatusCode::UNAUTHORIZED;
    }
    // The body starts `{"type":…,"timestamp":"…"`: find the time without parsing it all.
    let sent_at = std::str::from_utf8(body)
        .ok()
        .and_then(|text| text.split_once("\"timestamp\":\""))
        .and_then(|(_, rest)| rest.split_once('"'))
        .and_then(|(time, _)| chrono::DateTime::parse_from_rfc3339(time).ok())
        .map(|t| t.timestamp_millis());
    if let (Some(at), Ok(mut latencies)) = (sent_at, shared.latencies.lock()) {
        latencies.push(now_ms() - at);
    }
    StatusCode::OK
}
