//! Two-factor authentication with an authenticator app's codes and recovery codes.

use playgram_core::totp::{Algorithm, base32_decode, totp};
use playgram_testkit::{PASSWORD, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

use crate::audit_actions;

/// The code an authenticator app would show now.
fn code_now(key: &[u8]) -> String {
    code_at(key, 0)
}

/// The code an authenticator app would show `offset` seconds from now (the app accepts one step
/// of clock drift either way).
fn code_at(key: &[u8], offset: i64) -> String {
    totp(
        Algorithm::Sha1,
        key,
        (crate::now_ms() / 1000 + offset) as u64,
        30,
        6,
    )
}

async fn two_factor_lifecycle(app: TestApp) {
    let owner = app.owner().await;
    let setup = owner
        .browser
        .call(Method::POST, "/api/v1/me/totp/setup", Value::Null)
        .await
        .ok();
    let uri = setup["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let secret = setup["secret"].as_str().unwrap();
    assert!(uri.contains(secret));
    let key = base32_decode(secret).expect("a base32 secret");

    // A wrong code does not turn it on.
    let wrong = format!(
        "{:06}",
        (code_now(&key).parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    owner
        .browser
        .post("/api/v1/me/totp/enable", json!({ "code": wrong }))
        .await
        .field_error("code");
    let enabling_code = code_now(&key);
    let enabled = owner
        .browser
        .post("/api/v1/me/totp/enable", json!({ "code": enabling_code }))
        .await
        .ok();
    let recovery: Vec<String> = serde_json::from_value(enabled["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    let me = owner.browser.get("/api/v1/me").await.ok();
    assert_eq!(me["user"]["totp_enabled"], true);

    // Password alone is no longer enough.
    let (_, reply) = app.try_login(&owner.email, PASSWORD, None).await;
    reply.err(401, "totp_required");
    assert_eq!(reply.cookie("pg_session"), None);

    // The code that turned 2FA on was used up by that (RFC 6238 §5.2).
    let (_, reply) = app
        .try_login(&owner.email, PASSWORD, Some(&enabling_code))
        .await;
    reply.err(401, "invalid_totp");

    // With a code of a later time step (the next one, within the allowed drift): signed in.
    // The same code cannot be used twice.
    let code = code_at(&key, 30);
    let (second_device, reply) = app.try_login(&owner.email, PASSWORD, Some(&code)).await;
    reply.ok_with(200);
    second_device.get("/api/v1/me").await.ok();
    let (_, reply) = app.try_login(&owner.email, PASSWORD, Some(&code)).await;
    reply.err(401, "invalid_totp");

    // A recovery code works once.
    let (_, reply) = app
        .try_login(&owner.email, PASSWORD, Some(&recovery[3].to_uppercase()))
        .await;
    reply.ok_with(200);
    let (_, reply) = app
        .try_login(&owner.email, PASSWORD, Some(&recovery[3]))
        .await;
    reply.err(401, "invalid_totp");

    // Turning it off needs the password.
    owner
        .browser
        .post(
            "/api/v1/me/totp/disable",
            json!({ "password": "wrong password" }),
        )
        .await
        .field_error("password");
    owner
        .browser
        .post("/api/v1/me/totp/disable", json!({ "password": PASSWORD }))
        .await
        .ok();
    // The other device's session ended with the second factor; this one goes on.
    second_device
        .get("/api/v1/me")
        .await
        .err(401, "unauthenticated");
    owner.browser.get("/api/v1/me").await.ok();
    app.login(&owner.email, PASSWORD).await;

    let actions = audit_actions(&owner.browser).await;
    for action in [
        "totp.enabled",
        "totp.disabled",
        "login.failed",
        "login.succeeded",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    let failures = owner
        .browser
        .get("/api/v1/audit-log?action=login.failed")
        .await
        .ok();
    assert!(
        failures
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["details"]["reason"] == "second_factor"),
        "{failures:#}"
    );
}
both!(two_factor_lifecycle);
