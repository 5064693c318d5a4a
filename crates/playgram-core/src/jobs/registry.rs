//! The job types a worker can run, by name, with their payload types erased.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{Job, JobContext, JobError};

pub(super) type RunFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

pub(super) trait Erased: Send + Sync {
    fn run(&self, context: JobContext, payload: &str) -> RunFuture;
    fn backoff(&self, attempt: i32) -> Duration;
}

struct Typed<J: Job>(Arc<J>);

impl<J: Job> Erased for Typed<J> {
    fn run(&self, context: JobContext, payload: &str) -> RunFuture {
        let job = self.0.clone();
        match serde_json::from_str::<J::Payload>(payload) {
            Ok(payload) => Box::pin(async move { job.run(context, payload).await }),
            Err(error) => {
                let message = format!("the payload does not fit {}: {error}", J::NAME);
                Box::pin(async move { Err(JobError::fatal(message)) })
            }
        }
    }

    fn backoff(&self, attempt: i32) -> Duration {
        self.0.backoff(attempt)
    }
}

/// Job types by name. A worker claims only the names it has, so an older worker in a rolling
/// deploy leaves a newer job type for a newer worker instead of failing it.
#[derive(Clone, Default)]
pub struct Registry {
    jobs: HashMap<&'static str, Arc<dyn Erased>>,
}

impl Registry {
    pub fn register<J: Job>(&mut self, job: J) -> &mut Self {
        self.jobs.insert(J::NAME, Arc::new(Typed(Arc::new(job))));
        self
    }

    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.jobs.keys().copied().collect();
        names.sort_unstable();
        names
    }

    pub(super) fn get(&self, name: &str) -> Option<Arc<dyn Erased>> {
        self.jobs.get(name).cloned()
    }
}
