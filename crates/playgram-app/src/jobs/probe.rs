//! `diag.probe`: a job that waits, succeeds, fails or panics on request. Operators run it from the
//! Jobs page to see the pipeline work end to end; the tests and `playgram bench queue` use it.

use std::time::Duration;

use playgram_core::jobs::{Job, JobContext, JobError, backoff};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    #[default]
    None,
    /// Returns an error (retried).
    Error,
    /// Panics (retried; the panic message is kept).
    Panic,
    /// Returns an error that no retry can fix (dead at once).
    Fatal,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    /// How long the run takes.
    #[serde(default)]
    pub sleep_ms: u64,
    #[serde(default)]
    pub fail: Failure,
    /// Fail only while the attempt is at most this; 0 fails every attempt.
    #[serde(default)]
    pub fail_attempts: i32,
}

pub struct ProbeJob;

impl Job for ProbeJob {
    const NAME: &'static str = "diag.probe";
    const QUEUE: &'static str = "diagnostics";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = Probe;

    /// Quick retries: a probe is about seeing the pipeline, not waiting for it.
    fn backoff(&self, attempt: i32) -> Duration {
        backoff::full_jitter(attempt, Duration::from_millis(200), Duration::from_secs(2))
    }

    async fn run(&self, context: JobContext, probe: Probe) -> Result<(), JobError> {
        if probe.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(probe.sleep_ms)).await;
        }
        let failing = probe.fail_attempts == 0 || context.attempt <= probe.fail_attempts;
        match probe.fail {
            _ if !failing => Ok(()),
            Failure::None => Ok(()),
            Failure::Error => Err(JobError::retry(format!(
                "probe failed on purpose (attempt {})",
                context.attempt
            ))),
            Failure::Fatal => Err(JobError::fatal("probe failed on purpose, fatally")),
            Failure::Panic => panic!("probe panicked on purpose (attempt {})", context.attempt),
        }
    }
}
