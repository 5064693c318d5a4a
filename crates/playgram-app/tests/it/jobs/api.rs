//! `/api/v1/jobs…`: probe, retry, cancel and replay over HTTP, with the state rules.

use std::time::Duration;

use playgram_testkit::{Client, Settings, TestApp, both};
use serde_json::{Value, json};

use super::{job, wait_state};

async fn post_probe(client: &Client, body: Value) -> String {
    let data = client.post("/api/v1/jobs/probe", body).await.ok_with(202);
    data["id"].as_str().expect("a job id").to_owned()
}

async fn retry_cancel_and_replay_follow_the_job_states(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;

    // A fatal probe dies at once; retrying runs it again with fresh attempts.
    let fatal = post_probe(api, json!({ "fail": "fatal" })).await;
    let first = wait_state(&app, &fatal, "dead").await;
    assert_eq!(first.attempts, 1);
    let shown = api.get(&format!("/api/v1/jobs/{fatal}")).await.ok();
    assert_eq!(shown["state"], "dead");
    assert_eq!(shown["last_error"], "probe failed on purpose, fatally");
    assert_eq!(shown["payload"]["fail"], "fatal");
    let retried = api
        .post(&format!("/api/v1/jobs/{fatal}/retry"), json!({}))
        .await
        .ok();
    assert_eq!(
        (&retried["state"], &retried["attempts"]),
        (&json!("ready"), &json!(0))
    );
    let again = super::eventually(
        "the retried job to run again",
        Duration::from_secs(20),
        || {
            let (app, fatal) = (&app, &fatal);
            async move {
                job(app, fatal)
                    .await
                    .filter(|r| r.state == "dead" && r.started_at > first.started_at)
            }
        },
    )
    .await;
    assert_eq!(again.attempts, 1);

    // Actions that do not fit the state are refused with 409 job_state.
    let ok = post_probe(api, json!({})).await;
    wait_state(&app, &ok, "done").await;
    for action in ["retry", "cancel"] {
        api.post(&format!("/api/v1/jobs/{ok}/{action}"), json!({}))
            .await
            .err(409, "job_state");
    }
    api.post(&format!("/api/v1/jobs/{fatal}/cancel"), json!({}))
        .await
        .err(409, "job_state");
    let busy = post_probe(api, json!({ "sleep_ms": 3000 })).await;
    wait_state(&app, &busy, "running").await;
    for action in ["retry", "cancel"] {
        api.post(&format!("/api/v1/jobs/{busy}/{action}"), json!({}))
            .await
            .err(409, "job_state");
    }

    // A scheduled probe is cancelled (and checked at the end, past its time, never to have run).
    let due = playgram_core::time::now_ms() + 3000;
    let later = playgram_core::time::rfc3339(due);
    let scheduled = post_probe(api, json!({ "run_at": later })).await;
    assert_eq!(job(&app, &scheduled).await.unwrap().state, "scheduled");
    let cancelled = api
        .post(&format!("/api/v1/jobs/{scheduled}/cancel"), json!({}))
        .await
        .ok();
    assert_eq!(cancelled["state"], "cancelled");
    api.post(&format!("/api/v1/jobs/{scheduled}/cancel"), json!({}))
        .await
        .err(409, "job_state");

    // Bulk replay of the dead probes: they run again.
    let more = [
        post_probe(api, json!({ "fail": "fatal" })).await,
        post_probe(api, json!({ "fail": "fatal" })).await,
    ];
    for id in &more {
        wait_state(&app, id, "dead").await;
    }
    let dead = api.get("/api/v1/jobs?state=dead").await.ok();
    assert_eq!(dead.as_array().map(Vec::len), Some(3), "{dead:#}");
    let replayed = api
        .post("/api/v1/jobs/replay", json!({ "name": "other.job" }))
        .await
        .ok();
    assert_eq!(replayed["replayed"], 0);
    let before: Vec<_> = {
        let mut rows = Vec::new();
        for id in more.iter().chain([&fatal]) {
            rows.push(job(&app, id).await.unwrap());
        }
        rows
    };
    let replayed = api
        .post("/api/v1/jobs/replay", json!({ "name": "diag.probe" }))
        .await
        .ok();
    assert_eq!(replayed["replayed"], 3);
    for old in before {
        let id = old.id.clone();
        let new = super::eventually(
            "a replayed job to run again",
            Duration::from_secs(20),
            || {
                let (app, id, old) = (&app, &id, &old);
                async move {
                    job(app, id)
                        .await
                        .filter(|r| r.state == "dead" && r.started_at > old.started_at)
                }
            },
        )
        .await;
        assert_eq!(new.attempts, 1, "{new:#?}");
    }
    wait_state(&app, &busy, "done").await;

    let wait = due + 500 - playgram_core::time::now_ms();
    tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
    let row = job(&app, &scheduled).await.unwrap();
    assert_eq!(
        (row.state.as_str(), row.attempts),
        ("cancelled", 0),
        "{row:#?}"
    );
    assert!(row.started_at.is_none());
}
both!(retry_cancel_and_replay_follow_the_job_states);

