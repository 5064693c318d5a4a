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
use playgram_core::time::Millis;
use playgram_core::{Db, Tx, on_db, on_tx};
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

/// The contact's emails, phones (E.164, and its digits as a wa_id is written) and channel ids:
/// what a refused import row naming this person would hold. Read before the rows go.
pub async fn addresses(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT email FROM contact_emails WHERE workspace_id = $1 AND contact_id = $2 \
         UNION ALL SELECT phone FROM contact_phones WHERE workspace_id = $1 AND contact_id = $2 \
         UNION ALL SELECT external_id FROM contact_identities WHERE workspace_id = $1 AND contact_id = $2")
        .bind(ws).bind(id).fetch_all(conn).await)?;
    let mut out: Vec<String> = Vec::new();
    for (value,) in rows {
        if let Some(digits) = value.strip_prefix('+') {
            out.push(digits.to_owned());
        }
        out.push(value.to_lowercase());
    }
    out.retain(|v| v.len() >= 3);
    out.sort();
    out.dedup();
    Ok(out)
}

/// Empties the cells of the workspace's refused import rows that name one of `addresses` (the
/// problems and row numbers stay, so the report still counts them).
pub async fn import_errors(tx: &mut Tx, ws: &WorkspaceId, addresses: &[String]) -> Result<()> {
    for value in addresses {
        let pattern = format!("%{}%", playgram_core::sql::escape_like(value));
        on_tx!(tx, conn => sqlx::query(
            "UPDATE contact_import_errors SET raw = '[]' WHERE LOWER(raw) LIKE $1 ESCAPE '\\' \
             AND import_id IN (SELECT id FROM contact_imports WHERE workspace_id = $2)")
            .bind(&pattern).bind(ws).execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

/// Empties the cells of refused rows of imports uploaded before `before` (when their file expires):
/// the report then keeps row numbers and problems only. Returns the rows changed.
pub async fn prune_import_errors(db: &Db, before: Millis) -> sqlx::Result<u64> {
    on_db!(db, pool => sqlx::query(
        "UPDATE contact_import_errors SET raw = '[]' WHERE raw <> '[]' \
         AND import_id IN (SELECT id FROM contact_imports WHERE created_at < $1)")
        .bind(before).execute(pool).await.map(|r| r.rows_affected()))
}
