//! `inbox.deliver_api`: delivers one reply of an API channel to the channel's `outbound_url`,
//! signed per Standard Webhooks with the channel's `signing_secret` (see the module above for
//! what each answer means). The client is the webhooks' SSRF-guarded one: the URL must not
//! reach the server's own network unless the operator allowed it.

use std::sync::Arc;
use std::time::Duration;

use playgram_core::jobs::{Job, JobContext, JobError};
use playgram_core::time::now_ms;
use playgram_core::{Conn, on_tx};
use serde_json::json;

use crate::inbox::channels::store as channels;
use crate::inbox::conversations::store;
use crate::inbox::events::{self, MessageStatusChanged};
use crate::state::AppState;
use crate::webhooks::signature::{Secret, signature_header};
use crate::webhooks::ssrf::{self, Guard};

pub struct ApiDeliverJob {
    state: AppState,
    client: reqwest::Client,
    guard: Arc<Guard>,
}

impl ApiDeliverJob {
    pub fn new(state: &AppState) -> anyhow::Result<ApiDeliverJob> {
        let guard = Arc::new(Guard::new(state.config.webhooks_allow_networks.clone()));
        let timeout = Duration::from_secs(state.config.webhooks_timeout_seconds);
        let client = ssrf::client(guard.clone(), timeout)
            .map_err(|e| anyhow::anyhow!("building the API channel's HTTP client: {e}"))?;
        Ok(ApiDeliverJob {
            state: state.clone(),
            client,
            guard,
        })
    }

    /// Records the outcome: `sent`, or `failed` with the reason.
    async fn settle(
        &self,
        message: &crate::inbox::conversations::MessageRow,
        ws: &playgram_core::ids::WorkspaceId,
        failure: Option<String>,
    ) -> sqlx::Result<()> {
        let mut tx = self.state.db.begin().await?;
        let status = if failure.is_some() { "failed" } else { "sent" };
        let moved = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE messages SET status = $1, error = $2, updated_at = $3 WHERE id = $4 AND status = 'queued'")
            .bind(status).bind(failure.as_deref()).bind(now_ms()).bind(&message.id)
            .execute(conn).await.map(|r| r.rows_affected()))?;
        if moved > 0 {
            let data = MessageStatusChanged {
                message_id: message.id.clone(),
                conversation_id: message.conversation_id.clone(),
                status: status.into(),
                error_code: None,
                error: failure,
            };
            events::status_changed(&mut tx, ws, &data).await?;
        }
        tx.commit().await
    }
}

impl Job for ApiDeliverJob {
    const NAME: &'static str = "inbox.deliver_api";
    const QUEUE: &'static str = "inbox";
    const MAX_ATTEMPTS: i32 = 8;
    type Payload = String;

    fn backoff(&self, attempt: i32) -> Duration {
        playgram_core::jobs::backoff::full_jitter(
            attempt,
            Duration::from_secs(5),
            Duration::from_secs(1800),
        )
    }

    async fn run(&self, context: JobContext, message_id: String) -> Result<(), JobError> {
        let state = &self.state;
        let mut tx = state.db.begin().await?;
        let Some(message) = store::message_in(&mut tx, &message_id).await? else {
            return Ok(());
        };
        if message.status != "queued" {
            return Ok(());
        }
        let found: Option<(String, String, String)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT workspace_id, customer_ref, contact_id FROM conversations WHERE id = $1")
            .bind(&message.conversation_id).fetch_optional(conn).await)?;
        let Some((workspace, customer, contact)) = found else {
            return Ok(());
        };
        // Stored as `{channel_id}:{the integration's id}`; the integration knows the latter.
        let customer = customer
            .split_once(':')
            .map(|(_, id)| id.to_owned())
            .unwrap_or(customer);
        let ws = playgram_core::ids::WorkspaceId::parse(&workspace).unwrap_or_default();
        let Some(channel) =
            channels::get(&mut Conn::Tx(&mut tx), &ws, message.channel_id.as_str()).await?
        else {
            return Ok(());
        };
        let author: Option<String> = match &message.author_id {
            Some(user) => {
                on_tx!(&mut tx, conn => sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                .bind(user).fetch_optional(conn).await)?
            }
            None => None,
        };
        drop(tx);
        let last = context.attempt >= Self::MAX_ATTEMPTS;
        let Some(url) = channel.settings().outbound_url else {
            let reason = "The channel has no outbound_url to deliver replies to.".to_owned();
            return Ok(self.settle(&message, &ws, Some(reason)).await?);
        };
        let secret = channel
            .secrets(&state.sealer)
            .signing_secret
            .as_deref()
            .and_then(Secret::parse);
        let Some(secret) = secret else {
            let reason = "The channel's signing secret is missing; set a new one.".to_owned();
            return Ok(self.settle(&message, &ws, Some(reason)).await?);
        };
        let body = json!({
            "type": "message.created",
            "timestamp": playgram_core::time::rfc3339(now_ms()),
            "data": {
                "id": message.id, "conversation_id": message.conversation_id, "channel_id": message.channel_id,
                "customer_id": customer, "contact_id": contact,
                "kind": message.kind, "text": message.text,
                "author": message.author_id.as_ref().map(|id| json!({ "id": id, "name": author })),
                "sent_at": playgram_core::time::rfc3339(message.sent_at),
            }
        })
        .to_string();
        let timestamp = now_ms() / 1000;
        let signature =
            signature_header(&[&secret], message.id.as_str(), timestamp, body.as_bytes());
        let parsed = match url::Url::parse(&url) {
            Ok(u) => u,
            Err(_) => {
                return Ok(self
                    .settle(&message, &ws, Some("The outbound_url is not a URL.".into()))
                    .await?);
            }
        };
        if let Err(blocked) = ssrf::check_literal(&self.guard, &parsed) {
            return Ok(self
                .settle(&message, &ws, Some(blocked.to_string()))
                .await?);
        }
        let sent = self
            .client
            .post(parsed)
            .header("content-type", "application/json")
            .header("user-agent", ssrf::USER_AGENT)
            .header("webhook-id", message.id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                Ok(self.settle(&message, &ws, None).await?)
            }
            Ok(response) => {
                let status = response.status();
                let text = start_of(response).await;
                let reason = format!("The endpoint answered {status}: {}", text.trim());
                let transient =
                    status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
                if transient && !last {
                    return Err(JobError::retry(reason));
                }
                Ok(self.settle(&message, &ws, Some(reason)).await?)
            }
            Err(error) if !last && !ssrf::is_blocked(&error) => Err(JobError::retry(format!(
                "no answer from the endpoint: {error}"
            ))),
            Err(error) => {
                let reason = if ssrf::is_blocked(&error) {
                    "The outbound_url leads to an address Playgram may not reach.".to_owned()
                } else {
                    format!(
                        "No answer from the endpoint after {} attempts: {error}",
                        context.attempt
                    )
                };
                Ok(self.settle(&message, &ws, Some(reason)).await?)
            }
        }
    }
}

/// The first 200 characters of an answer, reading at most 4 KB of it.
async fn start_of(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < 4096 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    String::from_utf8_lossy(&bytes).chars().take(200).collect()
}
