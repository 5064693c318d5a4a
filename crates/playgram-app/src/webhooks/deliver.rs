//! The `webhooks.deliver` job: one attempt to deliver one message, then the decision about the
//! next (see the module docs of `webhooks` for the whole path).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use playgram_core::ids::{AttemptId, EndpointId, MessageId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError, Limit, NewJob};
use playgram_core::time::now_ms;
use serde::{Deserialize, Serialize};

use super::gate::Gate;
use super::log_writer::LogWriter;
use super::messages::{self, AttemptRow, Logged};
use super::prepared::Prepared;
use super::sender::{self, Sent};
use super::ssrf::{self, Guard};
use super::store::EndpointRow;
use super::{notify, signature};
use crate::state::AppState;

/// The request body the log shows (the message's payload, cut).
pub const REQUEST_LOG_BYTES: usize = 64 * 1024;
/// Requests in flight at once to an endpoint that is failing (whatever its `max_in_flight`).
const FAILING_SHARE: i32 = 4;

/// What started a delivery: the retry schedule, a person's resend, or a test send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Scheduled,
    Replay,
    Test,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::Replay => "replay",
            Trigger::Test => "test",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub message_id: MessageId,
    pub endpoint_id: EndpointId,
    pub trigger: Trigger,
    /// Attempts this delivery may make (the retry schedule's length when enqueued).
    pub attempts: u32,
    /// The body, carried by fan-out deliveries so sending needs no read; others read the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// What is sent: the message's id (the `webhook-id`), workspace and body.
pub struct Outgoing {
    pub id: MessageId,
    pub workspace_id: WorkspaceId,
    pub payload: String,
}

/// The job that delivers `message_id` to `endpoint` after `delay`, with up to `attempts` attempts
/// (rate-limited per endpoint when it asks). Test sends get one attempt. Its unique key is the
/// message's, so one message never has two deliveries under way (a resend finds the scheduled one
/// and moves it to now).
pub fn job(
    workspace_id: &WorkspaceId,
    endpoint: &EndpointRow,
    message_id: MessageId,
    trigger: Trigger,
    attempts: usize,
    delay: Duration,
    body: Option<String>,
) -> sqlx::Result<NewJob> {
    let attempts = match trigger {
        Trigger::Test => 1,
        Trigger::Scheduled | Trigger::Replay => attempts.max(1) as u32,
    };
    let delivery = Delivery {
        message_id,
        endpoint_id: endpoint.id.clone(),
        trigger,
        attempts,
        body,
    };
    let unique = format!("webhook-message:{}", delivery.message_id);
    let mut job = NewJob::of::<DeliverJob>(&delivery)
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?
        .unique(unique)
        .workspace(workspace_id)
        .max_attempts(attempts as i32)
        .delay(delay);
    if let Some(rate) = endpoint.rate_limit {
        job = job.limit(
            Limit::key(format!("webhook:{}", endpoint.id))
                .rate(rate.max(1) as u32, Duration::from_secs(1)),
        );
    }
    Ok(job)
}

pub struct DeliverJob {
    state: AppState,
    client: reqwest::Client,
    guard: Arc<Guard>,
    /// For this server's own request bins (`{public_url}/bin/…`), which may sit on a private
    /// address in a self-hosted setup: the same client without the address rules.
    own_bins: (String, reqwest::Client, Arc<Guard>),
    log: LogWriter,
    gate: Gate,
}

impl DeliverJob {
    pub fn new(state: &AppState) -> anyhow::Result<DeliverJob> {
        let guard = Arc::new(Guard::new(state.config.webhooks_allow_networks.clone()));
        let timeout = Duration::from_secs(state.config.webhooks_timeout_seconds);
        let open = Arc::new(Guard::new(
            ["0.0.0.0/0", "::/0"]
                .iter()
                .filter_map(|c| playgram_core::net::Cidr::parse(c))
                .collect(),
        ));
        let build = |guard: &Arc<Guard>| {
            ssrf::client(guard.clone(), timeout)
                .map_err(|e| anyhow::anyhow!("building the webhook HTTP client: {e}"))
        };
        let bins = state.link("/bin/");
        Ok(DeliverJob {
            client: build(&guard)?,
            own_bins: (bins, build(&open)?, open),
            guard,
            log: LogWriter::start(state.db.clone()),
            gate: Gate::default(),
            state: state.clone(),
        })
    }

