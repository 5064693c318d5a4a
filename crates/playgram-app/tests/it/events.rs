//! Domain events: the Foundation's actions write their events in the same transaction, the
//! events API lists them with sequence numbers, and every event fits its catalog schema. The live
//! stream is tested in `stream`.

mod stream;

use std::time::{Duration, Instant};

use playgram_app::events::catalog::conforms;
use playgram_testkit::{Client, Settings, TestApp, both, token_of};
use reqwest::Method;
use serde_json::{Value, json};

/// A `text/event-stream` response, read incrementally.
pub struct Sse {
    response: reqwest::Response,
    buffer: String,
    closed: bool,
}

/// One SSE frame: an event (`id`, `event`, `data`) or only comments (`: connected`, `: heartbeat`).
#[derive(Clone, Debug, Default)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
    pub comments: Vec<String>,
}

impl Frame {
    pub fn seq(&self) -> i64 {
        self.id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no numeric id in {self:?}"))
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("{e}: {}", self.data))
    }
}

pub enum Next {
    Frame(Frame),
    Timeout,
    Closed,
}

impl Sse {
    /// Opens `GET /api/v1/stream` as `client`, resuming after `last_event_id` when given, and reads
    /// the greeting comment.
    pub async fn open(client: &Client, last_event_id: Option<i64>) -> Sse {
        Self::open_path(client, "/api/v1/stream", last_event_id).await
    }

    /// [`Sse::open`] with a query string.
    pub async fn open_path(client: &Client, path: &str, last_event_id: Option<i64>) -> Sse {
        let mut request = client.request(Method::GET, path);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("open the stream");
        assert_eq!(response.status().as_u16(), 200);
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        let mut sse = Sse {
            response,
            buffer: String::new(),
            closed: false,
        };
        match sse.next(Duration::from_secs(10)).await {
            Next::Frame(frame) => assert_eq!(frame.comments, ["connected"], "{frame:?}"),
            _ => panic!("the stream did not greet"),
        }
        sse
    }

    /// The next frame, waiting at most `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let text: String = self.buffer.drain(..end + 2).collect();
                return Next::Frame(parse_frame(&text));
            }
            if self.closed {
                return Next::Closed;
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return Next::Timeout,
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) | Ok(Err(_)) => self.closed = true,
            }
        }
    }

    /// The next event frame (comments skipped), or a panic after `timeout`.
    pub async fn next_event(&mut self, timeout: Duration) -> Frame {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Next::Frame(frame) if frame.id.is_some() => return frame,
                Next::Frame(_) => {}
                Next::Timeout => panic!("no event within {timeout:?}"),
                Next::Closed => panic!("the stream closed"),
            }
        }
    }

    /// The next event frame after `seq`. A fresh stream (no `Last-Event-ID`) follows the hub from
    /// wherever it is when the stream subscribes, so it may still get events committed a moment
    /// before it opened; tests that want only later ones skip those.
    pub async fn next_event_after(&mut self, seq: i64, timeout: Duration) -> Frame {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self.next_event(left).await;
            if frame.seq() > seq {
                return frame;
            }
        }
    }

    /// Asserts that no event arrives within `wait`.
    pub async fn assert_quiet(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            match self.next(left).await {
                Next::Frame(frame) if frame.id.is_some() => panic!("unexpected event {frame:?}"),
                Next::Frame(_) => {}
                Next::Timeout => return,
                Next::Closed => panic!("the stream closed"),
            }
        }
    }
}

fn parse_frame(text: &str) -> Frame {
    let mut frame = Frame::default();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "" => frame.comments.push(value.to_owned()),
            "id" => frame.id = Some(value.to_owned()),
            "event" => frame.event = Some(value.to_owned()),
            "data" => {
                if !frame.data.is_empty() {
                    frame.data.push('\n');
                }
                frame.data.push_str(value);
            }
            _ => {}
        }
    }
    frame
}

