//! `inbox.fetch_media`: a customer's photo, video, voice note, document or sticker is copied
//! from the provider into Playgram's storage, so it stays viewable after Meta's copy expires
//! (WhatsApp media ids live 30 days, Instagram CDN links less) and agents never need the
//! provider's token to look at it.
//!
//! WhatsApp: `GET /{media_id}` gives a short-lived URL, downloaded with the channel's token.
//! Instagram and Messenger: the attachment's `payload.url` is downloaded as it is. The file is
//! kept (at most [`MAX_BYTES`]) and the message's `content` gains `file_id`, `content_type`,
//! `size` and `name`. Meta unreachable: tried again later. Anything else (expired, too large)
//! is written into `content.media_error` and not retried.

use std::time::Duration;

use playgram_core::jobs::{Job, JobContext, JobError, NewJob};
use playgram_core::{Conn, Tx, on_tx};
use playgram_providers::meta::graph::Kind as Failure;
use serde_json::{Value, json};

use super::channels::{Kind, store as channels};
use super::conversations::store::{self, NewMessage};
use crate::state::AppState;

pub const MAX_BYTES: usize = 25 * 1024 * 1024;
const KINDS: [&str; 5] = ["image", "video", "audio", "document", "sticker"];

/// Where the provider keeps the message's file, if it has one: a WhatsApp media id or a URL.
fn source(content: &Value) -> Option<(Option<String>, Option<String>)> {
    if content["file_id"].is_string() {
        return None;
    }
    if let Some(id) = content["media"]["id"].as_str() {
        return Some((Some(id.to_owned()), None));
    }
    content["attachments"][0]["payload"]["url"]
        .as_str()
        .map(|url| (None, Some(url.to_owned())))
}

/// Enqueues the copying of each stored inbound message that carries a provider file.
pub async fn enqueue_for(tx: &mut Tx, messages: &[NewMessage]) -> sqlx::Result<()> {
    for m in messages {
        if m.direction != "in" || !KINDS.contains(&m.kind.as_str()) {
            continue;
        }
        let content: Value = serde_json::from_str(&m.content).unwrap_or_default();
        if source(&content).is_none() {
            continue;
        }
        let job = NewJob::of::<FetchMediaJob>(&m.id)
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?
            .workspace(&m.workspace_id);
        playgram_core::jobs::enqueue(tx, job).await?;
    }
    Ok(())
}

fn extension(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or_default().trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

pub struct FetchMediaJob {
    pub state: AppState,
}

impl Job for FetchMediaJob {
    const NAME: &'static str = "inbox.fetch_media";
    const QUEUE: &'static str = "inbox";
    const MAX_ATTEMPTS: i32 = 6;
    type Payload = String;

    fn backoff(&self, attempt: i32) -> Duration {
        playgram_core::jobs::backoff::full_jitter(
            attempt,
            Duration::from_secs(5),
            Duration::from_secs(900),
        )
    }

    async fn run(&self, context: JobContext, message_id: String) -> Result<(), JobError> {
        let state = &self.state;
        let mut tx = state.db.begin().await?;
        let Some(message) = store::message_in(&mut tx, &message_id).await? else {
            return Ok(());
        };
        let content: Value = serde_json::from_str(&message.content).unwrap_or_default();
        let Some((media_id, url)) = source(&content) else {
            return Ok(());
        };
        let ws: Option<String> = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "SELECT workspace_id FROM conversations WHERE id = $1")
            .bind(&message.conversation_id).fetch_optional(conn).await)?;
        let ws =
            playgram_core::ids::WorkspaceId::parse(&ws.unwrap_or_default()).unwrap_or_default();
        let Some(channel) =
            channels::get(&mut Conn::Tx(&mut tx), &ws, message.channel_id.as_str()).await?
        else {
            return Ok(());
        };
        drop(tx);
        let token = channel
            .secrets(&state.sealer)
            .access_token
            .unwrap_or_default();
        let fetched = match (media_id, url) {
            (Some(id), _) if channel.kind() == Kind::Whatsapp => {
                match state.graph.media_info(&token, &id).await {
                    Ok(info) => state.graph.download(&token, &info.url, MAX_BYTES).await,
                    Err(error) => Err(error),
                }
            }
            (_, Some(url)) => state.graph.download(&token, &url, MAX_BYTES).await,
            _ => return Ok(()),
        };
        let last = context.attempt >= Self::MAX_ATTEMPTS;
        let mut content = content;
        match fetched {
            Ok((bytes, content_type)) => {
                let name = format!(
                    "{}-{}.{}",
                    message.kind,
                    message.id,
                    extension(&content_type)
                );
                let mut tx = state.db.begin().await?;
                let file =
                    crate::files::insert(&mut tx, &ws, &name, &content_type, &bytes, None).await?;
                content["file_id"] = json!(file);
                content["content_type"] = json!(content_type);
                content["size"] = json!(bytes.len());
                content["name"] = json!(name);
                save(&mut tx, &message.id, &content).await?;
                tx.commit().await?;
                Ok(())
            }
            Err(error)
                if matches!(error.kind, Failure::Unavailable | Failure::Throttled) && !last =>
            {
                Err(JobError::retry(format!(
                    "Meta did not hand over the file: {}",
                    error.message
                )))
            }
            Err(error) => {
                content["media_error"] = json!(format!(
                    "The file could not be copied from Meta: {}",
                    error.message
                ));
                let mut tx = state.db.begin().await?;
                save(&mut tx, &message.id, &content).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }
}

async fn save(
    tx: &mut Tx,
    id: &playgram_core::ids::InboxMessageId,
    content: &Value,
) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE messages SET content = $1, updated_at = $2 WHERE id = $3")
        .bind(content.to_string()).bind(playgram_core::time::now_ms()).bind(id)
        .execute(conn).await.map(drop))
}
