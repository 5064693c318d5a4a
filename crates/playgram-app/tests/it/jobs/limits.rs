//! Per-key rate and concurrency limits, and per-workspace fairness.

use std::time::{Duration, Instant};

use playgram_app::jobs::probe::Failure;
use playgram_core::ids::WorkspaceId;
use playgram_core::jobs::{Job, JobContext, JobError, Limit, NewJob, enqueue_many, store};
use playgram_testkit::{TestApp, both};

use super::{JobRow, jobs_named, probe};

/// Waits until every `diag.probe` job is finished (or 30 s pass) and returns them.
async fn all_probes_finished(app: &TestApp, count: usize) -> Vec<JobRow> {
    let started = Instant::now();
    loop {
        let rows = jobs_named(app, "diag.probe").await;
        if rows.len() == count && rows.iter().all(|r| r.state == "done" || r.state == "dead") {
            return rows;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "jobs still unfinished: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn a_rate_limited_key_never_exceeds_its_rate_and_every_job_completes(app: TestApp) {
    // A token bucket of 4, refilled at 4 per second: 12 jobs need about two seconds.
    let limit = Limit::key("acct:1").rate(4, Duration::from_secs(1));
    let jobs: Vec<NewJob> = (0..12)
        .map(|_| probe(0, Failure::None, 0).limit(limit.clone()))
        .collect();
    let mut tx = app.db().begin().await.unwrap();
    assert_eq!(enqueue_many(&mut tx, jobs).await.unwrap().len(), 12);
    tx.commit().await.unwrap();

    let rows = all_probes_finished(&app, 12).await;
    for row in &rows {
        assert_eq!(row.state, "done", "{row:#?}");
        // Waiting for a token is not an attempt and not a failure.
        assert_eq!(row.attempts, 1, "{row:#?}");
        assert!(row.last_error.is_none(), "{row:#?}");
    }
    let starts: Vec<i64> = rows.iter().filter_map(|r| r.started_at).collect();
    assert_eq!(starts.len(), 12);
    let offsets = assert_rate(starts, 4, 1000);
    // And the limit did defer: 12 starts at 4/s cannot fit in less than two seconds.
    assert!(offsets[11] >= 2000 - 5, "{offsets:?}");
}

/// Asserts that `starts` (ms) fit a token bucket of `count` refilled at `count` per `per_ms`: in
/// any window `[t_i, t_j]` at most `count + count × (t_j - t_i) / per_ms` starts. Returns the
/// sorted start times as offsets from the first.
pub fn assert_rate(mut starts: Vec<i64>, count: u32, per_ms: i64) -> Vec<i64> {
    starts.sort_unstable();
    let capacity = f64::from(count);
    let mut violations = Vec::new();
    for i in 0..starts.len() {
        for j in i..starts.len() {
            let window = starts[j] - starts[i];
            let allowed = capacity + capacity * window as f64 / per_ms as f64 + 0.01;
            let started = (j - i + 1) as f64;
            if started > allowed {
                violations.push(format!(
                    "{started} starts in {window} ms (allowed {allowed:.2})"
                ));
            }
        }
    }
    let offsets: Vec<i64> = starts.iter().map(|t| t - starts[0]).collect();
    assert!(
        violations.is_empty(),
        "rate exceeded: {violations:?}\nstart offsets (ms): {offsets:?}"
    );
    offsets
}
both!(a_rate_limited_key_never_exceeds_its_rate_and_every_job_completes);

async fn a_concurrency_limited_key_never_runs_more_than_its_cap(app: TestApp) {
    let limit = Limit::key("conc:1").concurrency(2);
    let jobs: Vec<NewJob> = (0..6)
        .map(|_| probe(300, Failure::None, 0).limit(limit.clone()))
        .collect();
    let mut tx = app.db().begin().await.unwrap();
    enqueue_many(&mut tx, jobs).await.unwrap();
    tx.commit().await.unwrap();

    let running = "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND limit_key = 'conc:1'";
    let finished =
        "SELECT COUNT(*) FROM jobs WHERE state IN ('done', 'dead') AND limit_key = 'conc:1'";
    let started = Instant::now();
    let mut most = 0;
    while app.fetch_i64(finished, &[]).await < 6 {
        most = most.max(app.fetch_i64(running, &[]).await);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "jobs unfinished"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(most <= 2, "{most} jobs of a key capped at 2 ran at once");
    assert_eq!(most, 2, "the cap is 2, not 1");
    let rows = jobs_named(&app, "diag.probe").await;
    for row in &rows {
        assert_eq!((row.state.as_str(), row.attempts), ("done", 1), "{row:#?}");
    }
    // Three rounds of 300 ms: the jobs did not all run at once.
    let first = rows.iter().filter_map(|r| r.started_at).min().unwrap();
    let last = rows.iter().filter_map(|r| r.finished_at).max().unwrap();
    assert!(
        last - first >= 900,
        "all six ran within {} ms",
        last - first
    );
}
both!(a_concurrency_limited_key_never_runs_more_than_its_cap);

/// A job type no worker of the app runs: the test claims it by hand.
struct Fair;

impl Job for Fair {
    const NAME: &'static str = "test.fair";
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        Ok(())
    }
}

async fn claim_batch(app: &TestApp) -> Vec<store::Claimed> {
    store::claim(app.db(), "test-worker", &[Fair::NAME], 50, 30_000)
        .await
        .expect("claim")
}

async fn a_busy_workspace_does_not_delay_another_by_more_than_a_few_batches(app: TestApp) {
    let busy = WorkspaceId::new();
    let quiet = WorkspaceId::new();
    let one = NewJob::of::<Fair>(&()).unwrap();

    let started = Instant::now();
    for _ in 0..5 {
        let batch = vec![one.clone().workspace(&busy); 20_000];
        let mut tx = app.db().begin().await.unwrap();
        assert_eq!(enqueue_many(&mut tx, batch).await.unwrap().len(), 20_000);
        tx.commit().await.unwrap();
    }
    let insert = started.elapsed();
    eprintln!("{:?}: enqueued 100,000 jobs in {insert:?}", app.backend());
    assert!(
        insert < Duration::from_secs(15),
        "100,000 inserts took {insert:?}"
    );

    // Workers are busy with the big workspace…
    for _ in 0..3 {
        let batch = claim_batch(&app).await;
        assert_eq!(batch.len(), 50);
        assert!(batch.iter().all(|j| j.workspace_id.as_ref() == Some(&busy)));
    }
    // …when the quiet workspace queues one job: it is among the next three batches.
    let mut tx = app.db().begin().await.unwrap();
    let quiet_id = enqueue_many(&mut tx, vec![one.clone().workspace(&quiet)])
        .await
        .unwrap()
        .pop()
        .unwrap();
    tx.commit().await.unwrap();
    let mut found = None;
    for n in 0..3 {
        if claim_batch(&app).await.iter().any(|j| j.id == quiet_id) {
            found = Some(n);
            break;
        }
    }
    assert!(
        found.is_some(),
        "the quiet workspace's job was not in the next 3 batches of 50"
    );

    // Later, after many more of the busy workspace's jobs ran, the same holds.
    for _ in 0..20 {
        claim_batch(&app).await;
    }
    let mut tx = app.db().begin().await.unwrap();
    let later = enqueue_many(&mut tx, vec![one.clone().workspace(&quiet); 2])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut claimed = Vec::new();
    for _ in 0..3 {
        claimed.extend(claim_batch(&app).await.into_iter().map(|j| j.id));
    }
    assert!(
        later.iter().all(|id| claimed.contains(id)),
        "the quiet workspace's later jobs waited more than 3 batches"
    );
    // Claimed jobs are leased (running); none was lost or claimed twice.
    let count = |state: &'static str| {
        let app = &app;
        async move {
            app.fetch_i64(
                "SELECT COUNT(*) FROM jobs WHERE state = $1",
                &[state.into()],
            )
            .await
        }
    };
    assert_eq!(count("ready").await + count("running").await, 100_003);
}
both!(a_busy_workspace_does_not_delay_another_by_more_than_a_few_batches);

/// A job type no worker of the app runs, for claiming by hand under a limit.
struct Capped;

impl Job for Capped {
    const NAME: &'static str = "test.capped";
    type Payload = ();

    async fn run(&self, _: JobContext, _: ()) -> Result<(), JobError> {
        Ok(())
    }
}

async fn limits_hold_when_two_workers_claim_at_once(app: TestApp) {
    let mut over = Vec::new();
    for round in 0..10 {
        let key = format!("cap:{round}");
        let job = NewJob::of::<Capped>(&())
            .unwrap()
            .limit(Limit::key(&key).concurrency(2));
        let mut tx = app.db().begin().await.unwrap();
        enqueue_many(&mut tx, vec![job; 4]).await.unwrap();
        tx.commit().await.unwrap();
        // Two workers, each with room for two jobs, claim at the same moment.
        let (one, two) = tokio::join!(
            store::claim(app.db(), "worker-1", &[Capped::NAME], 2, 30_000),
            store::claim(app.db(), "worker-2", &[Capped::NAME], 2, 30_000),
        );
        let claimed = one.unwrap().len() + two.unwrap().len();
        let running = app
            .fetch_i64(
                "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND limit_key = $1",
                &[key.as_str().into()],
            )
            .await;
        assert_eq!(running, claimed as i64);
        if running != 2 {
            over.push(format!("round {round}: {running} running"));
        }
        // The deferred ones would come due in a later round and take its claims.
        app.execute(
            "DELETE FROM jobs WHERE limit_key = $1",
            &[key.as_str().into()],
        )
        .await;
    }
    assert!(
        over.is_empty(),
        "a key capped at 2 did not have exactly 2 running after concurrent claims: {over:?}"
    );

    // A token bucket is shared the same way: 2 tokens an hour, two claimers, 2 jobs start.
    let job = NewJob::of::<Capped>(&())
        .unwrap()
        .limit(Limit::key("rate:hourly").rate(2, Duration::from_secs(3600)));
    let mut tx = app.db().begin().await.unwrap();
    enqueue_many(&mut tx, vec![job; 8]).await.unwrap();
    tx.commit().await.unwrap();
    let (one, two) = tokio::join!(
        store::claim(app.db(), "worker-1", &[Capped::NAME], 4, 30_000),
        store::claim(app.db(), "worker-2", &[Capped::NAME], 4, 30_000),
    );
    assert_eq!(one.unwrap().len() + two.unwrap().len(), 2);
    let deferred = app
        .fetch_i64(
            "SELECT COUNT(*) FROM jobs WHERE limit_key = 'rate:hourly' AND state = 'scheduled' \
             AND attempts = 0 AND run_at > $1",
            &[(crate::now_ms() + 60_000).into()],
        )
        .await;
    assert_eq!(
        deferred, 6,
        "the others wait for their tokens, without an attempt"
    );
}
both!(limits_hold_when_two_workers_claim_at_once);
