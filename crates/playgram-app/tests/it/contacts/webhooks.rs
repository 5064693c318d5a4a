//! Contact events reach webhook endpoints like any other: a `contact.*` subscription receives a
//! contact's creation, tagging and consent, signed, with the catalog's payload.

use std::time::Duration;

use playgram_testkit::{Receiver, TestApp, both};
use serde_json::json;

use super::create;
use crate::webhooks::{create_endpoint, settings, verify};

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
