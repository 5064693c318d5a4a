//! `/app/contacts/exports`: every export of the workspace (who, when, which contacts, why, how
//! many downloads; the file while it lasts) and the form that asks for one — reached from the
//! contact list with its filter in the query (`q`, `tag`, `channel`, `segment`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use playgram_core::Conn;
use serde::{Deserialize, Serialize};

use super::service::{self, ExportIn};
use super::store::{self, ExportRow};
use crate::auth::Capability;
use crate::contacts::api::ListQuery;
use crate::contacts::{segments, tags};
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult, Stamp};
use crate::state::AppState;

const NOTICE_KIND: &str = "contact_export_notice";

#[derive(Serialize, Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

pub struct ExportView {
    pub id: String,
    pub format: String,
    pub status: String,
    pub purpose: String,
    pub rows: i32,
    pub what: String,
    pub by: String,
    pub at: Stamp,
    pub expires: Option<Stamp>,
    pub available: bool,
    pub downloads: i32,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "contact_exports.html")]
pub struct ExportsPage {
    pub chrome: Chrome,
    pub exports: Vec<ExportView>,
    pub form: FormState,
    pub notice: Option<Notice>,
    /// The contacts the new export will hold, in words, and the hidden fields carrying them.
    pub selection: String,
    pub carry: Vec<(&'static str, String)>,
    pub format: String,
    pub purpose: String,
    pub running: bool,
    pub ttl_hours: i64,
}

/// The list's filter, from the query or the posted form.
#[derive(Debug, Default, Deserialize)]
pub struct Selection {
    pub q: Option<String>,
    pub tag: Option<String>,
    pub channel: Option<String>,
    pub segment: Option<String>,
    pub format: Option<String>,
    pub purpose: Option<String>,
}

impl Selection {
    fn query(&self) -> ListQuery {
        ListQuery {
            q: self.q.clone(),
            tag: self.tag.clone(),
            channel: self.channel.clone(),
            segment: self.segment.clone(),
            ..ListQuery::default()
        }
    }

    fn carry(&self) -> Vec<(&'static str, String)> {
        [
            ("q", &self.q),
            ("tag", &self.tag),
            ("channel", &self.channel),
            ("segment", &self.segment),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (k, v))
        })
        .collect()
    }
}

async fn describe(state: &AppState, chrome: &Chrome, s: &Selection) -> Result<String, PageError> {
    let principal = chrome.principal()?;
    let mut c = Conn::Db(&state.db);
    let mut parts = Vec::new();
    if let Some(id) = s.segment.as_deref().filter(|v| !v.trim().is_empty())
        && let Some(segment) = segments::get(&mut c, &principal.workspace_id, id).await?
    {
        parts.push(format!("the segment “{}”", segment.name));
    }
    if let Some(tag) = s.tag.as_deref().filter(|v| !v.trim().is_empty()) {
        let name = tags::store::get(&mut c, &principal.workspace_id, tag)
            .await?
            .map_or(tag.to_owned(), |t| t.name);
        parts.push(format!("tagged {name}"));
    }
    if let Some(channel) = s.channel.as_deref().filter(|v| !v.trim().is_empty()) {
        parts.push(format!("reachable on {channel}"));
    }
    if let Some(q) = s.q.as_deref().filter(|v| !v.trim().is_empty()) {
        parts.push(format!("matching “{}”", q.trim()));
    }
    let resolved = s.query().resolved(&mut c, &principal.workspace_id).await?;
    let n = crate::contacts::query::count(&mut c, &principal.workspace_id, &resolved).await?;
    let contacts = if n == 1 {
        "1 contact".to_owned()
    } else {
        format!("{n} contacts")
    };
    Ok(match (parts.is_empty(), n) {
        (true, 0) => "No contacts yet".to_owned(),
        (true, _) => format!("All {contacts}"),
        (false, _) => format!("{contacts}: {}", parts.join(", ")),
    })
}

fn view(row: &ExportRow, now: i64, actors: &crate::contacts::views::Actors) -> ExportView {
    let filter: serde_json::Value = serde_json::from_str(&row.filter).unwrap_or_default();
    let what = match (&row.segment_id, filter.as_object().map_or(0, |o| o.len())) {
        (Some(_), _) => "a segment".to_owned(),
        (None, 0) => "all contacts".to_owned(),
        (None, _) => "a filter".to_owned(),
    };
    ExportView {
        id: row.id.to_string(),
        format: row.format.to_uppercase(),
        status: row.status.clone(),
        purpose: row.purpose.clone(),
        rows: row.row_count,
        what,
        by: actors.name(&crate::contacts::timeline::By::stored(
            &row.actor_type,
            row.actor_id.clone(),
        )),
        at: Stamp::new(row.created_at),
        expires: Stamp::maybe(row.expires_at),
        available: row.status == "completed" && row.expires_at.is_some_and(|t| t > now),
        downloads: row.downloads,
        error: row.error.clone(),
    }
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    s: &Selection,
    form: FormState,
) -> Result<ExportsPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ExportContacts)?;
    let rows = store::list(&mut Conn::Db(&state.db), &principal.workspace_id, None, 50).await?;
    let now = playgram_core::time::now_ms();
    let actors = crate::contacts::views::Actors::load(&state.db, &principal.workspace_id).await?;
    let exports: Vec<ExportView> = rows.iter().map(|r| view(r, now, &actors)).collect();
    let selection = describe(state, &chrome, s).await?;
    Ok(ExportsPage {
        running: exports
            .iter()
            .any(|e| matches!(e.status.as_str(), "queued" | "running")),
        exports,
        form,
        notice: None,
        selection,
        carry: s.carry(),
        format: s.format.clone().unwrap_or_else(|| "csv".into()),
        purpose: s.purpose.clone().unwrap_or_default(),
        ttl_hours: state.config.contacts_export_ttl_hours,
        chrome,
    })
}

pub async fn list_exports(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(s): Query<Selection>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = page(&state, chrome, &s, FormState::new("exp-new")).await?;
    page.notice = notice;
    Ok(page.into_response())
}

/// Asks for the export; the list shows it until its file is ready.
pub async fn create_export(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(s): PageForm<Selection>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ExportContacts)?;
    let q = s.query();
    let made = async {
        let mut c = Conn::Db(&state.db);
        let mut filter = q.own_filter()?;
        let segment = q.segment(&mut c, &principal.workspace_id).await?;
        if let Some(segment) = &segment {
            // A segment narrowed by the list's search: the segment's filter with it.
            let mut with = segment.filter();
            if filter.q.is_some() {
                with.q = filter.q.take();
            }
            filter = with;
        }
        let input = ExportIn {
            format: s.format.clone().unwrap_or_default(),
            filter: Some(filter),
            segment_id: None,
            purpose: s.purpose.clone().unwrap_or_default(),
        };
        service::create(&state, principal, input).await
    }
    .await;
    match made {
        Ok(row) => {
            let text = format!(
                "Preparing the {} export; it appears below when it is ready.",
                row.format.to_uppercase()
            );
            chrome
                .show_once(
                    &state,
                    NOTICE_KIND,
                    &Notice { ok: true, text },
                    "/app/contacts/exports",
                )
                .await
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("exp-new", error, &["format", "purpose"])?;
            let page = page(&state, chrome, &s, form).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The export's file, for the signed-in person (counted and audited like the API's download).
pub async fn download_export(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ExportContacts)?;
    let (name, content_type, bytes) = service::download(&state, principal, &id).await?;
    Ok(crate::pages::attachment(&name, content_type, bytes))
}
