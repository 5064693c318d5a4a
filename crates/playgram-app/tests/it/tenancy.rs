//! The tenant boundary, table-driven: every endpoint that takes an id answers 404 `not_found` for
//! another workspace's real id, and changes nothing there.
//!
//! A new resource joins by adding its rows to [`ENDPOINTS`] (with a placeholder for its id), a field
//! to [`Foreign`] made in [`Foreign::create`], and its list endpoint to [`Foreign::snapshot`].

use playgram_testkit::{Client, Settings, TestApp, User, both};
use reqwest::Method;
use serde_json::{Value, json};

struct Endpoint {
    method: &'static str,
    /// `{key}`, `{member}`, `{invite}` or `{workspace}` is replaced by the other workspace's id.
    path: &'static str,
    body: Option<fn() -> Value>,
    /// Only a signed-in person may call it (an API key gets 403 before any lookup).
    person_only: bool,
}

const fn endpoint(method: &'static str, path: &'static str) -> Endpoint {
    Endpoint {
        method,
        path,
        body: None,
        person_only: false,
    }
}

const ENDPOINTS: &[Endpoint] = &[
    endpoint("GET", "/api/v1/api-keys/{key}"),
    endpoint("DELETE", "/api/v1/api-keys/{key}"),
    endpoint("POST", "/api/v1/api-keys/{key}/rotate"),
    Endpoint {
        body: Some(|| json!({ "role": "viewer" })),
        ..endpoint("PATCH", "/api/v1/members/{member}")
    },
    endpoint("DELETE", "/api/v1/members/{member}"),
    Endpoint {
        body: Some(|| json!({ "role": "viewer" })),
        ..endpoint("PATCH", "/api/v1/members/{owner}")
    },
    endpoint("DELETE", "/api/v1/members/{owner}"),
    endpoint("DELETE", "/api/v1/invites/{invite}"),
    Endpoint {
        person_only: true,
        ..endpoint("POST", "/api/v1/workspaces/{workspace}/switch")
    },
];

/// Real resources of the other workspace ("Beta"), and its owner to look at them.
struct Foreign {
    owner: User,
    ids: Vec<(&'static str, String)>,
}

impl Foreign {
    async fn create(app: &TestApp) -> Foreign {
        let owner = app.signup("beta@example.com", "Beta").await;
        let (key, _) = app
            .create_api_key(&owner.browser, &["workspace:read"])
            .await;
        let member = app
            .add_member(&owner.workspace_id, "beta-agent@example.com", "agent")
            .await;
        let invite = owner
            .browser
            .post(
                "/api/v1/invites",
                json!({ "email": "beta-invitee@example.com", "role": "agent" }),
            )
            .await
            .ok_with(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let ids = vec![
            ("{key}", key),
            ("{member}", member),
            ("{owner}", owner.id.clone()),
            ("{invite}", invite),
            ("{workspace}", owner.workspace_id.clone()),
        ];
        Foreign { owner, ids }
    }

    fn path(&self, template: &str) -> String {
        self.ids
            .iter()
            .fold(template.to_owned(), |path, (placeholder, id)| {
                path.replace(placeholder, id)
            })
    }

    /// Everything Beta's owner can see of Beta; any change by another workspace shows here.
    async fn snapshot(&self) -> Value {
        let mut all = serde_json::Map::new();
        for list in [
            "/api/v1/members",
            "/api/v1/invites",
            "/api/v1/api-keys",
            "/api/v1/audit-log",
            "/api/v1/me",
        ] {
            all.insert(list.into(), self.owner.browser.get(list).await.ok());
        }
        Value::Object(all)
    }
}

async fn check_refusals(foreign: &Foreign, actor: &Client, is_key: bool) {
    for endpoint in ENDPOINTS {
        if is_key && endpoint.person_only {
            continue;
        }
        let method = Method::from_bytes(endpoint.method.as_bytes()).expect("an HTTP method");
        let before = foreign.snapshot().await;
        let path = foreign.path(endpoint.path);
        let body = endpoint.body.map(|b| b()).unwrap_or(Value::Null);
        let reply = actor.call(method.clone(), &path, body.clone()).await;
        assert_eq!(
            (
                reply.status.as_u16(),
                reply.envelope()["error"]["code"].as_str()
            ),
            (404, Some("not_found")),
            "{} {} as {}: {}",
            endpoint.method,
            endpoint.path,
            if is_key { "API key" } else { "person" },
            reply.text
        );
        assert_eq!(
            foreign.snapshot().await,
            before,
            "{} {} changed Beta",
            endpoint.method,
            endpoint.path
        );
        // A malformed id is not found either (never a 400 or 500).
        let malformed = endpoint
            .path
            .split('{')
            .next()
            .unwrap_or_default()
            .to_owned()
            + "nope";
        let malformed = endpoint.path.find('}').map_or(malformed.clone(), |end| {
            malformed + &endpoint.path[end + 1..]
        });
        let reply = actor.call(method, &malformed, body).await;
        reply.err(404, "not_found");
    }
}

async fn other_workspaces_ids_are_not_found(app: TestApp) {
    let alpha = app.owner().await;
    let foreign = Foreign::create(&app).await;
    // The ids are real: Beta's owner sees every one of them.
    let snapshot = foreign.snapshot().await.to_string();
    for (placeholder, id) in &foreign.ids {
        assert!(
            snapshot.contains(id.as_str()),
            "{placeholder} {id} is not a real id of Beta"
        );
    }
    check_refusals(&foreign, &alpha.browser, false).await;

    let every_scope = [
        "workspace:read",
        "members:write",
        "api_keys:write",
        "audit:read",
    ];
    let (_, secret) = app.create_api_key(&alpha.browser, &every_scope).await;
    check_refusals(&foreign, &app.api(&secret), true).await;

    // Alpha's own view never shows Beta.
    let workspaces = alpha.browser.get("/api/v1/workspaces").await.ok();
    assert_eq!(workspaces.as_array().map(Vec::len), Some(1));
    let listed = app.api(&secret).get("/api/v1/workspaces").await.ok();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], alpha.workspace_id.as_str());
    let audit = alpha.browser.get("/api/v1/audit-log?limit=200").await.text;
    assert!(
        !audit.contains("beta"),
        "Beta's events stay in Beta: {audit}"
    );
}
both!(
    other_workspaces_ids_are_not_found,
    Settings::new().set("signup_open", true)
);
