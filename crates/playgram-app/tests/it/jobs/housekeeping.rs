//! Priority order, pruning of finished work, and the event subscriber seam.

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use playgram_core::events::{self, Event, Subscriber};
use playgram_core::ids::WorkspaceId;
use playgram_core::jobs::{NewJob, enqueue_many, store};
use playgram_core::{Tx, on_tx};
use playgram_testkit::{TestApp, both};

use crate::now_ms;

/// A job no worker of the app runs, so the test claims it by hand.
fn manual(priority: i32, tag: &str) -> NewJob {
    NewJob {
        name: "test.manual",
        queue: "default",
        payload: format!("{{\"tag\":\"{tag}\"}}"),
        workspace_id: None,
        run_at: None,
        priority,
        max_attempts: 1,
        unique_key: None,
        limit: None,
    }
}

async fn claims_take_higher_priority_first(app: TestApp) {
    let mut tx = app.db().begin().await.unwrap();
    let jobs = vec![
        manual(0, "normal"),
        manual(5, "urgent"),
        manual(-1, "later"),
        manual(0, "normal-2"),
    ];
    enqueue_many(&mut tx, jobs).await.unwrap();
    tx.commit().await.unwrap();
    let mut order = Vec::new();
    for _ in 0..4 {
        let claimed = store::claim(app.db(), "test-worker", &["test.manual"], 1, 30_000)
            .await
            .unwrap();
        order.push(claimed[0].payload.clone());
    }
    assert_eq!(
        order,
        [
            "{\"tag\":\"urgent\"}",
            "{\"tag\":\"normal\"}",
            "{\"tag\":\"normal-2\"}",
            "{\"tag\":\"later\"}"
        ]
    );
}
both!(claims_take_higher_priority_first);

async fn pruning_removes_only_work_past_its_retention(app: TestApp) {
    let mut tx = app.db().begin().await.unwrap();
    let ids = enqueue_many(
        &mut tx,
        vec![
            manual(0, "old-done"),
            manual(0, "new-done"),
            manual(0, "old-dead"),
            manual(0, "new-dead"),
            manual(0, "waiting"),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let hour = 3_600_000;
    let now = now_ms();
    for (id, state, finished) in [
        (&ids[0], "done", now - 80 * hour),
        (&ids[1], "done", now - hour),
        (&ids[2], "dead", now - 40 * 24 * hour),
        (&ids[3], "dead", now - 80 * hour),
    ] {
        app.execute(
            "UPDATE jobs SET state = $1, finished_at = $2 WHERE id = $3",
            &[state.into(), finished.into(), id.as_str().into()],
        )
        .await;
    }
    let pruned = store::prune(
        app.db(),
        now - 72 * hour,
        now - 30 * 24 * hour,
        now - 30 * 24 * hour,
    )
    .await
    .unwrap();
    assert_eq!(pruned, 2);
    let left = app
        .fetch_i64("SELECT COUNT(*) FROM jobs WHERE name = 'test.manual'", &[])
        .await;
    assert_eq!(
        left, 3,
        "the recent done job, the recent dead job and the waiting one stay"
    );
    for gone in [&ids[0], &ids[2]] {
        let n = app
            .fetch_i64(
                "SELECT COUNT(*) FROM jobs WHERE id = $1",
                &[gone.as_str().into()],
            )
            .await;
        assert_eq!(n, 0);
    }
}
both!(pruning_removes_only_work_past_its_retention);

/// Records what it is handed and writes a job in the sequencing transaction.
struct Recorder {
    seen: Arc<Mutex<Vec<(i64, String)>>>,
}

impl Subscriber for Recorder {
    fn name(&self) -> &'static str {
        "test.recorder"
    }

    fn handle<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [Event],
    ) -> Pin<Box<dyn std::future::Future<Output = sqlx::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            for event in events {
                self.seen
                    .lock()
                    .unwrap()
                    .push((event.seq, event.kind.clone()));
                let job = manual(0, &format!("after-{}", event.seq));
                playgram_core::jobs::enqueue(tx, job).await?;
            }
            on_tx!(tx, conn => sqlx::query("SELECT 1").execute(conn).await.map(|_| ()))
        })
    }
}

async fn subscribers_see_every_event_once_in_order_inside_the_sequencing_transaction(
    mut app: TestApp,
) {
    // The app's own sequencer must not number these events first.
    app.stop().await;
    let workspace = WorkspaceId::new();
    let mut tx = app.db().begin().await.unwrap();
    for i in 0..3 {
        events::emit(
            &mut tx,
            &workspace,
            "test.happened",
            &serde_json::json!({ "i": i }),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let subscribers: events::Subscribers =
        Arc::new(vec![Arc::new(Recorder { seen: seen.clone() })]);
    assert_eq!(
        events::sequence(app.db(), &subscribers, 500).await.unwrap(),
        3
    );
    assert_eq!(
        events::sequence(app.db(), &subscribers, 500).await.unwrap(),
        0,
        "nothing twice"
    );
    let seen = seen.lock().unwrap().clone();
    let seqs: Vec<i64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs.len(), 3);
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "in order, no gap: {seqs:?}"
    );
    let written = app
        .fetch_i64("SELECT COUNT(*) FROM jobs WHERE name = 'test.manual'", &[])
        .await;
    assert_eq!(
        written, 3,
        "the subscriber's writes committed with the numbering"
    );
}
both!(subscribers_see_every_event_once_in_order_inside_the_sequencing_transaction);
