//! Delivery: Standard Webhooks signatures on real requests, event and payload filters, the retry
//! schedule, `Retry-After`, exhaustion, 410 Gone and long failure disabling the endpoint (with an
//! event and an email), recovery after re-enabling, and signing with both secrets while a rotation
//! overlaps.

use std::time::Duration;

use playgram_testkit::{Answer, Receiver, TestApp, both};
use serde_json::json;

use super::{
    api_key_endpoint, create_endpoint, emit_event, message_in, messages_of, settings, verify,
};
use crate::jobs::eventually;

const WAIT: Duration = Duration::from_secs(20);

async fn events_arrive_signed_and_filtered(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let mut body = api_key_endpoint(&receiver.url("/hook?team=blue"));
    body["headers"] = json!({ "X-Team": "blue", "Authorization": "Bearer s3cret" });
    let endpoint = create_endpoint(api, body).await;
    let secret = endpoint["secret"].as_str().unwrap();
    // Two endpoints that must not receive it: another family, and a payload filter that fails.
    let other = Receiver::start().await;
    create_endpoint(
        api,
        json!({ "url": other.url("/members"), "event_types": ["member.*"] }),
    )
    .await;
    create_endpoint(
        api,
        json!({ "url": other.url("/keys"), "filter": [{ "path": "actor.type", "op": "eq", "value": "api_key" }] }),
    )
    .await;

    let key_id = emit_event(&app, api).await;
    let got = receiver.wait_for(1, WAIT).await;
    let request = &got[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hook?team=blue");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-team"), Some("blue"));
    assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    let id = request.header("webhook-id").unwrap();
    assert!(id.starts_with("msg_"), "{id}");
    let sent_at: i64 = request
        .header("webhook-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((playgram_core::time::now_ms() / 1000 - sent_at).abs() < 30);
    verify(request, secret).unwrap();
    assert!(
        verify(
            request,
            &playgram_app::webhooks::signature::Secret::generate().expose()
        )
        .is_err()
    );
    let payload = request.json();
    assert_eq!(payload["type"], "api_key.created");
    assert_eq!(payload["data"]["api_key_id"], key_id.as_str());
    assert!(payload["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(payload.as_object().unwrap().len(), 3);

    let message = message_in(api, id, "delivered").await;
    assert_eq!(message["event_type"], "api_key.created");
    let attempts = message["attempts_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["response_status"], 200);
    assert_eq!(attempts[0]["request_headers"]["webhook-id"], id);
    assert_eq!(attempts[0]["request_headers"]["authorization"], "••••••");
    assert_eq!(attempts[0]["response_body"], "ok");

    // Give the others time to have received anything they wrongly would.
    emit_event(&app, api).await;
    receiver.wait_for(2, WAIT).await;
    assert!(other.received().is_empty(), "{:?}", other.received());
}
both!(events_arrive_signed_and_filtered, settings());

async fn failures_are_retried_on_the_schedule(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    receiver.then(Answer::status(500).body("boom"));
    receiver.then(Answer::status(502));
    create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    emit_event(&app, api).await;
    let got = receiver.wait_for(3, WAIT).await;
    // The schedule is 0 s, 200 ms, 400 ms with ±10 % jitter.
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(175),
        "{:?}",
        got[1].at - got[0].at
    );
    assert!(
        got[2].at - got[1].at >= Duration::from_millis(355),
        "{:?}",
        got[2].at - got[1].at
    );
    let ids: Vec<_> = got
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "the id is the same on every attempt"
    );
    let message = message_in(api, &ids[0], "delivered").await;
    let statuses: Vec<_> = message["attempts_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["response_status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(500), json!(502), json!(200)]);
    assert_eq!(message["attempts"], 3);
    assert_eq!(
        message["attempts_log"][0]["error"],
        "HTTP 500 Internal Server Error"
    );
    assert_eq!(message["attempts_log"][0]["response_body"], "boom");
}
both!(failures_are_retried_on_the_schedule, settings());

async fn retry_after_is_honoured_and_attempts_run_out(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    receiver.then(Answer::status(429).header("Retry-After", "2"));
    receiver.always(Answer::status(503));
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    emit_event(&app, api).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(1950),
        "{:?}",
        got[1].at - got[0].at
    );
    let id = got[0].header("webhook-id").unwrap().to_owned();
    let message = message_in(api, &id, "failed").await;
    assert_eq!(message["attempts"], 3);
    assert_eq!(message["last_response_status"], 503);
    let shown = api
        .get(&format!(
            "/api/v1/webhook-endpoints/{}",
            endpoint["id"].as_str().unwrap()
        ))
        .await
        .ok();
    assert!(shown["failing_since"].is_string(), "{shown}");
    assert_eq!(shown["enabled"], true);
}
both!(retry_after_is_honoured_and_attempts_run_out, settings());

