//! Bulk actions on many contacts: tag, untag, delete, erase. Named contacts (up to 1,000 ids) are
//! changed at once, in one transaction; a filter or segment (any number of contacts) becomes a
//! `contacts.bulk` job that works through the matching contacts 500 at a time, each batch its own
//! transaction. Deleting or erasing by filter needs `confirm_count`: the number of contacts the
//! person saw it match. The job is idempotent, so a retry after a crash picks up where it stopped: tagging
//! a tagged contact does nothing, and deleted contacts no longer match.

use playgram_core::ids::{ContactId, JobId, WorkspaceId};
use playgram_core::jobs::{Job, JobContext, JobError, NewJob, enqueue};
use playgram_core::time::{Millis, now_ms};
use playgram_core::{Conn, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::filter::Filter;
use super::tags::{self, TagRow};
use super::timeline::By;
use super::{fields, gdpr, query, service, settings};
use crate::audit::{self, Entry};
use crate::auth::{Capability, Principal};
use crate::http::{AppError, Result};
use crate::state::AppState;

pub const MAX_IDS: usize = 1_000;
const BATCH: i64 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    AddTags,
    RemoveTags,
    Delete,
    Erase,
}

impl Action {
    pub fn parse(text: &str) -> Option<Action> {
        match text.trim() {
            "add_tags" => Some(Action::AddTags),
            "remove_tags" => Some(Action::RemoveTags),
            "delete" => Some(Action::Delete),
            "erase" => Some(Action::Erase),
            _ => None,
        }
    }

    pub fn needs(self) -> Capability {
        match self {
            Action::AddTags | Action::RemoveTags => Capability::WriteContacts,
            Action::Delete | Action::Erase => Capability::DeleteContacts,
        }
    }
}

/// `POST /api/v1/contacts/bulk`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkIn {
    /// add_tags, remove_tags, delete or erase.
    pub action: String,
    /// The contacts to change (up to 1,000); or give `filter` or `segment_id` instead.
    #[serde(default)]
    pub contact_ids: Option<Vec<String>>,
    #[serde(default)]
    pub filter: Option<Filter>,
    #[serde(default)]
    pub segment_id: Option<String>,
    /// For add_tags and remove_tags: tag names or ids.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Deleting or erasing by filter or segment: the number of contacts it matches, as a count
    /// (`GET /contacts/count`) or a first refusal (`details.matched`) said. A mismatch is refused,
    /// so a filter that grew (or an empty one) never deletes more than was seen.
    #[serde(default)]
    pub confirm_count: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct BulkOut {
    pub action: Action,
    /// Contacts changed now (named contacts); null when a job does the work.
    pub changed: Option<usize>,
    /// The job working through a filter or segment (follow it at /jobs/{id}).
    pub job_id: Option<JobId>,
    /// How many contacts the filter matched when the job was queued.
    pub matched: Option<i64>,
}

/// The work of a bulk job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Work {
    pub workspace_id: WorkspaceId,
    pub action: Action,
    pub filter: Filter,
    pub tag_ids: Vec<String>,
    pub by_type: String,
    pub by_id: Option<String>,
    /// Deleting or erasing: the confirmed count and when it was confirmed. The job takes no
    /// contact created after that and stops at the count, so a filter that matches more by the
    /// time the job runs (a contact added or changed meanwhile) never takes more than was seen.
    /// A retry after a crash counts again over the contacts that still match.
    #[serde(default)]
    pub confirmed: Option<(i64, Millis)>,
}

