//! GDPR: everything about one contact as a ZIP (the right of access), erasure (the right to be
//! forgotten), and the optional retention policy that erases contacts inactive for too long.
//!
//! The ZIP holds `contact.json` (the profile, identities, tags, custom fields), `consents.json`,
//! `timeline.json`, `history.json` (every attribute change), `merged.json` (the contacts merged
//! into this one, as they were) and a `README.txt` saying what each file is. Files attached to a
//! contact (message media, as the inbox arrives) go under `files/`.
//!
//! Erasing follows the workspace's `erase_mode`: `delete` removes every row about the contact;
//! `anonymise` keeps the contact's row (so conversations and orders keep their shape) with every
//! personal attribute emptied and its parts, consent, timeline and history removed. Either way the
//! merge snapshots that mention it go, and a tombstone remains (`contact_tombstones`: the id, when,
//! how, why, by whom; nothing personal), with an audit entry and `contact.deleted` (`erased: true`).
//! Copies elsewhere: events, webhook messages and pending deliveries are scrubbed (`scrub.rs`), and
//! so are the cells of refused import rows naming one of its emails, phones or channel ids. Files
//! that hold many people at once expire on their own and are not rewritten: uploaded import files
//! after 7 days (the cells of refused rows with them), export files after
//! `contacts_export_ttl_hours`.

use std::io::Write;

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError};
use playgram_core::time::{now_ms, rfc3339};
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde_json::{Value, json};

use super::events::ContactDeleted;
use super::model::ContactOut;
use super::service::{Context, found};
use super::timeline::{self, ActivityOut, By};
use super::{consent, fold, merge, settings};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::events::catalog;
use crate::http::{AppError, Result};
use crate::state::AppState;

const README: &str = "Everything this workspace holds about one contact, exported under the GDPR right of access.\n\n\
contact.json    the profile: name, emails, phones, identities on each channel, tags, custom fields\n\
consents.json   the current consent per channel and purpose, with source, time and evidence\n\
timeline.json   every interaction and change, newest first (consent history included)\n\
history.json    every change of an attribute: old value, new value, who, when\n\
merged.json     other records of this person that were merged into this one, as they were\n\
files/          files attached to the contact (none yet)\n";

/// The ZIP of everything about the contact; the export is audited.
pub async fn export(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(String, Vec<u8>)> {
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let contact = found(&mut c, ws, id).await?;
    let context = Context::load(&mut c, ws).await?;
    let cid = &contact.row.id;
    let consents: Vec<consent::ConsentOut> = consent::current(&mut c, cid)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let mut activities = Vec::new();
    let mut before = None;
    loop {
        let page = timeline::list(&mut c, ws, cid, None, before.as_ref(), 500).await?;
        let last = page.last().map(|a| a.id.clone());
        let done = page.len() < 500;
        activities.extend(page.into_iter().map(ActivityOut::from));
        if done {
            break;
        }
        before = last;
    }
    let history = timeline::history(&mut c, ws, cid, None).await?;
    let merged = merge::snapshots(&mut c, ws, cid).await?;
    let exported =
        json!({ "exported_at": rfc3339(now_ms()), "workspace": principal.workspace_name });
    let mut contact_json =
        serde_json::to_value(ContactOut::of(&contact, &context.fields)).unwrap_or_default();
    if let Value::Object(map) = &mut contact_json {
        map.insert("export".into(), exported);
    }
    let files: Vec<(&str, Value)> = vec![
        ("contact.json", contact_json),
        (
            "consents.json",
            serde_json::to_value(&consents).unwrap_or_default(),
        ),
        (
            "timeline.json",
            serde_json::to_value(&activities).unwrap_or_default(),
        ),
        (
            "history.json",
            serde_json::to_value(&history).unwrap_or_default(),
        ),
        ("merged.json", Value::Array(merged)),
    ];
    let bytes = zip(&files)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the GDPR zip: {e}")))?;
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact.gdpr_exported").target(cid),
    )
    .await?;
    tx.commit().await?;
    Ok((format!("contact-{cid}.zip"), bytes))
}

fn zip(files: &[(&str, Value)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("README.txt", options)?;
    out.write_all(README.as_bytes())?;
    for (name, value) in files {
        out.start_file(*name, options)?;
        let text = serde_json::to_vec_pretty(value).unwrap_or_default();
        out.write_all(&text)?;
    }
    out.add_directory("files/", options)?;
    Ok(out.finish()?.into_inner())
}

/// Erases the contact by request, as the workspace's `erase_mode` says.
pub async fn erase(state: &AppState, principal: &Principal, id: &str) -> Result<String> {
    let ws = &principal.workspace_id;
    let mode = settings::get(&mut Conn::Db(&state.db), ws)
        .await?
        .erase_mode;
    let mut tx = state.db.begin().await?;
    let contact = found(&mut Conn::Tx(&mut tx), ws, id).await?;
    if contact.row.erased_at.is_some() {
        return Err(AppError::conflict(
            "contact_erased",
            "This contact was erased already.",
        ));
    }
    erase_in(
        &mut tx,
        ws,
        &contact.row.id,
        &mode,
        "request",
        &By::of(principal),
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "contact.erased")
            .target(&contact.row.id)
            .details(json!({ "mode": mode, "reason": "request" })),
    )
    .await?;
    tx.commit().await?;
    Ok(mode)
}