async fn gone_disables_and_recovery_resends(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    receiver.then(Answer::status(410));
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/webhook-endpoints/{id}");
    emit_event(&app, api).await;
    receiver.wait_for(1, WAIT).await;
    let disabled = eventually("the endpoint to be disabled", WAIT, || async {
        let shown = api.get(&path).await.ok();
        (shown["enabled"] == false).then_some(shown)
    })
    .await;
    assert_eq!(disabled["disabled_reason"], "gone");
    let mail = eventually("the disabled email", WAIT, || async {
        app.mail
            .to(&owner.email)
            .into_iter()
            .find(|m| m.subject.contains("disabled"))
    })
    .await;
    assert!(mail.body.contains("410 Gone"), "{}", mail.body);
    assert!(
        mail.body.contains(&format!("/app/webhooks/{id}")),
        "{}",
        mail.body
    );
    let events = api
        .get("/api/v1/events?type=webhook_endpoint.disabled")
        .await
        .ok();
    let event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "webhook_endpoint.disabled")
        .cloned()
        .expect("a webhook_endpoint.disabled event");
    assert_eq!(event["data"]["reason"], "gone");

    // While disabled, messages fail at once without a request; sending by hand is refused.
    emit_event(&app, api).await;
    eventually("the second message to fail unsent", WAIT, || async {
        let all = messages_of(api, &id).await;
        all.iter()
            .all(|m| m["status"] == "failed")
            .then_some(())
            .filter(|_| all.len() == 2)
    })
    .await;
    assert_eq!(receiver.received().len(), 1);
    api.post(
        &format!("{path}/test"),
        json!({ "event_type": "api_key.created" }),
    )
    .await
    .err(409, "endpoint_disabled");

    // Fixed and re-enabled: recover resends both, and they are delivered.
    api.patch(&path, json!({ "enabled": true })).await.ok();
    let recovered = api
        .post(
            &format!("{path}/recover"),
            json!({ "since": "2020-01-01T00:00:00Z" }),
        )
        .await
        .ok_with(202);
    assert_eq!(recovered["resent"], 2);
    receiver.wait_for(3, WAIT).await;
    eventually("both messages to be delivered", WAIT, || async {
        let all = messages_of(api, &id).await;
        all.iter().all(|m| m["status"] == "delivered").then_some(())
    })
    .await;
}
both!(gone_disables_and_recovery_resends, settings());

async fn failing_too_long_disables_and_tells_people(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    receiver.always(Answer::status(500));
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    emit_event(&app, api).await;
    receiver.wait_for(1, WAIT).await;
    eventually("the failure streak to start", WAIT, || async {
        let shown = api
            .get(&format!("/api/v1/webhook-endpoints/{id}"))
            .await
            .ok();
        shown["failing_since"].is_string().then_some(())
    })
    .await;
    // Pretend the streak began six days ago: the next failure disables the endpoint.
    let six_days_ago = playgram_core::time::now_ms() - 6 * 86_400_000;
    app.execute(
        "UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2",
        &[six_days_ago.into(), id.as_str().into()],
    )
    .await;
    // The sender caches an endpoint for a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    emit_event(&app, api).await;
    let shown = eventually("the endpoint to be disabled", WAIT, || async {
        let shown = api
            .get(&format!("/api/v1/webhook-endpoints/{id}"))
            .await
            .ok();
        (shown["enabled"] == false).then_some(shown)
    })
    .await;
    assert_eq!(shown["disabled_reason"], "failing");
    let mail = eventually("the disabled email", WAIT, || async {
        app.mail
            .to(&owner.email)
            .into_iter()
            .find(|m| m.subject.contains("disabled"))
    })
    .await;
    assert!(
        mail.body.contains("every delivery has failed since"),
        "{}",
        mail.body
    );
    // Re-enabling restarts the clock.
    let enabled = api
        .patch(
            &format!("/api/v1/webhook-endpoints/{id}"),
            json!({ "enabled": true }),
        )
        .await
        .ok();
    assert_eq!(enabled["failing_since"], json!(null));
}
both!(
    failing_too_long_disables_and_tells_people,
    settings().set("webhooks_retry_schedule", "0s")
);

async fn a_rotation_signs_with_both_secrets(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/"))).await;
    let id = endpoint["id"].as_str().unwrap();
    let old = endpoint["secret"].as_str().unwrap();
    let rotated = api
        .post(
            &format!("/api/v1/webhook-endpoints/{id}/secret/rotate"),
            json!({}),
        )
        .await
        .ok();
    let new = rotated["secret"].as_str().unwrap();
    emit_event(&app, api).await;
    let got = receiver.wait_for(1, WAIT).await;
    let header = got[0].header("webhook-signature").unwrap();
    assert_eq!(header.split(' ').count(), 2, "{header}");
    verify(&got[0], old).unwrap();
    verify(&got[0], new).unwrap();

    // With no overlap the old secret stops at once.
    api.post(
        &format!("/api/v1/webhook-endpoints/{id}/secret/rotate"),
        json!({ "overlap_hours": 0 }),
    )
    .await
    .ok();
    let newest = api
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"))
        .await
        .ok();
    emit_event(&app, api).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(
        got[1]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        1
    );
    verify(&got[1], newest["secret"].as_str().unwrap()).unwrap();
    assert!(verify(&got[1], new).is_err());
}
both!(a_rotation_signs_with_both_secrets, settings());

async fn an_endpoints_rate_limit_spaces_deliveries(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let mut body = api_key_endpoint(&receiver.url("/"));
    body["rate_limit"] = json!(2);
    create_endpoint(api, body).await;
    for _ in 0..6 {
        emit_event(&app, api).await;
    }
    let got = receiver.wait_for(6, WAIT).await;
    // A bucket of 2 refilled at 2 per second: two at once, then one every half second.
    let spread = got[5].at - got[0].at;
    assert!(
        spread >= Duration::from_millis(1400),
        "6 deliveries in {spread:?}"
    );
}
both!(an_endpoints_rate_limit_spaces_deliveries, settings());
