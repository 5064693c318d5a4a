//! `inbox.send`: sends one queued reply through its channel's provider.
//!
//! What Meta answers decides what happens (see `playgram_providers::meta::graph::Kind`):
//! - accepted: the provider id is recorded and the message is `sent`; statuses that overtook it
//!   are applied.
//! - window closed (131047; Instagram 10/2534022), undeliverable (131026), any other refusal:
//!   `failed`, with Meta's code and a reason a person can act on. Not retried.
//! - throttled (130429, 131056, HTTP 429): tried again later, increasingly later; still `queued`.
//! - token invalid (190): `failed`, and the channel is marked `reconnect` and its owners and admins
//!   are emailed (once, when the status changes). Later replies are refused until a new token.
//! - no answer or 5xx: tried again; after the last attempt, `failed`. (Meta has no idempotency key
//!   for messages: a reply whose answer was lost may arrive twice.)
//!
//! Each channel sends at most [`RATE_PER_SECOND`] messages a second (a job limit, across workers).

use playgram_core::Conn;
use std::time::Duration;

use playgram_core::ids::ChannelId;
use playgram_core::jobs::{Job, JobContext, JobError, Limit};
use playgram_core::time::now_ms;
use playgram_core::{Tx, on_tx};
use playgram_providers::meta::graph::{GraphError, Kind as Failure};

use super::{body, reconnect};
use crate::inbox::channels::{ChannelRow, Kind, store as channels};
use crate::inbox::conversations::{MessageRow, store};
use crate::inbox::events;
use crate::state::AppState;

/// Messages per second per channel: Meta's default WhatsApp throughput is 80.
pub const RATE_PER_SECOND: u32 = 80;

pub fn channel_limit(channel: &ChannelId, _kind: Kind) -> Limit {
    Limit::key(format!("inbox.send:{channel}")).rate(RATE_PER_SECOND, Duration::from_secs(1))
}

pub struct SendJob {
    pub state: AppState,
}

impl Job for SendJob {
    const NAME: &'static str = "inbox.send";
    const QUEUE: &'static str = "inbox";
    const MAX_ATTEMPTS: i32 = 8;
    type Payload = String;

    fn backoff(&self, attempt: i32) -> Duration {
        playgram_core::jobs::backoff::full_jitter(
            attempt,
            Duration::from_secs(2),
            Duration::from_secs(600),
        )
    }

    async fn run(&self, context: JobContext, message_id: String) -> Result<(), JobError> {
        let state = &self.state;
        let mut tx = state.db.begin().await?;
        let Some(message) = store::message_in(&mut tx, &message_id).await? else {
            return Ok(()); // Deleted with its conversation.
        };
        if message.status != "queued" {
            return Ok(()); // Sent (or given up) by an earlier run.
        }
        let conversation: Option<(String, String)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT workspace_id, customer_ref FROM conversations WHERE id = $1")
            .bind(&message.conversation_id).fetch_optional(conn).await)?;
        let Some((workspace, to)) = conversation else {
            return Ok(());
        };
        let ws = playgram_core::ids::WorkspaceId::parse(&workspace).unwrap_or_default();
        let Some(channel) =
            channels::get(&mut Conn::Tx(&mut tx), &ws, message.channel_id.as_str()).await?
        else {
            return Ok(());
        };
        drop(tx);
        let secrets = channel.secrets(&state.sealer);
        let token = secrets.access_token.unwrap_or_default();
        let kind = channel.kind();
        let mut message = message;
        if kind == Kind::Whatsapp
            && let Err(error) = upload_file(state, &channel, &token, &mut message).await?
        {
            return failed(state, &context, &channel, &message, error).await;
        }
        let request = body::request(kind, &to, &message, message.reply_to.as_deref());
        let account = channel.external_id.clone().unwrap_or_default();
        let sent = match kind {
            Kind::Whatsapp => state.graph.send_whatsapp(&token, &account, &request).await,
            _ => state.graph.send_messaging(&token, &account, &request).await,
        };
        match sent {
            Ok(provider_id) => Ok(delivered(state, &channel, &message, &provider_id).await?),
            Err(error) => failed(state, &context, &channel, &message, error).await,
        }
    }
}

/// A reply carrying a stored file: uploaded to WhatsApp's media API once (the media id is kept
/// on the message, so a retried send does not upload again).
async fn upload_file(
    state: &AppState,
    channel: &ChannelRow,
    token: &str,
    message: &mut MessageRow,
) -> Result<Result<(), GraphError>, JobError> {
    let mut content: serde_json::Value = serde_json::from_str(&message.content).unwrap_or_default();
    let Some(file) = content["media"]["file_id"]
        .as_str()
        .and_then(playgram_core::ids::FileId::parse)
    else {
        return Ok(Ok(()));
    };
    if content["media"]["id"].is_string() {
        return Ok(Ok(()));
    }
    let c = &mut Conn::Db(&state.db);
    let (Some(meta), Some(bytes)) = (
        crate::files::meta(c, &channel.workspace_id, &file).await?,
        crate::files::data(c, &channel.workspace_id, &file).await?,
    ) else {
        return Ok(Err(GraphError {
            kind: Failure::Refused,
            status: 0,
            code: None,
            subcode: None,
            message: "The file to send is gone from Playgram's storage.".into(),
        }));
    };
    let account = channel.external_id.clone().unwrap_or_default();
    let uploaded = state
        .graph
        .upload_whatsapp_media(token, &account, bytes, &meta.content_type, &meta.name)
        .await;
    let id = match uploaded {
        Ok(id) => id,
        Err(error) => return Ok(Err(error)),
    };
    content["media"]["id"] = serde_json::json!(id);
    message.content = content.to_string();
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query("UPDATE messages SET content = $1 WHERE id = $2")
        .bind(&message.content).bind(&message.id).execute(conn).await.map(drop))?;
    tx.commit().await?;
    Ok(Ok(()))
}

