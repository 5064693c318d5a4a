//! Who answers: manual assignment, and automatic round-robin among available members.
//!
//! Every member who may reply (owner, admin, manager, agent) has an availability (off until they
//! turn it on) and a capacity: how many open or pending conversations they take at once (snoozed
//! and resolved ones do not count). With automatic assignment on, a conversation without an
//! assignee waits in the queue (oldest customer message first) until an available member has room;
//! the member given one longest ago gets the next. The queue moves whenever room may have appeared:
//! new or reopened conversations, a conversation resolved, snoozed or unassigned, a member turning
//! available or raising their capacity, automatic assignment turned on.

use std::collections::BTreeMap;

use playgram_core::ids::{ConversationId, UserId, WorkspaceId};
use playgram_core::time::Millis;
use playgram_core::{Conn, Tx, on_conn, on_tx};
use serde::Serialize;

use crate::auth::{Capability, Role};
use crate::inbox::conversations::store::{self as conversations, NewMessage};
use crate::inbox::events;
use serde_json::json;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Agent {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub available: bool,
    pub capacity: i64,
    /// Open and pending conversations assigned to them now.
    pub open: i64,
    #[serde(skip)]
    pub last_assigned_at: Millis,
}

impl Agent {
    fn may_reply(&self) -> bool {
        Role::parse(&self.role).is_some_and(|r| r.can(Capability::ReplyInbox))
    }
}

