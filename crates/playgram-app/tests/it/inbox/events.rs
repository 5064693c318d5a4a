//! The inbox's events: what webhook endpoints and the live dashboard see when a customer writes,
//! an agent replies, a status arrives or a conversation changes.

use std::time::Duration;

use playgram_testkit::{Client, FakeMeta, TestApp};
use serde_json::{Value, json};

use super::replies::{fresh_whatsapp, send, settled};
use super::{deliver_parsed, fixture};
use crate::with_meta;

/// The workspace's events of one type, oldest first, once there are at least `count`.
async fn of_type(api: &Client, kind: &str, count: usize) -> Vec<Value> {
    crate::jobs::eventually(
        &format!("{count} {kind} events"),
        Duration::from_secs(20),
        || async {
            let mut list = api
                .get(&format!("/api/v1/events?type={kind}&limit=100"))
                .await
                .ok()
                .as_array()
                .cloned()
                .unwrap();
            list.reverse();
            (list.len() >= count).then_some(list)
        },
    )
    .await
}

async fn every_change_in_a_thread_is_an_event(app: TestApp, _meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (channel, conversation) = fresh_whatsapp(&app, api).await;

    let created = of_type(api, "conversation.created", 1).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["data"]["conversation_id"], conversation.as_str());
    assert_eq!(created[0]["data"]["channel_id"], channel.as_str());
    let received = of_type(api, "message.received", 1).await;
    let message = &received[0]["data"]["message"];
    assert_eq!(
        (
            message["direction"].as_str(),
            message["kind"].as_str(),
            message["status"].as_str()
        ),
        (Some("in"), Some("text"), Some("received"))
    );
    assert_eq!(message["conversation_id"], conversation.as_str());
    assert!(!message["text"].as_str().unwrap().is_empty());

    // Meta delivering the same message again stores nothing and says nothing.
    let again = fixture("whatsapp/webhooks/inbound_text.json");
    deliver_parsed(&app, "whatsapp", &channel, &again).await;
    let same = fixture("whatsapp/webhooks/inbound_text.json");
    deliver_parsed(&app, "whatsapp", &channel, &same).await;
    assert_eq!(of_type(api, "message.received", 1).await.len(), 1);

    // A reply: created as queued, then sent.
    let reply = send(api, &conversation, json!({ "text": "On its way." })).await;
    settled(api, &conversation, reply["id"].as_str().unwrap()).await;
    let created = of_type(api, "message.created", 1).await;
    let out = created
        .iter()
        .find(|e| e["data"]["message"]["id"] == reply["id"])
        .expect("the reply's event");
    assert_eq!(out["data"]["message"]["status"], "queued");
    assert_eq!(out["data"]["message"]["author_id"], json!(owner.id));
    let statuses = of_type(api, "message.status_changed", 1).await;
    assert_eq!(statuses[0]["data"]["message_id"], reply["id"]);
    assert_eq!(statuses[0]["data"]["status"], "sent");

    // Resolving: the change, and the activity line in the thread.
    api.patch(
        &format!("/api/v1/conversations/{conversation}"),
        json!({ "status": "resolved", "priority": "high" }),
    )
    .await
    .ok();
    let updated = of_type(api, "conversation.updated", 1).await;
    assert_eq!(
        updated[0]["data"]["changes"],
        json!({ "status": "resolved", "priority": "high" })
    );
    let lines = of_type(api, "message.created", 3).await;
    assert!(
        lines
            .iter()
            .any(|e| e["data"]["message"]["kind"] == "activity"
                && e["data"]["message"]["direction"] == "note"),
        "{lines:#?}"
    );

    // Tags.
    api.post(
        &format!("/api/v1/conversations/{conversation}/tags"),
        json!({ "tags": ["Refund"] }),
    )
    .await
    .ok_with(200);
    let updated = of_type(api, "conversation.updated", 2).await;
    assert_eq!(updated[1]["data"]["changes"], json!({ "tags": ["Refund"] }));

    // The catalog describes them all.
    let types = api.get("/api/v1/event-types").await.ok();
    for name in [
        "message.received",
        "message.created",
        "message.status_changed",
        "conversation.created",
        "conversation.updated",
    ] {
        assert!(
            types.as_array().unwrap().iter().any(|t| t["name"] == name),
            "{name} is not in the catalog"
        );
    }
}
with_meta!(every_change_in_a_thread_is_an_event);
