//! API keys: authentication, scopes, expiry, revocation and rotation.

use playgram_testkit::{Settings, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

use crate::now_ms;

fn rfc3339(ms: i64) -> String {
    playgram_core::time::rfc3339(ms)
}

async fn api_key_authenticates_within_its_scopes(app: TestApp) {
    let owner = app.owner().await;
    let (id, secret) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    assert!(secret.starts_with("pgk_") && secret.len() > 40, "{secret}");
    let key = app.api(&secret);
    let me = key.get("/api/v1/me").await.ok();
    assert_eq!(me["api_key"]["id"], id.as_str());
    assert!(me["user"].is_null());
    assert_eq!(me["workspace"]["id"], owner.workspace_id.as_str());
    key.get("/api/v1/members").await.ok();
    key.get("/api/v1/api-keys")
        .await
        .err(403, "insufficient_scope");
    key.get("/api/v1/audit-log")
        .await
        .err(403, "insufficient_scope");
    // Person-only actions refuse keys.
    key.post("/api/v1/workspaces", json!({ "name": "Keyed" }))
        .await
        .err(403, "forbidden");

    // The secret is never listed, only a hint; the use is noted.
    let listed = owner.browser.get("/api/v1/api-keys").await;
    assert!(!listed.text.contains(&secret));
    let listed = listed.ok();
    assert_eq!(listed[0]["status"], "active");
    assert_eq!(listed[0]["scopes"], json!(["workspace:read"]));
    let hint = listed[0]["hint"].as_str().unwrap();
    assert!(
        hint.starts_with(&secret[..8]) && hint.ends_with(&secret[secret.len() - 4..]),
        "{hint}"
    );
    let mut last_used = Value::Null;
    for _ in 0..50 {
        last_used = owner
            .browser
            .get(&format!("/api/v1/api-keys/{id}"))
            .await
            .ok()["last_used_at"]
            .clone();
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(last_used.is_string(), "last_used_at was saved");
}
both!(api_key_authenticates_within_its_scopes);

async fn bad_api_keys_are_refused(app: TestApp) {
    let owner = app.owner().await;
    let (_, secret) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    let wrong = format!("{}x", &secret[..secret.len() - 1]);
    app.api(&wrong)
        .get("/api/v1/me")
        .await
        .err(401, "invalid_api_key");
    app.api("not-a-key")
        .get("/api/v1/me")
        .await
        .err(401, "invalid_api_key");
    let client = app.bare();
    let basic = client
        .request(Method::GET, "/api/v1/me")
        .header("authorization", "Basic dXNlcjpwYXNz");
    client.send(basic).await.err(401, "invalid_api_key");
    // A bad key never falls back to the session cookie.
    let both = owner
        .browser
        .request(Method::GET, "/api/v1/me")
        .bearer_auth(&wrong);
    owner.browser.send(both).await.err(401, "invalid_api_key");
}
both!(bad_api_keys_are_refused);

async fn expired_api_key_is_refused(app: TestApp) {
    let owner = app.owner().await;
    for bad in ["tomorrow", &rfc3339(now_ms() - 60_000)] {
        owner
            .browser
            .post(
                "/api/v1/api-keys",
                json!({ "name": "k", "scopes": ["workspace:read"], "expires_at": bad }),
            )
            .await
            .field_error("expires_at");
    }
    let created = owner
        .browser
        .post(
            "/api/v1/api-keys",
            json!({ "name": "k", "scopes": ["workspace:read"], "expires_at": rfc3339(now_ms() + 3_600_000) }),
        )
        .await
        .ok_with(201);
    let key = app.api(created["secret"].as_str().unwrap());
    key.get("/api/v1/me").await.ok();
    app.execute(
        "UPDATE api_keys SET expires_at = $1",
        &[(now_ms() - 1).into()],
    )
    .await;
    key.get("/api/v1/me").await.err(401, "api_key_expired");
    let listed = owner.browser.get("/api/v1/api-keys").await.ok();
    assert_eq!(listed[0]["status"], "expired");
}
// Time travel in the database is seen at once only without the lookup cache.
both!(
    expired_api_key_is_refused,
    Settings::new().set("api_key_cache_seconds", 0)
);

async fn revoked_api_key_stops_at_once(app: TestApp) {
    let owner = app.owner().await;
    let (id, secret) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    let key = app.api(&secret);
    key.get("/api/v1/me").await.ok(); // now in the lookup cache
    owner
        .browser
        .delete(&format!("/api/v1/api-keys/{id}"))
        .await
        .ok();
    key.get("/api/v1/me").await.err(401, "api_key_revoked");
    let got = owner
        .browser
        .get(&format!("/api/v1/api-keys/{id}"))
        .await
        .ok();
    assert_eq!(got["status"], "revoked");
    assert!(got["revoked_at"].is_string());
    owner
        .browser
        .delete(&format!("/api/v1/api-keys/{id}"))
        .await
        .ok();
    owner
        .browser
        .call(
            Method::POST,
            &format!("/api/v1/api-keys/{id}/rotate"),
            Value::Null,
        )
        .await
        .err(409, "api_key_not_active");
    let log = owner
        .browser
        .get("/api/v1/audit-log?action=api_key.revoked")
        .await
        .ok();
    assert_eq!(
        log.as_array().map(Vec::len),
        Some(1),
        "revoking twice is logged once"
    );
}
// The default cache stays on: revoking must clear it on this instance.
both!(revoked_api_key_stops_at_once);

async fn rotation_keeps_the_old_secret_for_the_overlap(app: TestApp) {
    let owner = app.owner().await;
    let (id, first) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    let rotate = format!("/api/v1/api-keys/{id}/rotate");
    let rotated = owner
        .browser
        .post(&rotate, json!({ "overlap_hours": 1 }))
        .await
        .ok();
    let second = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert!(rotated["previous_secret_expires_at"].is_string());
    assert_eq!(rotated["id"], id.as_str());
    app.api(&first).get("/api/v1/me").await.ok();
    app.api(&second).get("/api/v1/me").await.ok();

    // Rotating with no overlap ends the previous secret at once.
    let third = owner
        .browser
        .post(&rotate, json!({ "overlap_hours": 0 }))
        .await
        .ok()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    app.api(&second)
        .get("/api/v1/me")
        .await
        .err(401, "api_key_expired");
    app.api(&third).get("/api/v1/me").await.ok();

    // The first overlap ends too (time travel past it).
    app.execute(
        "UPDATE api_key_secrets SET expires_at = $1 WHERE expires_at IS NOT NULL",
        &[(now_ms() - 1).into()],
    )
    .await;
    app.api(&first)
        .get("/api/v1/me")
        .await
        .err(401, "api_key_expired");
    app.api(&third).get("/api/v1/me").await.ok();

    owner
        .browser
        .post(&rotate, json!({ "overlap_hours": 721 }))
        .await
        .field_error("overlap_hours");
    let bad = owner
        .browser
        .request(Method::POST, &rotate)
        .header("content-type", "application/json")
        .body("{oops");
    owner.browser.send(bad).await.err(400, "invalid_json");
    // An empty body rotates with the configured overlap (24 hours by default).
    let fourth = owner
        .browser
        .call(Method::POST, &rotate, Value::Null)
        .await
        .ok();
    let until = chrono_ms(fourth["previous_secret_expires_at"].as_str().unwrap());
    assert!(
        (until - now_ms() - 24 * 3_600_000).abs() < 60_000,
        "24 h overlap"
    );
    app.api(&third).get("/api/v1/me").await.ok();
}
both!(
    rotation_keeps_the_old_secret_for_the_overlap,
    Settings::new().set("api_key_cache_seconds", 0)
);

fn chrono_ms(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 time")
        .timestamp_millis()
}

async fn key_scopes_are_bounded(app: TestApp) {
    let owner = app.owner().await;
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    // A manager may see keys but not make them.
    manager
        .browser
        .post(
            "/api/v1/api-keys",
            json!({ "name": "m", "scopes": ["workspace:read"] }),
        )
        .await
        .err(403, "forbidden");
    for scopes in [json!([]), json!(["everything"])] {
        owner
            .browser
            .post("/api/v1/api-keys", json!({ "name": "k", "scopes": scopes }))
            .await
            .field_error("scopes");
    }
    // A key that manages keys cannot mint a key with more than it holds itself.
    let (_, secret) = app
        .create_api_key(&owner.browser, &["api_keys:write", "workspace:read"])
        .await;
    let key = app.api(&secret);
    key.post(
        "/api/v1/api-keys",
        json!({ "name": "k", "scopes": ["audit:read"] }),
    )
    .await
    .field_error("scopes");
    let (_, child) = app.create_api_key(&key, &["workspace:read"]).await;
    app.api(&child).get("/api/v1/members").await.ok();
    // A key acts as an admin at most: it cannot invite an owner.
    let (_, inviter) = app.create_api_key(&owner.browser, &["members:write"]).await;
    app.api(&inviter)
        .post(
            "/api/v1/invites",
            json!({ "email": "boss@example.com", "role": "owner" }),
        )
        .await
        .err(403, "forbidden");
    app.api(&inviter)
        .post(
            "/api/v1/invites",
            json!({ "email": "helper@example.com", "role": "agent" }),
        )
        .await
        .ok_with(201);
    let log = owner
        .browser
        .get("/api/v1/audit-log?action=member.invited")
        .await
        .ok();
    assert_eq!(log[0]["actor"]["type"], "api_key");
}
both!(key_scopes_are_bounded);

async fn a_key_cannot_rotate_a_broader_key_to_take_its_secret(app: TestApp) {
    let owner = app.owner().await;
    let (broad_id, _) = app
        .create_api_key(
            &owner.browser,
            &["workspace:read", "members:write", "audit:read"],
        )
        .await;
    let (narrow_id, narrow_secret) = app
        .create_api_key(&owner.browser, &["api_keys:write"])
        .await;
    let narrow = app.api(&narrow_secret);
    // Rotating hands out the new secret: a key may only do that for a key within its own scopes.
    narrow
        .post(&format!("/api/v1/api-keys/{broad_id}/rotate"), json!({}))
        .await
        .err(403, "insufficient_scope");
    let listed = owner
        .browser
        .get(&format!("/api/v1/api-keys/{broad_id}"))
        .await
        .ok();
    assert!(
        listed["previous_secret_expires_at"].is_null(),
        "not rotated"
    );
    // Its own kind of key (and itself) it may rotate.
    narrow
        .post(
            &format!("/api/v1/api-keys/{narrow_id}/rotate"),
            json!({ "overlap_hours": 1 }),
        )
        .await
        .ok();
}
both!(a_key_cannot_rotate_a_broader_key_to_take_its_secret);
