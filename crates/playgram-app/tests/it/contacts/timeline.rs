//! The timeline (what happened, newest first, paged, by kind) and the field history (every value
//! an attribute held, who changed it and when).

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::create;

async fn the_timeline_and_history_record_every_change(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "plan", "label": "Plan", "kind": "select", "options": ["Free", "Pro"] }),
    )
    .await
    .ok_with(201);
    let id = create(api, json!({ "name": "Kim", "fields": { "plan": "Free" } })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, secret) = app
        .create_api_key(&owner.browser, &["contacts:write"])
        .await;
    let key = app.api(&secret);
    key.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "fields": { "plan": "Pro" } }),
    )
    .await
    .ok();
    api.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "name": "Kim Lee", "fields": { "plan": "Pro" } }),
    )
    .await
    .ok();
    api.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "name": "Kim Lee" }),
    )
    .await
    .ok();
    api.post(
        &format!("/api/v1/contacts/{id}/tags"),
        json!({ "tags": ["Trial"] }),
    )
    .await
    .ok();
    api.delete(&format!("/api/v1/contacts/{id}/tags/trial"))
        .await
        .ok();

    let timeline = api
        .get(&format!("/api/v1/contacts/{id}/timeline"))
        .await
        .ok();
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["tag_removed", "tag_added", "updated", "updated", "created"],
        "an unchanged patch adds nothing"
    );
    assert_eq!(timeline[2]["summary"], "Changed name");
    assert_eq!(timeline[3]["actor"]["type"], "api_key");
    assert_eq!(
        timeline[3]["data"]["changes"][0],
        json!({ "attribute": "fields.plan", "old": "Free", "new": "Pro" })
    );
    // Paged, and by kind.
    let first = api
        .get(&format!("/api/v1/contacts/{id}/timeline?limit=2"))
        .await
        .envelope();
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let second = api
        .get(&format!(
            "/api/v1/contacts/{id}/timeline?limit=2&cursor={cursor}"
        ))
        .await
        .ok();
    assert_eq!(second[0]["kind"], "updated");
    let tags_only = api
        .get(&format!("/api/v1/contacts/{id}/timeline?kind=tag_added"))
        .await
        .ok();
    assert_eq!(tags_only.as_array().unwrap().len(), 1);

    let history = api
        .get(&format!(
            "/api/v1/contacts/{id}/history?attribute=fields.plan"
        ))
        .await
        .ok();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(
        (history[0]["old"].as_str(), history[0]["value"].as_str()),
        (Some("Free"), Some("Pro"))
    );
    assert_eq!(history[0]["changed_by"]["type"], "api_key");
    assert_eq!(history[0]["until"], json!(null));
    let all = api
        .get(&format!("/api/v1/contacts/{id}/history"))
        .await
        .ok();
    let attributes: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["attribute"].as_str().unwrap())
        .collect();
    assert_eq!(attributes, ["fields.plan", "name"]);
    api.get(&format!("/api/v1/contacts/{id}/timeline?cursor=nope"))
        .await
        .err(400, "invalid_cursor");
}
both!(the_timeline_and_history_record_every_change);
