//! Captures as they arrive: `GET /api/v1/request-bins/{id}/stream` (Server-Sent Events) and the
//! in-process [`Notifier`] that wakes it.
//!
//! Each capture goes out as `id: cap_…`, `event: capture`, `data: <capture JSON>`. The database is
//! the source of truth: a stream reads new captures from it when this instance stored one (woken
//! at once by the notifier) and at least every second (captures stored by other instances). Ids
//! are made before their transaction commits, so a capture can become visible after a newer one;
//! each read therefore looks back a few seconds and skips what was already sent.
//!
//! A client that reconnects with `Last-Event-ID` (or `?after=cap_…`) first gets every capture
//! after that one. Keep-alive comments go out every `sse_heartbeat_seconds`; the stream ends when
//! the server shuts down or the bin is deleted.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use playgram_core::Db;
use playgram_core::ids::{BinId, CaptureId};
use playgram_core::time::{Millis, now_ms};
use serde::Deserialize;
use tokio::sync::{broadcast, watch};

use super::api::CaptureOut;
use super::capture::KEEP_PER_BIN;
use super::store::{self, CaptureRow};
use crate::auth::Principal;
use crate::http::{AppError, Result};
use crate::state::AppState;

/// How far back each read looks for captures that committed after newer ones.
const LOOKBACK_MS: Millis = 10_000;
/// How often a stream reads without being woken (captures stored by other instances).
const POLL: Duration = Duration::from_secs(1);

/// Wakes this instance's streams when a capture is stored. Only a wake-up: streams read the rows.
pub struct Notifier {
    sender: broadcast::Sender<BinId>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            sender: broadcast::Sender::new(256),
        }
    }
}

impl Notifier {
    pub fn notify(&self, bin: &BinId) {
        // No receiver means no open stream: nothing to wake.
        let _ = self.sender.send(bin.clone());
    }

    fn subscribe(&self) -> broadcast::Receiver<BinId> {
        self.sender.subscribe()
    }
}

#[derive(Deserialize, Default)]
pub struct StreamQuery {
    /// Resume after this capture, for clients that cannot send the `Last-Event-ID` header.
    pub after: Option<String>,
}

/// Streams the bin's new captures.
pub async fn stream_captures(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<SseEvent, Infallible>>>> {
    let bin = super::service::load(&state, &principal, &id).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(query.after)
        .filter(|v| !v.trim().is_empty());
    // Subscribe before reading where to start, so nothing falls between the two.
    let wake = state.bins.notifier.subscribe();
    let (after, since) = match resume {
        Some(text) => {
            let after = CaptureId::parse(text.trim()).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_last_event_id",
                    "Last-Event-ID must be the id of a capture this stream sent.",
                )
            })?;
            (Some(after), 0)
        }
        None => (
            store::newest_capture(&state.db, &bin.id).await?,
            now_ms() - LOOKBACK_MS,
        ),
    };
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let follower = Follower {
        db: state.db.clone(),
        bin_id: bin.id,
        after,
        since,
        sent: HashMap::new(),
        queue: VecDeque::new(),
        wake,
        tick,
        stop: state.shutdown.subscribe(),
        greeted: false,
    };
    let stream = futures_util::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok(event), follower))
    });
    let heartbeat = Duration::from_secs(state.config.sse_heartbeat_seconds);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}

/// The state of one stream.
struct Follower {
    db: Db,
    bin_id: BinId,
    /// Only captures after this one (the resume point, or the newest when the stream opened).
    after: Option<CaptureId>,
    /// Only captures received from this time on: the look-back window's start.
    since: Millis,
    /// Captures sent within the look-back window, with their time, so none goes out twice.
    sent: HashMap<CaptureId, Millis>,
    queue: VecDeque<CaptureRow>,
    wake: broadcast::Receiver<BinId>,
    tick: tokio::time::Interval,
    stop: watch::Receiver<bool>,
    greeted: bool,
}

impl Follower {
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
        loop {
            if let Some(row) = self.queue.pop_front() {
                return Some(send(row));
            }
            self.read().await;
            if !self.queue.is_empty() {
                continue;
            }
            let ticked = tokio::select! {
                () = woken(&mut self.wake, &self.bin_id) => false,
                _ = self.tick.tick() => true,
                _ = self.stop.wait_for(|s| *s) => return None,
            };
            if ticked
                && !store::bin_exists(&self.db, &self.bin_id)
                    .await
                    .unwrap_or(true)
            {
                return None;
            }
        }
    }

    /// Queues the captures not sent yet. A failed read is tried again at the next wake-up.
    async fn read(&mut self) {
        let read_at = now_ms();
        let rows = match store::captures_since(
            &self.db,
            &self.bin_id,
            self.after.as_ref(),
            self.since,
            KEEP_PER_BIN,
        )
        .await
        {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(error = %error, bin = %self.bin_id, "reading new captures failed");
                return;
            }
        };
        for row in rows {
            if self.sent.insert(row.id.clone(), row.received_at).is_none() {
                self.queue.push_back(row);
            }
        }
        self.since = self.since.max(read_at - LOOKBACK_MS);
        let since = self.since;
        self.sent.retain(|_, at| *at >= since);
    }
}

/// Resolves when a capture of `bin` was stored on this instance (or wake-ups were missed).
async fn woken(wake: &mut broadcast::Receiver<BinId>, bin: &BinId) {
    loop {
        match wake.recv().await {
            Ok(id) if id == *bin => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

fn send(row: CaptureRow) -> SseEvent {
    let id = row.id.to_string();
    let data = serde_json::to_string(&CaptureOut::from(row)).unwrap_or_default();
    SseEvent::default().id(id).event("capture").data(data)
}
