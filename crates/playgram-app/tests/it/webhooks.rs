//! Outbound webhooks over real HTTP: endpoints (`endpoints`), signed delivery, retries and
//! disabling (`delivery`), isolation of slow endpoints (`isolation`), the delivery log, resend,
//! recovery and test sends (`log`), and the SSRF guard (`ssrf`).

mod delivery;
mod endpoints;
mod isolation;
mod log;
mod ssrf;

use std::time::Duration;

use playgram_app::webhooks::signature::{self, Secret};
use playgram_testkit::{Client, Received, Settings, TestApp};
use serde_json::{Value, json};

use super::jobs::eventually;

/// Test settings: the local receivers are allowed, and retries come quickly.
pub fn settings() -> Settings {
    Settings::new()
        .set("webhooks_allow_networks", "127.0.0.1/32")
        .set("webhooks_retry_schedule", "0s 200ms 400ms")
}

/// Creates an endpoint; returns the API's data (with `secret`).
pub async fn create_endpoint(api: &Client, body: Value) -> Value {
    api.post("/api/v1/webhook-endpoints", body)
        .await
        .ok_with(201)
}

/// Makes the workspace emit one `api_key.created` event; returns the key's id.
pub async fn emit_event(app: &TestApp, api: &Client) -> String {
    app.create_api_key(api, &["workspace:read"]).await.0
}

/// Checks a delivery's Standard Webhooks signature with `secret`.
pub fn verify(received: &Received, secret: &str) -> Result<(), String> {
    let secret = Secret::parse(secret).ok_or("the secret does not parse")?;
    signature::verify(
        &secret,
        received.header("webhook-id").ok_or("no webhook-id")?,
        received
            .header("webhook-timestamp")
            .ok_or("no webhook-timestamp")?,
        received
            .header("webhook-signature")
            .ok_or("no webhook-signature")?,
        &received.body,
        playgram_core::time::now_ms() / 1000,
        300,
    )
    .map_err(|e| e.to_string())
}

/// Waits until message `id` has `status`; returns it with its attempts.
pub async fn message_in(api: &Client, id: &str, status: &str) -> Value {
    eventually(
        &format!("message {id} to be {status}"),
        Duration::from_secs(20),
        || async move {
            let message = api
                .get(&format!("/api/v1/webhook-messages/{id}"))
                .await
                .ok();
            (message["status"] == status).then_some(message)
        },
    )
    .await
}

/// The endpoint's messages, newest first.
pub async fn messages_of(api: &Client, endpoint_id: &str) -> Vec<Value> {
    api.get(&format!(
        "/api/v1/webhook-messages?endpoint_id={endpoint_id}&limit=200"
    ))
    .await
    .ok()
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// An endpoint subscribed to `api_key.created` only, at `url`.
pub fn api_key_endpoint(url: &str) -> Value {
    json!({ "url": url, "event_types": ["api_key.created"] })
}
