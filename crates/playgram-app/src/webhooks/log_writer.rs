//! Group commit for the delivery log: senders hand their attempt to one writer task, which writes
//! everything that arrived while the previous batch was committing in one transaction (attempts,
//! message states, endpoint failure streaks) and then answers each sender. A sender reports its
//! delivery done only after that answer, so the log never lags the job queue: after a crash an
//! attempt is either logged or sent again (at least once; the `webhook-id` lets receivers dedupe).

use playgram_core::Db;
use playgram_core::ids::EndpointId;
use playgram_core::time::now_ms;
use tokio::sync::{mpsc, oneshot};

use super::messages::{self, Logged};
use super::store;

/// The most attempts written in one transaction.
const BATCH: usize = 1000;

type Entry = (Logged, oneshot::Sender<Result<(), String>>);

#[derive(Clone)]
pub struct LogWriter {
    entries: mpsc::UnboundedSender<Entry>,
}

impl LogWriter {
    /// Starts the writer task; it ends when every `LogWriter` handle is dropped.
    pub fn start(db: Db) -> LogWriter {
        let (entries, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(db, receiver));
        LogWriter { entries }
    }

    /// Logs one attempt; returns once it is committed.
    pub async fn write(&self, logged: Logged) -> Result<(), String> {
        let (done, wait) = oneshot::channel();
        self.entries
            .send((logged, done))
            .map_err(|_| "the delivery log is shutting down".to_owned())?;
        wait.await
            .map_err(|_| "the delivery log stopped".to_owned())?
    }
}

async fn run(db: Db, mut receiver: mpsc::UnboundedReceiver<Entry>) {
    let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        playgram_core::jobs::linger(&mut receiver, &mut batch, BATCH).await;
        let (logged, waiting): (Vec<Logged>, Vec<_>) = batch.drain(..).unzip();
        let result = commit(&db, &logged).await.map_err(|error| {
            tracing::warn!(%error, attempts = logged.len(), "writing the webhook delivery log failed");
            format!("writing the delivery log: {error}")
        });
        for done in waiting {
            let _ = done.send(result.clone());
        }
    }
}

async fn commit(db: &Db, logged: &[Logged]) -> sqlx::Result<()> {
    let mut succeeded: Vec<&EndpointId> = Vec::new();
    let mut failed: Vec<&EndpointId> = Vec::new();
    for entry in logged {
        let id = &entry.attempt.endpoint_id;
        // The streak follows the endpoint's latest attempt in the batch.
        succeeded.retain(|s| *s != id);
        failed.retain(|f| *f != id);
        if entry.attempt.succeeded {
            succeeded.push(id);
        } else if entry.attempt.trigger != "test" {
            failed.push(id);
        }
    }
    let mut tx = db.begin().await?;
    messages::record(&mut tx, logged).await?;
    store::record_streaks(&mut tx, &succeeded, &failed, now_ms()).await?;
    tx.commit().await
}
