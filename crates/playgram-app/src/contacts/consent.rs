//! Consent: a contact's opt-in or opt-out per channel and purpose, with its source, time and
//! evidence; and the check senders must make before sending.
//!
//! The rule [`check`] applies: the purposes `transactional` and `service` (order updates, replies
//! to the person's own questions) may be sent unless the person opted out; every other purpose
//! (`marketing`, `newsletter`, `surveys`, …) needs a recorded opt-in on that channel. An erased
//! contact may receive nothing. Every change is kept in the timeline (kind `consent_changed`,
//! with the previous status), so the proof of an opt-in outlives later changes.

use playgram_core::ids::{ContactId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::channel::Channel;
use super::events::ContactConsentChanged;
use super::input::Problems;
use super::timeline::{self, By};
use crate::events::catalog;
use crate::http::AppError;

/// Purposes allowed without an opt-in (unless the person opted out).
pub const WITHOUT_OPT_IN: [&str; 2] = ["transactional", "service"];

pub fn parse_purpose(text: &str) -> Result<String, String> {
    let p = text.trim().to_ascii_lowercase();
    if (1..=40).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(p)
    } else {
        Err("A purpose is 1 to 40 of a-z, 0-9 and _, such as marketing or transactional.".into())
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ConsentRow {
    #[serde(skip)]
    pub contact_id: ContactId,
    pub channel: String,
    pub purpose: String,
    pub status: String,
    pub source: String,
    pub evidence: String,
    #[serde(skip)]
    pub actor_type: String,
    #[serde(skip)]
    pub actor_id: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub recorded_at: Millis,
}

/// A consent as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ConsentOut {
    #[serde(flatten)]
    pub row: ConsentRow,
    pub recorded_by: By,
}

impl From<ConsentRow> for ConsentOut {
    fn from(row: ConsentRow) -> Self {
        ConsentOut {
            recorded_by: By::stored(&row.actor_type, row.actor_id.clone()),
            row,
        }
    }
}

/// `POST /api/v1/contacts/{id}/consents`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    pub channel: String,
    pub purpose: String,
    /// opted_in or opted_out.
    pub status: String,
    /// How it was given: form, keyword, checkbox, import, api, dashboard, verbal, …
    #[serde(default)]
    pub source: Option<String>,
    /// The proof: the message text, the form's URL, a reference to a signed paper.
    #[serde(default)]
    pub evidence: Option<String>,
    /// When it was given, if not now (RFC 3339, not in the future).
    #[serde(default)]
    pub recorded_at: Option<String>,
}

/// A checked consent record.
#[derive(Clone, Debug)]
pub struct Record {
    pub channel: Channel,
    pub purpose: String,
    pub status: &'static str,
    pub source: String,
    pub evidence: String,
    pub at: Millis,
}

impl ConsentIn {
    pub fn parse(&self, default_source: &str) -> Result<Record, AppError> {
        let mut problems = Problems::default();
        let channel = Channel::parse(&self.channel);
        if channel.is_none() {
            problems.add(
                "channel",
                "Use whatsapp, instagram, messenger, manychat, website, email or sms.",
            );
        }
        let purpose = parse_purpose(&self.purpose)
            .map_err(|m| problems.add("purpose", m))
            .ok();
        let status = match self.status.trim() {
            "opted_in" => Some("opted_in"),
            "opted_out" => Some("opted_out"),
            _ => {
                problems.add("status", "Use opted_in or opted_out.");
                None
            }
        };
        let source = match self
            .source
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => default_source.to_owned(),
            Some(s) => match super::input::parse_source(s) {
                Ok(s) => s,
                Err(m) => {
                    problems.add("source", m);
                    String::new()
                }
            },
        };
        let evidence = self
            .evidence
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if evidence.chars().count() > 2000 {
            problems.add("evidence", "Use at most 2,000 characters.");
        }
        let now = now_ms();
        let at = match self
            .recorded_at
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => now,
            Some(t) => match chrono::DateTime::parse_from_rfc3339(t) {
                Ok(at) if at.timestamp_millis() <= now + 60_000 => at.timestamp_millis(),
                Ok(_) => {
                    problems.add("recorded_at", "Consent cannot be given in the future.");
                    now
                }
                Err(_) => {
                    problems.add(
                        "recorded_at",
                        "Use an RFC 3339 time such as 2026-12-03T10:00:00Z.",
                    );
                    now
                }
            },
        };
        problems.into_result(())?;
        Ok(Record {
            channel: channel.unwrap_or(Channel::Email),
            purpose: purpose.unwrap_or_default(),
            status: status.unwrap_or("opted_out"),
            source,
            evidence,
            at,
        })
    }
}

pub async fn current(c: &mut Conn<'_>, contact: &ContactId) -> sqlx::Result<Vec<ConsentRow>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT contact_id, channel, purpose, status, source, evidence, actor_type, actor_id, recorded_at \
         FROM contact_consents WHERE contact_id = $1 ORDER BY channel, purpose")
        .bind(contact).fetch_all(conn).await)
}

