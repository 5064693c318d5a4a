//! Domain events: an outbox written in the same transaction as the change, sequenced in commit
//! order, fanned out to subscribers and streamed live.
//!
//! 1. [`emit`] inserts an `events` row (no sequence number yet) in the caller's transaction.
//! 2. The sequencer ([`sequence`], run by every instance) takes unsequenced rows in a transaction that
//!    holds the single `event_sequence` row, numbers them, and hands them to each [`Subscriber`] in
//!    the same transaction, so a subscriber's own writes (a webhook delivery job, say) commit together
//!    with the numbering: an event is fanned out exactly once. Because numbering is serialized, a
//!    reader that has seen number N has seen every smaller one, which is what `Last-Event-ID`
//!    resumption needs (ids assigned at insert would not be: transactions commit out of order).
//! 3. After commit the sequencer raises [`Signal::Events`] (and `NOTIFY` on PostgreSQL); each
//!    instance's [`hub::Hub`] reads the new rows and broadcasts them to its live streams.

pub mod hub;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::ids::{EventId, WorkspaceId};
use crate::signals::{Signal, notify_on_commit};
use crate::time::{Millis, now_ms};
use crate::{Db, Tx, on_db, on_tx};

/// Writes an event of `kind` about `workspace_id` in `tx`.
pub async fn emit(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    kind: &str,
    data: &impl Serialize,
) -> sqlx::Result<EventId> {
    let id = EventId::new();
    let data = serde_json::to_string(data).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO events (id, workspace_id, type, data, occurred_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id).bind(workspace_id).bind(kind).bind(data).bind(now_ms())
        .execute(conn).await.map(|r| r.rows_affected()))?;
    notify_on_commit(tx, Signal::Outbox).await?;
    Ok(id)
}

/// Writes many events of one type in the caller's transaction (bulk work such as imports): one
/// statement per few hundred events instead of one each.
pub async fn emit_many(
    tx: &mut Tx,
    workspace_id: &WorkspaceId,
    kind: &str,
    data: &[String],
) -> sqlx::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let rows: Vec<Vec<crate::sql::Arg>> = data
        .iter()
        .map(|d| {
            vec![
                EventId::new().to_string().into(),
                workspace_id.as_str().into(),
                kind.into(),
                d.clone().into(),
                now.into(),
            ]
        })
        .collect();
    crate::sql::insert_many(
        tx,
        "events",
        &["id", "workspace_id", "type", "data", "occurred_at"],
        &rows,
        "",
    )
    .await?;
    notify_on_commit(tx, Signal::Outbox).await?;
    Ok(())
}

/// A sequenced event, as stored and as streamed.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Event {
    pub id: EventId,
    pub seq: i64,
    #[serde(rename = "type")]
    #[sqlx(rename = "type")]
    pub kind: String,
    pub workspace_id: WorkspaceId,
    #[serde(with = "crate::time::as_rfc3339")]
    pub occurred_at: i64,
    #[serde(serialize_with = "raw_json")]
    pub data: String,
}

impl Event {
    pub fn data_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null)
    }
}

/// Writes stored JSON text as JSON, not as a string.
fn raw_json<S: serde::Serializer>(data: &str, s: S) -> Result<S::Ok, S::Error> {
    match serde_json::value::RawValue::from_string(data.to_owned()) {
        Ok(raw) => raw.serialize(s),
        Err(_) => s.serialize_none(),
    }
}

/// Something that reacts to every event, inside the sequencing transaction (webhooks, automation
/// and analytics plug in here). It must only write to the database: a slow network call would hold
/// the sequence for everyone; enqueue a job instead.
pub trait Subscriber: Send + Sync {
    fn name(&self) -> &'static str;
    fn handle<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [Event],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = sqlx::Result<()>> + Send + 'a>>;
}

pub type Subscribers = Arc<Vec<Arc<dyn Subscriber>>>;

