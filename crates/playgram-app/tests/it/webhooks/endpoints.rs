//! Endpoints: create (with a secret shown once), validation with field errors that change
//! nothing, list, update (PATCH with null), delete, secret reveal and rotation, roles, tenancy.

use playgram_testkit::{TestApp, both};
use serde_json::json;

use super::{create_endpoint, settings};

async fn endpoints_are_created_listed_changed_and_deleted(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.get("/api/v1/webhook-endpoints").await.ok();
    let created = create_endpoint(
        api,
        json!({
            "url": "https://hooks.example.com/playgram",
            "description": "CRM sync",
            "event_types": ["member.*", "api_key.created"],
            "filter": [{ "path": "actor.type", "op": "eq", "value": "user" }],
            "rate_limit": 50,
            "max_in_flight": 5,
            "headers": { "X-Team": "blue", "Authorization": "Bearer abc" }
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ep_"));
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(created["enabled"], true);
    assert_eq!(
        created["event_types"],
        json!(["member.*", "api_key.created"])
    );
    assert_eq!(created["headers"]["x-team"], "blue");

    // The secret is not in the listing or the endpoint, only behind /secret (audited).
    let listed = api.get("/api/v1/webhook-endpoints").await.ok();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("secret").is_none());
    let shown = api
        .get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .ok();
    assert!(shown.get("secret").is_none());
    let revealed = api
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"))
        .await
        .ok();
    assert_eq!(revealed["secret"], secret.as_str());

    // PATCH replaces what it names; null means "every event" / "no limit".
    let changed = api
        .patch(
            &format!("/api/v1/webhook-endpoints/{id}"),
            json!({ "event_types": null, "rate_limit": null, "description": "All events", "enabled": false }),
        )
        .await
        .ok();
    assert_eq!(changed["event_types"], json!(null));
    assert_eq!(changed["rate_limit"], json!(null));
    assert_eq!(changed["max_in_flight"], 5);
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["disabled_reason"], "manual");
    let enabled = api
        .patch(
            &format!("/api/v1/webhook-endpoints/{id}"),
            json!({ "enabled": true }),
        )
        .await
        .ok();
    assert_eq!(enabled["disabled_reason"], json!(null));

    // Rotation: a new secret, the old one still signing until the overlap ends.
    let rotated = api
        .post(
            &format!("/api/v1/webhook-endpoints/{id}/secret/rotate"),
            json!({ "overlap_hours": 2 }),
        )
        .await
        .ok();
    assert_ne!(rotated["secret"], secret.as_str());
    assert!(rotated["previous_secret_until"].is_string());
    api.post(
        &format!("/api/v1/webhook-endpoints/{id}/secret/rotate"),
        json!({ "overlap_hours": 1000 }),
    )
    .await
    .err(422, "validation_failed");

    api.delete(&format!("/api/v1/webhook-endpoints/{id}")).await;
    api.get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .err(404, "not_found");
    let actions = crate::audit_actions(api).await;
    for action in [
        "webhook_endpoint.created",
        "webhook_endpoint.secret_viewed",
        "webhook_endpoint.updated",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.deleted",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    let events = api.get("/api/v1/events?limit=50").await.ok();
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(types.contains(&"webhook_endpoint.created"), "{types:?}");
}
both!(endpoints_are_created_listed_changed_and_deleted, settings());

async fn bad_settings_get_field_errors_and_change_nothing(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    for (body, field, says) in [
        (json!({ "url": "ftp://example.com/x" }), "url", "http"),
        (json!({ "url": "not a url" }), "url", ""),
        (json!({ "url": "https://user:pw@example.com/" }), "url", ""),
        (json!({}), "url", "URL"),
        (
            json!({ "url": "https://e.com", "event_types": ["nope.nothing"] }),
            "event_types",
            "nope.nothing",
        ),
        (
            json!({ "url": "https://e.com", "event_types": [] }),
            "event_types",
            "at least one",
        ),
        (
            json!({ "url": "https://e.com", "filter": [{ "path": "a", "op": "in", "value": 3 }] }),
            "filter",
            "array",
        ),
        (
            json!({ "url": "https://e.com", "headers": { "webhook-id": "x" } }),
            "headers",
            "cannot be replaced",
        ),
        (
            json!({ "url": "https://e.com", "rate_limit": 0 }),
            "rate_limit",
            "1 to",
        ),
        (
            json!({ "url": "https://e.com", "max_in_flight": 1000 }),
            "max_in_flight",
            "1 to",
        ),
    ] {
        let reply = api.post("/api/v1/webhook-endpoints", body.clone()).await;
        reply.err(422, "validation_failed");
        let message = reply.field_error(field);
        assert!(message.contains(says), "{body}: {message}");
    }
    api.post(
        "/api/v1/webhook-endpoints",
        json!({ "url": "https://e.com", "colour": "red" }),
    )
    .await
    .err(422, "validation_failed");
    let listed = api.get("/api/v1/webhook-endpoints").await.ok();
    assert_eq!(listed, json!([]));

    // A bad PATCH changes nothing either, even the fields that were fine.
    let id = create_endpoint(api, json!({ "url": "https://e.com/a" })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.patch(
        &format!("/api/v1/webhook-endpoints/{id}"),
        json!({ "description": "new", "url": "gopher://x" }),
    )
    .await
    .err(422, "validation_failed");
    let shown = api
        .get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .ok();
    assert_eq!(
        (&shown["description"], &shown["url"]),
        (&json!(""), &json!("https://e.com/a"))
    );
}
both!(bad_settings_get_field_errors_and_change_nothing, settings());

async fn roles_and_workspaces_bound_webhooks(app: TestApp) {
    let owner = app.owner().await;
    let id = create_endpoint(&owner.browser, json!({ "url": "https://e.com/a" })).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/webhook-endpoints/{id}");

    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    manager.browser.get(&path).await.ok();
    manager
        .browser
        .get(&format!("{path}/secret"))
        .await
        .err(403, "forbidden");
    manager
        .browser
        .patch(&path, json!({ "description": "x" }))
        .await
        .err(403, "forbidden");
    let viewer = app.join_as(&owner, "viewer@example.com", "viewer").await;
    viewer.browser.get(&path).await.err(403, "forbidden");
    viewer
        .browser
        .get("/api/v1/webhook-messages")
        .await
        .err(403, "forbidden");

    // Another workspace sees nothing: 404 for every path.
    let stranger = app.signup("stranger@example.com", "Elsewhere").await;
    use reqwest::Method;
    for (method, suffix, body) in [
        (Method::GET, "", json!({})),
        (Method::GET, "/secret", json!({})),
        (Method::PATCH, "", json!({ "description": "x" })),
        (Method::POST, "/secret/rotate", json!({})),
        (
            Method::POST,
            "/test",
            json!({ "event_type": "api_key.created" }),
        ),
        (
            Method::POST,
            "/recover",
            json!({ "since": "2026-01-01T00:00:00Z" }),
        ),
        (Method::DELETE, "", json!({})),
    ] {
        stranger
            .browser
            .call(method, &format!("{path}{suffix}"), body)
            .await
            .err(404, "not_found");
    }
    assert_eq!(
        stranger.browser.get("/api/v1/webhook-endpoints").await.ok(),
        json!([])
    );

    // API keys need the webhooks scopes.
    let (_, reader) = app.create_api_key(&owner.browser, &["webhooks:read"]).await;
    let reader = app.api(&reader);
    reader.get(&path).await.ok();
    reader
        .post(
            "/api/v1/webhook-endpoints",
            json!({ "url": "https://e.com/b" }),
        )
        .await
        .err(403, "insufficient_scope");
    let (_, writer) = app
        .create_api_key(&owner.browser, &["webhooks:write"])
        .await;
    create_endpoint(&app.api(&writer), json!({ "url": "https://e.com/b" })).await;
}
both!(
    roles_and_workspaces_bound_webhooks,
    settings().set("signup_open", true)
);
