//! The inbox over real HTTP: channels (settings, secrets, access), Meta's webhook URLs (handshake,
//! signatures over the raw bytes, storage before the 200, duplicates stored once) and every
//! documented WhatsApp and Instagram payload parsed into contacts, conversations and messages.

mod api_channel;
mod canned;
mod channels;
mod conversations;
mod dashboard;
mod events;
mod hooks;
mod instagram;
mod media;
mod replies;
mod website;
mod whatsapp;

use std::time::Duration;

use playgram_testkit::{Client, Reply, TestApp};
use serde_json::{Value, json};

pub const APP_SECRET: &str = "test-app-secret";

/// A file of `../shared/fixtures`, as bytes.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Adds a Meta channel of `kind` with [`APP_SECRET`]; returns its data.
pub async fn meta_channel(api: &Client, kind: &str) -> Value {
    let external = match kind {
        "whatsapp" => json!({ "phone_number_id": "106540352242922", "waba_id": "102290129340398" }),
        "instagram" => json!({ "account_id": "17841405822304914" }),
        _ => json!({ "page_id": "1234567890" }),
    };
    let mut body = json!({
        "kind": kind, "name": format!("Test {kind}"),
        "access_token": "EAAtest", "app_secret": APP_SECRET,
    });
    for (k, v) in external.as_object().unwrap() {
        body[k] = v.clone();
    }
    api.post("/api/v1/channels", body).await.ok_with(201)
}

/// POSTs `body` to the channel's webhook URL signed with `secret`.
pub async fn deliver(app: &TestApp, kind: &str, channel: &str, secret: &str, body: &[u8]) -> Reply {
    let client = app.bare();
    let signature = playgram_providers::meta::signature::sign(secret, body);
    let request = client
        .request(reqwest::Method::POST, &format!("/hooks/{kind}/{channel}"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body.to_vec());
    client.send(request).await
}

/// Delivers a fixture, expects 200, and waits until every stored payload is parsed.
pub async fn deliver_parsed(app: &TestApp, kind: &str, channel: &str, body: &[u8]) {
    let reply = deliver(app, kind, channel, APP_SECRET, body).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    parsed(app).await;
}

/// Waits until no stored payload is waiting to be parsed.
pub async fn parsed(app: &TestApp) {
    super::jobs::eventually("the payloads parsed", Duration::from_secs(20), || async {
        let left = app
            .fetch_i64(
                "SELECT COUNT(*) FROM inbound_payloads WHERE state = 'received'",
                &[],
            )
            .await;
        (left == 0).then_some(())
    })
    .await;
}

/// The workspace's conversations, newest activity first.
pub async fn conversations(api: &Client) -> Vec<Value> {
    api.get("/api/v1/conversations")
        .await
        .ok()
        .as_array()
        .cloned()
        .unwrap()
}

/// A conversation's messages, oldest first.
pub async fn messages(api: &Client, conversation: &str) -> Vec<Value> {
    let mut list = api
        .get(&format!(
            "/api/v1/conversations/{conversation}/messages?limit=200"
        ))
        .await
        .ok()
        .as_array()
        .cloned()
        .unwrap();
    list.reverse();
    list
}

/// The one conversation and its messages (asserting there is exactly one).
pub async fn only_thread(api: &Client) -> (Value, Vec<Value>) {
    let list = conversations(api).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    let conversation = list[0].clone();
    let messages = messages(api, conversation["id"].as_str().unwrap()).await;
    (conversation, messages)
}

/// The flagged payloads' notes.
pub async fn flagged(api: &Client) -> Vec<String> {
    api.get("/api/v1/inbound-payloads")
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["note"].as_str().unwrap().to_owned())
        .collect()
}

/// Like `both!`, for a test that talks to a fake Meta Graph API:
/// `async fn name(app: TestApp, meta: FakeMeta)`, the app configured to call the fake.
#[macro_export]
macro_rules! with_meta {
    ($name:ident) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn settings(meta: &playgram_testkit::FakeMeta) -> playgram_testkit::Settings {
                playgram_testkit::Settings::new()
                    .set("meta_graph_url", meta.url())
                    .set("signup_open", true)
            }

            #[tokio::test]
            async fn sqlite() {
                let meta = playgram_testkit::FakeMeta::start().await;
                let app = playgram_testkit::TestApp::spawn_with(settings(&meta)).await;
                super::$name(app, meta).await;
            }

            #[tokio::test]
            async fn postgres() {
                let meta = playgram_testkit::FakeMeta::start().await;
                if let Some(app) =
                    playgram_testkit::TestApp::spawn_postgres_with(settings(&meta)).await
                {
                    super::$name(app, meta).await;
                }
            }
        }
    };
}
