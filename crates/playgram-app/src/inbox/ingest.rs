//! Group commit for inbound webhooks: each request hands its verified body to one writer task,
//! which stores everything that arrived while the previous batch was committing in one
//! transaction — the raw payloads and one parse job per workspace — and then answers every
//! request. A request answers Meta's 200 only after that commit, so an acknowledged webhook is on
//! disk (SQLite `synchronous = FULL`; PostgreSQL's commit) and concurrent deliveries share one
//! fsync instead of paying one each.

use playgram_core::ids::{ChannelId, WorkspaceId};
use playgram_core::jobs;
use playgram_core::time::now_ms;
use playgram_core::{Db, Tx, on_tx};
use tokio::sync::{mpsc, oneshot};

use super::parse_job::ParseJob;

/// The most payloads written in one transaction.
const BATCH: usize = 2000;
/// How long a batch waits to fill up to the size of the one before.
const GATHER: std::time::Duration = std::time::Duration::from_micros(500);

pub struct Inbound {
    pub channel_id: ChannelId,
    pub workspace_id: WorkspaceId,
    pub body: bytes::Bytes,
}

type Entry = (Inbound, oneshot::Sender<Result<(), String>>);

#[derive(Clone)]
pub struct Ingest {
    entries: mpsc::UnboundedSender<Entry>,
}

impl Ingest {
    /// Starts the writer task; it ends when every `Ingest` handle is dropped.
    pub fn start(db: Db) -> Ingest {
        let (entries, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(db, receiver));
        Ingest { entries }
    }

    /// Stores one payload; returns once it is committed.
    pub async fn store(&self, inbound: Inbound) -> Result<(), String> {
        let (done, wait) = oneshot::channel();
        self.entries
            .send((inbound, done))
            .map_err(|_| "the inbox is shutting down".to_owned())?;
        wait.await
            .map_err(|_| "the inbox writer stopped".to_owned())?
    }
}

async fn run(db: Db, mut receiver: mpsc::UnboundedReceiver<Entry>) {
    let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
    let mut last = 1;
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        // Whatever queued while the last commit ran is the next batch. Under steady load the
        // senders just answered come straight back, a few at a time: wait briefly for about as
        // many as the last batch had, so commits stay full instead of alternating small and
        // large. A lone webhook after a busy spell waits at most that short while, once.
        let deadline = tokio::time::Instant::now() + GATHER;
        while batch.len() < last {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(entry)) => batch.push(entry),
                _ => break,
            }
        }
        last = batch.len().clamp(1, BATCH);
        let (payloads, waiting): (Vec<Inbound>, Vec<_>) = batch.drain(..).unzip();
        match commit(&db, &payloads).await {
            Ok(()) => {
                for done in waiting {
                    let _ = done.send(Ok(()));
                }
            }
            // One bad payload (its channel deleted a moment ago) must not fail the others:
            // store them one by one, each answered by its own outcome.
            Err(error) if payloads.len() > 1 => {
                tracing::info!(%error, payloads = payloads.len(), "a batch of inbound webhooks failed; storing them one by one");
                for (payload, done) in payloads.into_iter().zip(waiting) {
                    let result = commit(&db, std::slice::from_ref(&payload)).await;
                    let _ = done.send(result.map_err(failed));
                }
            }
            Err(error) => {
                for done in waiting {
                    let _ = done.send(Err(failed(&error)));
                }
            }
        }
    }
}

fn failed(error: impl std::fmt::Display) -> String {
    tracing::warn!(%error, "storing an inbound webhook failed");
    format!("storing the webhook: {error}")
}

async fn commit(db: &Db, payloads: &[Inbound]) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let ids = insert(&mut tx, payloads).await?;
    let mut by_workspace: Vec<(&WorkspaceId, Vec<i64>)> = Vec::new();
    for (payload, id) in payloads.iter().zip(ids) {
        match by_workspace
            .iter_mut()
            .find(|(ws, _)| *ws == &payload.workspace_id)
        {
            Some((_, ids)) => ids.push(id),
            None => by_workspace.push((&payload.workspace_id, vec![id])),
        }
    }
    let mut new_jobs = Vec::with_capacity(by_workspace.len());
    for (ws, ids) in by_workspace {
        let job = ParseJob::new_job(ws, &ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        new_jobs.push(job);
    }
    jobs::enqueue_many(&mut tx, new_jobs).await?;
    tx.commit().await
}

/// Inserts the payloads; returns their ids in order.
async fn insert(tx: &mut Tx, payloads: &[Inbound]) -> sqlx::Result<Vec<i64>> {
    const PER_STATEMENT: usize = 500;
    let now = now_ms();
    let backend = tx.backend();
    let mut ids = Vec::with_capacity(payloads.len());
    for chunk in payloads.chunks(PER_STATEMENT) {
        let mut text =
            "INSERT INTO inbound_payloads (channel_id, workspace_id, received_at, body) VALUES "
                .to_owned();
        for i in 0..chunk.len() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push('(');
            text.push_str(&playgram_core::db::placeholders(backend, i * 4 + 1, 4));
            text.push(')');
        }
        text.push_str(" RETURNING id");
        let mut got: Vec<i64> = on_tx!(tx, conn => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(text.clone()));
            for p in chunk {
                query = query.bind(&p.channel_id).bind(&p.workspace_id).bind(now).bind(p.body.as_ref());
            }
            query.fetch_all(conn).await
        })?;
        // RETURNING gives the rows in insertion order on both backends for a single VALUES list;
        // sorting makes that explicit (ids grow with insertion).
        got.sort_unstable();
        ids.extend(got);
    }
    Ok(ids)
}
