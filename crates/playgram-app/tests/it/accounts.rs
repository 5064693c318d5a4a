//! Sign-up, login, wrong passwords and login throttling.

use playgram_testkit::{PASSWORD, Settings, TestApp, both};
use serde_json::json;

use crate::audit_actions;

async fn first_signup_owns_the_first_workspace_and_closes_signup(app: TestApp) {
    let owner = app.owner().await;
    let me = owner.browser.get("/api/v1/me").await.ok();
    assert_eq!(me["user"]["email"], "owner@example.com");
    assert_eq!(me["user"]["totp_enabled"], false);
    assert_eq!(me["workspace"]["id"], owner.workspace_id.as_str());
    assert_eq!(me["workspace"]["name"], "Acme");
    assert_eq!(me["workspace"]["role"], "owner");
    assert_eq!(me["workspaces"].as_array().map(Vec::len), Some(1));

    let (_, refused) = app
        .try_signup(json!({
            "email": "second@example.com", "password": PASSWORD, "name": "Second", "workspace_name": "Other",
        }))
        .await;
    refused.err(403, "signup_closed");
    assert_eq!(refused.cookie("pg_session"), None);
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM users", &[]).await, 1);
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM workspaces", &[]).await,
        1
    );
    let actions = audit_actions(&owner.browser).await;
    assert!(
        actions.contains(&"workspace.created".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"user.signed_up".to_owned()),
        "{actions:?}"
    );
}
both!(first_signup_owns_the_first_workspace_and_closes_signup);

async fn open_signup_gives_each_person_their_own_workspace(app: TestApp) {
    let owner = app.owner().await;
    let second = app.signup("second@example.com", "Second Co").await;
    assert_ne!(second.workspace_id, owner.workspace_id);
    let me = second.browser.get("/api/v1/me").await.ok();
    assert_eq!(me["workspace"]["name"], "Second Co");
    assert_eq!(me["workspace"]["role"], "owner");
    // Neither sees the other's team.
    let members = second.browser.get("/api/v1/members").await.ok();
    assert_eq!(members.as_array().map(Vec::len), Some(1));
}
both!(
    open_signup_gives_each_person_their_own_workspace,
    Settings::new().set("signup_open", true)
);

async fn signup_refuses_a_taken_email_and_bad_fields(app: TestApp) {
    app.owner().await;
    let (_, taken) = app
        .try_signup(json!({
            "email": " Owner@Example.COM ", "password": PASSWORD, "name": "Copy", "workspace_name": "Copy",
        }))
        .await;
    assert!(taken.field_error("email").contains("already exists"));

    let (_, invalid) = app
        .try_signup(json!({
            "email": "not-an-email", "password": "short", "name": "", "workspace_name": "Copy",
        }))
        .await;
    let error = invalid.err(422, "validation_failed");
    for field in ["email", "password", "name"] {
        assert!(
            error["details"]["fields"][field].is_string(),
            "{field} missing in {error:#}"
        );
    }
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM users", &[]).await, 1);
}
both!(
    signup_refuses_a_taken_email_and_bad_fields,
    Settings::new().set("signup_open", true)
);

