//! Server-side sessions: logout, a new id at every login, idle and absolute expiry.

use playgram_testkit::{PASSWORD, Settings, TestApp, both};
use reqwest::Method;
use serde_json::Value;

use crate::now_ms;

/// Calls `GET /me` with nothing but this session cookie.
async fn me_with_cookie(app: &TestApp, token: &str) -> u16 {
    let client = app.bare();
    let request = client
        .request(Method::GET, "/api/v1/me")
        .header("cookie", format!("pg_session={token}"));
    client.send(request).await.status.as_u16()
}

async fn logout_ends_the_session(app: TestApp) {
    let owner = app.owner().await;
    let (browser, login) = app.try_login(&owner.email, PASSWORD, None).await;
    let token = login.cookie("pg_session").expect("a session cookie");
    assert_eq!(me_with_cookie(&app, &token).await, 200);

    let logout = browser
        .call(Method::POST, "/api/v1/auth/logout", Value::Null)
        .await;
    logout.ok_with(200);
    assert_eq!(
        logout.cookie("pg_session").as_deref(),
        Some(""),
        "cookie cleared"
    );
    browser.get("/api/v1/me").await.err(401, "unauthenticated");
    // The server forgot the session: replaying the old cookie does not work either.
    assert_eq!(me_with_cookie(&app, &token).await, 401);
    // Logging out ended only that session.
    owner.browser.get("/api/v1/me").await.ok();
    browser
        .call(Method::POST, "/api/v1/auth/logout", Value::Null)
        .await
        .err(401, "unauthenticated");
}
both!(logout_ends_the_session);

async fn every_login_gets_a_new_session_id(app: TestApp) {
    let owner = app.owner().await;
    let (first_browser, first) = app.try_login(&owner.email, PASSWORD, None).await;
    let (_, second) = app.try_login(&owner.email, PASSWORD, None).await;
    let (first, second) = (
        first.cookie("pg_session").expect("cookie"),
        second.cookie("pg_session").expect("cookie"),
    );
    assert_ne!(first, second);
    assert!(first.len() >= 40, "a long random token: {first}");
    // The database keeps only hashes of the tokens.
    let stored = app
        .fetch_i64(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = $1 OR token_hash = $2",
            &[first.as_str().into(), second.as_str().into()],
        )
        .await;
    assert_eq!(stored, 0);
    assert_eq!(me_with_cookie(&app, &first).await, 200);
    assert_eq!(me_with_cookie(&app, &second).await, 200);

    first_browser
        .call(Method::POST, "/api/v1/auth/logout", Value::Null)
        .await
        .ok();
    assert_eq!(me_with_cookie(&app, &first).await, 401);
    assert_eq!(me_with_cookie(&app, &second).await, 200);
}
both!(every_login_gets_a_new_session_id);

async fn idle_sessions_expire(app: TestApp) {
    let owner = app.owner().await;
    // Seen 29 minutes ago: still alive, and the visit moves `last_seen_at` forward.
    app.execute(
        "UPDATE sessions SET last_seen_at = $1",
        &[(now_ms() - 29 * 60_000).into()],
    )
    .await;
    owner.browser.get("/api/v1/me").await.ok();
    let seen = app
        .fetch_i64("SELECT MAX(last_seen_at) FROM sessions", &[])
        .await;
    assert!(now_ms() - seen < 60_000, "the visit was recorded");

    // Idle for 31 minutes: gone, and removed from the database.
    app.execute(
        "UPDATE sessions SET last_seen_at = $1",
        &[(now_ms() - 31 * 60_000).into()],
    )
    .await;
    owner
        .browser
        .get("/api/v1/me")
        .await
        .err(401, "unauthenticated");
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM sessions", &[]).await, 0);
}
both!(
    idle_sessions_expire,
    Settings::new().set("session_idle_minutes", 30)
);

async fn sessions_expire_after_their_absolute_lifetime(app: TestApp) {
    let owner = app.owner().await;
    let lifetime = app
        .fetch_i64("SELECT expires_at - created_at FROM sessions", &[])
        .await;
    assert_eq!(lifetime, 2 * 3_600_000, "session_absolute_hours = 2");
    // Active all along (seen just now) but past its absolute end.
    app.execute(
        "UPDATE sessions SET created_at = created_at - $1, expires_at = $2",
        &[(2 * 3_600_000_i64).into(), (now_ms() - 1).into()],
    )
    .await;
    owner
        .browser
        .get("/api/v1/me")
        .await
        .err(401, "unauthenticated");
}
both!(
    sessions_expire_after_their_absolute_lifetime,
    Settings::new().set("session_absolute_hours", 2)
);

async fn changing_the_password_ends_the_other_sessions(app: TestApp) {
    let owner = app.owner().await;
    let laptop = app.login(&owner.email, PASSWORD).await;
    let refused = owner
        .browser
        .post(
            "/api/v1/me/password",
            serde_json::json!({ "current_password": "wrong password", "new_password": "short" }),
        )
        .await;
    // Both problems are reported at once.
    refused.field_error("current_password");
    refused.field_error("new_password");
    owner
        .browser
        .post(
            "/api/v1/me/password",
            serde_json::json!({ "current_password": PASSWORD, "new_password": "another passphrase" }),
        )
        .await
        .ok();
    owner.browser.get("/api/v1/me").await.ok();
    laptop
        .browser
        .get("/api/v1/me")
        .await
        .err(401, "unauthenticated");
    app.login(&owner.email, "another passphrase").await;
}
both!(changing_the_password_ends_the_other_sessions);

async fn guessing_the_password_through_a_session_is_throttled(app: TestApp) {
    let owner = app.owner().await;
    let guess = |password: &str| {
        owner.browser.post(
            "/api/v1/me/password",
            serde_json::json!({ "current_password": password, "new_password": "stolen session passphrase" }),
        )
    };
    for _ in 0..5 {
        guess("a wrong guess").await.field_error("current_password");
    }
    // Even the right password is refused now: the limit is reached.
    guess(PASSWORD).await.err(429, "login_throttled");
    let actions = crate::audit_actions(&owner.browser).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "password.confirmation_failed")
            .count(),
        5
    );
}
both!(guessing_the_password_through_a_session_is_throttled);
