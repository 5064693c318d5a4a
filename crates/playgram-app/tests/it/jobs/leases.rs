//! Leases, the reaper, heartbeats, graceful shutdown and cron ticks.

use playgram_app::jobs::probe::Failure;
use playgram_core::Db;
use playgram_core::jobs::cron::{Schedule, fire};
use playgram_core::jobs::store::{self, Finish, LEASE_EXPIRED, Outcome};
use playgram_core::jobs::{Job, JobContext, JobError, NewJob};
use playgram_testkit::{Settings, TestApp, both};

use super::{enqueue_now, job, jobs_named, probe, wait_state};

/// A probe that a ghost worker (this test) claims and abandons. It is enqueued under a name the
/// app's worker does not run, so the ghost's claim cannot lose a race with the app; once the ghost
/// holds it, it is renamed to `diag.probe` so the app can run it after reaping.
async fn abandoned_by_a_ghost(app: &TestApp, job: NewJob) -> String {
    let job = NewJob {
        name: "test.hold",
        ..job
    };
    let id = enqueue_now(app, job).await.id.to_string();
    let claimed = store::claim(app.db(), "ghost", &["test.hold"], 10, 500)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    app.execute(
        "UPDATE jobs SET name = 'diag.probe' WHERE id = $1",
        &[id.as_str().into()],
    )
    .await;
    id
}

async fn a_dead_workers_job_is_reaped_after_its_lease_and_runs_again(app: TestApp) {
    // A job longer than the lease: heartbeats keep it with its worker.
    let long = enqueue_now(&app, probe(3000, Failure::None, 0)).await;
    let abandoned = abandoned_by_a_ghost(&app, probe(0, Failure::None, 0)).await;
    let last_try = abandoned_by_a_ghost(&app, probe(0, Failure::None, 0).max_attempts(1)).await;

    let row = wait_state(&app, &abandoned, "done").await;
    assert_eq!(row.attempts, 2, "{row:#?}");
    assert_eq!(row.last_error.as_deref(), Some(LEASE_EXPIRED));
    assert_ne!(row.worker.as_deref(), Some("ghost"));

    // With no attempt left, the reaper kills the job, with the reason.
    let row = wait_state(&app, &last_try, "dead").await;
    assert_eq!(row.attempts, 1, "{row:#?}");
    assert_eq!(row.last_error.as_deref(), Some(LEASE_EXPIRED));

    // The ghost coming back late cannot overwrite what happened since.
    let late = Outcome {
        id: playgram_core::ids::JobId::parse(&abandoned).unwrap(),
        queue: "diagnostics".into(),
        workspace_id: None,
        finish: Finish::Dead {
            error: "ghost".into(),
        },
        run_ms: 1,
    };
    store::finish(app.db(), "ghost", &[late]).await.unwrap();
    let row = job(&app, &abandoned).await.unwrap();
    assert_eq!(row.state, "done");
    assert_eq!(row.last_error.as_deref(), Some(LEASE_EXPIRED));

    let row = wait_state(&app, long.id.as_str(), "done").await;
    assert_eq!(row.attempts, 1, "heartbeats lost the lease: {row:#?}");
    assert!(row.last_error.is_none(), "{row:#?}");
}
both!(
    a_dead_workers_job_is_reaped_after_its_lease_and_runs_again,
    Settings::new().set("jobs_lease_seconds", 2)
);

async fn shutdown_finishes_running_jobs_or_gives_them_back(mut app: TestApp) {
    // The test kit's grace period is one second.
    let quick = enqueue_now(&app, probe(500, Failure::None, 0)).await;
    let slow = enqueue_now(&app, probe(20_000, Failure::None, 0)).await;
    wait_state(&app, quick.id.as_str(), "running").await;
    wait_state(&app, slow.id.as_str(), "running").await;
    app.stop().await;

    let quick = job(&app, quick.id.as_str()).await.unwrap();
    assert_eq!(
        (quick.state.as_str(), quick.attempts),
        ("done", 1),
        "{quick:#?}"
    );
    // The slow one could not finish: it is back in the queue, the interrupted attempt not counted.
    let slow = job(&app, slow.id.as_str()).await.unwrap();
    assert_eq!(
        (slow.state.as_str(), slow.attempts),
        ("ready", 0),
        "{slow:#?}"
    );
    assert!(slow.worker.is_none() && slow.lease_until.is_none() && slow.started_at.is_none());
    assert!(slow.last_error.is_none(), "{slow:#?}");
}
both!(shutdown_finishes_running_jobs_or_gives_them_back);

/// A job type no worker runs, so cron's jobs stay in the table to be counted.
struct Tick;

impl Job for Tick {
    const NAME: &'static str = "test.cron";
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        Ok(())
    }
}

fn tick_job() -> NewJob {
    NewJob::of::<Tick>(&()).unwrap()
}

const SCHEDULE: Schedule = Schedule {
    name: "test.every_minute",
    default: "* * * * *",
    job: tick_job,
};

async fn a_cron_tick_is_enqueued_once_across_nodes(app: TestApp) {
    let minute = 60_000;
    let tick = playgram_core::time::now_ms() / minute * minute;
    assert!(fire(app.db(), &SCHEDULE, tick).await.unwrap());
    assert!(!fire(app.db(), &SCHEDULE, tick).await.unwrap());
    assert_eq!(jobs_named(&app, "test.cron").await.len(), 1);

    // Two nodes (two connection pools) at the next tick, at the same moment: one job.
    let other_node = Db::connect(&app.state().config.database_url, 2)
        .await
        .unwrap();
    let next = tick + minute;
    let (a, b) = tokio::join!(
        fire(app.db(), &SCHEDULE, next),
        fire(&other_node, &SCHEDULE, next)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a ^ b, "both or neither enqueued: {a} {b}");
    assert_eq!(jobs_named(&app, "test.cron").await.len(), 2);

    // An old tick comes too late; a later one enqueues again.
    assert!(!fire(&other_node, &SCHEDULE, tick).await.unwrap());
    assert!(fire(&other_node, &SCHEDULE, next + minute).await.unwrap());
    let keys: Vec<String> = {
        let rows = jobs_named(&app, "test.cron").await;
        let mut keys = Vec::new();
        for row in rows {
            keys.push(
                app.fetch_text(
                    "SELECT unique_key FROM jobs WHERE id = $1",
                    &[row.id.as_str().into()],
                )
                .await
                .unwrap_or_default(),
            );
        }
        keys
    };
    let expected: Vec<String> = [tick, next, next + minute]
        .iter()
        .map(|t| format!("cron:test.every_minute:{t}"))
        .collect();
    assert_eq!(keys, expected);
    other_node.close().await;
}
both!(a_cron_tick_is_enqueued_once_across_nodes);
