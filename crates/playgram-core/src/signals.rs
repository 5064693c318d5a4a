//! Wake-ups: how a committed job or event reaches the loop that handles it without polling.
//!
//! Within one process a [`Signal`] is a `tokio::sync::Notify` permit, raised by [`crate::Tx::commit`]
//! after the commit. Across PostgreSQL instances the store also calls `pg_notify` in the writing
//! transaction (PostgreSQL delivers it only on commit) and [`listen`] turns each notification into
//! the same local signal. Every loop also polls on a slow timer, so a lost notification (a listener
//! reconnecting, a second process on one SQLite file) delays work but never loses it.

use std::time::Duration;

use tokio::sync::watch;

use crate::db::{Db, Pool};

/// What happened, from the point of view of whoever waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A job became ready (enqueued, retried, replayed).
    Jobs,
    /// An event was written to the outbox and waits for a sequence number.
    Outbox,
    /// Events were sequenced and may be streamed.
    Events,
}

impl Signal {
    const ALL: [Signal; 3] = [Signal::Jobs, Signal::Outbox, Signal::Events];

    /// The PostgreSQL `LISTEN` channel carrying this signal between instances.
    pub fn channel(self) -> &'static str {
        match self {
            Signal::Jobs => "playgram_jobs",
            Signal::Outbox => "playgram_outbox",
            Signal::Events => "playgram_events",
        }
    }
}

/// Per signal, a counter that every raise bumps. Each waiting loop holds its own [`Waiter`], which
/// remembers the last count it saw: every loop wakes (a job worker and the webhook worker both
/// wait for `Jobs`), and a raise that happens while a loop is busy is not lost.
#[derive(Debug)]
pub struct Signals {
    jobs: watch::Sender<u64>,
    outbox: watch::Sender<u64>,
    events: watch::Sender<u64>,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            jobs: watch::Sender::new(0),
            outbox: watch::Sender::new(0),
            events: watch::Sender::new(0),
        }
    }
}

impl Signals {
    fn sender(&self, signal: Signal) -> &watch::Sender<u64> {
        match signal {
            Signal::Jobs => &self.jobs,
            Signal::Outbox => &self.outbox,
            Signal::Events => &self.events,
        }
    }

    /// Wakes every loop waiting for `signal` (and each busy one when it next waits).
    pub fn raise(&self, signal: Signal) {
        self.sender(signal)
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// A waiter for one loop; raises from now on wake it.
    pub fn subscribe(&self, signal: Signal) -> Waiter {
        Waiter(self.sender(signal).subscribe())
    }
}

/// One loop's view of a signal (see [`Signals`]).
pub struct Waiter(watch::Receiver<u64>);

impl Waiter {
    /// Waits for a raise not seen yet, at most `timeout` (the polling fallback).
    pub async fn wait(&mut self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.0.changed()).await;
    }
}

/// Relays PostgreSQL notifications to this process's signals until `stop`. Does nothing on SQLite.
pub async fn listen(db: Db, mut stop: watch::Receiver<bool>) {
    let Pool::Postgres(pool) = db.pool() else {
        return;
    };
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot open the LISTEN connection; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
        };
        let channels: Vec<&str> = Signal::ALL.iter().map(|s| s.channel()).collect();
        if let Err(error) = listener.listen_all(channels).await {
            tracing::warn!(%error, "LISTEN failed; retrying");
            continue;
        }
        // Anything raised while we were not listening is picked up by one extra round.
        for signal in Signal::ALL {
            db.signals().raise(signal);
        }
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => {
                        if let Some(signal) = Signal::ALL.into_iter().find(|s| s.channel() == notification.channel()) {
                            db.signals().raise(signal);
                        }
                    }
                    Ok(None) => {
                        // The connection dropped and sqlx reconnected: notifications may be lost.
                        for signal in Signal::ALL {
                            db.signals().raise(signal);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "LISTEN connection failed; reconnecting");
                        break;
                    }
                },
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// On PostgreSQL, queues a notification on `signal`'s channel, delivered when `tx` commits.
pub async fn notify_on_commit(tx: &mut crate::Tx, signal: Signal) -> sqlx::Result<()> {
    tx.signal(signal);
    if let crate::db::TxConn::Postgres(conn) = tx.conn() {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(signal.channel())
            .execute(&mut **conn)
            .await?;
    }
    Ok(())
}