async fn delivered(
    state: &AppState,
    channel: &ChannelRow,
    message: &MessageRow,
    provider_id: &str,
) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    let now = now_ms();
    // Instagram and Messenger echo our own sends; an echo that overtook this answer was stored
    // as a message of its own. Ours (with its author) is the one to keep.
    on_tx!(&mut tx, conn => sqlx::query(
        "DELETE FROM messages WHERE channel_id = $1 AND provider_id = $2 AND id <> $3 \
           AND direction = 'out' AND author_id IS NULL")
        .bind(&message.channel_id).bind(provider_id).bind(&message.id).execute(conn).await.map(drop))?;
    on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE messages SET provider_id = $1, status = 'sent', updated_at = $2 WHERE id = $3")
        .bind(provider_id).bind(now).bind(&message.id).execute(conn).await.map(drop))?;
    let sent = events::MessageStatusChanged {
        message_id: message.id.clone(),
        conversation_id: message.conversation_id.clone(),
        status: "sent".into(),
        error_code: None,
        error: None,
    };
    events::status_changed(&mut tx, &channel.workspace_id, &sent).await?;
    apply_early(&mut tx, &message.channel_id, provider_id).await?;
    tx.commit().await
}

/// Statuses that arrived before the provider id was recorded.
async fn apply_early(tx: &mut Tx, channel: &ChannelId, provider_id: &str) -> sqlx::Result<()> {
    let early: Vec<(String, i64, Option<String>, Option<String>)> = on_tx!(tx, conn => sqlx::query_as(
        "DELETE FROM early_statuses WHERE channel_id = $1 AND provider_id = $2 RETURNING status, at, error_code, error")
        .bind(channel).bind(provider_id).fetch_all(conn).await)?;
    for (status, at, code, reason) in early {
        let error = code.zip(reason);
        store::apply_status(tx, channel, provider_id, &status, error.as_ref(), at).await?;
    }
    Ok(())
}

async fn failed(
    state: &AppState,
    context: &JobContext,
    channel: &ChannelRow,
    message: &MessageRow,
    error: GraphError,
) -> Result<(), JobError> {
    let last_attempt = context.attempt >= SendJob::MAX_ATTEMPTS;
    let code = error.code.map(|c| c.to_string());
    let reason = match error.kind {
        Failure::WindowClosed => "The customer service window closed before it was sent: send an approved template (WhatsApp) or use human_agent (Instagram, Messenger).".to_owned(),
        Failure::Undeliverable => format!("This customer cannot receive it: {}", error.message),
        Failure::TokenInvalid => "The channel's access token was refused: set a new one in the channel's settings.".to_owned(),
        Failure::Throttled if !last_attempt => {
            let wait = Duration::from_secs(2u64.saturating_pow(context.attempt.clamp(1, 9) as u32));
            return Err(JobError::retry_after(format!("throttled by Meta: {}", error.message), wait));
        }
        Failure::Unavailable if !last_attempt => {
            return Err(JobError::retry(format!("Meta did not answer: {}", error.message)));
        }
        Failure::Throttled => format!("Meta kept refusing for throughput ({}); gave up after {} attempts.", error.message, context.attempt),
        Failure::Unavailable => format!("Meta did not answer after {} attempts: {}", context.attempt, error.message),
        Failure::Refused => error.message.clone(),
    };
    let mut tx = state.db.begin().await?;
    let moved = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE messages SET status = 'failed', error_code = $1, error = $2, updated_at = $3 WHERE id = $4 AND status = 'queued'")
        .bind(code.as_deref()).bind(&reason).bind(now_ms()).bind(&message.id).execute(conn).await
        .map(|r| r.rows_affected()))?;
    if moved > 0 {
        let failed = events::MessageStatusChanged {
            message_id: message.id.clone(),
            conversation_id: message.conversation_id.clone(),
            status: "failed".into(),
            error_code: code.clone(),
            error: Some(reason.clone()),
        };
        events::status_changed(&mut tx, &channel.workspace_id, &failed).await?;
    }
    if error.kind == Failure::TokenInvalid {
        reconnect::needed(&mut tx, channel, &error.message).await?;
    }
    tx.commit().await?;
    Ok(())
}
