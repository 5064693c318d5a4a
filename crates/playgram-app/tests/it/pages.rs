//! The dashboard's pages on both backends: every page renders, redirects go where they should, and
//! one form post per area works. (The browser test in e2e/ clicks through them on SQLite; this
//! catches a page whose SQL only one backend accepts.)

use playgram_testkit::{TestApp, both, token_of};
use reqwest::Method;
use serde_json::json;

/// Every page a signed-in owner can open from the navigation.
const SIGNED_IN_PAGES: &[&str] = &[
    "/app",
    "/app/team",
    "/app/api-keys",
    "/app/audit-log",
    "/app/account",
    "/app/workspaces",
    "/app/inbox",
    "/app/contacts",
    "/app/contacts/new",
    "/app/contacts/tags",
    "/app/contacts/fields",
    "/app/contacts/settings",
    "/app/contacts/imports",
    "/app/contacts/exports",
    "/app/publishing",
    "/app/qr",
    "/app/bookings",
    "/app/ai",
    "/app/webhooks",
    "/app/jobs",
    "/app/events",
    "/app/shop",
    "/app/analytics",
    "/app/tools",
];

async fn pages_render_on_every_backend(app: TestApp) {
    let visitor = app.bare();
    let root = visitor.get("/").await;
    assert_eq!(
        (root.status.as_u16(), root.header("location")),
        (303, Some("/signup")),
        "a new server asks for the first account"
    );
    for page in ["/signup", "/login", "/password-reset"] {
        let reply = visitor.get(page).await;
        assert_eq!(reply.status.as_u16(), 200, "{page}: {}", reply.text);
        assert!(reply.text.contains("<html"), "{page} is a page");
    }
    let redirect = visitor.get("/app/team").await;
    assert_eq!(
        redirect.status.as_u16(),
        303,
        "signed out: to the login page"
    );
    assert!(
        redirect
            .header("location")
            .is_some_and(|l| l.starts_with("/login?next="))
    );

    let owner = app.owner().await;
    let root = owner.browser.get("/").await;
    assert_eq!(root.header("location"), Some("/app"));
    for page in SIGNED_IN_PAGES {
        let reply = owner.browser.get(page).await;
        assert_eq!(reply.status.as_u16(), 200, "{page}: {}", reply.text);
    }

    // A page form: invite someone from the team page; the link is shown and opens for a visitor.
    let form = owner
        .browser
        .request(Method::POST, "/app/team/invites")
        .form(&[("email", "mia@example.com"), ("role", "agent")]);
    let invited = owner.browser.send(form).await;
    assert_eq!(invited.status.as_u16(), 303, "{}", invited.text);
    let link = app.mail.last_to("mia@example.com").await.link("/invite/");
    let team = owner.browser.get("/app/team").await;
    assert!(
        team.text.contains(&token_of(&link)),
        "the accept link is shown to the inviter after the redirect"
    );
    let again = owner.browser.get("/app/team").await;
    assert!(!again.text.contains(&token_of(&link)), "and only once");
    let invite_page = visitor.get(&format!("/invite/{}", token_of(&link))).await;
    assert_eq!(invite_page.status.as_u16(), 200, "{}", invite_page.text);
    assert!(
        invite_page.text.contains("mia@example.com"),
        "the invited address is prefilled"
    );

    // The reset page checks its token in the database before showing the form.
    visitor
        .post(
            "/api/v1/auth/password-reset",
            json!({ "email": owner.email }),
        )
        .await
        .ok_with(202);
    let reset = app
        .mail
        .last_to(&owner.email)
        .await
        .link("/password-reset/");
    let reset_page = visitor
        .get(&format!("/password-reset/{}", token_of(&reset)))
        .await;
    assert_eq!(reset_page.status.as_u16(), 200, "{}", reset_page.text);
    let bogus = visitor.get("/password-reset/not-a-real-token").await;
    assert_eq!(bogus.status.as_u16(), 410, "{}", bogus.text);
}
both!(pages_render_on_every_backend);

async fn login_with_an_unusual_next_lands_safely(app: TestApp) {
    let owner = app.owner().await;
    // A `next` that is no valid `Location` (non-ASCII) or that leaves the site goes to /app.
    for next in [
        "/é",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let browser = app.browser();
        let form = browser.request(Method::POST, "/login").form(&[
            ("email", owner.email.as_str()),
            ("password", owner.password.as_str()),
            ("next", next),
        ]);
        let reply = browser.send(form).await;
        assert_eq!(reply.status.as_u16(), 303, "{next}: {}", reply.text);
        assert_eq!(reply.header("location"), Some("/app"), "{next}");
    }
}
both!(login_with_an_unusual_next_lands_safely);

async fn a_new_key_secret_is_shown_once_and_a_refresh_repeats_nothing(app: TestApp) {
    let owner = app.owner().await;
    let create = owner.browser.request(Method::POST, "/app/api-keys").form(&[
        ("name", "Website sync"),
        ("scopes", "workspace:read"),
        ("scopes", "audit:read"),
        ("expires_at", ""),
    ]);
    let posted = owner.browser.send(create).await;
    assert_eq!(
        (posted.status.as_u16(), posted.header("location")),
        (303, Some("/app/api-keys")),
        "{}",
        posted.text
    );
    assert!(
        !posted.text.contains("pgk_"),
        "no secret in the post's answer"
    );

    // Another page does not take the message meant for the keys page.
    owner.browser.get("/app/account").await;
    owner.browser.get("/app/team").await;
    let shown = owner.browser.get("/app/api-keys").await;
    let secret = shown_secret(&shown.text).expect("the secret is shown");
    app.api(&secret).get("/api/v1/me").await.ok();
    // A refresh (another GET) shows it no more, and nothing was created twice.
    let again = owner.browser.get("/app/api-keys").await;
    assert!(!again.text.contains(&secret));
    let keys = owner.browser.get("/api/v1/api-keys").await.ok();
    assert_eq!(keys.as_array().map(Vec::len), Some(1));

    // Rotation works the same way, and the sealed message is not readable in the database.
    let id = keys[0]["id"].as_str().unwrap().to_owned();
    let rotate = owner
        .browser
        .request(Method::POST, &format!("/app/api-keys/{id}/rotate"));
    assert_eq!(owner.browser.send(rotate).await.status.as_u16(), 303);
    let stored = app
        .fetch_text("SELECT body FROM session_flashes", &[])
        .await
        .expect("a waiting message");
    assert!(!stored.contains("pgk_"), "the waiting secret is sealed");
    let rotated = owner.browser.get("/app/api-keys").await;
    let new_secret = shown_secret(&rotated.text).expect("the new secret is shown");
    assert_ne!(new_secret, secret);
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM session_flashes", &[])
            .await,
        0
    );
}
both!(a_new_key_secret_is_shown_once_and_a_refresh_repeats_nothing);

/// The secret in the page's `#key-secret` element, if the page shows one.
fn shown_secret(html: &str) -> Option<String> {
    let after = html.split("id=\"key-secret\"").nth(1)?;
    let text = after.split_once('>')?.1.split('<').next()?.trim();
    text.starts_with("pgk_").then(|| text.to_owned())
}
