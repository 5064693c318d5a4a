//! Housekeeping, run as cron jobs by the worker instances:
//! - `maintenance.sweep` (every 5 minutes): expired sessions, used or expired reset links, old login
//!   attempts, one-time page messages nobody came back for;
//! - `maintenance.prune` (hourly): finished jobs past their retention, old job statistics, and
//!   events older than the outbox retention, finished webhook messages and attempts older than the
//!   delivery log's retention, request-bin captures past theirs (and beyond 1,000 per bin), and expired stored files
//!   (contact exports past their download window, imports never started).
//!
//! - `contacts.retention` (daily, 03:41 UTC): erases the contacts of workspaces with a retention
//!   policy that have been inactive longer than it allows (see `contacts::gdpr`).
//!
//! All are idempotent, so a tick that runs twice (a replay) is harmless.

use std::time::Duration;

use playgram_core::Db;
use playgram_core::jobs::cron::Schedule;
use playgram_core::jobs::{Job, JobContext, JobError, NewJob};
use playgram_core::on_db;
use playgram_core::time::now_ms;

/// Login attempts are kept a day, long past any throttle window, for investigating attacks.
const KEEP_LOGIN_ATTEMPTS_MS: i64 = 24 * 3_600_000;
/// Job statistics (the throughput chart) are kept 30 days.
const KEEP_JOB_STATS_MS: i64 = 30 * 86_400_000;

pub async fn sweep(db: &Db) -> sqlx::Result<()> {
    let now = now_ms();
    on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
    on_db!(db, pool => sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1 OR used_at IS NOT NULL").bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
    on_db!(db, pool => sqlx::query("DELETE FROM login_attempts WHERE at <= $1").bind(now - KEEP_LOGIN_ATTEMPTS_MS).execute(pool).await.map(|r| r.rows_affected()))?;
    crate::auth::flash::sweep(db).await?;
    Ok(())
}

pub struct SweepJob {
    pub db: Db,
}

impl Job for SweepJob {
    const NAME: &'static str = "maintenance.sweep";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        Ok(sweep(&self.db).await?)
    }
}

/// How long finished work is kept.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    pub done: Duration,
    pub dead: Duration,
    pub events: Duration,
    pub webhook_log: Duration,
    pub request_bins: Duration,
}

pub struct PruneJob {
    pub db: Db,
    pub retention: Retention,
}

impl Job for PruneJob {
    const NAME: &'static str = "maintenance.prune";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        let now = now_ms();
        let ago = |d: Duration| now - d.as_millis() as i64;
        let jobs = playgram_core::jobs::store::prune(
            &self.db,
            ago(self.retention.done),
            ago(self.retention.dead),
            now - KEEP_JOB_STATS_MS,
        )
        .await?;
        let events = playgram_core::events::prune(&self.db, ago(self.retention.events)).await?;
        let webhook_messages =
            crate::webhooks::messages::prune(&self.db, ago(self.retention.webhook_log)).await?;
        let captures = crate::webhooks::bins::store::prune(
            &self.db,
            ago(self.retention.request_bins),
            crate::webhooks::bins::capture::KEEP_PER_BIN,
        )
        .await?;
        let files = crate::files::prune(&self.db).await?;
        let import_rows = crate::contacts::scrub::prune_import_errors(
            &self.db,
            now - crate::contacts::imports::UPLOAD_TTL_MS,
        )
        .await?;
        tracing::info!(
            jobs,
            events,
            webhook_messages,
            captures,
            files,
            import_rows,
            "pruned finished jobs, old events, the old webhook log, old request-bin captures, expired files and the cells of old refused import rows"
        );
        Ok(())
    }
}

fn sweep_job() -> NewJob {
    NewJob::of::<SweepJob>(&()).unwrap_or_else(|_| unreachable!("() always serializes"))
}

fn prune_job() -> NewJob {
    NewJob::of::<PruneJob>(&()).unwrap_or_else(|_| unreachable!("() always serializes"))
}

fn retention_job() -> NewJob {
    NewJob::of::<crate::contacts::gdpr::RetentionJob>(&())
        .unwrap_or_else(|_| unreachable!("() always serializes"))
}

/// The built-in cron schedules (overridable with the `cron` setting).
pub const SCHEDULES: &[Schedule] = &[
    Schedule {
        name: "maintenance.sweep",
        default: "*/5 * * * *",
        job: sweep_job,
    },
    Schedule {
        name: "maintenance.prune",
        default: "17 * * * *",
        job: prune_job,
    },
    Schedule {
        name: "inbox.wake",
        default: "* * * * *",
        job: crate::inbox::wake::wake_job,
    },
    Schedule {
        name: "inbox.templates_sync",
        default: "23 * * * *",
        job: crate::inbox::templates::sync_job,
    },
    Schedule {
        name: "contacts.retention",
        default: "41 3 * * *",
        job: retention_job,
    },
];
