//! The delivery log (each attempt's request and capped response; filters and search), resending a
//! message, a test send of an event type's example (into a request bin), and retention.

use std::time::Duration;

use playgram_testkit::{Answer, Receiver, TestApp, both};
use serde_json::json;

use super::{api_key_endpoint, create_endpoint, emit_event, message_in, messages_of, settings};
use crate::jobs::eventually;

const WAIT: Duration = Duration::from_secs(20);

async fn the_log_is_filtered_searched_and_resent(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    receiver.then(
        Answer::status(400)
            .header("X-Why", "nope")
            .body("x".repeat(10_000)),
    );
    receiver.then(Answer::status(400));
    receiver.then(Answer::status(400));
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let failed_key = emit_event(&app, api).await;
    receiver.wait_for(3, WAIT).await;
    let delivered_key = emit_event(&app, api).await;
    receiver.wait_for(4, WAIT).await;
    let all = eventually("two finished messages", WAIT, || async {
        let all = messages_of(api, &id).await;
        (all.len() == 2
            && all
                .iter()
                .all(|m| m["status"] != "pending" && m["status"] != "failing"))
        .then_some(all)
    })
    .await;
    let failed = all.iter().find(|m| m["status"] == "failed").unwrap();
    let detail = api
        .get(&format!(
            "/api/v1/webhook-messages/{}",
            failed["id"].as_str().unwrap()
        ))
        .await
        .ok();
    let first = &detail["attempts_log"][0];
    assert_eq!(first["response_body"].as_str().unwrap().len(), 4096);
    assert_eq!(first["response_headers"]["x-why"], "nope");
    assert_eq!(first["trigger"], "scheduled");
    assert!(
        first["request_body"]
            .as_str()
            .unwrap()
            .contains(&failed_key)
    );
    assert!(first["duration_ms"].as_i64().unwrap() >= 0);

    let base = format!("/api/v1/webhook-messages?endpoint_id={id}");
    let only = |q: &str| format!("{base}&{q}");
    let failed_only = api.get(&only("status=failed")).await.ok();
    assert_eq!(failed_only.as_array().unwrap().len(), 1);
    let found = api.get(&only(&format!("q={delivered_key}"))).await.ok();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["status"], "delivered");
    let by_id = api
        .get(&only(&format!("q={}", failed["id"].as_str().unwrap())))
        .await
        .ok();
    assert_eq!(by_id[0]["id"], failed["id"]);
    let none = api.get(&only("event_type=member.joined")).await.ok();
    assert_eq!(none, json!([]));
    let future = api.get(&only("since=2999-01-01T00:00:00Z")).await.ok();
    assert_eq!(future, json!([]));
    api.get(&only("status=lost"))
        .await
        .err(400, "invalid_status");
    api.get(&only("since=yesterday"))
        .await
        .err(422, "validation_failed");
    let page = api.get(&only("limit=1")).await;
    assert!(page.envelope()["meta"]["next_cursor"].is_string());

    // Resend: the same message id again, now delivered.
    let resent = api
        .post(
            &format!(
                "/api/v1/webhook-messages/{}/resend",
                failed["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await
        .ok_with(202);
    assert_eq!(resent["id"], failed["id"]);
    let got = receiver.wait_for(5, WAIT).await;
    assert_eq!(got[4].header("webhook-id"), failed["id"].as_str());
    let after = message_in(api, failed["id"].as_str().unwrap(), "delivered").await;
    assert_eq!(after["attempts_log"][3]["trigger"], "replay");
}
both!(the_log_is_filtered_searched_and_resent, settings());

async fn a_test_event_lands_in_a_request_bin(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let bin = api
        .post("/api/v1/request-bins", json!({ "name": "Setting up" }))
        .await
        .ok_with(201);
    let url = app.local(bin["url"].as_str().unwrap()).to_string();
    let endpoint = create_endpoint(api, json!({ "url": url })).await;
    let message = api
        .post(
            &format!(
                "/api/v1/webhook-endpoints/{}/test",
                endpoint["id"].as_str().unwrap()
            ),
            json!({ "event_type": "member.joined" }),
        )
        .await
        .ok_with(202);
    assert_eq!(message["event_type"], "member.joined");
    assert_eq!(message["event_id"], json!(null));
    let delivered = message_in(api, message["id"].as_str().unwrap(), "delivered").await;
    assert_eq!(delivered["attempts_log"][0]["trigger"], "test");
    // The endpoint (all events) also receives its own `webhook_endpoint.created`.
    let id = message["id"].as_str().unwrap().to_owned();
    let capture = eventually("the test capture", WAIT, || async {
        let captures = api
            .get(&format!(
                "/api/v1/request-bins/{}/captures",
                bin["id"].as_str().unwrap()
            ))
            .await
            .ok();
        captures
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| serde_json::to_string(c).unwrap())
            .find(|c| c.contains(&id))
    })
    .await;
    assert!(capture.contains("member.joined"), "{capture}");
    api.post(
        &format!(
            "/api/v1/webhook-endpoints/{}/test",
            endpoint["id"].as_str().unwrap()
        ),
        json!({ "event_type": "no.such" }),
    )
    .await
    .err(422, "validation_failed");
}
both!(a_test_event_lands_in_a_request_bin, settings());

async fn old_messages_are_pruned(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    emit_event(&app, api).await;
    receiver.wait_for(1, WAIT).await;
    let message = eventually("a delivered message", WAIT, || async {
        messages_of(api, &id)
            .await
            .into_iter()
            .find(|m| m["status"] == "delivered")
    })
    .await;
    let now = playgram_core::time::now_ms();
    let kept = playgram_app::webhooks::messages::prune(app.db(), now - 86_400_000)
        .await
        .unwrap();
    assert_eq!(kept, 0);
    let pruned = playgram_app::webhooks::messages::prune(app.db(), now + 1)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    api.get(&format!(
        "/api/v1/webhook-messages/{}",
        message["id"].as_str().unwrap()
    ))
    .await
    .err(404, "not_found");
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM webhook_attempts", &[])
            .await,
        0
    );
}
both!(old_messages_are_pruned, settings());

