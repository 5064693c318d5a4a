//! Request bins on both backends: the API (create, list, get, delete), tenancy, roles and scopes.
//! In `request_bins/`: what a capture records and its limits (`capture`), the live stream, the
//! pages, and retention.

mod capture;
mod pages;
mod retention;
mod stream;

use playgram_testkit::{Client, Settings, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

/// A bin as a test uses it.
pub struct Bin {
    pub id: String,
    /// `/bin/{token}` on the running app.
    pub path: String,
    /// The URL the API gave out (on the configured public URL).
    pub url: String,
}

pub async fn create_bin(client: &Client, name: &str) -> Bin {
    let data = client
        .post("/api/v1/request-bins", json!({ "name": name }))
        .await
        .ok_with(201);
    let url = data["url"].as_str().expect("a url").to_owned();
    let path = reqwest::Url::parse(&url).expect("a URL").path().to_owned();
    Bin {
        id: data["id"].as_str().expect("an id").to_owned(),
        path,
        url,
    }
}

/// Sends a request to a capture URL from a script with no cookies; returns the `capture_id`.
pub async fn capture(app: &TestApp, builder: reqwest::RequestBuilder) -> String {
    let reply = app.bare().send(builder).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    let ack: Value = serde_json::from_str(&reply.text).expect("JSON");
    assert_eq!(ack["ok"], true, "{ack}");
    ack["capture_id"].as_str().expect("a capture id").to_owned()
}

pub async fn captures_of(client: &Client, bin: &Bin) -> Vec<Value> {
    let data = client
        .get(&format!(
            "/api/v1/request-bins/{}/captures?limit=200",
            bin.id
        ))
        .await
        .ok();
    data.as_array().expect("a list").clone()
}

async fn bins_are_created_listed_read_and_deleted(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let first = create_bin(api, "  Staging webhooks ").await;
    let token = first.path.strip_prefix("/bin/").unwrap();
    assert!(token.len() >= 32, "{token}");
    assert!(first.id.starts_with("bin_"));
    let shown = api
        .get(&format!("/api/v1/request-bins/{}", first.id))
        .await
        .ok();
    assert_eq!(shown["name"], "Staging webhooks");
    assert_eq!(shown["url"], first.url.as_str());
    assert_eq!(shown["capture_count"], 0);
    assert!(shown["last_capture_at"].is_null());

    api.post("/api/v1/request-bins", json!({ "name": " " }))
        .await
        .field_error("name");
    api.post("/api/v1/request-bins", json!({ "name": "x".repeat(101) }))
        .await
        .field_error("name");
    api.post("/api/v1/request-bins", json!({}))
        .await
        .err(422, "validation_failed");

    // Newest first, with counts, paged by cursor.
    let second = create_bin(api, "Second").await;
    let third = create_bin(api, "Third").await;
    capture(
        &app,
        app.bare().request(Method::POST, &second.path).body("hi"),
    )
    .await;
    let page = api.get("/api/v1/request-bins?limit=2").await;
    let data = page.ok();
    let names: Vec<&str> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Third", "Second"]);
    assert_eq!(data[1]["capture_count"], 1);
    assert!(data[1]["last_capture_at"].is_string());
    let cursor = page.envelope()["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(cursor, second.id);
    let rest = api
        .get(&format!("/api/v1/request-bins?limit=2&cursor={cursor}"))
        .await
        .ok();
    assert_eq!(rest.as_array().map(Vec::len), Some(1));
    assert_eq!(rest[0]["id"], first.id.as_str());
    api.get("/api/v1/request-bins?cursor=nope")
        .await
        .err(400, "invalid_cursor");

    // Deleting takes the captures and the URL with it.
    api.delete(&format!("/api/v1/request-bins/{}", second.id))
        .await
        .ok();
    api.get(&format!("/api/v1/request-bins/{}", second.id))
        .await
        .err(404, "not_found");
    api.delete(&format!("/api/v1/request-bins/{}", second.id))
        .await
        .err(404, "not_found");
    app.bare().get(&second.path).await.err(404, "not_found");
    let left = app
        .fetch_i64(
            "SELECT COUNT(*) FROM request_bin_captures WHERE bin_id = $1",
            &[second.id.as_str().into()],
        )
        .await;
    assert_eq!(left, 0);
    assert!(
        api.get(&format!("/api/v1/request-bins/{}", third.id))
            .await
            .status
            .is_success()
    );
    let actions = crate::audit_actions(api).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "request_bin.created")
            .count(),
        3
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "request_bin.deleted")
            .count(),
        1
    );
}
both!(bins_are_created_listed_read_and_deleted);

