//! One inbound message stored at once, outside the webhook path: the website chat and the API
//! channel receive over their own HTTP calls, so there is no raw payload to keep first; the
//! message goes through the same [`Batch`] (contact by identity, conversation, events,
//! assignment), in one transaction, before the caller is answered.

use playgram_core::on_tx;
use playgram_core::time::now_ms;
use playgram_providers::meta::inbound::{Event, Message, Person};
use serde_json::Value;

use super::Batch;
use crate::http::{AppError, Result};
use crate::inbox::channels::ChannelRow;
use crate::state::AppState;

/// A message a customer sent through a channel's own API.
pub struct Inbound {
    pub customer: Person,
    /// Unique per channel: the same id again is the same message (stored once).
    pub provider_id: String,
    pub kind: String,
    pub text: String,
    pub content: Value,
    pub at: Option<i64>,
}

/// Stores the message unless the channel has it already; answers its id and whether it is new.
pub async fn store(state: &AppState, channel: &ChannelRow, m: Inbound) -> Result<(String, bool)> {
    let mut tx = state.db.begin().await?;
    if tx.backend() == playgram_core::Backend::Postgres {
        // Two first messages of one customer at once (two tabs, a retry racing the original)
        // must make one contact and one conversation: take turns per channel.
        on_tx!(&mut tx, conn => sqlx::query("SELECT id FROM channels WHERE id = $1 FOR UPDATE")
            .bind(&channel.id).execute(conn).await.map(drop))?;
    }
    let known: Option<String> = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "SELECT id FROM messages WHERE channel_id = $1 AND provider_id = $2")
        .bind(&channel.id).bind(&m.provider_id).fetch_optional(conn).await)?;
    if let Some(id) = known {
        return Ok((id, false));
    }
    let provider_id = m.provider_id.clone();
    let mut batch = Batch::new(channel.workspace_id.clone());
    let events = vec![Event::Message(Message {
        customer: m.customer,
        provider_id: m.provider_id,
        kind: m.kind,
        text: m.text,
        content: m.content,
        reply_to: None,
        at: m.at.unwrap_or_else(now_ms),
        flag: None,
    })];
    batch.apply(&mut tx, channel, events).await?;
    batch.finish(&mut tx).await?;
    let id: Option<String> = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "SELECT id FROM messages WHERE channel_id = $1 AND provider_id = $2")
        .bind(&channel.id).bind(&provider_id).fetch_optional(conn).await)?;
    tx.commit().await?;
    let id = id.ok_or_else(|| AppError::Internal(anyhow::anyhow!("the message was not stored")))?;
    Ok((id, true))
}
