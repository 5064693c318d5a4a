//! Password reset through the link in a real (captured) email.

use playgram_testkit::{PASSWORD, TestApp, both, token_of};
use serde_json::json;

use crate::audit_actions;

async fn password_reset_by_emailed_link(app: TestApp) {
    let owner = app.owner().await;
    let stranger = app.bare();
    stranger
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "OWNER@example.com" }),
        )
        .await
        .ok_with(202);
    // An unknown address gets the same answer and no email.
    stranger
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": "nobody@example.com" }),
        )
        .await
        .ok_with(202);
    assert!(app.mail.to("nobody@example.com").is_empty());

    let mail = app.mail.last_to("owner@example.com").await;
    assert!(mail.subject.contains("Reset"), "{}", mail.subject);
    let link = mail.link("/password-reset/");
    assert!(
        link.starts_with("http://playgram.test/password-reset/"),
        "{link}"
    );
    let token = token_of(&link);

    let new_password = "a brand new passphrase";
    stranger
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": token, "password": "short" }),
        )
        .await
        .field_error("password");
    stranger
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": token, "password": new_password }),
        )
        .await
        .ok();

    // Every old session ended; only the new password works.
    owner
        .browser
        .get("/api/v1/me")
        .await
        .err(401, "unauthenticated");
    app.try_login(&owner.email, PASSWORD, None)
        .await
        .1
        .err(401, "invalid_credentials");
    let again = app.login(&owner.email, new_password).await;

    // The link works once.
    stranger
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": token, "password": "yet another passphrase" }),
        )
        .await
        .err(410, "reset_link_invalid");
    let actions = audit_actions(&again.browser).await;
    for action in ["password.reset_requested", "password.reset"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}
both!(password_reset_by_emailed_link);

async fn expired_reset_link_is_refused(app: TestApp) {
    let owner = app.owner().await;
    app.bare()
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": owner.email }),
        )
        .await
        .ok_with(202);
    let token = token_of(
        &app.mail
            .last_to(&owner.email)
            .await
            .link("/password-reset/"),
    );
    app.execute(
        "UPDATE password_resets SET expires_at = $1",
        &[(crate::now_ms() - 1).into()],
    )
    .await;
    app.bare()
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": token, "password": "a brand new passphrase" }),
        )
        .await
        .err(410, "reset_link_invalid");
    owner.browser.get("/api/v1/me").await.ok();
}
both!(expired_reset_link_is_refused);

async fn a_reset_retires_every_other_link_and_requests_are_limited(app: TestApp) {
    let owner = app.owner().await;
    let stranger = app.bare();
    let ask = || async {
        stranger
            .post(
                "/api/v1/auth/password-reset",
                json!({ "email": owner.email }),
            )
            .await
            .ok_with(202);
    };
    ask().await;
    let first = token_of(
        &app.mail
            .last_to(&owner.email)
            .await
            .link("/password-reset/"),
    );
    ask().await;
    while app.mail.to(&owner.email).len() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let second = token_of(&app.mail.to(&owner.email)[1].link("/password-reset/"));
    assert_ne!(first, second);
    stranger
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": second, "password": "a brand new passphrase" }),
        )
        .await
        .ok();
    // The earlier link stopped working with the reset.
    stranger
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({ "token": first, "password": "an attacker's passphrase" }),
        )
        .await
        .err(410, "reset_link_invalid");

    // Three links an hour at most: the third goes out, later requests answer the same but send nothing.
    ask().await;
    app.mail.last_to(&owner.email).await;
    ask().await;
    ask().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mail.to(&owner.email).len(),
        3,
        "three links in the hour, no more"
    );
}
both!(a_reset_retires_every_other_link_and_requests_are_limited);