async fn login_sets_a_safe_session_cookie(app: TestApp) {
    app.owner().await;
    let (browser, reply) = app.try_login("OWNER@example.com", PASSWORD, None).await;
    let data = reply.ok_with(200);
    assert_eq!(data["user"]["email"], "owner@example.com");
    assert_eq!(data["workspace"]["role"], "owner");
    assert!(data["csrf_token"].as_str().is_some_and(|t| t.len() >= 32));
    let set_cookie = reply.header("set-cookie").expect("a session cookie");
    for attribute in ["pg_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    browser.get("/api/v1/me").await.ok();
    let actions = audit_actions(&browser).await;
    assert_eq!(actions.first().map(String::as_str), Some("login.succeeded"));
}
both!(login_sets_a_safe_session_cookie);

async fn wrong_password_is_refused_and_audited(app: TestApp) {
    let owner = app.owner().await;
    let (_, wrong) = app.try_login(&owner.email, "not the password", None).await;
    let wrong = wrong.err(401, "invalid_credentials");
    assert_eq!(session_count(&app).await, 1, "no session was created");
    // An unknown address gets the very same answer, so addresses cannot be probed.
    let (_, unknown) = app.try_login("nobody@example.com", PASSWORD, None).await;
    assert_eq!(
        unknown.err(401, "invalid_credentials")["message"],
        wrong["message"]
    );

    let log = owner
        .browser
        .get("/api/v1/audit-log?action=login.failed")
        .await
        .ok();
    let entries = log.as_array().expect("a list");
    assert_eq!(
        entries.len(),
        1,
        "only the owner's failure is in Acme's log: {log:#}"
    );
    assert_eq!(entries[0]["actor"]["user_id"], owner.id.as_str());
    assert_eq!(entries[0]["details"]["reason"], "password");
    assert_eq!(entries[0]["ip"], "127.0.0.1");
}
both!(wrong_password_is_refused_and_audited);

async fn session_count(app: &TestApp) -> i64 {
    app.fetch_i64("SELECT COUNT(*) FROM sessions", &[]).await
}

async fn logins_are_throttled_per_account(app: TestApp) {
    let owner = app.owner().await;
    for _ in 0..3 {
        let (_, reply) = app.try_login(&owner.email, "wrong password", None).await;
        reply.err(401, "invalid_credentials");
    }
    // Past the limit even the right password is refused until the window passes.
    let (_, throttled) = app.try_login(&owner.email, PASSWORD, None).await;
    throttled.err(429, "login_throttled");
    let retry_after: u64 = throttled
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    // Another account from the same IP is not affected by this account's limit.
    app.add_member(&owner.workspace_id, "other@example.com", "agent")
        .await;
    let (_, other_login) = app
        .try_login("other@example.com", "wrong password", None)
        .await;
    other_login.err(401, "invalid_credentials");

    // Time travel past the window: the account may log in again.
    app.execute(
        "UPDATE login_attempts SET at = at - $1",
        &[(15 * 60_000_i64).into()],
    )
    .await;
    app.login(&owner.email, PASSWORD).await;
}
both!(
    logins_are_throttled_per_account,
    Settings::new().set("login_max_failures_per_account", 3)
);

async fn logins_are_throttled_per_ip(app: TestApp) {
    let owner = app.owner().await;
    for n in 0..3 {
        let (_, reply) = app
            .try_login(&format!("guess{n}@example.com"), "wrong password", None)
            .await;
        reply.err(401, "invalid_credentials");
    }
    let (_, throttled) = app.try_login(&owner.email, PASSWORD, None).await;
    throttled.err(429, "login_throttled");
    assert!(throttled.header("retry-after").is_some());
}
both!(
    logins_are_throttled_per_ip,
    Settings::new()
        .set("login_max_failures_per_ip", 3)
        .set("login_max_failures_per_account", 10)
);

async fn two_first_signups_at_once_make_one_owner(app: TestApp) {
    let body = |n: u32| {
        json!({
            "email": format!("first{n}@example.com"), "password": PASSWORD, "name": "First", "workspace_name": format!("W{n}"),
        })
    };
    let (a, b) = tokio::join!(app.try_signup(body(1)), app.try_signup(body(2)));
    let mut statuses = [a.1.status.as_u16(), b.1.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 403], "{}\n{}", a.1.text, b.1.text);
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM users", &[]).await, 1);
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM workspaces", &[]).await,
        1
    );
}
both!(two_first_signups_at_once_make_one_owner);

async fn a_burst_of_parallel_guesses_is_throttled_too(app: TestApp) {
    let owner = app.owner().await;
    // All at once: each must count against the limit before its password is checked, or every
    // request of a burst passes the check while the others are still hashing.
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let browser = app.browser();
        let email = owner.email.clone();
        burst.spawn(async move {
            let body = json!({ "email": email, "password": "wrong password" });
            browser
                .post("/api/v1/auth/login", body)
                .await
                .status
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = burst.join_next().await {
        statuses.push(status.expect("the request task"));
    }
    let guesses = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(guesses <= 3, "{guesses} passwords were tried: {statuses:?}");
    assert_eq!(guesses + throttled, 16, "{statuses:?}");
    // Guessing on one at a time, the burst's and these together stay within the limit.
    let mut later = 0;
    loop {
        let (_, reply) = app.try_login(&owner.email, "wrong again", None).await;
        if reply.status.as_u16() == 429 {
            break;
        }
        reply.err(401, "invalid_credentials");
        later += 1;
        assert!(later <= 3, "the limit never came");
    }
    assert_eq!(guesses + later, 3, "{statuses:?}");
    // Even the right password waits; once the window passes it works.
    let (_, reply) = app.try_login(&owner.email, PASSWORD, None).await;
    reply.err(429, "login_throttled");
    app.execute(
        "UPDATE login_attempts SET at = at - $1",
        &[(15 * 60_000_i64).into()],
    )
    .await;
    app.login(&owner.email, PASSWORD).await;
}
both!(
    a_burst_of_parallel_guesses_is_throttled_too,
    Settings::new().set("login_max_failures_per_account", 3)
);