/// Erases in the caller's transaction: the rows (or the personal data), the tombstone, the event.
pub async fn erase_in(
    tx: &mut Tx,
    ws: &WorkspaceId,
    id: &ContactId,
    mode: &str,
    reason: &str,
    by: &By,
) -> Result<()> {
    let now = now_ms();
    let addresses = super::scrub::addresses(tx, ws, id).await?;
    merge::forget(tx, ws, id).await?;
    crate::inbox::erase::contact(tx, ws, id).await?;
    if mode == "anonymise" {
        for table in [
            "contact_emails",
            "contact_phones",
            "contact_identities",
            "contact_tags",
            "contact_values",
            "contact_consents",
            "contact_activities",
            "contact_changes",
        ] {
            let sql = format!("DELETE FROM {table} WHERE contact_id = $1");
            on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id).execute(conn).await.map(|_| ()))?;
        }
        let search = fold::workspace_token(ws);
        on_tx!(tx, conn => sqlx::query(
            "UPDATE contacts SET name = '', avatar_url = NULL, locale = NULL, timezone = NULL, name_sort = '', \
               search = $1, erased_at = $2, updated_at = $2 WHERE workspace_id = $3 AND id = $4")
            .bind(&search).bind(now).bind(ws).bind(id).execute(conn).await.map(|_| ()))?;
        timeline::record(
            tx,
            ws,
            id,
            "erased",
            "Personal data erased",
            &json!({ "reason": reason }),
            by,
        )
        .await?;
    } else {
        super::store::delete(tx, ws, id).await?;
    }
    super::scrub::scrub(tx, ws, id).await?;
    super::scrub::import_errors(tx, ws, &addresses).await?;
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contact_tombstones (workspace_id, contact_id, mode, reason, actor_type, actor_id, erased_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
        .bind(ws).bind(id).bind(mode).bind(reason).bind(by.kind).bind(&by.id).bind(now)
        .execute(conn).await.map(|_| ()))?;
    catalog::emit(
        tx,
        ws,
        &ContactDeleted {
            contact_id: id.clone(),
            erased: true,
            mode: Some(mode.to_owned()),
            reason: Some(reason.to_owned()),
            actor: by.clone(),
        },
    )
    .await?;
    Ok(())
}

/// The tombstone of an erased contact: nothing personal.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
pub struct Tombstone {
    pub contact_id: ContactId,
    pub mode: String,
    pub reason: String,
    #[serde(skip)]
    pub actor_type: String,
    #[serde(skip)]
    pub actor_id: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub erased_at: i64,
}

pub async fn tombstones(
    c: &mut Conn<'_>,
    ws: &WorkspaceId,
    before: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<Tombstone>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT contact_id, mode, reason, actor_type, actor_id, erased_at FROM contact_tombstones \
         WHERE workspace_id = $1 AND ($2 IS NULL OR contact_id < $2) ORDER BY contact_id DESC LIMIT $3")
        .bind(ws).bind(before).bind(limit).fetch_all(conn).await)
}

/// At most this many contacts are erased per workspace per run; the next day's run goes on.
const RETENTION_BATCH: i64 = 5_000;

/// Erases the contacts of every workspace with a retention policy whose last activity (last seen
/// on a channel, else creation) is older than the policy allows. Returns how many.
pub async fn apply_retention(state: &AppState) -> anyhow::Result<usize> {
    let policies = settings::with_retention(&mut Conn::Db(&state.db)).await?;
    let mut erased = 0;
    for (ws, days) in policies {
        let cutoff = now_ms() - i64::from(days) * 86_400_000;
        let mode = settings::get(&mut Conn::Db(&state.db), &ws)
            .await?
            .erase_mode;
        let ids: Vec<ContactId> = on_conn!(&mut Conn::Db(&state.db), conn => sqlx::query_scalar(
            "SELECT id FROM contacts WHERE workspace_id = $1 AND erased_at IS NULL \
               AND (CASE WHEN last_seen_at > created_at THEN last_seen_at ELSE created_at END) < $2 \
             ORDER BY id LIMIT $3")
            .bind(&ws).bind(cutoff).bind(RETENTION_BATCH).fetch_all(conn).await)?;
        for chunk in ids.chunks(200) {
            let mut tx = state.db.begin().await?;
            for id in chunk {
                erase_in(&mut tx, &ws, id, &mode, "retention", &By::system())
                    .await
                    .map_err(|e| anyhow::anyhow!("erasing {id}: {e:?}"))?;
            }
            audit::record(&mut tx, Entry {
                workspace_id: Some(&ws),
                actor_user_id: None,
                actor_api_key_id: None,
                action: "contact.retention_erased",
                target: None,
                ip: None,
                details: json!({ "contacts": chunk.len(), "retention_days": days, "mode": mode }),
            }).await?;
            tx.commit().await?;
            erased += chunk.len();
        }
    }
    Ok(erased)
}

/// The daily retention run (cron `contacts.retention`).
pub struct RetentionJob {
    pub state: AppState,
}

impl Job for RetentionJob {
    const NAME: &'static str = "contacts.retention";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        let n = apply_retention(&self.state).await?;
        if n > 0 {
            tracing::info!(contacts = n, "retention policy erased inactive contacts");
        }
        Ok(())
    }
}
