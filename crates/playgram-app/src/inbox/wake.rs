//! `inbox.wake`, every minute: snoozed conversations whose time has come are open again (with an
//! activity line), and join the assignment queue when they have no assignee.

use std::collections::BTreeMap;

use playgram_core::Db;
use playgram_core::jobs::{Job, JobContext, JobError, NewJob};
use playgram_core::time::now_ms;
use serde_json::json;

use super::conversations::manage::wake_snoozed;
use super::conversations::store;
use super::{assign, events};

pub struct WakeJob {
    pub db: Db,
}

impl Job for WakeJob {
    const NAME: &'static str = "inbox.wake";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        Ok(wake(&self.db).await?)
    }
}

/// Reopens every snoozed conversation whose time has come.
pub async fn wake(db: &Db) -> sqlx::Result<()> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let woken = wake_snoozed(&mut tx, now).await?;
    let mut lines = Vec::with_capacity(woken.len());
    for (ws, conversation, channel) in &woken {
        let changes = BTreeMap::from([("status", json!("open"))]);
        events::conversation_updated(&mut tx, ws, conversation, changes).await?;
        lines.push(assign::activity(
            ws,
            conversation,
            channel,
            "The snooze ended; the conversation is open again".into(),
            None,
            now,
        ));
    }
    store::insert_messages(&mut tx, &lines).await?;
    let mut workspaces: Vec<_> = woken.into_iter().map(|(ws, _, _)| ws).collect();
    workspaces.dedup();
    for ws in workspaces {
        assign::assign_waiting(&mut tx, &ws, now).await?;
    }
    tx.commit().await
}

pub fn wake_job() -> NewJob {
    NewJob::of::<WakeJob>(&()).unwrap_or_else(|_| unreachable!("() always serializes"))
}
