//! The Webhooks pages on both backends: the empty list, adding an endpoint with the form (its
//! secret shown once; a bad URL re-rendered with the field error, nothing created), the endpoint
//! page with a delivered message and its log filters, the message page, every action form
//! (resend, test, rotate, reveal, settings, disable, recover, delete) with its one-time message,
//! and who may see and do what (managers read, viewers are refused, other workspaces get 404).

use std::time::Duration;

use playgram_testkit::{Receiver, TestApp, User, both};
use reqwest::Method;
use serde_json::json;

use super::webhooks::{
    api_key_endpoint, create_endpoint, emit_event, message_in, messages_of, settings,
};
use crate::jobs::eventually;

const WAIT: Duration = Duration::from_secs(20);

/// Posts a page form as `user`'s browser; returns the redirect target.
async fn post_form(user: &User, path: &str, fields: &[(&str, &str)]) -> String {
    let request = user.browser.request(Method::POST, path).form(fields);
    let reply = user.browser.send(request).await;
    assert_eq!(reply.status.as_u16(), 303, "{path}: {}", reply.text);
    reply.header("location").unwrap_or_default().to_owned()
}

/// Posts a page form and returns the status it answered with (for refusals).
async fn post_status(user: &User, path: &str, fields: &[(&str, &str)]) -> u16 {
    let request = user.browser.request(Method::POST, path).form(fields);
    user.browser.send(request).await.status.as_u16()
}

/// Opens a page that must render.
async fn page(user: &User, path: &str) -> String {
    let reply = user.browser.get(path).await;
    assert_eq!(reply.status.as_u16(), 200, "{path}: {}", reply.text);
    reply.text
}

/// An endpoint for `api_key.created` at a fresh receiver, and one delivered message to it.
async fn delivered_endpoint(app: &TestApp, owner: &User) -> (Receiver, String, String) {
    let receiver = Receiver::start().await;
    let api = &owner.browser;
    let endpoint = create_endpoint(api, api_key_endpoint(&receiver.url("/hook"))).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    emit_event(app, api).await;
    receiver.wait_for(1, WAIT).await;
    let messages = eventually("a message", WAIT, || async {
        Some(messages_of(api, &id).await).filter(|m| !m.is_empty())
    })
    .await;
    let message = messages[0]["id"].as_str().unwrap().to_owned();
    message_in(api, &message, "delivered").await;
    // The delivery's job finishes a moment after its message reads delivered; a resend before
    // then is refused as "being delivered right now".
    eventually("the delivery job to finish", WAIT, || async {
        let unfinished = app
            .fetch_i64(
                "SELECT COUNT(*) FROM jobs WHERE name = 'webhooks.deliver' AND state IN ('scheduled', 'ready', 'running')",
                &[],
            )
            .await;
        (unfinished == 0).then_some(())
    })
    .await;
    (receiver, id, message)
}

