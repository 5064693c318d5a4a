//! `GET /chat/{channel_id}/stream?token=…`: tells the visitor's widget, over SSE, that their
//! thread has something new (`event: message`, data `{"id": "msg_…"}`); the widget then reads
//! `…/messages?after=<last id it has>`. Reading instead of pushing the message makes a reconnect
//! after a drop lose nothing: the widget simply reads what came after its last message.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use playgram_core::events::Event;
use playgram_core::ids::ConversationId;
use tokio::sync::{broadcast, watch};

use super::api::{Chat, TokenQuery};
use crate::http::{AppError, Result};
use crate::state::AppState;

struct Watcher {
    state: AppState,
    chat: Chat,
    visitor: String,
    conversation: Option<ConversationId>,
    live: broadcast::Receiver<Arc<Event>>,
    stop: watch::Receiver<bool>,
    greeted: bool,
}

impl Watcher {
    /// Whether the event adds to this visitor's thread (a message in or out, not a note).
    async fn concerns(&mut self, event: &Event) -> bool {
        if event.workspace_id != self.chat.channel.workspace_id
            || !(event.kind == "message.created" || event.kind == "message.received")
        {
            return false;
        }
        let data = event.data_json();
        let message = &data["message"];
        if message["channel_id"] != self.chat.channel.id.as_str() || message["direction"] == "note"
        {
            return false;
        }
        if self.conversation.is_none() {
            // The visitor's first message makes their conversation: look for it now.
            self.conversation = crate::inbox::website::api::conversation_for(
                &self.state,
                &self.chat,
                &self.visitor,
            )
            .await
            .ok()
            .flatten();
        }
        self.conversation
            .as_ref()
            .is_some_and(|c| message["conversation_id"] == c.as_str())
    }

    async fn next(&mut self) -> Option<SseEvent> {
        if !self.greeted {
            self.greeted = true;
            return Some(
                SseEvent::default()
                    .comment("connected")
                    .retry(Duration::from_secs(3)),
            );
        }
        loop {
            let event = tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => event,
                    // Behind: end; the widget reconnects and reads what it missed.
                    Err(_) => return None,
                },
                _ = self.stop.wait_for(|s| *s) => return None,
            };
            if self.concerns(&event).await {
                let id = event.data_json()["message"]["id"].clone();
                return Some(
                    SseEvent::default()
                        .event("message")
                        .data(serde_json::json!({ "id": id }).to_string()),
                );
            }
        }
    }
}

pub async fn chat_stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<SseEvent, Infallible>>>> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let visitor = chat.visitor(&headers, q.token.as_deref())?.ok_or_else(|| {
        AppError::bad_request(
            "no_visitor",
            "Send a message first: the stream follows a visitor's thread.",
        )
    })?;
    let conversation =
        crate::inbox::website::api::conversation_for(&state, &chat, &visitor).await?;
    let watcher = Watcher {
        live: state.hub.subscribe(),
        stop: state.shutdown.subscribe(),
        state: state.clone(),
        chat,
        visitor,
        conversation,
        greeted: false,
    };
    let stream = futures_util::stream::unfold(watcher, |mut w| async move {
        let event = w.next().await?;
        Some((Ok(event), w))
    });
    let heartbeat = Duration::from_secs(state.config.sse_heartbeat_seconds);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}
