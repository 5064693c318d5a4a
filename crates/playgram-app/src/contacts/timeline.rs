//! The timeline and the field history of a contact.
//!
//! The timeline is every interaction with or change to a contact, newest first: created, updated,
//! tags added and removed, consent changes, identities, merges, imports, and — through
//! [`record`], the seam the later features call inside their own transactions — messages
//! (`message`), QR scans (`scan`), bookings (`booking`) and orders (`order`).
//!
//! The field history keeps one row per changed attribute (`name`, `emails`, `phones`,
//! `avatar_url`, `locale`, `timezone`, `fields.<key>`): old and new value, who, when. Read in
//! order, it gives the value of any attribute at any time (`GET /contacts/{id}/history`).

use playgram_core::ids::{ActivityId, ChangeId, ContactId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::Serialize;
use serde_json::Value;
use sqlx::AssertSqlSafe;

use crate::auth::{Actor, Principal};

/// Who did something to a contact: a person, an API key, or Playgram itself (retention,
/// channels).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct By {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Option<String>,
}

impl By {
    pub fn of(principal: &Principal) -> By {
        match &principal.actor {
            Actor::User(id) => By {
                kind: "user",
                id: Some(id.to_string()),
            },
            Actor::ApiKey(id) => By {
                kind: "api_key",
                id: Some(id.to_string()),
            },
        }
    }

    pub fn system() -> By {
        By {
            kind: "system",
            id: None,
        }
    }

    /// From stored `actor_type` / `actor_id` columns.
    pub fn stored(kind: &str, id: Option<String>) -> By {
        let kind = match kind {
            "user" => "user",
            "api_key" => "api_key",
            _ => "system",
        };
        By { kind, id }
    }

    pub fn schema() -> Value {
        serde_json::json!({
            "type": "object",
            "description": "Who did it: a person (usr_…), an API key (key_…) or Playgram itself (system).",
            "required": ["type", "id"],
            "properties": {
                "type": { "type": "string", "enum": ["user", "api_key", "system"] },
                "id": { "type": ["string", "null"] }
            }
        })
    }
}

/// The kinds of timeline entries this build writes; later features add theirs through
/// [`record`] (message, scan, booking, order).
pub const KINDS: [&str; 14] = [
    "created",
    "updated",
    "tag_added",
    "tag_removed",
    "consent_changed",
    "identity_added",
    "identity_removed",
    "merged",
    "imported",
    "erased",
    "message",
    "scan",
    "booking",
    "order",
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: ActivityId,
    #[serde(skip)]
    pub contact_id: ContactId,
    pub kind: String,
    pub summary: String,
    #[serde(skip)]
    pub data: String,
    #[serde(skip)]
    pub actor_type: String,
    #[serde(skip)]
    pub actor_id: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub occurred_at: Millis,
}

/// A timeline entry as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityOut {
    pub id: ActivityId,
    pub kind: String,
    pub summary: String,
    pub data: Value,
    pub actor: By,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub occurred_at: Millis,
}

impl From<ActivityRow> for ActivityOut {
    fn from(row: ActivityRow) -> Self {
        ActivityOut {
            data: serde_json::from_str(&row.data).unwrap_or(Value::Null),
            actor: By::stored(&row.actor_type, row.actor_id),
            id: row.id,
            kind: row.kind,
            summary: row.summary,
            occurred_at: row.occurred_at,
        }
    }
}

/// Adds an entry to the contact's timeline, in the caller's transaction.
pub async fn record(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    kind: &str,
    summary: &str,
    data: &Value,
    by: &By,
) -> sqlx::Result<()> {
    record_at(tx, ws, contact, kind, summary, data, by, now_ms()).await
}

#[allow(clippy::too_many_arguments)]
pub async fn record_at(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    kind: &str,
    summary: &str,
    data: &Value,
    by: &By,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_activities (id, workspace_id, contact_id, kind, summary, data, actor_type, actor_id, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(ActivityId::new()).bind(ws).bind(contact).bind(kind).bind(summary)
        .bind(data.to_string()).bind(by.kind).bind(&by.id).bind(at)
        .execute(conn).await.map(|_| ()))
}

/// One changed attribute, for the history, the timeline and `contact.updated`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub attribute: String,
    pub old: Value,
    pub new: Value,
}

/// Writes each change into the field history.
pub async fn record_changes(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    changes: &[Change],
    by: &By,
    at: Millis,
) -> sqlx::Result<()> {
    for change in changes {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO contact_changes (id, workspace_id, contact_id, attribute, old_value, new_value, actor_type, actor_id, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(ChangeId::new()).bind(ws).bind(contact).bind(&change.attribute)
            .bind(change.old.to_string()).bind(change.new.to_string())
            .bind(by.kind).bind(&by.id).bind(at)
            .execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

/// The contact's timeline, newest first, before the cursor; optionally one kind only.
pub async fn list(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    contact: &ContactId,
    kind: Option<&str>,
    before: Option<&ActivityId>,
    limit: i64,
) -> sqlx::Result<Vec<ActivityRow>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT id, contact_id, kind, summary, data, actor_type, actor_id, occurred_at FROM contact_activities \
         WHERE workspace_id = $1 AND contact_id = $2 AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5")
        .bind(ws).bind(contact).bind(kind).bind(before).bind(limit).fetch_all(conn).await)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: ChangeId,
    pub attribute: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub changed_at: Millis,
}

/// One value an attribute held, from when to when (`until` null: it still does).
#[derive(Clone, Debug, Serialize)]
pub struct HistoryOut {
    pub id: ChangeId,
    pub attribute: String,
    pub old: Value,
    pub value: Value,
    pub changed_by: By,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub changed_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub until: Option<Millis>,
}

/// The history of the contact's attributes (or one attribute), oldest first.
pub async fn history(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    contact: &ContactId,
    attribute: Option<&str>,
) -> sqlx::Result<Vec<HistoryOut>> {
    let rows: Vec<ChangeRow> = on_conn!(c, conn => sqlx::query_as(AssertSqlSafe(
        "SELECT id, attribute, old_value, new_value, actor_type, actor_id, changed_at FROM contact_changes \
         WHERE workspace_id = $1 AND contact_id = $2 AND ($3 IS NULL OR attribute = $3) ORDER BY id LIMIT 2000"))
        .bind(ws).bind(contact).bind(attribute).fetch_all(conn).await)?;
    let parse = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null)
    };
    let mut out: Vec<HistoryOut> = Vec::with_capacity(rows.len());
    for row in &rows {
        let until = rows
            .iter()
            .find(|later| later.attribute == row.attribute && later.id > row.id)
            .map(|later| later.changed_at);
        out.push(HistoryOut {
            id: row.id.clone(),
            attribute: row.attribute.clone(),
            old: parse(&row.old_value),
            value: parse(&row.new_value),
            changed_by: By::stored(&row.actor_type, row.actor_id.clone()),
            changed_at: row.changed_at,
            until,
        });
    }
    Ok(out)
}
