//! Changing conversations: status (open, pending, snoozed until a time, resolved), priority,
//! assignee; internal notes with @mentions; tags; marking read. Each change is one transaction
//! and leaves an activity line in the thread, so the history says who did what.

use std::collections::BTreeMap;

use playgram_core::ids::{ConversationId, TagId, UserId, WorkspaceId};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::Deserialize;
use serde_json::json;

use super::store::{self, NewMessage};
use super::{ConversationRow, MessageRow, STATUSES};
use crate::auth::{Actor, Capability, Principal};
use crate::http::{AppError, FieldErrors, Result};
use crate::inbox::{assign, events};
use crate::state::AppState;

pub const PRIORITIES: [&str; 5] = ["none", "low", "medium", "high", "urgent"];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    pub status: Option<String>,
    pub priority: Option<String>,
    /// RFC 3339; sets the status to snoozed. The conversation reopens then, or at the customer's
    /// next message.
    pub snoozed_until: Option<String>,
    /// A member's user id; `null` unassigns.
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub assignee_id: Option<Option<String>>,
}

/// The person acting, if it is one (API keys act as the workspace).
fn author(principal: &Principal) -> Option<&UserId> {
    match &principal.actor {
        Actor::User(id) => Some(id),
        Actor::ApiKey(_) => None,
    }
}

async fn name_of(c: &mut Conn<'_>, user: &UserId) -> sqlx::Result<String> {
    let name: Option<String> = on_conn!(c, conn => sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user).fetch_optional(conn).await)?;
    Ok(name.unwrap_or_else(|| "someone".into()))
}

async fn who(c: &mut Conn<'_>, principal: &Principal) -> sqlx::Result<String> {
    match author(principal) {
        Some(user) => name_of(c, user).await,
        None => Ok("the API".into()),
    }
}

