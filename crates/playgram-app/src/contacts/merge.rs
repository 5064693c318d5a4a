//! Merging two records of one person. The contact kept (`primary`) takes over the other's
//! identities, emails, phones, tags, field values, consent, timeline, field history — and, as the
//! later features arrive, its conversations, scans, bookings and orders ([`REASSIGNED`] is the
//! list they join). The other contact is removed; the merge is audited and logged with a snapshot
//! of the removed contact (`contact_merges`), and its id answers 404 `contact_merged` naming the
//! contact it went into.
//!
//! Conflicts: the primary's name, avatar, locale and time zone win, the other's fill the blanks;
//! a custom field the primary has keeps its value, one it lacks takes the other's; for each
//! channel and purpose the more recent consent wins; first seen is the earlier, last seen the
//! later. Emails and phones are united even past the ten a client may send, so a merge never
//! drops an address (a PATCH that sends the lists afterwards must fit the limit). What the primary
//! gains is written to its field history; the tags it gains are not announced one by one
//! (`contact.merged` carries the merged contact). Undo is not offered (the snapshot is there for
//! a person to read).

use playgram_core::db::TxConn;
use playgram_core::ids::{ContactId, MergeId, WorkspaceId};
use playgram_core::time::now_ms;
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde_json::{Value, json};

use super::events::ContactMerged;
use super::fields::FieldSet;
use super::model::{Contact, ContactOut};
use super::service::{Context, found_live};
use super::store;
use super::timeline::{self, By, Change};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::events::catalog;
use crate::http::{AppError, Result};
use crate::state::AppState;

/// Tables whose rows follow a contact into a merge: `(table, contact column)`. Later features add
/// theirs (conversations, qr_scans, bookings, orders).
pub const REASSIGNED: &[(&str, &str)] = &[
    ("contact_activities", "contact_id"),
    ("contact_changes", "contact_id"),
];

/// Where a merged contact went, if it was merged (following chains of merges).
pub async fn merged_into(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    id: &str,
) -> sqlx::Result<Option<ContactId>> {
    let mut current = id.to_owned();
    let mut last = None;
    for _ in 0..10 {
        let next: Option<ContactId> = on_conn!(c, conn => sqlx::query_scalar(
            "SELECT primary_id FROM contact_merges WHERE workspace_id = $1 AND merged_id = $2 ORDER BY merged_at DESC LIMIT 1")
            .bind(ws).bind(&current).fetch_optional(conn).await)?;
        match next {
            Some(next) => {
                current = next.to_string();
                last = Some(next);
            }
            None => break,
        }
    }
    Ok(last)
}

pub async fn merge(
    state: &AppState,
    principal: &Principal,
    primary_id: &str,
    other_id: &str,
) -> Result<super::model::Contact> {
    let ws = &principal.workspace_id;
    if primary_id == other_id {
        return Err(AppError::field(
            "other_id",
            "A contact cannot be merged with itself.",
        ));
    }
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let mut tx = state.db.begin().await?;
    lock_pair(&mut tx, ws, primary_id, other_id).await?;
    let primary = found_live(&mut Conn::Tx(&mut tx), ws, primary_id).await?;
    let other = found_live(&mut Conn::Tx(&mut tx), ws, other_id)
        .await
        .map_err(|e| {
            if e.code() == "not_found" {
                AppError::field("other_id", "There is no such contact in this workspace.")
            } else {
                e
            }
        })?;
    merge_in(
        &mut tx,
        ws,
        &primary,
        &other,
        &context.fields,
        &By::of(principal),
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact.merged")
            .target(&primary.row.id)
            .details(json!({ "merged_contact_id": other.row.id })),
    )
    .await?;
    let merged = super::service::found(&mut Conn::Tx(&mut tx), ws, primary.row.id.as_str()).await?;
    tx.commit().await?;
    Ok(merged)
}

