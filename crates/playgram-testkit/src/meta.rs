//! A fake Meta Graph API: the endpoints Playgram calls (send a message, media info and download,
//! templates, "who am I"), answering in the documented format from `../shared/fixtures`. It
//! records every request, and can be told to answer the next calls with one of Meta's documented
//! errors (`fail_next(131047)` answers the fixture `whatsapp/errors/resp_error_131047_*.json`
//! with Meta's HTTP status for it).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const VERSION: &str = "v23.0";

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct GraphCall {
    pub method: String,
    /// The path after the version, e.g. `106540352242922/messages`.
    pub path: String,
    pub query: String,
    pub token: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct State {
    calls: Vec<GraphCall>,
    failures: VecDeque<(u16, String)>,
    media: HashMap<String, (Vec<u8>, String)>,
    /// Files uploaded to `POST /{phone_number_id}/media`.
    uploads: usize,
    templates: Vec<Value>,
    sent: u64,
}

#[derive(Clone)]
pub struct FakeMeta {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

/// A documented error body: WhatsApp's error fixtures by code, Instagram's window error as `10`.
pub fn error_fixture(code: i64) -> (u16, String) {
    let dir = format!("{}/../../../shared/fixtures", env!("CARGO_MANIFEST_DIR"));
    let path = match code {
        130429 => "whatsapp/errors/resp_error_130429_official_example.json".to_owned(),
        190 => "whatsapp/errors/resp_error_190_token_expired_constructed.json".to_owned(),
        10 => "instagram/error_messaging_outside_window_constructed.json".to_owned(),
        code => format!("whatsapp/errors/resp_error_{code}_constructed.json"),
    };
    let body =
        std::fs::read_to_string(format!("{dir}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"));
    // Meta's table: 190 is 401; the others here are 400.
    let status = if code == 190 { 401 } else { 400 };
    (status, body)
}

impl FakeMeta {
    pub async fn start() -> FakeMeta {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = state.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move { answer(state, addr, method, uri, headers, body) }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeMeta { addr, state }
    }

    /// The base URL to configure as `meta_graph_url`.
    pub fn url(&self) -> String {
        format!("http://{}/{VERSION}", self.addr)
    }

    /// Answers the next Graph call with Meta's documented error `code`.
    pub fn fail_next(&self, code: i64) {
        let failure = error_fixture(code);
        self.state.lock().unwrap().failures.push_back(failure);
    }

    /// Answers the next Graph call with this status and body.
    pub fn answer_next(&self, status: u16, body: &str) {
        self.state
            .lock()
            .unwrap()
            .failures
            .push_back((status, body.to_owned()));
    }

    /// Media the fake serves under `GET /{id}` and its download URL.
    pub fn add_media(&self, id: &str, bytes: &[u8], mime_type: &str) {
        self.state
            .lock()
            .unwrap()
            .media
            .insert(id.to_owned(), (bytes.to_vec(), mime_type.to_owned()));
    }

    /// The templates `GET /{waba}/message_templates` lists.
    pub fn set_templates(&self, templates: Vec<Value>) {
        self.state.lock().unwrap().templates = templates;
    }

    pub fn calls(&self) -> Vec<GraphCall> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The message sends received (`…/messages`).
    pub fn sends(&self) -> Vec<GraphCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == "POST" && c.path.ends_with("/messages"))
            .collect()
    }

    /// Waits until `count` sends arrived (panics after 15 s).
    pub async fn wait_for_sends(&self, count: usize) -> Vec<GraphCall> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let sends = self.sends();
            if sends.len() >= count {
                return sends;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the fake got {} of {count} sends",
                sends.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

fn answer(
    state: Arc<Mutex<State>>,
    addr: SocketAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let full = uri.path().trim_start_matches('/');
    let mut state = state.lock().unwrap();
    if let Some(id) = full.strip_prefix("download/") {
        // Meta's download URL needs the token too.
        return match (&token, state.media.get(id)) {
            (Some(_), Some((bytes, mime))) => {
                ([("content-type", mime.clone())], bytes.clone()).into_response()
            }
            (None, _) => StatusCode::UNAUTHORIZED.into_response(),
            _ => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let path = full
        .strip_prefix(VERSION)
        .unwrap_or(full)
        .trim_start_matches('/')
        .to_owned();
    state.calls.push(GraphCall {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().unwrap_or_default().to_owned(),
        token: token.clone(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    if token.is_none() {
        let (status, body) = error_fixture(190);
        return json_answer(status, &body);
    }
    if let Some((status, body)) = state.failures.pop_front() {
        return json_answer(status, &body);
    }
    let parts: Vec<&str> = path.split('/').collect();
    let reply = match (method.as_str(), parts.as_slice()) {
        ("POST", [_, "messages"]) => {
            state.sent += 1;
            let sent: Value = serde_json::from_slice(&body).unwrap_or_default();
            if sent["messaging_product"] == "whatsapp" {
                let to = sent["to"].as_str().unwrap_or_default();
                json!({ "messaging_product": "whatsapp", "contacts": [{ "input": to, "wa_id": to }],
                        "messages": [{ "id": format!("wamid.FAKE{:06}", state.sent) }] })
            } else {
                json!({ "recipient_id": sent["recipient"]["id"], "message_id": format!("m_FAKE{:06}", state.sent) })
            }
        }
        ("POST", [_, "media"]) => {
            state.uploads += 1;
            let multipart = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("multipart/form-data"));
            if !multipart || !body.windows(9).any(|w| w == b"whatsapp\r") {
                return json_answer(
                    400,
                    r#"{"error":{"message":"(#100) Param file must be a file with one of the following types","code":100}}"#,
                );
            }
            json!({ "id": format!("FAKEMEDIA{:06}", state.uploads) })
        }
        ("GET", [_, "message_templates"]) => json!({ "data": state.templates, "paging": {} }),
        ("POST", [_, "message_templates"]) => {
            let sent: Value = serde_json::from_slice(&body).unwrap_or_default();
            json!({ "id": format!("{}", 900_000 + state.templates.len()), "status": "PENDING", "category": sent["category"] })
        }
        ("GET", [id]) => match state.media.get(*id) {
            Some((bytes, mime)) => {
                json!({ "messaging_product": "whatsapp", "id": id, "mime_type": mime,
                "sha256": "fake", "file_size": bytes.len().to_string(), "url": format!("http://{addr}/download/{id}") })
            }
            None => {
                json!({ "id": id, "display_phone_number": "15550783881", "verified_name": "Fake Business", "username": "fake.business", "name": "Fake Page" })
            }
        },
        _ => return json_answer(404, r#"{"error":{"message":"Unknown path","code":803}}"#),
    };
    json_answer(200, &reply.to_string())
}

fn json_answer(status: u16, body: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        body.to_owned(),
    )
        .into_response()
}
