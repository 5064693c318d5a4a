//! Retention: the hourly prune job deletes captures older than `request_bin_retention_hours` and
//! trims every bin to its newest 1,000; a new capture pushes out the oldest at once.

use playgram_testkit::{TestApp, both};
use reqwest::Method;

use super::{capture, captures_of, create_bin};

async fn old_captures_are_pruned_and_bins_keep_their_newest_thousand(app: TestApp) {
    use playgram_app::maintenance::PruneJob;
    use playgram_app::webhooks::bins::store::{self, CaptureRow};
    use playgram_core::ids::{BinId, CaptureId};

    let owner = app.owner().await;
    let old = create_bin(&owner.browser, "Old").await;
    let full = create_bin(&owner.browser, "Full").await;
    let stale = capture(
        &app,
        app.bare().request(Method::POST, &old.path).body("old"),
    )
    .await;
    let fresh = capture(
        &app,
        app.bare().request(Method::POST, &old.path).body("new"),
    )
    .await;
    let hours = 73 * 3_600_000;
    app.execute(
        "UPDATE request_bin_captures SET received_at = received_at - $1 WHERE id = $2",
        &[hours.into(), stale.as_str().into()],
    )
    .await;

    // 1,005 captures written straight to the store (faster than the rate limit allows).
    let bin_id = BinId::parse(&full.id).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let mut first = Vec::new();
    for i in 0..1005 {
        let row = CaptureRow {
            id: CaptureId::new(),
            bin_id: bin_id.clone(),
            method: "POST".into(),
            path: String::new(),
            query: String::new(),
            headers: "[]".into(),
            body_encoding: "utf8".into(),
            body: i.to_string(),
            body_size: 1,
            truncated: false,
            remote_addr: None,
            received_at: crate::now_ms(),
        };
        if i < 5 {
            first.push(row.id.to_string());
        }
        store::insert_capture(&mut tx, &row).await.unwrap();
    }
    tx.commit().await.unwrap();

    // The hourly prune job, run by the app's own worker.
    let job = playgram_core::jobs::NewJob::of::<PruneJob>(&()).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let job = playgram_core::jobs::enqueue(&mut tx, job)
        .await
        .unwrap()
        .id
        .to_string();
    tx.commit().await.unwrap();
    let mut state = None;
    for _ in 0..200 {
        state = app
            .fetch_text(
                "SELECT state FROM jobs WHERE id = $1",
                &[job.as_str().into()],
            )
            .await;
        if state.as_deref() == Some("done") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state.as_deref(), Some("done"));
    let kept: Vec<String> = captures_of(&owner.browser, &old)
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kept,
        [fresh],
        "older than request_bin_retention_hours (72) is gone"
    );
    let count = "SELECT COUNT(*) FROM request_bin_captures WHERE bin_id = $1";
    assert_eq!(app.fetch_i64(count, &[full.id.as_str().into()]).await, 1000);
    for id in &first {
        let left = app
            .fetch_i64(
                "SELECT COUNT(*) FROM request_bin_captures WHERE id = $1",
                &[id.as_str().into()],
            )
            .await;
        assert_eq!(left, 0, "the oldest went first");
    }
    // A new capture pushes out the oldest at once.
    let newest = capture(
        &app,
        app.bare().request(Method::POST, &full.path).body("latest"),
    )
    .await;
    assert_eq!(app.fetch_i64(count, &[full.id.as_str().into()]).await, 1000);
    assert_eq!(
        captures_of(&owner.browser, &full).await[0]["id"],
        newest.as_str()
    );
}
both!(old_captures_are_pruned_and_bins_keep_their_newest_thousand);
