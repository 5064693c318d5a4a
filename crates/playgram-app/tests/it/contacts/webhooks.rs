//! Contact events reach webhook endpoints like any other: a `contact.*` subscription receives a
//! contact's creation, tagging and consent, signed, with the catalog's payload. Erasing a contact
//! takes its personal data out of the events, the webhook log and the deliveries still to come.

use std::time::Duration;

use playgram_testkit::{Answer, Receiver, TestApp, both};
use serde_json::json;

use super::create;
use crate::webhooks::{create_endpoint, message_in, settings, verify};

async fn contact_events_are_delivered_to_a_subscribed_endpoint(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    let endpoint = create_endpoint(
        api,
        json!({ "url": receiver.url("/crm"), "event_types": ["contact.*"] }),
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap();
    // An event of another family must not arrive.
    app.create_api_key(api, &["workspace:read"]).await;
    let contact = create(
        api,
        json!({ "name": "Ana", "emails": ["ana@example.com"], "tags": ["VIP"] }),
    )
    .await;
    let id = contact["id"].as_str().unwrap();
    api.post(
        &format!("/api/v1/contacts/{id}/consents"),
        json!({ "channel": "email", "purpose": "newsletter", "status": "opted_in", "source": "form" }),
    )
    .await
    .ok_with(201);

    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    let mut types: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "contact.consent_changed",
            "contact.created",
            "contact.tag_added"
        ]
    );
    for request in &got {
        verify(request, secret).unwrap();
        let data = &request.json()["data"];
        let about = data["contact_id"]
            .as_str()
            .or(data["contact"]["id"].as_str());
        assert_eq!(about, Some(id), "{data}");
    }
    let created = got
        .iter()
        .map(|r| r.json())
        .find(|p| p["type"] == "contact.created")
        .unwrap();
    assert_eq!(
        created["data"]["contact"]["emails"],
        json!(["ana@example.com"])
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 3, "only contact events arrive");
}
both!(
    contact_events_are_delivered_to_a_subscribed_endpoint,
    settings()
);

async fn erasure_takes_the_contact_out_of_events_and_the_webhook_log(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let receiver = Receiver::start().await;
    // The first attempt fails, so a retry is pending when the contact is erased.
    receiver.then(Answer::status(500));
    let endpoint = create_endpoint(
        api,
        json!({ "url": receiver.url("/crm"), "event_types": ["contact.created"] }),
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap();
    let contact = create(
        api,
        json!({ "name": "Erin Secret", "emails": ["erin@private.example"], "phones": ["+33612345678"] }),
    )
    .await;
    let id = contact["id"].as_str().unwrap();
    let first = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert!(String::from_utf8_lossy(&first[0].body).contains("erin@private.example"));
    let message_id = first[0].header("webhook-id").unwrap().to_owned();
    api.post(&format!("/api/v1/contacts/{id}/erase"), json!({}))
        .await
        .ok();

    let personal = ["erin@private.example", "Erin", "33612345678"];
    let events = api.get("/api/v1/events?limit=200").await.text;
    let message = api
        .get(&format!("/api/v1/webhook-messages/{message_id}"))
        .await
        .text;
    for (what, text) in [("events", &events), ("the webhook message", &message)] {
        for value in personal {
            assert!(!text.contains(value), "{what} still hold {value}: {text}");
        }
    }
    assert!(events.contains(id), "the events still name the contact");
    // The retry sends the message as it is now: signed, without the personal data.
    let both_attempts = receiver.wait_for(2, Duration::from_secs(20)).await;
    let retry = &both_attempts[1];
    verify(retry, secret).unwrap();
    let body = String::from_utf8_lossy(&retry.body).to_string();
    assert!(!body.contains("erin@private.example"), "{body}");
    assert_eq!(retry.json()["data"]["contact_id"], id);
    let delivered = message_in(api, &message_id, "delivered").await;
    for attempt in delivered["attempts_log"].as_array().unwrap() {
        let sent = attempt["request_body"].to_string();
        assert!(!sent.contains("erin@private.example"), "{sent}");
    }
}
both!(
    erasure_takes_the_contact_out_of_events_and_the_webhook_log,
    settings().set("webhooks_retry_schedule", "0s 2s")
);