/// The workspace's members who may reply, with their load.
pub async fn agents(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<Vec<Agent>> {
    let rows: Vec<Agent> = on_conn!(c, conn => sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, m.role, m.inbox_available AS available, \
           m.inbox_capacity AS capacity, \
           (SELECT COUNT(*) FROM conversations c WHERE c.workspace_id = m.workspace_id \
              AND c.assignee_id = m.user_id AND c.status IN ('open', 'pending')) AS open, \
           m.inbox_last_assigned_at AS last_assigned_at \
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.name, u.id")
        .bind(ws).fetch_all(conn).await)?;
    Ok(rows.into_iter().filter(Agent::may_reply).collect())
}

pub async fn auto_assign(c: &mut Conn<'_>, ws: &WorkspaceId) -> sqlx::Result<bool> {
    let on: Option<bool> = on_conn!(c, conn => sqlx::query_scalar(
        "SELECT auto_assign FROM inbox_settings WHERE workspace_id = $1")
        .bind(ws).fetch_optional(conn).await)?;
    Ok(on.unwrap_or(false))
}

pub async fn set_auto_assign(
    tx: &mut Tx,
    ws: &WorkspaceId,
    on: bool,
    at: Millis,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO inbox_settings (workspace_id, auto_assign, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET auto_assign = excluded.auto_assign, updated_at = excluded.updated_at")
        .bind(ws).bind(on).bind(at).execute(conn).await.map(drop))
}

pub async fn set_agent(
    tx: &mut Tx,
    ws: &WorkspaceId,
    user: &UserId,
    available: Option<bool>,
    capacity: Option<i64>,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, conn => sqlx::query(
        "UPDATE memberships SET inbox_available = COALESCE($1, inbox_available), \
           inbox_capacity = COALESCE($2, inbox_capacity) WHERE workspace_id = $3 AND user_id = $4")
        .bind(available).bind(capacity).bind(ws).bind(user).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A member who left: their open conversations become unassigned (each with an activity line
/// and an event), then automatic assignment hands them on.
pub async fn release(tx: &mut Tx, ws: &WorkspaceId, user: &UserId) -> sqlx::Result<()> {
    let now = playgram_core::time::now_ms();
    let held: Vec<(ConversationId, String)> = on_tx!(tx, conn => sqlx::query_as(
        "UPDATE conversations SET assignee_id = NULL, updated_at = $1 \
         WHERE workspace_id = $2 AND assignee_id = $3 RETURNING id, channel_id")
        .bind(now).bind(ws).bind(user).fetch_all(conn).await)?;
    if held.is_empty() {
        return Ok(());
    }
    let mut notes = Vec::with_capacity(held.len());
    for (conversation, channel) in &held {
        let changes = BTreeMap::from([("assignee_id", serde_json::Value::Null)]);
        events::conversation_updated(tx, ws, conversation, changes).await?;
        notes.push(activity(
            ws,
            conversation,
            channel,
            "Unassigned: the member left the workspace".into(),
            None,
            now,
        ));
    }
    conversations::insert_messages(tx, &notes).await?;
    assign_waiting(tx, ws, now).await.map(drop)
}

/// Gives waiting conversations to available members with room, round-robin; returns the
/// assignments made. Does nothing when automatic assignment is off.
pub async fn assign_waiting(
    tx: &mut Tx,
    ws: &WorkspaceId,
    now: Millis,
) -> sqlx::Result<Vec<(ConversationId, UserId)>> {
    if !auto_assign(&mut Conn::Tx(tx), ws).await? {
        return Ok(Vec::new());
    }
    let mut agents: Vec<Agent> = agents(&mut Conn::Tx(tx), ws)
        .await?
        .into_iter()
        .filter(|a| a.available && a.open < a.capacity)
        .collect();
    if agents.is_empty() {
        return Ok(Vec::new());
    }
    let waiting: Vec<(ConversationId, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, channel_id FROM conversations WHERE workspace_id = $1 AND assignee_id IS NULL \
           AND status IN ('open', 'pending') ORDER BY COALESCE(last_inbound_at, created_at), id LIMIT 500")
        .bind(ws).fetch_all(conn).await)?;
    let mut made = Vec::new();
    let mut notes = Vec::new();
    for (tick, (conversation, channel)) in waiting.into_iter().enumerate() {
        let Some(agent) = agents
            .iter_mut()
            .filter(|a| a.open < a.capacity)
            .min_by(|a, b| (a.last_assigned_at, &a.user_id).cmp(&(b.last_assigned_at, &b.user_id)))
        else {
            break;
        };
        agent.open += 1;
        // Distinct times keep the round-robin order within one millisecond.
        agent.last_assigned_at = now + tick as i64;
        on_tx!(tx, conn => sqlx::query(
            "UPDATE conversations SET assignee_id = $1, updated_at = $2 WHERE id = $3")
            .bind(&agent.user_id).bind(now).bind(&conversation).execute(conn).await.map(drop))?;
        on_tx!(tx, conn => sqlx::query(
            "UPDATE memberships SET inbox_last_assigned_at = $1 WHERE workspace_id = $2 AND user_id = $3")
            .bind(agent.last_assigned_at).bind(ws).bind(&agent.user_id).execute(conn).await.map(drop))?;
        notes.push(activity(
            ws,
            &conversation,
            &channel,
            format!("Assigned to {} (automatic)", agent.name),
            None,
            now,
        ));
        let changes = BTreeMap::from([("assignee_id", json!(agent.user_id))]);
        events::conversation_updated(tx, ws, &conversation, changes).await?;
        made.push((conversation, agent.user_id.clone()));
    }
    conversations::insert_messages(tx, &notes).await?;
    Ok(made)
}

/// An activity line in a conversation (assignment, status change), by `author` or the system.
pub fn activity(
    ws: &WorkspaceId,
    conversation: &ConversationId,
    channel: &str,
    text: String,
    author: Option<&UserId>,
    now: Millis,
) -> NewMessage {
    NewMessage {
        id: playgram_core::ids::InboxMessageId::new().to_string(),
        workspace_id: ws.clone(),
        conversation_id: conversation.clone(),
        channel_id: playgram_core::ids::ChannelId::parse(channel).unwrap_or_default(),
        direction: "note",
        kind: "activity".into(),
        text,
        content: "{}".into(),
        provider_id: None,
        reply_to: None,
        status: "received",
        author_id: author.map(|a| a.to_string()),
        sent_at: now,
        now,
    }
}