async fn the_form_adds_an_endpoint_and_shows_its_secret_once(app: TestApp) {
    let owner = app.owner().await;
    let empty = page(&owner, "/app/webhooks").await;
    assert!(empty.contains("No endpoints yet."), "{empty}");
    assert!(
        empty.contains("href=\"/app/webhooks/bins\""),
        "request bins are linked"
    );
    assert!(empty.contains("Add endpoint</button>"));
    assert!(
        !empty.contains("Coming soon"),
        "the real page, not the roadmap's"
    );

    // A bad URL and no event type chosen: both said beside their fields, nothing created.
    let request = owner.browser.request(Method::POST, "/app/webhooks").form(&[
        ("url", "ftp://example.com/hook"),
        ("description", "CRM sync"),
        ("events", "some"),
        ("max_in_flight", "20"),
    ]);
    let refused = owner.browser.send(request).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        refused.text.contains("id=\"ep-new-url-error\""),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("id=\"ep-new-event_types-error\""));
    assert!(
        refused.text.contains("value=\"CRM sync\""),
        "what was typed is kept"
    );
    let listed = owner.browser.get("/api/v1/webhook-endpoints").await.ok();
    assert_eq!(listed, json!([]));

    let receiver = Receiver::start().await;
    let url = receiver.url("/hook");
    let to = post_form(
        &owner,
        "/app/webhooks",
        &[
            ("url", url.as_str()),
            ("description", "CRM sync"),
            ("events", "some"),
            ("event_types", "api_key.created"),
            ("event_types", "member.*"),
            ("filter", ""),
            ("rate_limit", ""),
            ("max_in_flight", "5"),
            ("headers", "X-Team: blue"),
        ],
    )
    .await;
    assert_eq!(to, "/app/webhooks");
    let listed = owner.browser.get("/api/v1/webhook-endpoints").await.ok();
    let endpoint = &listed[0];
    let id = endpoint["id"].as_str().unwrap();
    assert_eq!(
        endpoint["event_types"],
        json!(["api_key.created", "member.*"])
    );
    assert_eq!(endpoint["headers"]["x-team"], "blue");
    assert_eq!(endpoint["max_in_flight"], 5);
    let secret = owner
        .browser
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"))
        .await
        .ok()["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let shown = page(&owner, "/app/webhooks").await;
    assert!(shown.contains(&secret), "the new secret is shown: {shown}");
    assert!(shown.contains(&format!("href=\"/app/webhooks/{id}\"")));
    assert!(shown.contains("CRM sync") && shown.contains("member.*"));
    assert!(shown.contains("No messages in 24 h"));
    let again = page(&owner, "/app/webhooks").await;
    assert!(!again.contains(&secret), "and only once");
    assert!(again.contains(&url), "the endpoint stays listed");
    let actions = crate::audit_actions(&owner.browser).await;
    assert!(actions.iter().any(|a| a == "webhook_endpoint.created"));
}
both!(
    the_form_adds_an_endpoint_and_shows_its_secret_once,
    settings()
);

async fn the_endpoint_page_shows_settings_and_the_delivery_log(app: TestApp) {
    let owner = app.owner().await;
    let (receiver, id, message) = delivered_endpoint(&app, &owner).await;
    let list = page(&owner, "/app/webhooks").await;
    assert!(list.contains("1 delivered"), "the day's health: {list}");

    let detail = page(&owner, &format!("/app/webhooks/{id}")).await;
    assert!(
        detail.contains(&format!("value=\"{}\"", receiver.url("/hook"))),
        "the settings form"
    );
    assert!(detail.contains(&format!("href=\"/app/webhooks/messages/{message}\"")));
    assert!(detail.contains("wh-status-delivered"));
    assert!(detail.contains("HTTP 200"));
    assert!(
        detail.contains("Messages of the last 24 hours: 1 delivered"),
        "the chart"
    );

    let base = format!("/app/webhooks/{id}");
    let failed = page(&owner, &format!("{base}?status=failed")).await;
    assert!(
        failed.contains("No message matches these filters."),
        "{failed}"
    );
    let found = page(&owner, &format!("{base}?q={message}")).await;
    assert!(found.contains(&format!("/app/webhooks/messages/{message}")));
    let later = page(&owner, &format!("{base}?since=2999-01-01T00:00")).await;
    assert!(later.contains("No message matches these filters."));
    let typed = page(&owner, &format!("{base}?event_type=member.joined")).await;
    assert!(typed.contains("No message matches these filters."));
    let lost = owner.browser.get(&format!("{base}?status=lost")).await;
    assert_eq!(lost.status.as_u16(), 400);

    let shown = page(&owner, &format!("/app/webhooks/messages/{message}")).await;
    assert!(shown.contains("Attempt 1"), "{shown}");
    assert!(shown.contains("webhook-signature"), "the request headers");
    assert!(shown.contains("api_key.created"));
    assert!(shown.contains("Resend</button>"));
}
both!(
    the_endpoint_page_shows_settings_and_the_delivery_log,
    settings()
);