async fn other_workspaces_bins_are_not_found(app: TestApp) {
    let alpha = app.owner().await;
    let beta = app.signup("beta@example.com", "Beta").await;
    let theirs = create_bin(&beta.browser, "Beta's").await;
    let capture_id = capture(
        &app,
        app.bare().request(Method::POST, &theirs.path).body("x"),
    )
    .await;
    let (_, secret) = app
        .create_api_key(&alpha.browser, &["webhooks:write"])
        .await;
    for client in [alpha.browser.clone(), app.api(&secret)] {
        let base = format!("/api/v1/request-bins/{}", theirs.id);
        client.get(&base).await.err(404, "not_found");
        client
            .get(&format!("{base}/captures"))
            .await
            .err(404, "not_found");
        client
            .get(&format!("{base}/captures/{capture_id}"))
            .await
            .err(404, "not_found");
        client
            .get(&format!("{base}/stream"))
            .await
            .err(404, "not_found");
        client
            .delete(&format!("{base}/captures"))
            .await
            .err(404, "not_found");
        client.delete(&base).await.err(404, "not_found");
        let listed = client.get("/api/v1/request-bins").await.ok();
        assert_eq!(listed.as_array().map(Vec::len), Some(0));
    }
    let page = alpha
        .browser
        .get(&format!("/app/webhooks/bins/{}", theirs.id))
        .await;
    assert_eq!(page.status.as_u16(), 404);
    let form = alpha.browser.request(
        Method::POST,
        &format!("/app/webhooks/bins/{}/delete", theirs.id),
    );
    assert_eq!(alpha.browser.send(form).await.status.as_u16(), 404);
    assert_eq!(
        captures_of(&beta.browser, &theirs).await.len(),
        1,
        "nothing changed"
    );
}
both!(
    other_workspaces_bins_are_not_found,
    Settings::new().set("signup_open", true)
);

async fn roles_and_scopes_decide_who_reads_and_who_changes(app: TestApp) {
    let owner = app.owner().await;
    let bin = create_bin(&owner.browser, "Shared").await;
    let base = format!("/api/v1/request-bins/{}", bin.id);
    for role in ["viewer", "agent"] {
        let person = app
            .join_as(&owner, &format!("{role}@example.com"), role)
            .await;
        let api = &person.browser;
        api.get("/api/v1/request-bins").await.err(403, "forbidden");
        api.get(&base).await.err(403, "forbidden");
        api.get(&format!("{base}/captures"))
            .await
            .err(403, "forbidden");
        api.get(&format!("{base}/stream"))
            .await
            .err(403, "forbidden");
        api.post("/api/v1/request-bins", json!({ "name": "no" }))
            .await
            .err(403, "forbidden");
        api.delete(&base).await.err(403, "forbidden");
        assert_eq!(api.get("/app/webhooks/bins").await.status.as_u16(), 403);
        assert_eq!(
            api.get(&format!("/app/webhooks/bins/{}", bin.id))
                .await
                .status
                .as_u16(),
            403
        );
    }
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    let api = &manager.browser;
    api.get("/api/v1/request-bins").await.ok();
    api.get(&base).await.ok();
    api.get(&format!("{base}/captures")).await.ok();
    api.post("/api/v1/request-bins", json!({ "name": "no" }))
        .await
        .err(403, "forbidden");
    api.delete(&format!("{base}/captures"))
        .await
        .err(403, "forbidden");
    api.delete(&base).await.err(403, "forbidden");

    let (_, read) = app.create_api_key(&owner.browser, &["webhooks:read"]).await;
    let (_, write) = app
        .create_api_key(&owner.browser, &["webhooks:write"])
        .await;
    let (_, other) = app.create_api_key(&owner.browser, &["events:read"]).await;
    app.api(&read).get(&base).await.ok();
    app.api(&read)
        .post("/api/v1/request-bins", json!({ "name": "k" }))
        .await
        .err(403, "insufficient_scope");
    app.api(&other)
        .get(&base)
        .await
        .err(403, "insufficient_scope");
    let made = create_bin(&app.api(&write), "By key").await;
    app.api(&write)
        .delete(&format!("/api/v1/request-bins/{}", made.id))
        .await
        .ok();
    app.bare()
        .get("/api/v1/request-bins")
        .await
        .err(401, "unauthenticated");
}
both!(roles_and_scopes_decide_who_reads_and_who_changes);
