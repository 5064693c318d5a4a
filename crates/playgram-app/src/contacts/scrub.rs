//! What an erasure removes besides the contact's own rows: the copies of its personal data that
//! events carried. Each `contact.*` event holds the contact as it was (name, emails, phones,
//! fields, consent evidence), and so do the webhook messages made from it, their logged attempts
//! and the delivery jobs not yet run. After an erasure they hold only the contact's id and a note
//! saying why; the event types, times and delivery records stay, so the history still reads.
//!
//! Rows are found by the contact's id in their text (ids are unique and never reused, so the match
//! is exact enough) within the workspace. It is a scan of the workspace's recent events and
//! messages, which retention keeps to weeks; erasures are rare, so the scan is affordable.

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::{Tx, on_tx};
use serde_json::{Value, json};

use crate::http::Result;

/// The `data` an erased contact's events are left with.
pub fn redacted(id: &ContactId) -> Value {
    json!({ "contact_id": id, "redacted": "The contact was erased; the personal data this event carried is gone." })
}

/// Replaces the personal data the contact's events, webhook messages, attempts and pending
/// deliveries carry (see the module's docs). Runs in the erasure's transaction.
pub async fn scrub(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId) -> Result<()> {
    let pattern = format!("%{id}%");
    let data = redacted(id).to_string();
    on_tx!(tx, conn => sqlx::query("UPDATE events SET data = $1 WHERE workspace_id = $2 AND data LIKE $3")
        .bind(&data).bind(ws).bind(&pattern).execute(conn).await.map(|_| ()))?;

    let messages: Vec<(String, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, payload FROM webhook_messages WHERE workspace_id = $1 AND payload LIKE $2")
        .bind(ws).bind(&pattern).fetch_all(conn).await)?;
    for (message, payload) in messages {
        let mut body: Value = serde_json::from_str(&payload).unwrap_or_else(|_| json!({}));
        body["data"] = redacted(id);
        let body = body.to_string();
        on_tx!(tx, conn => sqlx::query("UPDATE webhook_messages SET payload = $1 WHERE id = $2")
            .bind(&body).bind(&message).execute(conn).await.map(|_| ()))?;
        on_tx!(tx, conn => sqlx::query("UPDATE webhook_attempts SET request_body = $1 WHERE message_id = $2")
            .bind(&body).bind(&message).execute(conn).await.map(|_| ()))?;
    }

    // A delivery not yet run carries its body; without it, it sends the message as it is now.
    // Running ones too: a delivery whose attempt is under way (or whose outcome is not yet
    // written) keeps this payload for its retry. What is already on the wire or claimed into a
    // worker's memory a moment ago still goes out as it was.
    let jobs: Vec<(String, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, payload FROM jobs WHERE workspace_id = $1 AND state IN ('scheduled', 'ready', 'running') AND payload LIKE $2")
        .bind(ws).bind(&pattern).fetch_all(conn).await)?;
    for (job, payload) in jobs {
        let Ok(mut value) = serde_json::from_str::<Value>(&payload) else {
            continue;
        };
        if let Some(object) = value.as_object_mut()
            && object.remove("body").is_some()
        {
            let payload = value.to_string();
            on_tx!(tx, conn => sqlx::query("UPDATE jobs SET payload = $1 WHERE id = $2")
                .bind(&payload).bind(&job).execute(conn).await.map(|_| ()))?;
        }
    }
    Ok(())
}
