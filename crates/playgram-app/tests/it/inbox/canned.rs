//! Canned replies: saved with a shortcut, variables checked when saved, filled for a
//! conversation with fallbacks, and private to the workspace.

use playgram_testkit::{FakeMeta, TestApp};
use serde_json::json;

use super::replies::fresh_whatsapp;
use crate::with_meta;

async fn canned_replies_fill_their_variables_for_a_conversation(app: TestApp, _meta: FakeMeta) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (_, conversation) = fresh_whatsapp(&app, api).await;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "plan", "label": "Plan", "kind": "text" }),
    )
    .await
    .ok_with(201);

    // Refusals, by field, and nothing saved.
    let bad = api
        .post(
            "/api/v1/canned-replies",
            json!({ "shortcut": "two words", "body": "Hi {colour}" }),
        )
        .await
        .err(422, "validation_failed");
    let fields = &bad["details"]["fields"];
    assert!(fields["shortcut"].is_string(), "{fields}");
    assert!(
        fields["body"].as_str().unwrap().contains("{colour}"),
        "{fields}"
    );
    assert_eq!(api.get("/api/v1/canned-replies").await.ok(), json!([]));

    let reply = api
        .post(
            "/api/v1/canned-replies",
            json!({ "shortcut": "/Hello", "body": "Hi {first_name|there}, {agent_first_name} here. Your {plan|current} plan {last_name}" }),
        )
        .await
        .ok_with(201);
    assert_eq!(reply["shortcut"], "hello");
    let id = reply["id"].as_str().unwrap();
    api.post(
        "/api/v1/canned-replies",
        json!({ "shortcut": "hello", "body": "Again" }),
    )
    .await
    .err(422, "validation_failed");

    let rendered = api
        .post(
            &format!("/api/v1/canned-replies/{id}/render"),
            json!({ "conversation_id": conversation }),
        )
        .await
        .ok();
    // The WhatsApp profile name is "Sheena Nelson"; the owner is "Owner …".
    let text = rendered["text"].as_str().unwrap();
    assert!(text.starts_with("Hi Sheena, "), "{text}");
    assert!(text.contains("Your current plan Nelson"), "{text}");
    assert_eq!(rendered["missing"], json!([]));

    let changed = api
        .patch(
            &format!("/api/v1/canned-replies/{id}"),
            json!({ "body": "Dear {plan}" }),
        )
        .await
        .ok();
    assert_eq!(changed["shortcut"], "hello");
    let rendered = api
        .post(
            &format!("/api/v1/canned-replies/{id}/render"),
            json!({ "conversation_id": conversation }),
        )
        .await
        .ok();
    assert_eq!(rendered["text"], "Dear ");
    assert_eq!(rendered["missing"], json!(["plan"]));

    // Another workspace sees nothing of it.
    let stranger = app.signup("other@example.com", "Other").await;
    stranger
        .browser
        .patch(
            &format!("/api/v1/canned-replies/{id}"),
            json!({ "body": "Mine" }),
        )
        .await
        .err(404, "not_found");
    stranger
        .browser
        .post(
            &format!("/api/v1/canned-replies/{id}/render"),
            json!({ "conversation_id": conversation }),
        )
        .await
        .err(404, "not_found");
    assert_eq!(
        stranger.browser.get("/api/v1/canned-replies").await.ok(),
        json!([])
    );

    let gone = api.delete(&format!("/api/v1/canned-replies/{id}")).await;
    assert_eq!(gone.status.as_u16(), 204);
    assert_eq!(api.get("/api/v1/canned-replies").await.ok(), json!([]));
}
with_meta!(canned_replies_fill_their_variables_for_a_conversation);
