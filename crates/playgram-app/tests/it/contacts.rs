//! Contacts over real HTTP: profiles, identities and uniqueness (`crud`), search, filters, sorting
//! and paging (`lists`), tags and custom fields (`schema`), segments, merge, consent, timeline and
//! history, GDPR export and erasure with retention (`gdpr`), bulk actions, and the events.

mod bulk;
mod consent;
mod crud;
mod dashboard;
mod edges;
mod exports;
mod gdpr;
pub mod imports;
pub mod lists;
mod merge;
mod pages;
mod schema;
mod segments;
mod timeline;
mod webhooks;

use playgram_testkit::Client;
use serde_json::Value;

/// Creates a contact; returns its data.
pub async fn create(api: &Client, body: Value) -> Value {
    api.post("/api/v1/contacts", body).await.ok_with(201)
}

/// The ids of a list answer.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the events outbox has sequenced an event of `kind` (the list shows sequenced
/// events only); returns its data.
pub async fn event_of(api: &Client, kind: &str) -> Value {
    super::jobs::eventually(
        &format!("a {kind} event"),
        std::time::Duration::from_secs(10),
        || async {
            let events = api
                .get(&format!("/api/v1/events?type={kind}&limit=50"))
                .await
                .ok();
            events
                .as_array()
                .and_then(|a| a.first())
                .map(|e| e["data"].clone())
        },
    )
    .await
}

/// Waits until an event of `kind` whose data has `key` = `value` is sequenced; returns its data.
pub async fn event_with(api: &Client, kind: &str, key: &str, value: &str) -> Value {
    super::jobs::eventually(
        &format!("a {kind} event with {key} = {value}"),
        std::time::Duration::from_secs(10),
        || async {
            let events = api
                .get(&format!("/api/v1/events?type={kind}&limit=200"))
                .await
                .ok();
            events
                .as_array()
                .and_then(|a| a.iter().find(|e| e["data"][key] == value))
                .map(|e| e["data"].clone())
        },
    )
    .await
}