async fn one(
    c: &mut Conn<'_>,
    contact: &ContactId,
    channel: Channel,
    purpose: &str,
) -> sqlx::Result<Option<ConsentRow>> {
    on_conn!(c, conn => sqlx::query_as(
        "SELECT contact_id, channel, purpose, status, source, evidence, actor_type, actor_id, recorded_at \
         FROM contact_consents WHERE contact_id = $1 AND channel = $2 AND purpose = $3")
        .bind(contact).bind(channel.as_str()).bind(purpose).fetch_optional(conn).await)
}

/// Records a consent in the caller's transaction: the current state, the timeline entry and the
/// `contact.consent_changed` event. A record older than the one stored goes to the timeline only
/// (it is history, not the current state).
pub async fn record(
    tx: &mut Tx,
    ws: &WorkspaceId,
    contact: &ContactId,
    r: &Record,
    by: &By,
) -> sqlx::Result<()> {
    let previous = one(&mut Conn::Tx(tx), contact, r.channel, &r.purpose).await?;
    let is_current = previous.as_ref().is_none_or(|p| p.recorded_at <= r.at);
    if is_current {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO contact_consents (contact_id, workspace_id, channel, purpose, status, source, evidence, actor_type, actor_id, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (contact_id, channel, purpose) DO UPDATE SET status = $5, source = $6, evidence = $7, \
               actor_type = $8, actor_id = $9, recorded_at = $10")
            .bind(contact).bind(ws).bind(r.channel.as_str()).bind(&r.purpose).bind(r.status)
            .bind(&r.source).bind(&r.evidence).bind(by.kind).bind(&by.id).bind(r.at)
            .execute(conn).await.map(|_| ()))?;
    }
    let previous_status = previous.map(|p| p.status);
    let verb = if r.status == "opted_in" {
        "Opted in to"
    } else {
        "Opted out of"
    };
    let summary = format!("{verb} {} on {}", r.purpose, r.channel.label());
    let data = json!({
        "channel": r.channel.as_str(), "purpose": r.purpose, "status": r.status,
        "previous_status": previous_status, "source": r.source, "evidence": r.evidence,
        "recorded_at": playgram_core::time::rfc3339(r.at), "current": is_current,
    });
    timeline::record_at(
        tx,
        ws,
        contact,
        "consent_changed",
        &summary,
        &data,
        by,
        r.at,
    )
    .await?;
    let event = ContactConsentChanged {
        contact_id: contact.clone(),
        channel: r.channel.as_str().to_owned(),
        purpose: r.purpose.clone(),
        status: r.status.to_owned(),
        previous_status,
        source: r.source.clone(),
        evidence: r.evidence.clone(),
        recorded_at: r.at,
        current: is_current,
        actor: by.clone(),
    };
    catalog::emit(tx, ws, &event).await?;
    Ok(())
}

/// The answer to "may I send this?".
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub contact_id: ContactId,
    pub channel: String,
    pub purpose: String,
    /// opted_in, opted_out or unknown (nothing recorded).
    pub status: String,
    /// `opt_in_required` (marketing and other purposes) or `opt_out_respected` (transactional,
    /// service).
    pub rule: &'static str,
    /// Why, in words.
    pub reason: String,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub recorded_at: Option<Millis>,
    pub source: Option<String>,
}

/// Decides whether `purpose` may be sent to the contact on `channel`.
pub async fn check(
    c: &mut Conn<'_>,
    contact: &ContactId,
    erased: bool,
    channel: Channel,
    purpose: &str,
) -> sqlx::Result<Decision> {
    let row = one(c, contact, channel, purpose).await?;
    let status = row
        .as_ref()
        .map_or("unknown", |r| r.status.as_str())
        .to_owned();
    let opt_out_only = WITHOUT_OPT_IN.contains(&purpose);
    let rule = if opt_out_only {
        "opt_out_respected"
    } else {
        "opt_in_required"
    };
    let (allowed, reason) = match (erased, opt_out_only, status.as_str()) {
        (true, _, _) => (false, "The contact was erased.".to_owned()),
        (_, _, "opted_out") => (
            false,
            format!("The contact opted out of {purpose} on {}.", channel.label()),
        ),
        (_, true, _) => (
            true,
            format!("{purpose} messages are allowed unless the contact opts out."),
        ),
        (_, false, "opted_in") => (
            true,
            format!("The contact opted in to {purpose} on {}.", channel.label()),
        ),
        _ => (
            false,
            format!(
                "{purpose} on {} needs an opt-in, and none is recorded.",
                channel.label()
            ),
        ),
    };
    Ok(Decision {
        allowed,
        contact_id: contact.clone(),
        channel: channel.as_str().to_owned(),
        purpose: purpose.to_owned(),
        status,
        rule,
        reason,
        recorded_at: row.as_ref().map(|r| r.recorded_at),
        source: row.map(|r| r.source),
    })
}
