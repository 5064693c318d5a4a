//! The API channel: customer messages posted by an integration (stored once per its message
//! id), replies delivered to its URL signed per Standard Webhooks, retried on 5xx and failed
//! with the reason on a refusal.

use std::time::Duration;

use playgram_app::webhooks::signature::{Secret, verify};
use playgram_testkit::{Answer, Receiver, Settings, TestApp, both};
use serde_json::json;

use super::messages;

async fn an_integration_talks_through_the_api_channel(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let created = api
        .post(
            "/api/v1/channels",
            json!({ "kind": "api", "name": "Kiosk", "outbound_url": receiver.url("/replies") }),
        )
        .await
        .ok_with(201);
    let channel = created["id"].as_str().unwrap().to_owned();
    let secret = created["secrets"]["signing_secret"]
        .as_str()
        .or(created["signing_secret"].as_str())
        .expect("the signing secret, once")
        .to_owned();

    let path = format!("/api/v1/channels/{channel}/messages");
    let body = json!({ "message_id": "k-1", "text": "Where is my order?",
        "customer": { "id": "cust-42", "name": "Kim Lee", "email": "kim@example.com", "phone": "+33612345678" } });
    let first = api.post(&path, body.clone()).await.ok_with(201);
    assert_eq!(first["created"], true);
    let again = api.post(&path, body).await.ok_with(200);
    assert_eq!(
        (again["id"].clone(), again["created"].clone()),
        (first["id"].clone(), json!(false))
    );
    let conversation = first["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(messages(api, &conversation).await.len(), 1);
    let contact = api
        .get(&format!(
            "/api/v1/contacts/{}",
            first["contact_id"].as_str().unwrap()
        ))
        .await
        .ok();
    assert_eq!(contact["name"], "Kim Lee");
    assert_eq!(contact["emails"], json!(["kim@example.com"]));
    assert_eq!(contact["phones"], json!(["+33612345678"]));
    api.post(
        &path,
        json!({ "message_id": "", "text": "", "customer": { "id": "" } }),
    )
    .await
    .err(422, "validation_failed");

    // A reply: queued, delivered signed, then sent. The first try meets a 503 and is retried.
    receiver.then(Answer::status(503));
    receiver.always(Answer::status(204));
    let reply = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({ "text": "It ships today." }),
        )
        .await
        .ok_with(202);
    assert_eq!(reply["status"], "queued");
    let got = receiver.wait_for(2, Duration::from_secs(30)).await;
    let delivered = &got[1];
    let payload = delivered.json();
    assert_eq!(payload["type"], "message.created");
    assert_eq!(payload["data"]["text"], "It ships today.");
    assert_eq!(payload["data"]["customer_id"], "cust-42");
    assert_eq!(delivered.header("webhook-id"), reply["id"].as_str());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    verify(
        &Secret::parse(&secret).unwrap(),
        delivered.header("webhook-id").unwrap(),
        delivered.header("webhook-timestamp").unwrap(),
        delivered.header("webhook-signature").unwrap(),
        &delivered.body,
        now,
        300,
    )
    .expect("a valid Standard Webhooks signature");
    crate::jobs::eventually("the reply sent", Duration::from_secs(20), || async {
        messages(api, &conversation)
            .await
            .into_iter()
            .find(|m| m["id"] == reply["id"] && m["status"] == "sent")
    })
    .await;

    // A refusal fails the reply with the endpoint's words, at once.
    receiver.always(Answer::status(410).body("customer gone"));
    let refused = api
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({ "text": "Hello?" }),
        )
        .await
        .ok_with(202);
    let failed = crate::jobs::eventually("the reply failed", Duration::from_secs(20), || async {
        messages(api, &conversation)
            .await
            .into_iter()
            .find(|m| m["id"] == refused["id"] && m["status"] == "failed")
    })
    .await;
    assert!(
        failed["error"].as_str().unwrap().contains("410"),
        "{failed}"
    );
    assert!(failed["error"].as_str().unwrap().contains("customer gone"));

    // Other kinds of channel refuse posted messages; another workspace cannot post at all.
    let web = api
        .post("/api/v1/channels", json!({ "kind": "website" }))
        .await
        .ok_with(201);
    api.post(
        &format!("/api/v1/channels/{}/messages", web["id"].as_str().unwrap()),
        json!({ "message_id": "x", "text": "hi", "customer": { "id": "c" } }),
    )
    .await
    .err(409, "not_api_channel");
    let stranger = app.signup("other@example.com", "Other").await;
    stranger
        .browser
        .post(
            &path,
            json!({ "message_id": "z", "text": "hi", "customer": { "id": "c" } }),
        )
        .await
        .err(404, "not_found");
}
both!(
    an_integration_talks_through_the_api_channel,
    Settings::new()
        .set("webhooks_allow_networks", "127.0.0.1/32")
        .set("signup_open", true)
);
