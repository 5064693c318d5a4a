//! The realtime hub: one reader per instance follows the sequenced events and broadcasts them to
//! every live stream of this instance.
//!
//! Streams subscribe to a bounded broadcast channel. A stream that falls behind by more than its
//! capacity is told it lagged and closes; the client reconnects with `Last-Event-ID` and catches up
//! from the outbox. A slow client therefore costs the server nothing but a dropped connection.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::{Event, after, last_seq};
use crate::Db;
use crate::signals::Signal;

#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Hub {
    pub fn new(capacity: usize) -> Hub {
        let (sender, _) = broadcast::channel(capacity.max(16));
        Hub { sender }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// Follows the outbox from its current end, broadcasting new events until `stop`.
    pub async fn run(self, db: Db, poll: Duration, mut stop: watch::Receiver<bool>) {
        let mut seen = loop {
            match last_seq(&db).await {
                Ok(seq) => break seq,
                Err(error) => {
                    tracing::warn!(%error, "realtime hub cannot read the outbox; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.wait_for(|s| *s) => return,
                    }
                }
            }
        };
        let mut woken = db.signals().subscribe(Signal::Events);
        loop {
            match after(&db, seen, 1000).await {
                Ok(events) => {
                    let full = events.len() == 1000;
                    for event in events {
                        seen = event.seq;
                        // No receivers is fine: nobody is watching right now.
                        let _ = self.sender.send(Arc::new(event));
                    }
                    if full {
                        continue;
                    }
                }
                Err(error) => tracing::warn!(%error, "realtime hub read failed; retrying"),
            }
            tokio::select! {
                _ = woken.wait(poll) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}
