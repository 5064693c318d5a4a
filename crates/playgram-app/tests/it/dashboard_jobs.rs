//! The Jobs and Events pages on both backends: empty states, the test job going through the
//! in-process worker, retry / cancel / replay forms with their one-time messages, who may see the
//! pages, and events listed after a team change.

use std::time::Duration;

use playgram_testkit::{Client, TestApp, User, both};
use reqwest::Method;
use serde_json::{Value, json};

/// Posts a page form as `user`'s browser; returns the redirect target.
async fn post_form(user: &User, path: &str, fields: &[(&str, &str)]) -> String {
    let request = user.browser.request(Method::POST, path).form(fields);
    let reply = user.browser.send(request).await;
    assert_eq!(reply.status.as_u16(), 303, "{path}: {}", reply.text);
    reply.header("location").unwrap_or_default().to_owned()
}

/// Polls `GET /api/v1/jobs/{id}` until the job is in `state` (10 s at most).
async fn wait_for_state(client: &Client, id: &str, state: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = client.get(&format!("/api/v1/jobs/{id}")).await.ok();
        if last["state"] == state {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never became {state}: {last}");
}

/// Polls `GET /api/v1/events` until it lists an event of `kind` (10 s at most).
async fn wait_for_event(client: &Client, kind: &str) {
    for _ in 0..200 {
        let events = client
            .get(&format!("/api/v1/events?type={kind}"))
            .await
            .ok();
        if events.as_array().is_some_and(|e| !e.is_empty()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} event was listed");
}

async fn probe(user: &User, body: Value) -> String {
    let data = user
        .browser
        .post("/api/v1/jobs/probe", body)
        .await
        .ok_with(202);
    data["id"].as_str().unwrap().to_owned()
}

async fn the_jobs_page_runs_a_test_job_from_empty(app: TestApp) {
    let owner = app.owner().await;
    let empty = owner.browser.get("/app/jobs").await;
    assert_eq!(empty.status.as_u16(), 200, "{}", empty.text);
    assert!(
        empty.text.contains("No background jobs yet"),
        "{}",
        empty.text
    );
    assert!(empty.text.contains("Run a test job"));
    assert!(
        empty
            .text
            .contains("No job finished a run in the last hour."),
        "the chart says it is empty in words"
    );

    let to = post_form(&owner, "/app/jobs/probe", &[("fail", "none")]).await;
    assert_eq!(to, "/app/jobs");
    // A background re-read (app.js) leaves the one-time message for the page itself.
    let refreshed = owner.browser.get("/app/jobs?refresh=1").await;
    assert!(!refreshed.text.contains("Test job queued"));
    let page = owner.browser.get("/app/jobs").await;
    assert!(page.text.contains("Test job queued"), "{}", page.text);
    assert!(page.text.contains("diag.probe"), "the job is listed");
    assert!(!page.text.contains("No background jobs yet"));
    let again = owner.browser.get("/app/jobs").await;
    assert!(
        !again.text.contains("Test job queued"),
        "the message shows once"
    );

    let jobs = owner.browser.get("/api/v1/jobs").await.ok();
    let id = jobs[0]["id"].as_str().unwrap().to_owned();
    wait_for_state(&owner.browser, &id, "done").await;
    let done = owner.browser.get("/app/jobs?state=done").await;
    assert!(
        done.text.contains(&format!("data-job=\"{id}\"")),
        "{}",
        done.text
    );
    assert!(done.text.contains("state-done"));
    assert!(
        done.text.contains("In the last hour: 1 run done"),
        "the chart counts the run"
    );
    // The payload is shown, escaped.
    assert!(
        done.text.contains("&#34;fail&#34;: &#34;none&#34;"),
        "{}",
        done.text
    );
    let failing = owner.browser.get("/app/jobs?state=failing").await;
    assert!(failing.text.contains("No failing jobs right now."));
    let bogus = owner.browser.get("/app/jobs?state=nonsense").await;
    assert_eq!(bogus.status.as_u16(), 400);
}
both!(the_jobs_page_runs_a_test_job_from_empty);

async fn retry_cancel_and_replay_forms_work(app: TestApp) {
    let owner = app.owner().await;
    let id = probe(&owner, json!({ "fail": "fatal" })).await;
    wait_for_state(&owner.browser, &id, "dead").await;
    let dead = owner.browser.get("/app/jobs?state=dead").await;
    assert!(
        dead.text.contains(&format!("/app/jobs/{id}/retry")),
        "{}",
        dead.text
    );
    assert!(dead.text.contains("probe failed on purpose, fatally"));
    assert!(!dead.text.contains(&format!("/app/jobs/{id}/cancel")));

    // Retry: back to the list it came from, with a message; the job runs (and dies) again.
    let back = "/app/jobs?state=dead";
    let to = post_form(&owner, &format!("/app/jobs/{id}/retry"), &[("back", back)]).await;
    assert_eq!(to, back);
    let page = owner.browser.get(&to).await;
    assert!(
        page.text.contains("is queued to run again"),
        "{}",
        page.text
    );
    let job = wait_for_state(&owner.browser, &id, "dead").await;
    assert_eq!(
        job["attempts"], 1,
        "a retried dead job starts its attempts afresh"
    );

    // Replay all dead probes in bulk.
    let to = post_form(
        &owner,
        "/app/jobs/replay",
        &[
            ("name", "diag.probe"),
            ("since", ""),
            ("until", ""),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(to, back);
    let page = owner.browser.get(back).await;
    assert!(
        page.text.contains("1 dead job is back in the queue."),
        "{}",
        page.text
    );
    wait_for_state(&owner.browser, &id, "dead").await;
    let to = post_form(&owner, "/app/jobs/replay", &[("since", "31/01/2026")]).await;
    let page = owner.browser.get(&to).await;
    assert!(page.text.contains("Enter the dates like"), "{}", page.text);

    // Cancel a job scheduled for later; cancelling twice says why not; retry runs it.
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let id = probe(&owner, json!({ "run_at": later })).await;
    let list = owner.browser.get("/app/jobs?state=scheduled").await;
    assert!(list.text.contains(&format!("/app/jobs/{id}/cancel")));
    let to = post_form(
        &owner,
        &format!("/app/jobs/{id}/cancel"),
        &[("back", "https://evil.example/")],
    )
    .await;
    assert_eq!(to, "/app/jobs", "a foreign `back` is ignored");
    assert!(owner.browser.get(&to).await.text.contains("is cancelled"));
    wait_for_state(&owner.browser, &id, "cancelled").await;
    let to = post_form(&owner, &format!("/app/jobs/{id}/cancel"), &[]).await;
    let page = owner.browser.get(&to).await;
    assert!(
        page.text.contains("That job is cancelled now"),
        "{}",
        page.text
    );
    post_form(&owner, &format!("/app/jobs/{id}/retry"), &[]).await;
    wait_for_state(&owner.browser, &id, "done").await;

    // Another workspace's job is not found.
    let other = app.signup("other@example.com", "Other").await;
    let reply = other
        .browser
        .send(
            other
                .browser
                .request(Method::POST, &format!("/app/jobs/{id}/retry"))
                .form(&[("back", "/app/jobs")]),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 404, "{}", reply.text);
}
both!(
    retry_cancel_and_replay_forms_work,
    playgram_testkit::Settings::new().set("signup_open", true)
);

async fn only_roles_that_see_jobs_and_events_get_the_pages(app: TestApp) {
    let owner = app.owner().await;
    for role in ["viewer", "agent"] {
        let person = app
            .join_as(&owner, &format!("{role}@example.com"), role)
            .await;
        for page in ["/app/jobs", "/app/events"] {
            let reply = person.browser.get(page).await;
            assert_eq!(reply.status.as_u16(), 403, "{role} {page}: {}", reply.text);
            assert!(reply.text.contains("Not allowed here"));
        }
        let request = person
            .browser
            .request(Method::POST, "/app/jobs/probe")
            .form(&[("fail", "none")]);
        assert_eq!(person.browser.send(request).await.status.as_u16(), 403);
        let home = person.browser.get("/app").await;
        assert!(
            !home.text.contains("href=\"/app/jobs\""),
            "{role} sees no Jobs link"
        );
        assert!(!home.text.contains("href=\"/app/events\""));
    }
    // A manager reads both pages but has no buttons, and a post is refused.
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    let jobs = manager.browser.get("/app/jobs").await;
    assert_eq!(jobs.status.as_u16(), 200, "{}", jobs.text);
    assert!(!jobs.text.contains("Run a test job</button>"));
    assert!(jobs.text.contains("can see jobs but not retry"));
    assert_eq!(
        manager.browser.get("/app/events").await.status.as_u16(),
        200
    );
    let request = manager
        .browser
        .request(Method::POST, "/app/jobs/replay")
        .form(&[("name", "")]);
    assert_eq!(manager.browser.send(request).await.status.as_u16(), 403);
    let home = owner.browser.get("/app").await;
    assert!(home.text.contains("href=\"/app/jobs\"") && home.text.contains("href=\"/app/events\""));
}
both!(only_roles_that_see_jobs_and_events_get_the_pages);

async fn the_events_page_lists_an_invite(app: TestApp) {
    let owner = app.owner().await;
    let empty = owner.browser.get("/app/events").await;
    assert_eq!(empty.status.as_u16(), 200, "{}", empty.text);
    assert!(empty.text.contains("No events yet."), "{}", empty.text);
    assert!(
        empty.text.contains("data-events-live=\""),
        "the first page goes live"
    );

    app.invite(&owner, "mia@example.com", "agent").await;
    wait_for_event(&owner.browser, "member.invited").await;
    let page = owner.browser.get("/app/events").await;
    let row = "class=\"event-type\">member.invited</code>";
    assert!(page.text.contains(row), "{}", page.text);
    assert!(page.text.contains("mia@example.com"), "the data is shown");
    assert!(
        page.text.contains("data-events-empty hidden"),
        "no empty state"
    );

    let filtered = owner.browser.get("/app/events?type=api_key.created").await;
    assert!(!filtered.text.contains(row), "the filter applies");
    assert!(
        filtered
            .text
            .contains("No <code>api_key.created</code> events yet.")
    );
    let only = owner.browser.get("/app/events?type=member.invited").await;
    assert!(only.text.contains(row));
    let older = owner.browser.get("/app/events?before=1").await;
    assert!(!older.text.contains(row) && !older.text.contains("data-events-live"));
    let unknown = owner.browser.get("/app/events?type=no.such").await;
    assert_eq!(unknown.status.as_u16(), 400);
}
both!(the_events_page_lists_an_invite);
