//! `GET /api/v1/event-types` (the catalog), `GET /api/v1/events` (recent events) and
//! `GET /api/v1/stream` (the workspace's events live, over Server-Sent Events).
//!
//! The stream sends each event as `id: <seq>`, `event: <type>`, `data: <event JSON>`. A client that
//! reconnects with `Last-Event-ID` (browsers' `EventSource` does this itself) first gets every event
//! of the workspace after that number from the outbox, then the live ones, with no gap and no
//! duplicate. Keep-alive comments go out every `sse_heartbeat_seconds`. A client too slow to keep up
//! with the hub's buffer is disconnected (and resumes from the outbox when it reconnects); the
//! server never waits for it. Streams end when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use playgram_core::events::{self, Event};
use playgram_core::ids::WorkspaceId;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};

use super::catalog::{self, EventType};
use crate::auth::{Capability, Principal};
use crate::http::{Api, AppError, Result};
use crate::state::AppState;

/// Most events replayed by one connection. A stream further behind than this sends these, then ends;
/// the client reconnects with the last id it got and continues from there, so nothing is skipped.
const RESUME_LIMIT: i64 = 10_000;

/// The catalog of event types, public like any API reference.
pub async fn list_event_types() -> Api<Vec<EventType>> {
    Api::ok(catalog::catalog())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Comma-separated event types, such as `member.invited,api_key.created`.
    #[serde(rename = "type")]
    pub types: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// Parses a comma-separated list of catalogued event types.
pub fn parse_types(text: Option<&str>) -> Result<Vec<String>> {
    let mut types = Vec::new();
    for name in text.unwrap_or_default().split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        if !catalog::is_known(name) {
            return Err(AppError::bad_request(
                "unknown_event_type",
                format!("`{name}` is not an event type; see GET /api/v1/event-types."),
            ));
        }
        types.push(name.to_owned());
    }
    Ok(types)
}

/// The workspace's events, newest first. The cursor is the last event's `seq`.
pub async fn list_events(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Api<Vec<Event>>> {
    principal.require(Capability::ReadEvents)?;
    let types = parse_types(query.types.as_deref())?;
    let before = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            AppError::bad_request("invalid_cursor", "The cursor is not one this API gave out.")
        })?),
        None => None,
    };
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    let rows = events::list(&state.db, &principal.workspace_id, &types, before, limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.seq.to_string());
    Ok(Api::page(rows, next))
}

#[derive(Deserialize, Default)]
pub struct StreamQuery {
    /// Comma-separated event types to receive (default: all).
    #[serde(rename = "type")]
    pub types: Option<String>,
    /// Resume after this event number, for clients that cannot send the `Last-Event-ID` header.
    pub last_event_id: Option<String>,
}

/// Streams the workspace's events.
pub async fn stream_events(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<SseEvent, Infallible>>>> {
    principal.require(Capability::ReadEvents)?;
    let types = parse_types(query.types.as_deref())?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(query.last_event_id)
        .filter(|v| !v.trim().is_empty());
    let after = match resume {
        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
            AppError::bad_request(
                "invalid_last_event_id",
                "Last-Event-ID must be the id of an event this stream sent.",
            )
        })?),
        None => None,
    };
    // Subscribe before reading the backlog, so nothing falls between the two.
    let live = state.hub.subscribe();
    let mut backlog = VecDeque::new();
    let mut truncated = false;
    if let Some(after) = after {
        let mut from = after;
        while (backlog.len() as i64) < RESUME_LIMIT {
            let page = events::after_in(&state.db, &principal.workspace_id, from, 1000).await?;
            let full = page.len() == 1000;
            for event in page {
                from = event.seq;
                backlog.push_back(Arc::new(event));
            }
            if !full {
                break;
            }
        }
        truncated = backlog.len() as i64 >= RESUME_LIMIT;
    }
    let follower = Follower {
        workspace_id: principal.workspace_id.clone(),
        types,
        backlog,
        live,
        last_sent: after.unwrap_or(0),
        stop: state.shutdown.subscribe(),
        greeted: false,
        truncated,
    };
    let stream = futures_util::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok(event), follower))
    });
    let heartbeat = Duration::from_secs(state.config.sse_heartbeat_seconds);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}

/// The state of one stream: the backlog to replay, then the hub.
struct Follower {
    workspace_id: WorkspaceId,
    types: Vec<String>,
    backlog: VecDeque<Arc<Event>>,
    live: broadcast::Receiver<Arc<Event>>,
    last_sent: i64,
    stop: watch::Receiver<bool>,
    greeted: bool,
    /// The backlog stopped at the limit: end after it, so the client resumes from its last id.
    truncated: bool,
}

impl Follower {
    fn wants(&self, event: &Event) -> bool {
        event.workspace_id == self.workspace_id
            && event.seq > self.last_sent
            && (self.types.is_empty() || self.types.contains(&event.kind))
    }

    async fn next(&mut self) -> Option<SseEvent> {
        if !self.greeted {
            self.greeted = true;
            // Tells the client the stream is open (and how soon to reconnect if it drops).
            return Some(
                SseEvent::default()
                    .comment("connected")
                    .retry(Duration::from_secs(2)),
            );
        }
        while let Some(event) = self.backlog.pop_front() {
            if self.wants(&event) {
                return Some(self.send(&event));
            }
        }
        if self.truncated {
            return None;
        }
        loop {
            let event = tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::info!(missed, "event stream too slow; disconnecting it so it resumes from the outbox");
                        return None;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.stop.wait_for(|s| *s) => return None,
            };
            if self.wants(&event) {
                return Some(self.send(&event));
            }
        }
    }

    fn send(&mut self, event: &Event) -> SseEvent {
        self.last_sent = event.seq;
        let data = serde_json::to_string(event).unwrap_or_default();
        SseEvent::default()
            .id(event.seq.to_string())
            .event(event.kind.clone())
            .data(data)
    }
}