    /// The wait before attempt `made + 1` after `made` attempts: the schedule's entry, ±10 %.
    fn next_wait(&self, made: u32, sent: &Sent) -> Duration {
        let schedule = &self.state.config.webhooks_retry_schedule;
        let base = schedule
            .get(made as usize)
            .or(schedule.last())
            .copied()
            .unwrap_or_default();
        let jittered = base.mul_f64(rand::random_range(0.9..=1.1));
        sent.retry_after
            .map_or(jittered, |asked| jittered.max(asked))
    }
}

impl Job for DeliverJob {
    const NAME: &'static str = "webhooks.deliver";
    const QUEUE: &'static str = "webhooks";
    type Payload = Delivery;

    async fn run(&self, context: JobContext, mut delivery: Delivery) -> Result<(), JobError> {
        let db = &self.state.db;
        let mut message = match (delivery.body.take(), context.workspace_id.clone()) {
            (Some(payload), Some(workspace_id)) => Outgoing {
                id: delivery.message_id.clone(),
                workspace_id,
                payload,
            },
            _ => match messages::get_for_delivery(db, &delivery.message_id).await? {
                Some(found) => Outgoing {
                    id: found.id,
                    workspace_id: found.workspace_id,
                    payload: found.payload,
                },
                None => return Ok(()), // Deleted with its endpoint, or pruned.
            },
        };
        let endpoints = &self.state.webhook_endpoints;
        let Some(endpoint) = endpoints
            .get(&message.workspace_id, &delivery.endpoint_id)
            .await?
        else {
            return Ok(()); // Deleted.
        };
        let row = &endpoint.row;
        if !row.enabled {
            let why = super::fanout::disabled_error(row);
            messages::fail_without_attempt(db, &message.id, &why).await?;
            return Ok(());
        }
        // A failing endpoint (typically one that hangs until the timeout) gets a small share.
        let share = match row.failing_since {
            Some(_) => row.max_in_flight.clamp(1, FAILING_SHARE),
            None => row.max_in_flight.max(1),
        };
        // The endpoint is busy with its share: step aside until about its turn, not an attempt.
        let _slot = self
            .gate
            .enter(&row.id, share as u32)
            .map_err(JobError::defer)?;
        let now = now_ms();
        let headers = self.headers(&endpoint, &message, now)?;
        let body = Bytes::from(std::mem::take(&mut message.payload));
        let Some(url) = &endpoint.url else {
            return Err(JobError::fatal(format!(
                "the endpoint URL {} does not parse",
                row.url
            )));
        };
        let (client, guard) = self.client_for(&row.url);
        let sent = sender::send(client, guard, url, &headers, body).await;

        let made = context.attempt.max(1) as u32;
        let succeeded = sent.succeeded();
        let gone = sent.status == Some(410);
        let disable_after = self.state.config.webhooks_disable_after_hours * 3_600_000;
        let failing_too_long = !succeeded
            && delivery.trigger != Trigger::Test
            && row
                .failing_since
                .is_some_and(|since| now - since >= disable_after);
        let retry = !succeeded && !gone && !failing_too_long && made < delivery.attempts;
        let wait = self.next_wait(made, &sent);
        let (status, next_attempt_at) = match (succeeded, retry) {
            (true, _) => ("delivered", None),
            (false, true) => ("failing", Some(now + wait.as_millis() as i64)),
            (false, false) => ("failed", None),
        };
        let attempt = attempt_row(&endpoint, &message, &delivery, &headers, &sent, now);
        let error = attempt.error.clone().unwrap_or_default();
        let logged = Logged {
            attempt,
            status,
            next_attempt_at,
        };
        // The request went out: whatever happens to the log, the outcome stands (sending again
        // because a log line could not be written would be a duplicate delivery).
        if let Err(error) = self.log.write(logged).await {
            tracing::warn!(message = %message.id, %error, "delivery not logged");
        }
        if gone || failing_too_long {
            let reason = if gone { "gone" } else { "failing" };
            let cutoff = now - disable_after;
            if let Err(error) = notify::disable(&self.state, row, reason, &error, cutoff).await {
                tracing::warn!(endpoint = %row.id, %error, "disabling the endpoint failed");
            }
            endpoints.forget(&row.id);
        }
        if retry {
            return Err(JobError::retry_after(error, wait));
        }
        Ok(())
    }
}