/// The conversation, locked for the rest of the transaction on PostgreSQL (SQLite's write
/// transactions already take turns), so two agents' changes cannot overwrite each other.
pub async fn found_in(tx: &mut Tx, ws: &WorkspaceId, id: &str) -> Result<ConversationRow> {
    if tx.backend() == playgram_core::Backend::Postgres {
        on_tx!(tx, conn => sqlx::query("SELECT id FROM conversations WHERE workspace_id = $1 AND id = $2 FOR UPDATE")
            .bind(ws).bind(id).execute(conn).await.map(drop))?;
    }
    store::get(&mut Conn::Tx(tx), ws, id)
        .await?
        .ok_or_else(AppError::not_found)
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    patch: &ConversationPatch,
) -> Result<ConversationRow> {
    principal.require(Capability::ReplyInbox)?;
    let ws = &principal.workspace_id;
    let now = now_ms();
    let mut errors = FieldErrors::new();
    let status = patch.status.as_deref().map(str::trim);
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        errors.insert(
            "status",
            "Choose open, pending, snoozed or resolved.".into(),
        );
    }
    if let Some(p) = patch.priority.as_deref()
        && !PRIORITIES.contains(&p)
    {
        errors.insert(
            "priority",
            "Choose none, low, medium, high or urgent.".into(),
        );
    }
    let snooze: Option<Millis> = match patch.snoozed_until.as_deref() {
        None => None,
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text.trim()) {
            Ok(t) if t.timestamp_millis() > now => Some(t.timestamp_millis()),
            Ok(_) => {
                errors.insert("snoozed_until", "Snooze until a time in the future.".into());
                None
            }
            Err(_) => {
                errors.insert(
                    "snoozed_until",
                    "Give an RFC 3339 time, e.g. 2026-12-24T09:00:00Z.".into(),
                );
                None
            }
        },
    };
    if status == Some("snoozed") && snooze.is_none() && !errors.contains_key("snoozed_until") {
        errors.insert("snoozed_until", "Say until when to snooze.".into());
    }
    if snooze.is_some() && status.is_some_and(|s| s != "snoozed") {
        errors.insert(
            "snoozed_until",
            "Only a snoozed conversation has a snooze time.".into(),
        );
    }
    let mut tx = state.db.begin().await?;
    let mut row = found_in(&mut tx, ws, id).await?;
    let assignee = match &patch.assignee_id {
        Some(Some(user)) => match assignable(&mut tx, ws, user).await? {
            Some(user) => Some(Some(user)),
            None => {
                errors.insert(
                    "assignee_id",
                    "Choose a member who may reply to conversations.".into(),
                );
                None
            }
        },
        Some(None) => Some(None),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let actor = who(&mut Conn::Tx(&mut tx), principal).await?;
    let mut lines = Vec::new();
    let mut changes = BTreeMap::new();
    let new_status = if snooze.is_some() {
        Some("snoozed")
    } else {
        status
    };
    if let Some(s) = new_status
        && (s != row.status || snooze.is_some())
    {
        row.status = s.to_owned();
        row.snoozed_until = snooze;
        changes.insert("status", json!(s));
        lines.push(match (s, snooze) {
            ("snoozed", Some(until)) => format!(
                "{actor} snoozed the conversation until {}",
                playgram_core::time::rfc3339(until)
            ),
            ("resolved", _) => format!("{actor} resolved the conversation"),
            ("pending", _) => format!("{actor} marked the conversation pending"),
            _ => format!("{actor} reopened the conversation"),
        });
    }
    if let Some(p) = &patch.priority
        && *p != row.priority
    {
        row.priority = p.clone();
        changes.insert("priority", json!(p));
        lines.push(format!("{actor} set the priority to {p}"));
    }
    if let Some(assignee) = assignee
        && assignee != row.assignee_id
    {
        lines.push(match &assignee {
            Some(user) => format!(
                "{actor} assigned the conversation to {}",
                name_of(&mut Conn::Tx(&mut tx), user).await?
            ),
            None => format!("{actor} unassigned the conversation"),
        });
        changes.insert("assignee_id", json!(assignee));
        row.assignee_id = assignee;
    }
    if lines.is_empty() {
        return Ok(row);
    }
    row.updated_at = now;
    store::save_state(&mut tx, &row).await?;
    events::conversation_updated(&mut tx, ws, &row.id, changes).await?;
    let notes: Vec<NewMessage> = lines
        .into_iter()
        .map(|line| {
            assign::activity(
                ws,
                &row.id,
                row.channel_id.as_str(),
                line,
                author(principal),
                now,
            )
        })
        .collect();
    store::insert_messages(&mut tx, &notes).await?;
    // Resolving, snoozing or unassigning may free room (or queue this one).
    assign::assign_waiting(&mut tx, ws, now).await?;
    let row = found_in(&mut tx, ws, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// The member, if they may reply in this workspace.
async fn assignable(tx: &mut Tx, ws: &WorkspaceId, user: &str) -> sqlx::Result<Option<UserId>> {
    let agents = assign::agents(&mut Conn::Tx(tx), ws).await?;
    Ok(agents
        .into_iter()
        .find(|a| a.user_id.as_str() == user)
        .map(|a| a.user_id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub text: String,
}

/// An internal note: seen by the team, never sent. `@name` mentions a member (their email's local
/// part or their name without spaces, any case); the mentioned are listed in `content.mentions`.
pub async fn add_note(
    state: &AppState,
    principal: &Principal,
    id: &str,
    note: &NoteIn,
) -> Result<MessageRow> {
    principal.require(Capability::ReplyInbox)?;
    let text = note.text.trim();
    if text.is_empty() {
        return Err(AppError::field("text", "Write the note."));
    }
    if text.chars().count() > 10_000 {
        return Err(AppError::field("text", "Keep a note to 10,000 characters."));
    }
    let ws = &principal.workspace_id;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let row = found_in(&mut tx, ws, id).await?;
    let members = assign::agents(&mut Conn::Tx(&mut tx), ws).await?;
    let mentions: Vec<_> = mentioned(text)
        .into_iter()
        .filter_map(|handle| {
            members.iter().find(|m| {
                let local = m.email.split('@').next().unwrap_or_default();
                let joined: String = m.name.split_whitespace().collect();
                local.eq_ignore_ascii_case(&handle)
                    || joined.to_lowercase() == handle.to_lowercase()
            })
        })
        .map(|m| json!({ "user_id": m.user_id, "name": m.name }))
        .collect();
    let mut message = assign::activity(
        ws,
        &row.id,
        row.channel_id.as_str(),
        text.to_owned(),
        author(principal),
        now,
    );
    message.kind = "note".into();
    message.content = json!({ "mentions": mentions }).to_string();
    let message_id = message.id.clone();
    store::insert_messages(&mut tx, &[message]).await?;
    let stored = store::message_in(&mut tx, &message_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(stored)
}

/// The handles after `@` in a text (letters, digits, `.`, `_`, `-`; a trailing `.` is punctuation).
fn mentioned(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '@' && (i == 0 || !chars[i - 1].is_alphanumeric());
        if starts {
            let handle: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let handle = handle.trim_end_matches('.').to_owned();
            i += handle.len().max(1);
            if !handle.is_empty() && !out.contains(&handle) {
                out.push(handle);
            }
        }
        i += 1;
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagsIn {
    pub tags: Vec<String>,
}

/// Tags the conversation (tags that do not exist yet are created).
pub async fn add_tags(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: &TagsIn,
) -> Result<()> {
    principal.require(Capability::ReplyInbox)?;
    if input.tags.is_empty() || input.tags.len() > 20 {
        return Err(AppError::field("tags", "Give 1 to 20 tag names."));
    }
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = found_in(&mut tx, ws, id).await?;
    let tags = crate::contacts::tags::service::resolve(&mut tx, ws, &input.tags, true).await?;
    for tag in &tags {
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&row.id).bind(&tag.id).execute(conn).await.map(drop))?;
    }
    tags_changed(&mut tx, ws, &row.id).await?;
    tx.commit().await?;
    Ok(())
}

/// `conversation.updated` with the tag names now on the conversation.
async fn tags_changed(tx: &mut Tx, ws: &WorkspaceId, id: &ConversationId) -> sqlx::Result<()> {
    let names: Vec<String> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT t.name FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id \
         WHERE ct.conversation_id = $1 ORDER BY t.name_key")
        .bind(id).fetch_all(conn).await)?;
    let changes = BTreeMap::from([("tags", json!(names))]);
    events::conversation_updated(tx, ws, id, changes).await
}

pub async fn remove_tag(
    state: &AppState,
    principal: &Principal,
    id: &str,
    tag: &str,
) -> Result<()> {
    principal.require(Capability::ReplyInbox)?;
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = found_in(&mut tx, ws, id).await?;
    let tag = TagId::parse(tag).ok_or_else(AppError::not_found)?;
    let n = on_tx!(&mut tx, conn => sqlx::query(
        "DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_id = $2")
        .bind(&row.id).bind(&tag).execute(conn).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    tags_changed(&mut tx, ws, &row.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks the conversation read up to its latest message, for the caller (and clears the shared
/// unread count).
pub async fn mark_read(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<ConversationRow> {
    principal.require(Capability::ReadInbox)?;
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let mut row = found_in(&mut tx, ws, id).await?;
    if let Some(user) = author(principal) {
        store::mark_read_by(&mut tx, &row.id, user).await?;
    }
    if row.unread != 0 {
        row.unread = 0;
        on_tx!(&mut tx, conn => sqlx::query("UPDATE conversations SET unread = 0 WHERE id = $1")
            .bind(&row.id).execute(conn).await.map(drop))?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Reopens snoozed conversations whose time has come (run by the maintenance sweep).
pub async fn wake_snoozed(
    tx: &mut Tx,
    now: Millis,
) -> sqlx::Result<Vec<(WorkspaceId, ConversationId, String)>> {
    on_tx!(tx, conn => sqlx::query_as(
        "UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = $1 \
         WHERE status = 'snoozed' AND snoozed_until <= $1 RETURNING workspace_id, id, channel_id")
        .bind(now).fetch_all(conn).await)
}

#[cfg(test)]
mod tests {
    use super::mentioned;

    #[test]
    fn mentions_are_handles_after_an_at_sign() {
        assert_eq!(
            mentioned("@ana can you check? cc @Bo.Li."),
            ["ana", "Bo.Li"]
        );
        assert_eq!(mentioned("mail ana@example.com"), Vec::<String>::new());
        assert_eq!(mentioned("@ana @ana @"), ["ana"]);
    }
}
