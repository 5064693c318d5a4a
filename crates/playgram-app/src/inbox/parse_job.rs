//! `inbox.parse`: turns stored webhook payloads into contacts, conversations and messages.
//!
//! The ingest writer enqueues one job per workspace per committed batch, carrying the payload ids.
//! A job drains its workspace: it takes the oldest payloads still `received` (its own among them),
//! up to [`BATCH`] at a time, parses them and applies them in one transaction that also marks each
//! one `parsed` (or `flagged`, with a note saying what was not understood), until none is left. So
//! under load one job parses what many requests stored, in big transactions, and the jobs after it
//! find nothing to do. If the worker dies half way, nothing of the batch is committed and the job
//! runs again; if it dies after the commit, the rerun finds those payloads parsed. Messages are
//! unique per channel and provider id, so a payload Meta delivered twice adds its messages once.
//!
//! One parse job runs at a time per workspace (a concurrency limit): two batches never race to
//! create the same contact or conversation.

use playgram_core::Conn;
use std::collections::HashMap;

use playgram_core::ids::{ChannelId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError, Limit, NewJob};
use playgram_core::sql::Sql;
use playgram_core::{Db, Tx, bind_args, on_db, on_tx};
use playgram_providers::meta;

use super::apply::Batch;
use super::channels::{ChannelRow, store as channels};
use crate::state::AppState;

/// Payloads parsed in one transaction.
pub const BATCH: i64 = 500;
/// Transactions one job runs at most: enough to drain any backlog. (Jobs after it wait behind
/// the workspace's concurrency limit, deferred; a job that stopped early left the backlog to
/// them, and their deferral made parsing ten to forty times slower.)
const ROUNDS: usize = 100_000;

pub struct ParseJob {
    pub state: AppState,
}

impl ParseJob {
    /// The job for these payloads of one workspace.
    pub fn new_job(ws: &WorkspaceId, ids: &Vec<i64>) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob::of::<ParseJob>(ids)?
            .workspace(ws)
            .limit(Limit::key(format!("inbox.parse:{ws}")).concurrency(1)))
    }
}

impl Job for ParseJob {
    const NAME: &'static str = "inbox.parse";
    const QUEUE: &'static str = "inbox";
    const MAX_ATTEMPTS: i32 = 25;
    type Payload = Vec<i64>;

    async fn run(&self, context: JobContext, _ids: Vec<i64>) -> Result<(), JobError> {
        let Some(ws) = context.workspace_id else {
            return Err(JobError::fatal("a parse job names its workspace"));
        };
        for _ in 0..ROUNDS {
            let done = parse(&self.state.db, &ws)
                .await
                .map_err(|e| JobError::retry(e.public_message()))?;
            if done < BATCH as usize {
                break;
            }
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct Payload {
    id: i64,
    channel_id: ChannelId,
    workspace_id: WorkspaceId,
    body: Vec<u8>,
}

/// Parses and applies the workspace's oldest payloads not parsed yet; returns how many.
pub async fn parse(db: &Db, ws: &WorkspaceId) -> crate::http::Result<usize> {
    let mut tx = db.begin().await?;
    let payloads = unparsed(&mut tx, ws).await?;
    let Some(first) = payloads.first() else {
        return Ok(0);
    };
    let mut batch = Batch::new(first.workspace_id.clone());
    let mut channels_by_id: HashMap<ChannelId, Option<ChannelRow>> = HashMap::new();
    for p in &payloads {
        if !channels_by_id.contains_key(&p.channel_id) {
            let row = channels::get(
                &mut Conn::Tx(&mut tx),
                &p.workspace_id,
                p.channel_id.as_str(),
            )
            .await?;
            channels_by_id.insert(p.channel_id.clone(), row);
        }
    }
    let mut parsed = Vec::with_capacity(payloads.len());
    for p in &payloads {
        let Some(channel) = channels_by_id[&p.channel_id].as_ref() else {
            continue;
        };
        let events = match channel.kind().format() {
            Some(format) => meta::parse(format, &p.body),
            None => vec![meta::inbound::Event::unknown(
                "this channel takes no webhooks",
            )],
        };
        parsed.push((p.id, channel, events));
    }
    for channel in channels_by_id.values().flatten() {
        let events: Vec<_> = parsed
            .iter()
            .filter(|(_, c, _)| c.id == channel.id)
            .flat_map(|(_, _, events)| events.iter().cloned())
            .collect();
        batch.skip_known(&mut tx, channel, &events).await?;
    }
    let mut outcomes = Vec::with_capacity(parsed.len());
    for (id, channel, events) in parsed {
        let notes = batch.apply(&mut tx, channel, events).await?;
        outcomes.push((id, notes));
    }
    batch.finish(&mut tx).await?;
    mark(&mut tx, &outcomes).await?;
    tx.commit().await?;
    Ok(outcomes.len())
}

async fn unparsed(tx: &mut Tx, ws: &WorkspaceId) -> sqlx::Result<Vec<Payload>> {
    on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, channel_id, workspace_id, body FROM inbound_payloads \
         WHERE workspace_id = $1 AND state = 'received' ORDER BY id LIMIT $2")
        .bind(ws).bind(BATCH).fetch_all(conn).await)
}

/// Marks payloads parsed, or flagged with their notes.
async fn mark(tx: &mut Tx, outcomes: &[(i64, Vec<String>)]) -> sqlx::Result<()> {
    let clean: Vec<i64> = outcomes
        .iter()
        .filter(|(_, notes)| notes.is_empty())
        .map(|(id, _)| *id)
        .collect();
    for chunk in clean.chunks(500) {
        let mut sql = Sql::new("");
        let list = sql.list(chunk.iter().copied());
        let text = format!("UPDATE inbound_payloads SET state = 'parsed' WHERE id IN ({list})");
        on_tx!(tx, conn => bind_args!(sqlx::query(sqlx::AssertSqlSafe(text)), sql.args.iter()).execute(conn).await.map(drop))?;
    }
    for (id, notes) in outcomes.iter().filter(|(_, notes)| !notes.is_empty()) {
        let note: String = notes.join("; ").chars().take(1000).collect();
        on_tx!(tx, conn => sqlx::query(
            "UPDATE inbound_payloads SET state = 'flagged', note = $1 WHERE id = $2")
            .bind(&note).bind(id).execute(conn).await.map(drop))?;
    }
    Ok(())
}

/// Payloads of the workspace that were flagged, newest first.
pub async fn flagged(
    db: &Db,
    ws: &WorkspaceId,
    limit: i64,
) -> sqlx::Result<Vec<(i64, ChannelId, i64, String, Vec<u8>)>> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, channel_id, received_at, COALESCE(note, ''), body FROM inbound_payloads \
         WHERE workspace_id = $1 AND state = 'flagged' ORDER BY id DESC LIMIT $2")
        .bind(ws).bind(limit).fetch_all(pool).await)
}