/// The workspace's events as `viewer` lists them, oldest first, waiting until there are `count`
/// (events are listed once the sequencer has numbered them, a moment after the commit).
pub async fn events_of(viewer: &Client, count: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let mut events = viewer
            .get("/api/v1/events?limit=200")
            .await
            .ok()
            .as_array()
            .expect("a list")
            .clone();
        if events.len() >= count {
            events.reverse();
            return events;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} events listed, expected {count}",
            events.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn stored(app: &TestApp, kind: &str) -> i64 {
    app.fetch_i64(
        "SELECT COUNT(*) FROM events WHERE type = $1",
        &[kind.into()],
    )
    .await
}

async fn foundation_actions_emit_their_events_in_the_same_transaction(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let actor = json!({ "type": "user", "id": owner.id });

    // Each action's event is stored by the time the action answers (it committed with it).
    let link = app.invite(&owner, "sam@example.com", "agent").await;
    assert_eq!(stored(&app, "member.invited").await, 1);
    let (_, reply) = app
        .try_signup(json!({
            "email": "sam@example.com", "password": playgram_testkit::PASSWORD, "name": "Sam",
            "invite_token": token_of(&link),
        }))
        .await;
    let sam = reply.ok_with(201)["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(stored(&app, "member.joined").await, 1);

    // Refused actions emit nothing.
    let before = app.fetch_i64("SELECT COUNT(*) FROM events", &[]).await;
    api.post(
        "/api/v1/invites",
        json!({ "email": "x@example.com", "role": "pilot" }),
    )
    .await
    .field_error("role");
    let refused = api
        .patch(
            &format!("/api/v1/members/{sam}"),
            json!({ "role": "pilot" }),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    let last_owner_leaving = api.delete(&format!("/api/v1/members/{}", owner.id)).await;
    assert!(
        last_owner_leaving.status.is_client_error(),
        "{}",
        last_owner_leaving.text
    );
    assert_eq!(
        app.fetch_i64("SELECT COUNT(*) FROM events", &[]).await,
        before,
        "a refused action emitted an event"
    );

    api.patch(
        &format!("/api/v1/members/{sam}"),
        json!({ "role": "manager" }),
    )
    .await
    .ok();
    assert_eq!(stored(&app, "member.role_changed").await, 1);
    api.delete(&format!("/api/v1/members/{sam}")).await.ok();
    assert_eq!(stored(&app, "member.removed").await, 1);
    let (key, _) = app.create_api_key(api, &["events:read"]).await;
    assert_eq!(stored(&app, "api_key.created").await, 1);
    api.post(
        &format!("/api/v1/api-keys/{key}/rotate"),
        json!({ "overlap_hours": 1 }),
    )
    .await
    .ok();
    assert_eq!(stored(&app, "api_key.rotated").await, 1);
    api.delete(&format!("/api/v1/api-keys/{key}")).await.ok();
    assert_eq!(stored(&app, "api_key.revoked").await, 1);

    // Listed in order with their sequence numbers; each fits its schema.
    let catalog = app.bare().get("/api/v1/event-types").await.ok();
    let schema_of = |kind: &str| {
        catalog
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == kind)
            .map(|t| t["schema"].clone())
            .unwrap_or_else(|| panic!("{kind} is not in the catalog"))
    };
    let events = events_of(api, 7).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "member.invited",
            "member.joined",
            "member.role_changed",
            "member.removed",
            "api_key.created",
            "api_key.rotated",
            "api_key.revoked"
        ]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    for event in &events {
        assert_eq!(event["workspace_id"], owner.workspace_id.as_str());
        assert!(event["id"].as_str().unwrap().starts_with("evt_"), "{event}");
        assert!(event["occurred_at"].is_string());
        let kind = event["type"].as_str().unwrap();
        conforms(&schema_of(kind), &event["data"])
            .unwrap_or_else(|e| panic!("{kind} does not fit its schema: {e}\n{event:#}"));
    }
    let data = |i: usize| &events[i]["data"];
    assert_eq!(data(0)["email"], "sam@example.com");
    assert_eq!(data(0)["role"], "agent");
    assert_eq!(data(0)["actor"], actor);
    assert_eq!(data(1)["user_id"], sam.as_str());
    assert_eq!(data(1)["invite_id"], data(0)["invite_id"]);
    assert_eq!(
        (&data(2)["old_role"], &data(2)["new_role"]),
        (&json!("agent"), &json!("manager"))
    );
    assert_eq!(
        (&data(3)["role"], &data(3)["left"]),
        (&json!("manager"), &json!(false))
    );
    for i in 4..7 {
        assert_eq!(data(i)["api_key_id"], key.as_str());
        assert_eq!(data(i)["actor"], actor);
    }
    assert_eq!(data(4)["scopes"], json!(["events:read"]));
    assert!(
        !events.iter().any(|e| e.to_string().contains("pgk_")),
        "a secret in an event"
    );

    // Filtering by type, paging by seq.
    let invited = api.get("/api/v1/events?type=member.invited").await.ok();
    assert_eq!(invited.as_array().map(Vec::len), Some(1));
    api.get("/api/v1/events?type=member.exploded")
        .await
        .err(400, "unknown_event_type");
    let page = api.get("/api/v1/events?limit=3").await;
    let cursor = page.envelope()["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(cursor, seqs[4].to_string());
    let rest = api
        .get(&format!("/api/v1/events?limit=10&cursor={cursor}"))
        .await
        .ok();
    let rest: Vec<i64> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(rest, [seqs[3], seqs[2], seqs[1], seqs[0]]);

    // Another workspace sees none of them.
    let other = app.signup("other@example.com", "Other").await;
    assert_eq!(other.browser.get("/api/v1/events").await.ok(), json!([]));
}
both!(
    foundation_actions_emit_their_events_in_the_same_transaction,
    Settings::new().set("signup_open", true)
);

async fn the_event_catalog_is_public_and_its_examples_fit(app: TestApp) {
    let catalog = app.bare().get("/api/v1/event-types").await.ok();
    let types = catalog.as_array().unwrap();
    let names: Vec<&str> = types.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "api_key.created",
            "api_key.revoked",
            "api_key.rotated",
            "contact.consent_changed",
            "contact.created",
            "contact.deleted",
            "contact.merged",
            "contact.tag_added",
            "contact.tag_removed",
            "contact.updated",
            "contact_import.finished",
            "conversation.created",
            "conversation.updated",
            "member.invited",
            "member.joined",
            "member.removed",
            "member.role_changed",
            "message.created",
            "message.received",
            "message.status_changed",
            "webhook_endpoint.created",
            "webhook_endpoint.deleted",
            "webhook_endpoint.disabled",
        ]
    );
    for entry in types {
        assert!(entry["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(entry["schema"]["type"], "object");
        conforms(&entry["schema"], &entry["example"])
            .unwrap_or_else(|e| panic!("{}: {e}", entry["name"]));
    }
    // Reading events needs a session or a key with events:read.
    app.bare()
        .get("/api/v1/events")
        .await
        .err(401, "unauthenticated");
    let owner = app.owner().await;
    let (_, narrow) = app
        .create_api_key(&owner.browser, &["workspace:read"])
        .await;
    app.api(&narrow)
        .get("/api/v1/events")
        .await
        .err(403, "insufficient_scope");
    let (_, reader) = app.create_api_key(&owner.browser, &["events:read"]).await;
    let listed = app.api(&reader).get("/api/v1/events").await.ok();
    assert!(listed.as_array().is_some());
}
both!(the_event_catalog_is_public_and_its_examples_fit);
