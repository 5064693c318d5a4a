//! Invites by emailed link: joining by sign-up or as an existing person, revoked, used and expired links.

use playgram_testkit::{PASSWORD, Settings, TestApp, both, token_of};
use serde_json::json;

use crate::audit_actions;

fn signup_with(token: &str, email: &str) -> serde_json::Value {
    json!({ "email": email, "password": PASSWORD, "name": "New Person", "invite_token": token })
}

async fn invited_person_signs_up_from_the_email(app: TestApp) {
    let owner = app.owner().await;
    let invite = owner
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "New@Example.com", "role": "agent" }),
        )
        .await
        .ok_with(201);
    assert_eq!(invite["status"], "pending");
    assert_eq!(invite["role"], "agent");
    assert_eq!(invite["email"], "new@example.com");
    assert_eq!(invite["emailed"], true);

    let mail = app.mail.last_to("new@example.com").await;
    assert!(mail.subject.contains("Acme"), "{}", mail.subject);
    let link = mail.link("/invite/");
    assert_eq!(link, invite["accept_url"].as_str().unwrap());

    // Sign-up is closed, but an invite opens it.
    let (browser, joined) = app
        .try_signup(signup_with(&token_of(&link), "new@example.com"))
        .await;
    let joined = joined.ok_with(201);
    assert_eq!(joined["workspace"]["id"], owner.workspace_id.as_str());
    assert_eq!(joined["workspace"]["role"], "agent");
    let me = browser.get("/api/v1/me").await.ok();
    assert_eq!(
        me["workspaces"].as_array().map(Vec::len),
        Some(1),
        "no workspace of their own"
    );

    let members = owner.browser.get("/api/v1/members").await.ok();
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == "new@example.com" && m["role"] == "agent"),
        "{members:#}"
    );
    let invites = owner.browser.get("/api/v1/invites").await.ok();
    assert_eq!(invites[0]["status"], "accepted");

    // The link worked once.
    let (_, again) = app
        .try_signup(signup_with(&token_of(&link), "third@example.com"))
        .await;
    again.err(410, "invite_not_pending");
    let actions = audit_actions(&owner.browser).await;
    for action in ["member.invited", "member.joined"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}
both!(invited_person_signs_up_from_the_email);

async fn existing_person_accepts_an_invite(app: TestApp) {
    let owner = app.owner().await;
    let other = app.signup("other@example.com", "Other Co").await;
    let link = app.invite(&owner, "other@example.com", "manager").await;
    let joined = other
        .browser
        .post(
            "/api/v1/invites/accept",
            json!({ "token": token_of(&link) }),
        )
        .await
        .ok_with(201);
    assert_eq!(joined["id"], owner.workspace_id.as_str());
    assert_eq!(joined["role"], "manager");

    // The session moved to the joined workspace; the switcher lists both.
    let me = other.browser.get("/api/v1/me").await.ok();
    assert_eq!(me["workspace"]["id"], owner.workspace_id.as_str());
    assert_eq!(me["workspaces"].as_array().map(Vec::len), Some(2));
    let switched = other
        .browser
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/{}/switch", other.workspace_id),
            serde_json::Value::Null,
        )
        .await
        .ok();
    assert_eq!(switched["role"], "owner");
    let me = other.browser.get("/api/v1/me").await.ok();
    assert_eq!(me["workspace"]["id"], other.workspace_id.as_str());

    other
        .browser
        .post(
            "/api/v1/invites/accept",
            json!({ "token": token_of(&link) }),
        )
        .await
        .err(410, "invite_not_pending");
    // Accepting needs a signed-in person.
    app.bare()
        .post("/api/v1/invites/accept", json!({ "token": "anything" }))
        .await
        .err(401, "unauthenticated");
}
both!(
    existing_person_accepts_an_invite,
    Settings::new().set("signup_open", true)
);

async fn revoked_and_expired_invites_are_refused(app: TestApp) {
    let owner = app.owner().await;
    let invite = owner
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "gone@example.com", "role": "viewer" }),
        )
        .await
        .ok_with(201);
    let id = invite["id"].as_str().unwrap();
    let token = token_of(invite["accept_url"].as_str().unwrap());
    owner
        .browser
        .delete(&format!("/api/v1/invites/{id}"))
        .await
        .ok();
    owner
        .browser
        .delete(&format!("/api/v1/invites/{id}"))
        .await
        .err(409, "invite_not_pending");
    let invites = owner.browser.get("/api/v1/invites").await.ok();
    assert_eq!(invites[0]["status"], "revoked");
    app.try_signup(signup_with(&token, "gone@example.com"))
        .await
        .1
        .err(410, "invite_not_pending");

    let link = app.invite(&owner, "late@example.com", "viewer").await;
    app.execute(
        "UPDATE invites SET expires_at = $1 WHERE email = $2",
        &[(crate::now_ms() - 1).into(), "late@example.com".into()],
    )
    .await;
    app.try_signup(signup_with(&token_of(&link), "late@example.com"))
        .await
        .1
        .err(410, "invite_not_pending");

    app.try_signup(signup_with("not-a-real-token", "who@example.com"))
        .await
        .1
        .err(404, "invite_not_found");
    assert_eq!(app.fetch_i64("SELECT COUNT(*) FROM users", &[]).await, 1);
}
both!(revoked_and_expired_invites_are_refused);

async fn members_are_not_invited_and_a_new_invite_replaces_the_old(app: TestApp) {
    let owner = app.owner().await;
    let agent = app.join_as(&owner, "agent@example.com", "agent").await;
    for email in [owner.email.as_str(), "AGENT@example.com"] {
        let refused = owner
            .browser
            .post(
                "/api/v1/invites",
                json!({ "email": email, "role": "viewer" }),
            )
            .await;
        refused.err(422, "validation_failed");
        assert!(refused.field_error("email").contains("already a member"));
    }
    drop(agent);

    let first = app.invite(&owner, "mia@example.com", "agent").await;
    let second = app.invite(&owner, "mia@example.com", "manager").await;
    let invites = owner.browser.get("/api/v1/invites").await.ok();
    let statuses: Vec<(&str, &str)> = invites
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["email"] == "mia@example.com")
        .map(|i| (i["role"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [("manager", "pending"), ("agent", "revoked")],
        "newest first"
    );
    app.bare()
        .post(
            "/api/v1/auth/signup",
            signup_with(&token_of(&first), "mia@example.com"),
        )
        .await
        .err(410, "invite_not_pending");
    let joined = app
        .bare()
        .post(
            "/api/v1/auth/signup",
            signup_with(&token_of(&second), "mia@example.com"),
        )
        .await
        .ok_with(201);
    assert_eq!(joined["workspace"]["role"], "manager");
}
both!(members_are_not_invited_and_a_new_invite_replaces_the_old);

async fn managers_cannot_touch_invites_for_higher_roles(app: TestApp) {
    let owner = app.owner().await;
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    owner
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "ada@example.com", "role": "admin" }),
        )
        .await
        .ok_with(201);
    let admin_invite = owner.browser.get("/api/v1/invites").await.ok()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    manager
        .browser
        .delete(&format!("/api/v1/invites/{admin_invite}"))
        .await
        .err(403, "forbidden");
    // Nor replace it by inviting the same address with a lesser role.
    manager
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "ada@example.com", "role": "viewer" }),
        )
        .await
        .err(403, "forbidden");
    assert_eq!(
        owner.browser.get("/api/v1/invites").await.ok()[0]["status"],
        "pending"
    );
}
both!(managers_cannot_touch_invites_for_higher_roles);