/// Numbers up to `max` unsequenced events and hands them to `subscribers`; returns how many.
pub async fn sequence(db: &Db, subscribers: &Subscribers, max: i64) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    // Taking the row lock first serializes sequencers across instances (SQLite is one writer anyway).
    let last: i64 = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "UPDATE event_sequence SET last_seq = last_seq WHERE id = 1 RETURNING last_seq")
        .fetch_one(conn).await)?;
    let pending: Vec<(EventId,)> = on_tx!(&mut tx, conn => sqlx::query_as(
        "SELECT id FROM events WHERE seq IS NULL ORDER BY id LIMIT $1")
        .bind(max).fetch_all(conn).await)?;
    if pending.is_empty() {
        return Ok(0);
    }
    for (n, (id,)) in pending.iter().enumerate() {
        on_tx!(&mut tx, conn => sqlx::query("UPDATE events SET seq = $1 WHERE id = $2")
            .bind(last + 1 + n as i64).bind(id).execute(conn).await.map(|r| r.rows_affected()))?;
    }
    let top = last + pending.len() as i64;
    on_tx!(&mut tx, conn => sqlx::query("UPDATE event_sequence SET last_seq = $1 WHERE id = 1")
        .bind(top).execute(conn).await.map(|r| r.rows_affected()))?;
    if !subscribers.is_empty() {
        let events = read_range(&mut tx, last, top).await?;
        for subscriber in subscribers.iter() {
            subscriber.handle(&mut tx, &events).await?;
        }
    }
    notify_on_commit(&mut tx, Signal::Events).await?;
    tx.commit().await?;
    Ok(pending.len())
}

const EVENT_COLUMNS: &str = "id, seq, type, workspace_id, occurred_at, data";

async fn read_range(tx: &mut Tx, after: i64, through: i64) -> sqlx::Result<Vec<Event>> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(after).bind(through).fetch_all(conn).await)
}

/// Sequences events as they are written, until `stop`.
pub async fn run_sequencer(
    db: Db,
    subscribers: Subscribers,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut woken = db.signals().subscribe(Signal::Outbox);
    loop {
        match sequence(&db, &subscribers, 500).await {
            Ok(500) => continue,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "sequencing events failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        tokio::select! {
            _ = woken.wait(poll) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Events after `seq` in every workspace, oldest first (for the hub).
pub async fn after(db: &Db, seq: i64, limit: i64) -> sqlx::Result<Vec<Event>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(seq).bind(limit).fetch_all(pool).await)
}

/// One workspace's events after `seq`, oldest first (for resuming a stream).
pub async fn after_in(
    db: &Db,
    workspace_id: &WorkspaceId,
    seq: i64,
    limit: i64,
) -> sqlx::Result<Vec<Event>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(workspace_id).bind(seq).bind(limit).fetch_all(pool).await)
}

/// A workspace's sequenced events, newest first, optionally of some types and before a number.
pub async fn list(
    db: &Db,
    workspace_id: &WorkspaceId,
    types: &[String],
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Event>> {
    let mut sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND seq IS NOT NULL AND seq < $2"
    );
    if !types.is_empty() {
        sql.push_str(&format!(
            " AND type IN ({})",
            (0..types.len())
                .map(|i| format!("${}", i + 4))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    sql.push_str(" ORDER BY seq DESC LIMIT $3");
    on_db!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(workspace_id).bind(before.unwrap_or(i64::MAX)).bind(limit);
        for kind in types {
            query = query.bind(kind);
        }
        query.fetch_all(pool).await
    })
}

/// The highest sequence number given so far.
pub async fn last_seq(db: &Db) -> sqlx::Result<i64> {
    on_db!(db, pool => sqlx::query_scalar("SELECT last_seq FROM event_sequence WHERE id = 1").fetch_one(pool).await)
}

/// Deletes sequenced events that occurred before `before`, in slices.
pub async fn prune(db: &Db, before: Millis) -> sqlx::Result<u64> {
    let mut total = 0;
    loop {
        let deleted = on_db!(db, pool => sqlx::query(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE occurred_at < $1 AND seq IS NOT NULL LIMIT 5000)")
            .bind(before).execute(pool).await.map(|r| r.rows_affected()))?;
        total += deleted;
        if deleted < 5000 {
            return Ok(total);
        }
    }
}