/// Settings for an app whose public URL is its real address, with no allow-list: its own request
/// bins are reachable although they are on 127.0.0.1, and nothing else there is.
fn own_address() -> playgram_testkit::Settings {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    playgram_testkit::Settings::new()
        .set("bind", format!("127.0.0.1:{port}"))
        .set("public_url", format!("http://127.0.0.1:{port}"))
        .set("webhooks_retry_schedule", "0s")
}

async fn this_servers_own_bins_need_no_allow_list(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let bin = api
        .post("/api/v1/request-bins", json!({ "name": "Own" }))
        .await
        .ok_with(201);
    let url = bin["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let endpoint = create_endpoint(api, json!({ "url": url })).await;
    let test = |kind: &'static str| {
        let id = endpoint["id"].as_str().unwrap().to_owned();
        async move {
            api.post(
                &format!("/api/v1/webhook-endpoints/{id}/test"),
                json!({ "event_type": kind }),
            )
            .await
            .ok_with(202)["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let message = test("member.joined").await;
    message_in(api, &message, "delivered").await;

    // The same server outside /bin/ stays blocked.
    let elsewhere = url.replace("/bin/", "/api/v1/");
    let other = create_endpoint(api, json!({ "url": elsewhere })).await;
    let message = api
        .post(
            &format!(
                "/api/v1/webhook-endpoints/{}/test",
                other["id"].as_str().unwrap()
            ),
            json!({ "event_type": "member.joined" }),
        )
        .await
        .ok_with(202);
    let failed = message_in(api, message["id"].as_str().unwrap(), "failed").await;
    let error = failed["attempts_log"][0]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("blocked"), "{error}");
}
both!(this_servers_own_bins_need_no_allow_list, own_address());