async fn the_action_forms_work_and_say_so(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let (receiver, id, message) = delivered_endpoint(&app, &owner).await;
    let here = format!("/app/webhooks/{id}");

    // Resend: the same message goes out again.
    let to = post_form(
        &owner,
        &format!("/app/webhooks/messages/{message}/resend"),
        &[],
    )
    .await;
    assert_eq!(to, format!("/app/webhooks/messages/{message}"));
    assert!(
        page(&owner, &to)
            .await
            .contains("Sent again with the same webhook-id.")
    );
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(got[1].header("webhook-id"), Some(message.as_str()));

    // Test send: a new message, opened with its outcome to come.
    let to = post_form(
        &owner,
        &format!("{here}/test"),
        &[("event_type", "member.joined")],
    )
    .await;
    assert!(to.starts_with("/app/webhooks/messages/msg_"), "{to}");
    assert!(
        page(&owner, &to)
            .await
            .contains("A test “member.joined” is on its way")
    );
    let got = receiver.wait_for(3, WAIT).await;
    assert_eq!(got[2].json()["type"], "member.joined");

    // Rotate, then reveal: each shows the current secret once.
    let to = post_form(&owner, &format!("{here}/rotate"), &[("overlap_hours", "2")]).await;
    assert_eq!(to, here);
    let rotated = page(&owner, &here).await;
    let secret = api
        .get(&format!("/api/v1/webhook-endpoints/{id}/secret"))
        .await
        .ok()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        rotated.contains("New signing secret") && rotated.contains(&secret),
        "{rotated}"
    );
    assert!(rotated.contains("keeps signing deliveries too until"));
    post_form(&owner, &format!("{here}/secret"), &[]).await;
    assert!(page(&owner, &here).await.contains(&secret));
    assert!(!page(&owner, &here).await.contains(&secret), "shown once");
    let to = post_form(
        &owner,
        &format!("{here}/rotate"),
        &[("overlap_hours", "999")],
    )
    .await;
    assert!(page(&owner, &to).await.contains("Use 0 to 168 hours."));

    // Settings: saved, or shown again with the field error and nothing changed.
    let url = receiver.url("/hook");
    let fields = |headers: &'static str| {
        vec![
            ("url", url.clone()),
            ("description", "Renamed".to_owned()),
            ("events", "all".to_owned()),
            ("max_in_flight", "7".to_owned()),
            ("headers", headers.to_owned()),
        ]
    };
    let request = api
        .request(Method::POST, &format!("{here}/settings"))
        .form(&fields("no colon"));
    let refused = api.send(request).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        refused.text.contains("id=\"ep-headers-error\""),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("value=\"Renamed\""));
    let stored = api
        .get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .ok();
    assert_eq!(stored["description"], "");
    let request = api
        .request(Method::POST, &format!("{here}/settings"))
        .form(&fields("X-A: 1"));
    let saved = api.send(request).await;
    assert_eq!(saved.status.as_u16(), 303, "{}", saved.text);
    assert!(page(&owner, &here).await.contains("Settings saved."));
    let stored = api
        .get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .ok();
    assert_eq!(stored["description"], "Renamed");
    assert_eq!(stored["event_types"], json!(null));
    assert_eq!(stored["max_in_flight"], 7);

    // Disable: said on the page; sending is refused with why; an event meanwhile fails unsent.
    post_form(&owner, &format!("{here}/enabled"), &[("enabled", "false")]).await;
    let disabled = page(&owner, &here).await;
    assert!(disabled.contains("Disabled: nothing is sent"), "{disabled}");
    assert!(disabled.contains("Disabled by hand"));
    let to = post_form(
        &owner,
        &format!("{here}/test"),
        &[("event_type", "member.joined")],
    )
    .await;
    assert_eq!(to, here);
    assert!(page(&owner, &here).await.contains("enable it first"));
    emit_event(&app, api).await;
    eventually("a message failed unsent", WAIT, || async {
        messages_of(api, &id)
            .await
            .iter()
            .any(|m| m["status"] == "failed")
            .then_some(())
    })
    .await;

    // Enable and recover since an hour ago: the failed message goes out.
    post_form(&owner, &format!("{here}/enabled"), &[("enabled", "true")]).await;
    assert!(
        page(&owner, &here)
            .await
            .contains("Enabled: new events are delivered again.")
    );
    let since = (chrono::Utc::now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    post_form(
        &owner,
        &format!("{here}/recover"),
        &[("since", since.as_str())],
    )
    .await;
    assert!(
        page(&owner, &here)
            .await
            .contains("1 failed message is queued to be sent again.")
    );
    receiver.wait_for(4, WAIT).await;
    let to = post_form(&owner, &format!("{here}/recover"), &[("since", "soon")]).await;
    assert!(page(&owner, &to).await.contains("Enter the start like"));

    // Delete: back to the list, which says so.
    let to = post_form(&owner, &format!("{here}/delete"), &[]).await;
    assert_eq!(to, "/app/webhooks");
    assert!(
        page(&owner, &to)
            .await
            .contains("is deleted with its delivery log")
    );
    api.get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .err(404, "not_found");

    let actions = crate::audit_actions(api).await;
    for action in [
        "webhook_message.resent",
        "webhook_endpoint.tested",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.secret_viewed",
        "webhook_endpoint.updated",
        "webhook_endpoint.recovered",
        "webhook_endpoint.deleted",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}
both!(the_action_forms_work_and_say_so, settings());

async fn managers_read_viewers_are_refused_other_workspaces_see_nothing(app: TestApp) {
    let owner = app.owner().await;
    let (_receiver, id, message) = delivered_endpoint(&app, &owner).await;
    let here = format!("/app/webhooks/{id}");

    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    let list = page(&manager, "/app/webhooks").await;
    assert!(list.contains(&format!("href=\"{here}\"")));
    assert!(!list.contains("Add endpoint</button>"));
    assert!(list.contains("can see endpoints and their delivery logs"));
    let detail = page(&manager, &here).await;
    assert!(detail.contains(&message), "the log is readable");
    for form in [
        "/settings",
        "/rotate",
        "/secret",
        "/test",
        "/recover",
        "/delete",
        "/enabled",
    ] {
        assert!(
            !detail.contains(&format!("action=\"{here}{form}")),
            "{form}"
        );
    }
    assert!(detail.contains("can see this endpoint and its log"));
    let shown = page(&manager, &format!("/app/webhooks/messages/{message}")).await;
    assert!(!shown.contains("Resend</button>"));
    assert_eq!(
        post_status(
            &manager,
            &format!("{here}/test"),
            &[("event_type", "member.joined")]
        )
        .await,
        403
    );
    assert_eq!(
        post_status(
            &manager,
            &format!("/app/webhooks/messages/{message}/resend"),
            &[]
        )
        .await,
        403
    );
    assert_eq!(
        post_status(&manager, "/app/webhooks", &[("url", "https://example.com")]).await,
        403
    );

    for role in ["viewer", "agent"] {
        let person = app
            .join_as(&owner, &format!("{role}@example.com"), role)
            .await;
        for path in [
            "/app/webhooks".to_owned(),
            here.clone(),
            format!("/app/webhooks/messages/{message}"),
        ] {
            let reply = person.browser.get(&path).await;
            assert_eq!(reply.status.as_u16(), 403, "{role} {path}: {}", reply.text);
            assert!(reply.text.contains("Not allowed here"));
        }
        let home = page(&person, "/app").await;
        assert!(
            !home.contains("href=\"/app/webhooks\""),
            "{role} sees no Webhooks link"
        );
    }
    assert!(
        page(&owner, "/app")
            .await
            .contains("href=\"/app/webhooks\"")
    );

    let other = app.signup("other@example.com", "Other").await;
    for path in [here.clone(), format!("/app/webhooks/messages/{message}")] {
        let reply = other.browser.get(&path).await;
        assert_eq!(reply.status.as_u16(), 404, "{path}: {}", reply.text);
    }
    assert_eq!(
        post_status(&other, &format!("{here}/delete"), &[]).await,
        404
    );
    assert_eq!(
        post_status(
            &other,
            &format!("/app/webhooks/messages/{message}/resend"),
            &[]
        )
        .await,
        404
    );
    assert!(
        page(&other, "/app/webhooks")
            .await
            .contains("No endpoints yet.")
    );
    owner
        .browser
        .get(&format!("/api/v1/webhook-endpoints/{id}"))
        .await
        .ok();
}
both!(
    managers_read_viewers_are_refused_other_workspaces_see_nothing,
    settings().set("signup_open", true)
);