async fn jobs_stay_inside_their_workspace(app: TestApp) {
    let owner = app.owner().await;
    let other = app.signup("other@example.com", "Other").await;
    let id = post_probe(&owner.browser, json!({ "fail": "fatal" })).await;
    wait_state(&app, &id, "dead").await;
    other
        .browser
        .get(&format!("/api/v1/jobs/{id}"))
        .await
        .err(404, "not_found");
    for action in ["retry", "cancel"] {
        other
            .browser
            .post(&format!("/api/v1/jobs/{id}/{action}"), json!({}))
            .await
            .err(404, "not_found");
    }
    let replayed = other
        .browser
        .post("/api/v1/jobs/replay", json!({}))
        .await
        .ok();
    assert_eq!(replayed["replayed"], 0);
    assert_eq!(job(&app, &id).await.unwrap().state, "dead");
    let listed = other.browser.get("/api/v1/jobs").await.ok();
    assert_eq!(listed, json!([]));
}
both!(
    jobs_stay_inside_their_workspace,
    Settings::new().set("signup_open", true)
);

/// Cancel and retry read the job's state, then write it. A worker claiming the job in between
/// (PostgreSQL runs them concurrently) must win: a running job is neither cancelled nor re-queued
/// (which would let it run twice at once). The claim is played here by a transaction that locks
/// the row, marks it running, and commits while the change waits for the row.
async fn cancel_and_retry_never_change_a_job_a_worker_just_claimed(app: TestApp) {
    use playgram_core::ids::WorkspaceId;
    use playgram_core::jobs::manage::{self, ChangeError};
    use playgram_core::on_tx;

    let workspace = WorkspaceId::new();
    for (action, state) in [("cancel", "ready"), ("retry", "scheduled")] {
        let new = super::probe(0, playgram_app::jobs::probe::Failure::None, 0);
        let new = playgram_core::jobs::NewJob {
            name: "test.claimed",
            ..new
        }
        .workspace(&workspace);
        let id = super::enqueue_now(&app, new).await.id.to_string();
        // Far in the future, so no worker's promotion of due jobs touches it.
        app.execute(
            "UPDATE jobs SET state = $1, run_at = $2 WHERE id = $3",
            &[
                state.into(),
                (crate::now_ms() + 3_600_000).into(),
                id.as_str().into(),
            ],
        )
        .await;

        let mut claim = app.db().begin().await.unwrap();
        on_tx!(&mut claim, conn => sqlx::query(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = 'w' WHERE id = $1")
            .bind(&id).execute(conn).await.map(|r| r.rows_affected())).unwrap();
        let change = {
            let (db, workspace, id) = (app.db().clone(), workspace.clone(), id.clone());
            tokio::spawn(async move {
                let mut tx = db.begin().await?;
                let result = match action {
                    "cancel" => manage::cancel(&mut tx, &workspace, &id).await,
                    _ => manage::retry(&mut tx, &workspace, &id).await,
                };
                tx.commit().await?;
                result
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        claim.commit().await.unwrap();
        let result = change.await.unwrap();
        assert!(
            matches!(&result, Err(ChangeError::WrongState(s)) if s == "running"),
            "{action} of a job claimed meanwhile: {result:?}"
        );
        let row = job(&app, &id).await.unwrap();
        assert_eq!(
            (row.state.as_str(), row.attempts),
            ("running", 1),
            "{action}: {row:#?}"
        );
    }
}
both!(cancel_and_retry_never_change_a_job_a_worker_just_claimed);