pub async fn run(state: &AppState, principal: &Principal, input: BulkIn) -> Result<BulkOut> {
    let action = Action::parse(&input.action)
        .ok_or_else(|| AppError::field("action", "Use add_tags, remove_tags, delete or erase."))?;
    principal.require(action.needs())?;
    let ws = &principal.workspace_id;
    let tag_names = input.tags.clone().unwrap_or_default();
    if matches!(action, Action::AddTags | Action::RemoveTags) && tag_names.is_empty() {
        return Err(AppError::field("tags", "Name at least one tag."));
    }
    let by = By::of(principal);
    let chosen = [
        input.contact_ids.is_some(),
        input.filter.is_some(),
        input.segment_id.is_some(),
    ];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(AppError::field(
            "contact_ids",
            "Give exactly one of contact_ids, filter or segment_id.",
        ));
    }
    if let Some(ids) = &input.contact_ids {
        if ids.is_empty() || ids.len() > MAX_IDS {
            return Err(AppError::field(
                "contact_ids",
                format!("Give 1 to {MAX_IDS} contact ids, or a filter."),
            ));
        }
        let mode = settings::get(&mut Conn::Db(&state.db), ws)
            .await?
            .erase_mode;
        let mut tx = state.db.begin().await?;
        let tag_rows =
            tags::service::resolve(&mut tx, ws, &tag_names, action == Action::AddTags).await?;
        let mut contacts = Vec::new();
        for id in ids {
            let contact = service::found(&mut Conn::Tx(&mut tx), ws, id.trim())
                .await
                .map_err(|e| {
                    if e.status() == axum::http::StatusCode::NOT_FOUND {
                        AppError::field(
                            "contact_ids",
                            format!("There is no contact {} in this workspace.", id.trim()),
                        )
                    } else {
                        e
                    }
                })?;
            if contact.row.erased_at.is_none() && !contacts.contains(&contact.row.id) {
                contacts.push(contact.row.id);
            }
        }
        apply(&mut tx, ws, action, &contacts, &tag_rows, &mode, &by).await?;
        audit_bulk(&mut tx, principal, action, contacts.len(), "ids").await?;
        tx.commit().await?;
        return Ok(BulkOut {
            action,
            changed: Some(contacts.len()),
            job_id: None,
            matched: None,
        });
    }
    let mut c = Conn::Db(&state.db);
    let filter = match (&input.filter, &input.segment_id) {
        (Some(f), _) => f.clone(),
        (_, Some(id)) => super::segments::get(&mut c, ws, id)
            .await?
            .ok_or_else(|| AppError::field("segment_id", "There is no such segment."))?
            .filter(),
        _ => Filter::default(),
    };
    let all_tags = tags::store::all(&mut c, ws).await?;
    let resolved = filter.resolve(&fields::store::all(&mut c, ws).await?, &all_tags)?;
    let matched = query::count(&mut c, ws, &resolved).await?;
    if matches!(action, Action::Delete | Action::Erase) && input.confirm_count != Some(matched) {
        return Err(AppError::conflict(
            "confirmation_required",
            format!(
                "This would {} {matched} contacts: send confirm_count = {matched} to go ahead.",
                if action == Action::Delete {
                    "delete"
                } else {
                    "erase"
                }
            ),
        )
        .with_details(json!({ "matched": matched })));
    }
    let mut tx = state.db.begin().await?;
    let tag_rows =
        tags::service::resolve(&mut tx, ws, &tag_names, action == Action::AddTags).await?;
    let work = Work {
        workspace_id: ws.clone(),
        action,
        filter: filter.canonical(&all_tags),
        tag_ids: tag_rows.iter().map(|t| t.id.to_string()).collect(),
        by_type: by.kind.to_owned(),
        by_id: by.id.clone(),
        confirmed: matches!(action, Action::Delete | Action::Erase)
            .then(|| (matched, now_ms() + 1)),
    };
    let job = NewJob::of::<BulkJob>(&work)
        .map_err(|e| AppError::Internal(e.into()))?
        .workspace(ws);
    let job_id = enqueue(&mut tx, job).await?.id;
    audit_bulk(&mut tx, principal, action, matched as usize, "filter").await?;
    tx.commit().await?;
    Ok(BulkOut {
        action,
        changed: None,
        job_id: Some(job_id),
        matched: Some(matched),
    })
}

async fn audit_bulk(
    tx: &mut Tx,
    principal: &Principal,
    action: Action,
    n: usize,
    by: &str,
) -> sqlx::Result<()> {
    if matches!(action, Action::Delete | Action::Erase) {
        let name = if action == Action::Delete {
            "contact.bulk_deleted"
        } else {
            "contact.bulk_erased"
        };
        audit::record(
            tx,
            Entry::by(principal, name).details(json!({ "contacts": n, "selected_by": by })),
        )
        .await?;
    }
    Ok(())
}

/// Applies `action` to the contacts in the caller's transaction.
async fn apply(
    tx: &mut Tx,
    ws: &WorkspaceId,
    action: Action,
    ids: &[ContactId],
    tags: &[TagRow],
    mode: &str,
    by: &By,
) -> Result<()> {
    for id in ids {
        match action {
            Action::AddTags => {
                tags::service::attach(tx, ws, id, tags, by).await?;
            }
            Action::RemoveTags => {
                tags::service::detach(tx, ws, id, tags, by).await?;
            }
            Action::Delete => service::delete_in(tx, ws, id, by).await?,
            Action::Erase => gdpr::erase_in(tx, ws, id, mode, "request", by).await?,
        }
    }
    Ok(())
}

pub struct BulkJob {
    pub state: AppState,
}

impl Job for BulkJob {
    const NAME: &'static str = "contacts.bulk";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = Work;

    async fn run(&self, _: JobContext, work: Work) -> std::result::Result<(), JobError> {
        let state = &self.state;
        let ws = &work.workspace_id;
        let by = By::stored(&work.by_type, work.by_id.clone());
        let mut c = Conn::Db(&state.db);
        let all_tags = tags::store::all(&mut c, ws).await?;
        let fields = fields::store::all(&mut c, ws).await?;
        let mut resolved = work.filter.resolve(&fields, &all_tags).map_err(|e| {
            JobError::fatal(format!(
                "the filter no longer holds: {}",
                e.public_message()
            ))
        })?;
        let mut left = i64::MAX;
        if let Some((count, at)) = work.confirmed {
            left = count;
            resolved.created_before = Some(resolved.created_before.map_or(at, |b| b.min(at)));
        }
        let tag_rows: Vec<TagRow> = all_tags
            .into_iter()
            .filter(|t| work.tag_ids.contains(&t.id.to_string()))
            .collect();
        let mode = settings::get(&mut c, ws).await?.erase_mode;
        let mut after: Option<ContactId> = None;
        loop {
            let ids = query::ids_after(
                &mut Conn::Db(&state.db),
                ws,
                &resolved,
                after.as_ref(),
                BATCH,
            )
            .await
            .map_err(|e| JobError::retry(e.public_message()))?;
            let Some(last) = ids.last().cloned() else {
                break;
            };
            let full_page = (ids.len() as i64) == BATCH;
            let ids = &ids[..ids.len().min(left as usize)];
            left -= ids.len() as i64;
            let mut tx = state.db.begin().await?;
            apply(&mut tx, ws, work.action, ids, &tag_rows, &mode, &by)
                .await
                .map_err(|e| JobError::retry(format!("{e:?}")))?;
            tx.commit().await?;
            after = Some(last);
            if !full_page || left <= 0 {
                break;
            }
        }
        Ok(())
    }
}
