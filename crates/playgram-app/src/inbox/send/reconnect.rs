//! A channel whose token Meta refused (error 190) is marked `reconnect`: replies are refused until
//! someone sets a new token (which marks it `connected` again), and its owners and admins get an
//! email — once per change, not once per failed message.

use playgram_core::Conn;
use playgram_core::ids::{ChannelId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError, NewJob, enqueue};
use playgram_core::mail::Email;
use playgram_core::time::now_ms;
use playgram_core::{Tx, on_db, on_tx};
use serde::{Deserialize, Serialize};

use crate::inbox::channels::ChannelRow;
use crate::state::AppState;

/// Marks the channel; when it was connected until now, queues the email.
pub async fn needed(tx: &mut Tx, channel: &ChannelRow, reason: &str) -> sqlx::Result<()> {
    let changed = on_tx!(tx, conn => sqlx::query(
        "UPDATE channels SET status = 'reconnect', status_reason = $1, updated_at = $2 WHERE id = $3 AND status <> 'reconnect'")
        .bind(reason).bind(now_ms()).bind(&channel.id).execute(conn).await.map(|r| r.rows_affected()))?;
    if changed == 1 {
        let alert = Alert {
            channel_id: channel.id.clone(),
            workspace_id: channel.workspace_id.clone(),
            reason: reason.to_owned(),
        };
        let job = NewJob::of::<ReconnectAlertJob>(&alert)
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?
            .workspace(&channel.workspace_id);
        enqueue(tx, job).await?;
        tracing::warn!(channel = %channel.id, "channel token refused; marked reconnect");
    }
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Alert {
    pub channel_id: ChannelId,
    pub workspace_id: WorkspaceId,
    pub reason: String,
}

pub struct ReconnectAlertJob {
    pub state: AppState,
}

impl Job for ReconnectAlertJob {
    const NAME: &'static str = "inbox.reconnect_alert";
    const MAX_ATTEMPTS: i32 = 8;
    type Payload = Alert;

    async fn run(&self, _: JobContext, alert: Alert) -> Result<(), JobError> {
        let state = &self.state;
        let Some(channel) = crate::inbox::channels::store::get(
            &mut Conn::Db(&state.db),
            &alert.workspace_id,
            alert.channel_id.as_str(),
        )
        .await?
        else {
            return Ok(());
        };
        let recipients: Vec<String> = on_db!(&state.db, pool => sqlx::query_scalar(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.workspace_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email")
            .bind(&alert.workspace_id).fetch_all(pool).await)?;
        let link = state.link(&format!("/app/inbox/channels/{}", channel.id));
        for to in recipients {
            let mail = Email {
                to,
                subject: format!("Reconnect {}: its access token was refused", channel.name),
                body: format!(
                    "Meta refused the access token of the channel \"{name}\", so replies on it cannot be sent.\n\n\
                     Meta said: {reason}\n\n\
                     Paste a new access token in the channel's settings; replies can be sent again at once:\n{link}\n",
                    name = channel.name,
                    reason = alert.reason,
                ),
            };
            state.mailer.send(mail).await.map_err(JobError::from)?;
        }
        Ok(())
    }
}
