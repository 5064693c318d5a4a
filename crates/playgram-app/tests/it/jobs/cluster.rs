//! Several instances on one PostgreSQL database: `LISTEN/NOTIFY` wake-ups between them, events
//! raised on one instance streamed by another, and limits held across workers. PostgreSQL only
//! (SQLite is one process's database); skipped without `PLAYGRAM_TEST_POSTGRES_URL`.

use std::time::{Duration, Instant};

use playgram_app::jobs::probe::Failure;
use playgram_core::jobs::{Limit, NewJob, enqueue_many};
use playgram_testkit::{Backend, ServeRole, Settings, TestApp};
use serde_json::json;

use super::limits::assert_rate;
use super::{eventually, jobs_named, probe, wait_state};
use crate::events::{Sse, events_of};

async fn web_instance() -> Option<TestApp> {
    TestApp::spawn_as(Backend::Postgres, ServeRole::Web, Settings::new()).await
}

/// Waits until `count` instances hold their `LISTEN` connection.
async fn wait_listening(app: &TestApp, count: i64) {
    eventually(
        "instances to LISTEN",
        Duration::from_secs(20),
        || async move {
            let listening = app
                .fetch_i64(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND query LIKE 'LISTEN%'",
                    &[],
                )
                .await;
            (listening >= count).then_some(())
        },
    )
    .await;
    // Let each instance's loops settle into their (long) waits.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_job_enqueued_on_a_web_instance_starts_on_a_worker_instance_within_100_ms() {
    let Some(web) = web_instance().await else {
        return;
    };
    // The worker looks at the queue every 5 s on its own: only NOTIFY can make it fast.
    let worker = web
        .spawn_beside(ServeRole::Worker, Settings::new().set("jobs_poll_ms", 5000))
        .await;
    wait_listening(&web, 2).await;
    let owner = web.owner().await;
    let mut latencies = Vec::new();
    for _ in 0..3 {
        let data = owner
            .browser
            .post("/api/v1/jobs/probe", json!({}))
            .await
            .ok_with(202);
        let row = wait_state(&web, data["id"].as_str().unwrap(), "done").await;
        latencies.push(row.started_at.unwrap() - row.created_at);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        latencies.iter().all(|ms| *ms < 100),
        "enqueue → start on the other instance (ms): {latencies:?}"
    );
    eprintln!("cross-instance pick-up latencies (ms): {latencies:?}");
    drop(worker);
}

#[tokio::test]
async fn an_event_raised_on_one_web_instance_reaches_a_stream_on_another() {
    let Some(a) = web_instance().await else {
        return;
    };
    // C would look at the outbox every 10 s on its own.
    let c = a
        .spawn_beside(ServeRole::Web, Settings::new().set("jobs_poll_ms", 10_000))
        .await;
    wait_listening(&a, 2).await;
    let owner = a.owner().await;
    let (_, secret) = a.create_api_key(&owner.browser, &["events:read"]).await;
    let created = events_of(&owner.browser, 1).await[0]["seq"]
        .as_i64()
        .unwrap();
    let mut stream = Sse::open(&c.api(&secret), None).await;
    let raised = Instant::now();
    a.invite(&owner, "far@example.com", "viewer").await;
    let frame = stream
        .next_event_after(created, Duration::from_secs(10))
        .await;
    let took = raised.elapsed();
    assert_eq!(frame.event.as_deref(), Some("member.invited"));
    assert_eq!(frame.json()["data"]["email"], "far@example.com");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    drop(stream);
    drop(c);
}

#[tokio::test]
async fn rate_and_concurrency_limits_hold_across_two_workers() {
    let Some(web) = web_instance().await else {
        return;
    };
    let one = web.spawn_beside(ServeRole::Worker, Settings::new()).await;
    let two = web.spawn_beside(ServeRole::Worker, Settings::new()).await;
    wait_listening(&web, 3).await;
    let capped = Limit::key("conc:2").concurrency(2);
    let rated = Limit::key("rate:4").rate(4, Duration::from_secs(1));
    let mut jobs: Vec<NewJob> = (0..16)
        .map(|_| probe(150, Failure::None, 0).limit(capped.clone()))
        .collect();
    jobs.extend((0..12).map(|_| probe(0, Failure::None, 0).limit(rated.clone())));
    let mut tx = web.db().begin().await.unwrap();
    enqueue_many(&mut tx, jobs).await.unwrap();
    tx.commit().await.unwrap();

    let running = "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND limit_key = 'conc:2'";
    let finished =
        "SELECT COUNT(*) FROM jobs WHERE state IN ('done', 'dead') AND name = 'diag.probe'";
    let started = Instant::now();
    let mut most = 0;
    while web.fetch_i64(finished, &[]).await < 28 {
        most = most.max(web.fetch_i64(running, &[]).await);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "jobs unfinished"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rows = jobs_named(&web, "diag.probe").await;
    assert!(rows.iter().all(|r| r.state == "done"), "{rows:#?}");
    let workers: std::collections::BTreeSet<_> =
        rows.iter().filter_map(|r| r.worker.clone()).collect();
    eprintln!("jobs ran on {} workers", workers.len());
    let rate_starts: Vec<i64> = {
        let mut starts = Vec::new();
        for row in &rows {
            let key = web
                .fetch_text(
                    "SELECT limit_key FROM jobs WHERE id = $1",
                    &[row.id.as_str().into()],
                )
                .await;
            if key.as_deref() == Some("rate:4") {
                starts.push(row.started_at.unwrap());
            }
        }
        starts
    };
    assert_eq!(rate_starts.len(), 12);
    assert_rate(rate_starts, 4, 1000);
    assert!(
        most <= 2,
        "{most} jobs of a key capped at 2 ran at once across two workers"
    );
    drop((one, two));
}
