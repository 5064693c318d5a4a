//! Disabling an endpoint from the sender (410 Gone, or failing too long), and telling people: a
//! `webhook_endpoint.disabled` event and, by a job so it is retried, an email to the workspace's
//! owners and admins.

use playgram_core::ids::{EndpointId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError, NewJob, enqueue};
use playgram_core::mail::Email;
use playgram_core::on_db;
use playgram_core::time::{now_ms, rfc3339};
use serde::{Deserialize, Serialize};

use super::events::EndpointDisabled;
use super::store::{self, EndpointRow};
use crate::events::catalog;
use crate::state::AppState;

/// Disables `endpoint` if it is still enabled (and, for `failing`, still failing since before
/// `cutoff`: a success meanwhile ended the streak); the event and the email job commit with it.
pub async fn disable(
    state: &AppState,
    endpoint: &EndpointRow,
    reason: &str,
    last_error: &str,
    cutoff: i64,
) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    let streak_before = (reason == "failing").then_some(cutoff);
    if !store::disable(&mut tx, &endpoint.id, reason, streak_before, now_ms()).await? {
        return Ok(()); // Disabled already, or the streak ended.
    }
    let event = EndpointDisabled {
        endpoint_id: endpoint.id.clone(),
        url: endpoint.url.clone(),
        reason: reason.to_owned(),
        failing_since: endpoint.failing_since,
        last_error: last_error.to_owned(),
    };
    catalog::emit(&mut tx, &endpoint.workspace_id, &event).await?;
    let notice = Notice {
        endpoint_id: endpoint.id.clone(),
        workspace_id: endpoint.workspace_id.clone(),
        reason: reason.to_owned(),
        last_error: last_error.to_owned(),
    };
    let job = NewJob::of::<NotifyDisabledJob>(&notice)
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?
        .workspace(&endpoint.workspace_id);
    enqueue(&mut tx, job).await?;
    tx.commit().await?;
    tracing::warn!(endpoint = %endpoint.id, reason, "webhook endpoint disabled");
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Notice {
    pub endpoint_id: EndpointId,
    pub workspace_id: WorkspaceId,
    pub reason: String,
    pub last_error: String,
}

/// Emails the owners and admins that an endpoint was disabled.
pub struct NotifyDisabledJob {
    pub state: AppState,
}

impl Job for NotifyDisabledJob {
    const NAME: &'static str = "webhooks.notify_disabled";
    const MAX_ATTEMPTS: i32 = 8;
    type Payload = Notice;

    async fn run(&self, _: JobContext, notice: Notice) -> Result<(), JobError> {
        let state = &self.state;
        let Some(endpoint) =
            store::get(&state.db, &notice.workspace_id, notice.endpoint_id.as_str()).await?
        else {
            return Ok(()); // Deleted since.
        };
        let workspace: Option<String> = on_db!(&state.db, pool => sqlx::query_scalar(
            "SELECT name FROM workspaces WHERE id = $1")
            .bind(&notice.workspace_id).fetch_optional(pool).await)?;
        let recipients: Vec<String> = on_db!(&state.db, pool => sqlx::query_scalar(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.workspace_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email")
            .bind(&notice.workspace_id).fetch_all(pool).await)?;
        let why = match notice.reason.as_str() {
            "gone" => "it answered 410 Gone, which asks senders to stop".to_owned(),
            _ => format!(
                "every delivery has failed since {}",
                endpoint.failing_since.map(rfc3339).unwrap_or_default()
            ),
        };
        let link = state.link(&format!("/app/webhooks/{}", endpoint.id));
        for to in recipients {
            let mail = Email {
                to,
                subject: format!("Webhook endpoint disabled: {}", endpoint.url),
                body: format!(
                    "Playgram stopped sending events to {url} in the workspace \"{ws}\" because {why}.\n\n\
                     Last error: {error}\n\n\
                     Fix the receiver, then enable the endpoint and recover the failed messages:\n{link}\n",
                    url = endpoint.url,
                    ws = workspace.as_deref().unwrap_or("?"),
                    error = notice.last_error,
                ),
            };
            state.mailer.send(mail).await.map_err(JobError::from)?;
        }
        Ok(())
    }
}
