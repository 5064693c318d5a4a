//! kill -9 of a real worker process in the middle of its batches: every job completes, none
//! stays running past its lease, none is lost. On SQLite, and on PostgreSQL when
//! `PLAYGRAM_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use playgram_app::jobs::probe::{Probe, ProbeJob};
use playgram_core::Db;
use playgram_core::jobs::store::LEASE_EXPIRED;
use playgram_core::jobs::{NewJob, enqueue_many};
use playgram_core::on_db;
use playgram_core::time::now_ms;
use playgram_testkit::{Backend, FreshDatabase};

const SECRET_KEY: &str = "8f3a0c5e7b9d1f2a4c6e8a0b2d4f6a8c0e2a4c6e8b0d2f4a6c8e0a2c4e6a8b0d";
const JOBS: usize = 200;
const LEASE_MS: i64 = 2000;
/// How long past its lease a job may still show `running`: the reaper runs every third of the
/// lease, and a loaded machine gets a second more.
const REAP_SLACK_MS: i64 = LEASE_MS / 3 + 1000;

/// A `playgram serve --role worker` process and the file its output goes to.
struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    fn start(dir: &Path, url: &str, n: usize) -> WorkerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join(format!("worker-{n}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = playgram(dir, url)
            .args(["serve", "--role", "worker"])
            .env("PLAYGRAM_BIND", format!("127.0.0.1:{port}"))
            .env("PLAYGRAM_JOBS_LEASE_SECONDS", (LEASE_MS / 1000).to_string())
            .env("PLAYGRAM_CRON", playgram_testkit::OFF_CRON)
            .env("PLAYGRAM_JOBS_CONCURRENCY", "8")
            .env("PLAYGRAM_JOBS_CLAIM_BATCH", "32")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start playgram serve --role worker");
        let worker = WorkerProcess { child, log };
        let started = Instant::now();
        while http_status(port, "/readyz") != 200 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the worker did not get ready:\n{}",
                worker.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        worker
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary with only the given database and secret (nothing inherited from the test).
fn playgram(dir: &Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_playgram"));
    command
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", url)
        .env("PLAYGRAM_SECRET_KEY", SECRET_KEY)
        .env("PLAYGRAM_DATA_DIR", dir.join("data"))
        .env("PLAYGRAM_LOG", "info")
        .stdin(Stdio::null());
    command
}

/// `GET path` over a plain TCP connection; the status code, or 0 when nothing answers.
fn http_status(port: u16, path: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    if stream.write_all(request.as_bytes()).is_err()
        || stream.read_to_string(&mut response).is_err()
    {
        return 0;
    }
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: String,
    state: String,
    attempts: i32,
    last_error: Option<String>,
}

async fn rows(db: &Db) -> Vec<Row> {
    let rows: sqlx::Result<Vec<Row>> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, state, attempts, last_error FROM jobs ORDER BY id").fetch_all(pool).await);
    rows.unwrap()
}

async fn count(db: &Db, state: &str) -> i64 {
    let n: sqlx::Result<i64> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE state = $1").bind(state).fetch_one(pool).await);
    n.unwrap()
}

/// Jobs still `running` well past their lease (the reaper should have returned them).
async fn overdue(db: &Db) -> Vec<(String, i64)> {
    let rows: sqlx::Result<Vec<(String, i64)>> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, lease_until FROM jobs WHERE state = 'running' AND lease_until < $1")
        .bind(now_ms() - REAP_SLACK_MS).fetch_all(pool).await);
    rows.unwrap()
}

async fn kill_9_in_the_middle_loses_nothing(backend: Backend) {
    let Some(database) = FreshDatabase::create(backend).await else {
        return;
    };
    let dir = database.data_dir.clone();
    let url = database.url.clone();
    let migrated = playgram(&dir, &url).arg("migrate").output().unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let db = Db::connect(&url, 2).await.unwrap();
    let probe = Probe {
        sleep_ms: 50,
        ..Probe::default()
    };
    let job = NewJob::of::<ProbeJob>(&probe).unwrap();
    assert_eq!((job.name, job.queue), ("diag.probe", "diagnostics"));
    let mut tx = db.begin().await.unwrap();
    let ids = enqueue_many(&mut tx, vec![job; JOBS]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids.len(), JOBS);

    // Let the first worker get going, then kill it mid-batch.
    let mut first = WorkerProcess::start(&dir, &url, 1);
    let started = Instant::now();
    while count(&db, "done").await < 40 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the first worker finished too few jobs:\n{}",
            first.output()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.child.kill().unwrap(); // SIGKILL: no shutdown, no release.
    first.child.wait().unwrap();
    let at_kill = rows(&db).await;
    let running_at_kill: BTreeSet<String> = at_kill
        .iter()
        .filter(|r| r.state == "running")
        .map(|r| r.id.clone())
        .collect();
    let done_at_kill = at_kill.iter().filter(|r| r.state == "done").count();
    assert!(
        !running_at_kill.is_empty() && done_at_kill < JOBS,
        "no job was left running at the kill ({done_at_kill} done)"
    );

    // A second worker reaps the dead one's leases and finishes everything.
    let second = WorkerProcess::start(&dir, &url, 2);
    let mut late = Vec::new();
    let started = Instant::now();
    loop {
        late.extend(overdue(&db).await);
        if count(&db, "done").await as usize == JOBS {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let states: Vec<_> = rows(&db)
                .await
                .into_iter()
                .filter(|r| r.state != "done")
                .collect();
            panic!(
                "jobs unfinished after 60 s: {states:#?}\nsecond worker:\n{}",
                second.output()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        late.is_empty(),
        "jobs stayed running more than {REAP_SLACK_MS} ms past their lease: {late:?}"
    );

    let after = rows(&db).await;
    assert_eq!(after.len(), JOBS, "jobs were lost");
    let not_done: Vec<_> = after.iter().filter(|r| r.state != "done").collect();
    assert!(not_done.is_empty(), "{not_done:#?}");
    for row in &after {
        if running_at_kill.contains(&row.id) {
            assert!(row.attempts >= 2, "{row:?}");
            assert_eq!(row.last_error.as_deref(), Some(LEASE_EXPIRED), "{row:?}");
        } else {
            assert_eq!(row.attempts, 1, "{row:?}");
            assert!(row.last_error.is_none(), "{row:?}");
        }
    }
    eprintln!(
        "{backend:?}: killed with {done_at_kill} done and {} running; all {JOBS} done after {:?}",
        running_at_kill.len(),
        started.elapsed()
    );
    drop(second);
    db.close().await;
}

#[tokio::test]
async fn kill_9_on_sqlite() {
    kill_9_in_the_middle_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn kill_9_on_postgres() {
    kill_9_in_the_middle_loses_nothing(Backend::Postgres).await;
}