/// Folds `other` into `primary` in the caller's transaction (the merge log, the timeline entry and
/// `contact.merged` included; the audit entry is the caller's).
pub async fn merge_in(
    tx: &mut Tx,
    ws: &WorkspaceId,
    primary: &Contact,
    other: &Contact,
    fields: &FieldSet,
    by: &By,
) -> Result<()> {
    let p = &primary.row.id;
    let o = &other.row.id;
    let snapshot = json!({
        "contact": ContactOut::of(other, fields),
        "consents": super::consent::current(&mut Conn::Tx(tx), o).await?,
    });
    for table in ["contact_emails", "contact_phones", "contact_identities"] {
        let offset = if table == "contact_identities" {
            ""
        } else {
            ", position = position + 100"
        };
        let sql = format!("UPDATE {table} SET contact_id = $1{offset} WHERE contact_id = $2");
        exec(tx, &sql, p, o).await?;
    }
    exec(tx, "INSERT INTO contact_tags (contact_id, tag_id, workspace_id, created_at) \
        SELECT $1, tag_id, workspace_id, created_at FROM contact_tags WHERE contact_id = $2 ON CONFLICT DO NOTHING", p, o).await?;
    exec(
        tx,
        "UPDATE contact_values SET contact_id = $1 WHERE contact_id = $2 AND field_id NOT IN \
        (SELECT field_id FROM contact_values WHERE contact_id = $1)",
        p,
        o,
    )
    .await?;
    // Consent: the primary's older records give way to the other's newer ones.
    exec(tx, "DELETE FROM contact_consents WHERE contact_id = $1 AND EXISTS (SELECT 1 FROM contact_consents n \
        WHERE n.contact_id = $2 AND n.channel = contact_consents.channel AND n.purpose = contact_consents.purpose \
        AND n.recorded_at > contact_consents.recorded_at)", p, o).await?;
    exec(tx, "UPDATE contact_consents SET contact_id = $1 WHERE contact_id = $2 AND NOT EXISTS (SELECT 1 FROM \
        contact_consents k WHERE k.contact_id = $1 AND k.channel = contact_consents.channel AND k.purpose = contact_consents.purpose)", p, o).await?;
    for (table, column) in REASSIGNED {
        let sql = format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2");
        exec(tx, &sql, p, o).await?;
    }
    // Earlier merges into the other now point at the primary.
    on_tx!(tx, conn => sqlx::query("UPDATE contact_merges SET primary_id = $1 WHERE workspace_id = $2 AND primary_id = $3")
        .bind(p).bind(ws).bind(o).execute(conn).await.map(|_| ()))?;
    let mut row = primary.row.clone();
    let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
        if mine.is_none() {
            mine.clone_from(theirs);
        }
    };
    if row.name.trim().is_empty() {
        row.name.clone_from(&other.row.name);
    }
    fill(&mut row.avatar_url, &other.row.avatar_url);
    fill(&mut row.locale, &other.row.locale);
    fill(&mut row.timezone, &other.row.timezone);
    row.first_seen_at = match (row.first_seen_at, other.row.first_seen_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    row.last_seen_at = row.last_seen_at.max(other.row.last_seen_at);
    let now = now_ms();
    row.updated_at = now;
    store::update_profile(tx, &row).await?;
    // Conversations follow the contact (and would go with it on delete, by cascade).
    crate::inbox::conversations::store::reassign_contact(tx, o, p).await?;
    store::delete(tx, ws, o).await?;
    store::refresh_search(tx, ws, p).await?;
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_merges (id, workspace_id, primary_id, merged_id, snapshot, actor_type, actor_id, merged_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(MergeId::new()).bind(ws).bind(p).bind(o).bind(snapshot.to_string())
        .bind(by.kind).bind(&by.id).bind(now)
        .execute(conn).await.map(|_| ()))?;
    timeline::record(
        tx,
        ws,
        p,
        "merged",
        &format!("Merged with {}", other.display_name()),
        &json!({ "merged_contact_id": o, "name": other.display_name() }),
        by,
    )
    .await?;
    let merged = super::service::found(&mut Conn::Tx(tx), ws, p.as_str()).await?;
    let gains = gained(
        &ContactOut::of(primary, fields),
        &ContactOut::of(&merged, fields),
    );
    timeline::record_changes(tx, ws, p, &gains, by, now).await?;
    catalog::emit(
        tx,
        ws,
        &ContactMerged {
            contact_id: p.clone(),
            merged_contact_id: o.clone(),
            contact: ContactOut::of(&merged, fields),
            actor: by.clone(),
        },
    )
    .await?;
    Ok(())
}

/// What the primary took from the other, as field-history changes, so the history still gives a
/// contact's value at any time after a merge.
fn gained(before: &ContactOut, after: &ContactOut) -> Vec<Change> {
    let (before, after) = (json!(before), json!(after));
    let mut changes = Vec::new();
    let mut compare = |attribute: String, old: &Value, new: &Value| {
        if old != new {
            changes.push(Change {
                attribute,
                old: old.clone(),
                new: new.clone(),
            });
        }
    };
    for attribute in [
        "name",
        "avatar_url",
        "locale",
        "timezone",
        "emails",
        "phones",
        "identities",
    ] {
        compare(attribute.to_owned(), &before[attribute], &after[attribute]);
    }
    if let Some(fields) = after["fields"].as_object() {
        for (key, new) in fields {
            compare(format!("fields.{key}"), &before["fields"][key], new);
        }
    }
    changes
}

/// On PostgreSQL, two merges naming the same contact take turns (the second then finds the
/// contact gone); SQLite's write transactions already do.
async fn lock_pair(tx: &mut Tx, ws: &WorkspaceId, a: &str, b: &str) -> sqlx::Result<()> {
    if let TxConn::Postgres(conn) = tx.conn() {
        sqlx::query("SELECT id FROM contacts WHERE workspace_id = $1 AND id IN ($2, $3) ORDER BY id FOR UPDATE")
            .bind(ws).bind(a).bind(b).fetch_all(&mut **conn).await?;
    }
    Ok(())
}

async fn exec(tx: &mut Tx, sql: &str, primary: &ContactId, other: &ContactId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).bind(primary).bind(other).execute(conn).await.map(|_| ()))
}

/// Removes the merge log rows that mention a contact being deleted or erased: their snapshots
/// hold personal data.
pub async fn forget(tx: &mut Tx, ws: &WorkspaceId, id: &ContactId) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM contact_merges WHERE workspace_id = $1 AND (primary_id = $2 OR merged_id = $2)")
        .bind(ws).bind(id).execute(conn).await.map(|_| ()))
}

/// The snapshots of contacts merged into this one (for the GDPR export).
pub async fn snapshots(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    id: &ContactId,
) -> sqlx::Result<Vec<serde_json::Value>> {
    let rows: Vec<(String, String, i64)> = on_conn!(c, conn => sqlx::query_as(
        "SELECT merged_id, snapshot, merged_at FROM contact_merges WHERE workspace_id = $1 AND primary_id = $2 ORDER BY merged_at")
        .bind(ws).bind(id).fetch_all(conn).await)?;
    Ok(rows
        .into_iter()
        .map(|(merged, snapshot, at)| json!({
            "merged_contact_id": merged,
            "merged_at": playgram_core::time::rfc3339(at),
            "snapshot": serde_json::from_str::<serde_json::Value>(&snapshot).unwrap_or_default(),
        }))
        .collect())
}