impl DeliverJob {
    /// The guarded client, or for one of this server's own request bins the open one. The URL
    /// was normalised when the endpoint was saved, so `..` cannot climb out of `/bin/`.
    fn client_for(&self, url: &str) -> (&reqwest::Client, &Guard) {
        let (bins, client, guard) = &self.own_bins;
        match url.strip_prefix(bins.as_str()) {
            Some(rest) if !rest.is_empty() && !rest.contains("..") => (client, guard),
            _ => (&self.client, &self.guard),
        }
    }

    /// The request headers: custom ones first, then the ones every delivery defines.
    fn headers(
        &self,
        endpoint: &Prepared,
        message: &Outgoing,
        now: i64,
    ) -> Result<Vec<(String, String)>, JobError> {
        let secrets = endpoint.secrets(now);
        if secrets.is_empty() {
            return Err(JobError::fatal(
                "the endpoint's secret cannot be read (was the instance key changed?)",
            ));
        }
        let timestamp = now / 1000;
        let signature = signature::signature_header(
            &secrets,
            message.id.as_str(),
            timestamp,
            message.payload.as_bytes(),
        );
        let mut headers = endpoint.headers.clone();
        headers.extend([
            ("content-type".to_owned(), "application/json".to_owned()),
            ("webhook-id".to_owned(), message.id.to_string()),
            ("webhook-timestamp".to_owned(), timestamp.to_string()),
            ("webhook-signature".to_owned(), signature),
        ]);
        Ok(headers)
    }
}

/// The log row of one attempt. Custom header values are masked (they are often credentials); the
/// body is the message's payload, so it is not stored again with every attempt.
fn attempt_row(
    endpoint: &Prepared,
    message: &Outgoing,
    delivery: &Delivery,
    headers: &[(String, String)],
    sent: &Sent,
    started_at: i64,
) -> AttemptRow {
    let custom = endpoint.headers.len();
    let shown: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .enumerate()
        .map(|(n, (name, value))| {
            let value = if n < custom { MASK } else { value.as_str() };
            (name.clone(), value.into())
        })
        .collect();
    let response_headers: serde_json::Map<String, serde_json::Value> = sent
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into()))
        .collect();
    AttemptRow {
        id: AttemptId::new(),
        message_id: message.id.clone(),
        endpoint_id: endpoint.row.id.clone(),
        workspace_id: message.workspace_id.clone(),
        // Numbered from the message's count when written (`messages::record`).
        attempt: 0,
        trigger: delivery.trigger.as_str().to_owned(),
        url: endpoint.row.url.clone(),
        request_headers: serde_json::Value::Object(shown).to_string(),
        request_body: String::new(),
        response_status: sent.status.map(i32::from),
        response_headers: sent
            .status
            .map(|_| serde_json::Value::Object(response_headers).to_string()),
        response_body: sent.status.map(|_| sent.body.clone()),
        duration_ms: sent.duration.as_millis() as i64,
        error: sent.error.clone(),
        succeeded: sent.succeeded(),
        started_at,
    }
}

/// What the log shows instead of a custom header's value.
pub const MASK: &str = "••••••";

/// `text` cut to at most `max` bytes, at a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
