//! The `contacts.export` job: the export's contacts, 1,000 at a time in id order, through the
//! format's writer into a stored file that expires.

use playgram_core::Conn;
use playgram_core::ids::{ContactId, ExportId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError};
use playgram_core::time::now_ms;
use serde::{Deserialize, Serialize};

use super::store;
use super::write::{Writer, content_type};
use crate::contacts::filter::Filter;
use crate::contacts::{api, fields, query, store as contacts};
use crate::state::AppState;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Work {
    pub export_id: ExportId,
    pub workspace_id: WorkspaceId,
}

pub struct ExportJob {
    pub state: AppState,
}

const PAGE: i64 = 1_000;

impl Job for ExportJob {
    const NAME: &'static str = "contacts.export";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = Work;

    async fn run(&self, context: JobContext, work: Work) -> Result<(), JobError> {
        let result = export(&self.state, &work).await;
        if let Err(e) = &result
            && (!e.retry || context.attempt >= Self::MAX_ATTEMPTS)
        {
            // Its last attempt: the export is marked failed rather than left running forever.
            let message = format!("The export failed: {}", e.message);
            let mut c = Conn::Db(&self.state.db);
            store::fail(&mut c, &work.export_id, &message, now_ms()).await?;
        }
        result
    }
}

async fn export(state: &AppState, work: &Work) -> Result<(), JobError> {
    let ws = &work.workspace_id;
    let mut c = Conn::Db(&state.db);
    let Some(export) = store::get(&mut c, ws, work.export_id.as_str()).await? else {
        return Ok(());
    };
    if export.status == "completed" {
        return Ok(());
    }
    let filter: Filter = serde_json::from_str(&export.filter).unwrap_or_default();
    let resolved = match api::resolve(&mut c, ws, &filter).await {
        Ok(r) => r,
        Err(e) => {
            let message = format!("The filter no longer holds: {}", e.public_message());
            return Err(JobError::fatal(message));
        }
    };
    let fields = fields::store::all(&mut c, ws).await?;
    let mut writer = Writer::new(&export.format, &fields).map_err(JobError::fatal)?;
    let mut after: Option<ContactId> = None;
    let mut rows = 0;
    loop {
        let batch = query::rows_after(&mut c, ws, &resolved, after.as_ref(), PAGE)
            .await
            .map_err(|e| JobError::retry(e.public_message()))?;
        let Some(last) = batch.last().map(|r| r.id.clone()) else {
            break;
        };
        let count = batch.len();
        for contact in contacts::with_parts(&mut c, batch).await? {
            writer.write(&contact, &fields).map_err(JobError::fatal)?;
            rows += 1;
        }
        store::progress(&mut c, &export.id, rows).await?;
        after = Some(last);
        if (count as i64) < PAGE {
            break;
        }
    }
    // The writer's errors are the format's limits (an XLSX sheet's rows): no retry helps.
    let bytes = writer.finish().map_err(JobError::fatal)?;
    let now = now_ms();
    let expires = now + state.config.contacts_export_ttl_hours * 3_600_000;
    let mut tx = state.db.begin().await?;
    let name = format!("contacts-{}.{}", export.id, export.format);
    let file = crate::files::insert(
        &mut tx,
        ws,
        &name,
        content_type(&export.format),
        &bytes,
        Some(expires),
    )
    .await?;
    store::complete(&mut tx, &export.id, rows, &file, now, expires).await?;
    tx.commit().await?;
    Ok(())
}
