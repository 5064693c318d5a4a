//! The `contacts.import` job: the file's rows from where the last committed chunk stopped, 500 a
//! transaction, each with its progress; then `contact_import.finished`.

use playgram_core::ids::{ImportId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError};
use playgram_core::time::now_ms;
use playgram_core::{Conn, Tx};
use serde::{Deserialize, Serialize};

use super::apply::{self, Batch};
use super::plan::PlanIn;
use super::store::{self, ImportRow, Progress};
use super::{CHUNK, rows};
use crate::contacts::events::ContactImportFinished;
use crate::contacts::service::Context;
use crate::contacts::timeline::By;
use crate::events::catalog;
use crate::state::AppState;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Work {
    pub import_id: ImportId,
    pub workspace_id: WorkspaceId,
}

pub struct ImportJob {
    pub state: AppState,
}

impl Job for ImportJob {
    const NAME: &'static str = "contacts.import";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = Work;

    async fn run(&self, context: JobContext, work: Work) -> Result<(), JobError> {
        match run(&self.state, &work).await {
            Ok(()) => Ok(()),
            // Its last attempt: the import is marked failed rather than left running forever.
            Err(Failure::Retry(e)) if context.attempt < Self::MAX_ATTEMPTS => Err(e),
            Err(failure) => {
                let message = match failure {
                    Failure::Retry(e) => format!(
                        "The import stopped after {} attempts: {}",
                        context.attempt, e.message
                    ),
                    Failure::Fatal(message) => message,
                };
                let mut tx = self.state.db.begin().await?;
                if store::finish(&mut tx, &work.import_id, "failed", Some(&message), now_ms())
                    .await?
                    && let Some(import) = store::get(
                        &mut Conn::Tx(&mut tx),
                        &work.workspace_id,
                        work.import_id.as_str(),
                    )
                    .await?
                {
                    announce(&mut tx, &import).await?;
                }
                tx.commit().await?;
                Err(JobError::fatal(message))
            }
        }
    }
}

enum Failure {
    Retry(JobError),
    Fatal(String),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Retry(e.into())
    }
}

impl From<crate::http::AppError> for Failure {
    fn from(e: crate::http::AppError) -> Self {
        match e {
            crate::http::AppError::Client(c) => Failure::Fatal(c.message),
            crate::http::AppError::Internal(e) => Failure::Retry(e.into()),
        }
    }
}

async fn run(state: &AppState, work: &Work) -> Result<(), Failure> {
    let ws = &work.workspace_id;
    let Some(import) = store::get(&mut Conn::Db(&state.db), ws, work.import_id.as_str()).await?
    else {
        return Ok(()); // Deleted with its workspace.
    };
    if import.is_finished() {
        return Ok(());
    }
    let mut input: PlanIn = serde_json::from_str(import.plan.as_deref().unwrap_or("{}"))
        .map_err(|e| Failure::Fatal(format!("the stored plan cannot be read: {e}")))?;
    // Its new fields were created when it started.
    input.create_fields.clear();
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let plan = input.check(&import.headers(), &context.fields)?;
    let table = super::service::table(state, &import).await?;
    let by = By::stored(&import.actor_type, import.actor_id.clone());
    let batch = Batch {
        ws,
        plan: &plan,
        fields: &context.fields,
        by: &by,
        filename: &import.filename,
    };
    let mut done = import.rows_done.max(0) as usize;
    let mut chunks: u64 = 0;
    while done < table.rows.len() {
        // Cancelled meanwhile: stop before the next chunk.
        let now = store::get(&mut Conn::Db(&state.db), ws, import.id.as_str()).await?;
        if now.as_ref().is_none_or(ImportRow::is_finished) {
            return Ok(());
        }
        let end = (done + CHUNK).min(table.rows.len());
        let parsed = (done..end)
            .map(|i| {
                (
                    table.number(i),
                    rows::parse(
                        &plan,
                        &context.fields,
                        context.country(),
                        &table.headers,
                        &table.rows[i],
                    ),
                )
            })
            .collect();
        let mut tx = state.db.begin().await?;
        let results = apply::apply(&mut tx, &batch, parsed).await?;
        let mut progress = Progress {
            done: (end - done) as i32,
            ..Progress::default()
        };
        let mut errors: Vec<(i32, String, String, String)> = Vec::new();
        for r in &results {
            match r.action {
                "create" => progress.created += 1,
                "update" | "merge" => progress.updated += 1,
                "skip" => progress.skipped += 1,
                _ => {
                    progress.failed += 1;
                    let raw = table
                        .row_numbered(r.row)
                        .and_then(|cells| serde_json::to_string(cells).ok())
                        .unwrap_or_default();
                    let first = errors.len();
                    for e in &r.errors {
                        // A column with two problems (two bad tags in one cell) says both.
                        match errors[first..]
                            .iter_mut()
                            .find(|(_, column, _, _)| *column == e.column)
                        {
                            Some((_, _, message, _)) => {
                                message.push(' ');
                                message.push_str(&e.message);
                            }
                            None => errors.push((
                                r.row as i32,
                                e.column.clone(),
                                e.message.clone(),
                                raw.clone(),
                            )),
                        }
                    }
                }
            }
        }
        store::insert_errors(&mut tx, &import.id, &errors).await?;
        store::advance(&mut tx, &import.id, progress).await?;
        tx.commit().await?;
        chunks += 1;
        if chunks.is_power_of_two() || end == table.rows.len() {
            analyze(state).await?;
        }
        done = end;
    }
    let mut tx = state.db.begin().await?;
    if store::finish(&mut tx, &import.id, "completed", None, now_ms()).await?
        && let Some(import) = store::get(&mut Conn::Tx(&mut tx), ws, import.id.as_str()).await?
    {
        announce(&mut tx, &import).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// On PostgreSQL, refreshes the planner's statistics of the tables an import fills: a bulk load
/// outruns autovacuum, and with tables it believes are empty the planner scans instead of using
/// indexes (the lookups of the next chunks, then every list). SQLite plans by its indexes alone.
async fn analyze(state: &AppState) -> sqlx::Result<()> {
    if let playgram_core::db::Pool::Postgres(pool) = state.db.pool() {
        sqlx::query("ANALYZE contacts, contact_emails, contact_phones, contact_identities, contact_tags, contact_values, contact_activities")
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// `contact_import.finished`, in the transaction that ended the import.
pub async fn announce(tx: &mut Tx, import: &ImportRow) -> sqlx::Result<()> {
    catalog::emit(
        tx,
        &import.workspace_id,
        &ContactImportFinished {
            import_id: import.id.clone(),
            status: import.status.clone(),
            filename: import.filename.clone(),
            rows: i64::from(import.row_count),
            created: i64::from(import.rows_created),
            updated: i64::from(import.rows_updated),
            skipped: i64::from(import.rows_skipped),
            failed: i64::from(import.rows_failed),
            actor: By::stored(&import.actor_type, import.actor_id.clone()),
        },
    )
    .await?;
    Ok(())
}
