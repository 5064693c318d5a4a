//! The tenant boundary, table-driven: every endpoint that takes an id answers 404 `not_found` for
//! another workspace's real id, and changes nothing there. Events stay in their workspace too: in
//! the list, in the live stream and in a resumed one.
//!
//! A new resource joins by adding its rows to [`ENDPOINTS`] (with a placeholder for its id), a field
//! to [`Foreign`] made in [`Foreign::create`], and its list endpoint to [`Foreign::snapshot`].
//! Placeholders are replaced in request bodies too, so a body can name another of Beta's ids (a
//! merge's `other_id`). Ids that travel in bodies and queries into one's own resources (merging a
//! foreign contact into one's own, bulk actions, segments and tags in filters) answer their own
//! refusals rather than 404: `contacts.rs` checks those.

mod contacts;

use std::time::Duration;

use playgram_testkit::{Client, Settings, TestApp, User, both};
use reqwest::Method;
use serde_json::{Value, json};

struct Endpoint {
    method: &'static str,
    /// `{key}`, `{member}`, `{owner}`, `{invite}`, `{job}`, `{workspace}`, `{endpoint}`,
    /// `{message}`, `{contact}`, `{contact2}`, `{visitor}` (an identity's external id), `{tag}`,
    /// `{field}`, `{segment}`, `{import}` or `{export}` is replaced by the other workspace's id (in the body too).
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
    endpoint("GET", "/api/v1/jobs/{job}"),
    endpoint("POST", "/api/v1/jobs/{job}/retry"),
    endpoint("POST", "/api/v1/jobs/{job}/cancel"),
    Endpoint {
        person_only: true,
        ..endpoint("POST", "/api/v1/workspaces/{workspace}/switch")
    },
    endpoint("GET", "/api/v1/webhook-endpoints/{endpoint}"),
    Endpoint {
        body: Some(|| json!({ "description": "taken over" })),
        ..endpoint("PATCH", "/api/v1/webhook-endpoints/{endpoint}")
    },
    endpoint("DELETE", "/api/v1/webhook-endpoints/{endpoint}"),
    endpoint("GET", "/api/v1/webhook-endpoints/{endpoint}/secret"),
    endpoint("POST", "/api/v1/webhook-endpoints/{endpoint}/secret/rotate"),
    Endpoint {
        body: Some(|| json!({ "event_type": "member.joined" })),
        ..endpoint("POST", "/api/v1/webhook-endpoints/{endpoint}/test")
    },
    Endpoint {
        body: Some(|| json!({ "since": "2020-01-01T00:00:00Z" })),
        ..endpoint("POST", "/api/v1/webhook-endpoints/{endpoint}/recover")
    },
    endpoint("GET", "/api/v1/webhook-messages/{message}"),
    endpoint("POST", "/api/v1/webhook-messages/{message}/resend"),
    endpoint("GET", "/api/v1/contacts/{contact}"),
    Endpoint {
        body: Some(|| json!({ "name": "taken over" })),
        ..endpoint("PATCH", "/api/v1/contacts/{contact}")
    },
    endpoint("DELETE", "/api/v1/contacts/{contact}"),
    Endpoint {
        body: Some(|| json!({ "other_id": "{contact2}" })),
        ..endpoint("POST", "/api/v1/contacts/{contact}/merge")
    },
    Endpoint {
        body: Some(|| json!({ "tags": ["Taken over"] })),
        ..endpoint("POST", "/api/v1/contacts/{contact}/tags")
    },
    endpoint("DELETE", "/api/v1/contacts/{contact}/tags/{tag}"),
    Endpoint {
        body: Some(|| json!({ "channel": "website", "external_id": "intruder" })),
        ..endpoint("POST", "/api/v1/contacts/{contact}/identities")
    },
    endpoint(
        "DELETE",
        "/api/v1/contacts/{contact}/identities/website/{visitor}",
    ),
    endpoint("GET", "/api/v1/contacts/{contact}/timeline"),
    endpoint("GET", "/api/v1/contacts/{contact}/history"),
    endpoint("GET", "/api/v1/contacts/{contact}/consents"),
    Endpoint {
        body: Some(|| json!({ "channel": "email", "purpose": "marketing", "status": "opted_out" })),
        ..endpoint("POST", "/api/v1/contacts/{contact}/consents")
    },
    endpoint("GET", "/api/v1/contacts/{contact}/gdpr-export"),
    endpoint("POST", "/api/v1/contacts/{contact}/erase"),
    endpoint(
        "GET",
        "/api/v1/consent/check?channel=email&purpose=marketing&contact_id={contact}",
    ),
    endpoint(
        "GET",
        "/api/v1/consent/check?channel=email&purpose=marketing&identity_channel=website&external_id={visitor}",
    ),
    endpoint("GET", "/api/v1/tags/{tag}"),
    Endpoint {
        body: Some(|| json!({ "name": "taken over" })),
        ..endpoint("PATCH", "/api/v1/tags/{tag}")
    },
    endpoint("DELETE", "/api/v1/tags/{tag}"),
    endpoint("GET", "/api/v1/contact-fields/{field}"),
    Endpoint {
        body: Some(|| json!({ "label": "taken over" })),
        ..endpoint("PATCH", "/api/v1/contact-fields/{field}")
    },
    endpoint("DELETE", "/api/v1/contact-fields/{field}"),
    endpoint("GET", "/api/v1/segments/{segment}"),
    Endpoint {
        body: Some(|| json!({ "name": "taken over" })),
        ..endpoint("PATCH", "/api/v1/segments/{segment}")
    },
    endpoint("DELETE", "/api/v1/segments/{segment}"),
    endpoint("GET", "/api/v1/segments/{segment}/contacts"),
    endpoint("GET", "/api/v1/contact-imports/{import}"),
    Endpoint {
        body: Some(|| json!({ "mapping": { "Name": "name", "Email": "email" } })),
        ..endpoint("POST", "/api/v1/contact-imports/{import}/preview")
    },
    Endpoint {
        body: Some(|| json!({ "mapping": { "Name": "name", "Email": "email" } })),
        ..endpoint("POST", "/api/v1/contact-imports/{import}/start")
    },
    endpoint("POST", "/api/v1/contact-imports/{import}/cancel"),
    endpoint("GET", "/api/v1/contact-imports/{import}/errors"),
    endpoint("GET", "/api/v1/contact-exports/{export}"),
    endpoint("GET", "/api/v1/contact-exports/{export}/download"),
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
        // Scheduled far ahead, so it stays as it is unless someone changes it; and both cancel
        // and retry would apply to it.
        let job = owner
            .browser
            .post(
                "/api/v1/jobs/probe",
                json!({ "run_at": "2099-01-01T00:00:00Z" }),
            )
            .await
            .ok_with(202)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Disabled, so its message (for its own `webhook_endpoint.created`) is recorded as failed
        // and nothing is sent: Beta's lists stay still while the refusals are checked.
        let hook = owner
            .browser
            .post(
                "/api/v1/webhook-endpoints",
                json!({ "url": "https://hooks.example.com/beta", "enabled": false }),
            )
            .await
            .ok_with(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let contacts = contacts::Contacts::create(&owner).await;
        all_events_sequenced(app).await;
        let message = owner.browser.get("/api/v1/webhook-messages").await.ok()[0]["id"]
            .as_str()
            .expect("the endpoint's message")
            .to_owned();
        let ids = vec![
            ("{endpoint}", hook),
            ("{message}", message),
            ("{key}", key),
            ("{member}", member),
            ("{owner}", owner.id.clone()),
            ("{invite}", invite),
            ("{job}", job),
            ("{workspace}", owner.workspace_id.clone()),
            ("{contact}", contacts.contact),
            ("{contact2}", contacts.second),
            ("{visitor}", contacts.visitor),
            ("{tag}", contacts.tag),
            ("{field}", contacts.field),
            ("{segment}", contacts.segment),
            ("{import}", contacts.import),
            ("{export}", contacts.export),
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
            "/api/v1/jobs",
            "/api/v1/events",
            "/api/v1/me",
            "/api/v1/webhook-endpoints",
            "/api/v1/webhook-messages",
            "/api/v1/contacts",
            "/api/v1/tags",
            "/api/v1/contact-fields",
            "/api/v1/segments",
            "/api/v1/contact-tombstones",
            "/api/v1/contact-settings",
            "/api/v1/contact-imports",
            "/api/v1/contact-exports",
            "/api/v1/contacts/{contact}/timeline",
            "/api/v1/contacts/{contact}/history",
            "/api/v1/contacts/{contact}/consents",
            "/api/v1/contacts/{contact2}/timeline",
        ] {
            let path = self.path(list);
            all.insert(list.into(), self.owner.browser.get(&path).await.ok());
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
        let body = endpoint
            .body
            .map(|b| serde_json::from_str(&foreign.path(&b().to_string())).expect("a JSON body"))
            .unwrap_or(Value::Null);
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
        "jobs:write",
        "events:read",
        "webhooks:write",
        "contacts:write",
        "contacts:manage",
        "contacts:export",
        "contacts:settings",
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

/// Waits until the sequencer has numbered every event written so far (lists show only those).
async fn all_events_sequenced(app: &TestApp) {
    for _ in 0..200 {
        let pending = app
            .fetch_i64("SELECT COUNT(*) FROM events WHERE seq IS NULL", &[])
            .await;
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("events were not sequenced within 5 s");
}

/// Opens `GET /api/v1/stream…` as `client`, asserting it is an event stream.
async fn open_stream(client: &Client, path: &str) -> reqwest::Response {
    let response = client
        .request(Method::GET, path)
        .send()
        .await
        .expect("the app answers");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream"),
        "{path}"
    );
    response
}

/// Reads the stream until an event whose data mentions `wanted` has arrived (at most ten seconds);
/// returns every event read, as `(id, event, data)`.
async fn read_until(
    response: &mut reqwest::Response,
    wanted: &str,
) -> Vec<(String, String, Value)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut text = String::new();
    loop {
        if text.contains(wanted) {
            let events = parse_events(&text);
            if events
                .iter()
                .any(|(_, _, data)| data.to_string().contains(wanted))
            {
                return events;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| {
                panic!("no event about {wanted} within 10 s; the stream sent:\n{text}")
            })
            .expect("read the stream")
            .unwrap_or_else(|| panic!("the stream ended before an event about {wanted}:\n{text}"));
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// The complete events in Server-Sent Events text (comments and `retry:` are skipped).
fn parse_events(text: &str) -> Vec<(String, String, Value)> {
    let complete = text.rfind("\n\n").map_or("", |end| &text[..end]);
    let mut events = Vec::new();
    for message in complete.split("\n\n") {
        let field = |name: &str| {
            message
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim_start().to_owned())
        };
        if let (Some(id), Some(event), Some(data)) = (field("id:"), field("event:"), field("data:"))
        {
            let data = serde_json::from_str(&data)
                .unwrap_or_else(|e| panic!("data is not JSON ({e}): {data}"));
            events.push((id, event, data));
        }
    }
    events
}

/// Each event is `id: <seq>`, `event: <type>`, `data: <Event>`, and all of them are `workspace`'s.
fn assert_all_of(events: &[(String, String, Value)], workspace: &str, leaked: &str) {
    for (id, event, data) in events {
        assert_eq!(data["seq"].to_string(), *id, "{data}");
        assert_eq!(data["type"].as_str(), Some(event.as_str()), "{data}");
        assert_eq!(
            data["workspace_id"], workspace,
            "another workspace's event: {data}"
        );
        assert!(!data.to_string().contains(leaked), "{data}");
    }
}

/// Alpha's events never reach Beta: not in `GET /events`, not on Beta's live stream, and not when
/// Beta's stream resumes from the outbox (with a key, through `last_event_id`).
async fn other_workspaces_events_are_not_seen(app: TestApp) {
    let alpha = app.owner().await;
    let beta = app.signup("beta@example.com", "Beta").await;
    let (_, secret) = app.create_api_key(&beta.browser, &["events:read"]).await;
    let mut live = open_stream(&beta.browser, "/api/v1/stream").await;

    // Alpha's event is numbered before Beta's is even written, so the hub broadcasts it first.
    alpha
        .browser
        .post(
            "/api/v1/invites",
            json!({ "email": "alpha-secret@example.com", "role": "agent" }),
        )
        .await
        .ok_with(201);
    all_events_sequenced(&app).await;
    let listed = alpha.browser.get("/api/v1/events").await.ok().to_string();
    assert!(listed.contains("alpha-secret"), "{listed}");
    beta.browser
        .post(
            "/api/v1/invites",
            json!({ "email": "beta-visible@example.com", "role": "agent" }),
        )
        .await
        .ok_with(201);

    let events = read_until(&mut live, "beta-visible").await;
    assert_all_of(&events, &beta.workspace_id, "alpha-secret");

    let mut resumed = open_stream(&app.api(&secret), "/api/v1/stream?last_event_id=0").await;
    let events = read_until(&mut resumed, "beta-visible").await;
    assert_all_of(&events, &beta.workspace_id, "alpha-secret");
    // The resumed stream replayed Beta's earlier events too (the key's own `api_key.created`).
    assert!(
        events
            .iter()
            .any(|(_, event, _)| event == "api_key.created"),
        "{events:?}"
    );

    all_events_sequenced(&app).await;
    let listed = beta.browser.get("/api/v1/events?limit=200").await.ok();
    let listed: Vec<_> = listed.as_array().unwrap().iter().collect();
    assert!(listed.len() >= 2, "{listed:?}");
    for event in listed {
        assert_eq!(event["workspace_id"], beta.workspace_id.as_str(), "{event}");
        assert!(!event.to_string().contains("alpha-secret"), "{event}");
    }
}
both!(
    other_workspaces_events_are_not_seen,
    Settings::new().set("signup_open", true)
);
