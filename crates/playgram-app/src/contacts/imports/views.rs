//! The import pages: `/app/contacts/imports` (past imports and the upload form) and
//! `/app/contacts/imports/{imp_…}` (the wizard: map the columns, choose the dedupe rule, preview
//! the first rows, start; then live progress, then the summary and the error report).
//!
//! Every step is a form post through [`super::service`] (the API's rules) and works without
//! JavaScript; `app.js` only follows a running import's progress live.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::IntoResponse;
use playgram_core::Conn;
use serde::{Deserialize, Serialize};

use super::api::read_upload;
use super::apply::RowResult;
use super::plan::suggest;
use super::service;
use super::store::{self, ImportRow};
use super::wizard::{Choice, NEW_KINDS, Wizard, choices};
use crate::auth::Capability;
use crate::contacts::fields;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult, Stamp};
use crate::state::AppState;

const NOTICE_KIND: &str = "contact_import_notice";

#[derive(Serialize, Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

/// An import as the pages show it.
pub struct ImportView {
    pub id: String,
    pub filename: String,
    pub format: String,
    pub status: String,
    pub rows: i32,
    pub done: i32,
    pub created: i32,
    pub updated: i32,
    pub skipped: i32,
    pub failed: i32,
    pub percent: i32,
    pub error: Option<String>,
    pub at: Stamp,
    pub finished: bool,
    pub running: bool,
}

impl From<&ImportRow> for ImportView {
    fn from(r: &ImportRow) -> Self {
        ImportView {
            id: r.id.to_string(),
            filename: r.filename.clone(),
            format: r.format.to_uppercase(),
            status: r.status.clone(),
            rows: r.row_count,
            done: r.rows_done,
            created: r.rows_created,
            updated: r.rows_updated,
            skipped: r.rows_skipped,
            failed: r.rows_failed,
            percent: if r.row_count > 0 {
                (i64::from(r.rows_done) * 100 / i64::from(r.row_count)) as i32
            } else {
                100
            },
            error: r.error.clone(),
            at: Stamp::new(r.created_at),
            finished: r.is_finished(),
            running: matches!(r.status.as_str(), "queued" | "running"),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "contact_imports.html")]
pub struct ImportsPage {
    pub chrome: Chrome,
    pub imports: Vec<ImportView>,
    pub form: FormState,
    pub notice: Option<Notice>,
    pub max_mb: usize,
}

async fn imports_page(
    state: &AppState,
    chrome: Chrome,
    form: FormState,
) -> Result<ImportsPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ImportContacts)?;
    let rows = store::list(&mut Conn::Db(&state.db), &principal.workspace_id, None, 50).await?;
    Ok(ImportsPage {
        imports: rows.iter().map(ImportView::from).collect(),
        form,
        notice: None,
        max_mb: state.config.contacts_import_max_bytes / (1024 * 1024),
        chrome,
    })
}

pub async fn list_imports(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = imports_page(&state, chrome, FormState::new("imp-up")).await?;
    page.notice = notice;
    Ok(page.into_response())
}

/// Uploads the file, then opens its wizard; a file that cannot be read comes back with the reason.
pub async fn create_import(
    State(state): State<AppState>,
    chrome: Chrome,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ImportContacts)?;
    let uploaded = match read_upload(&state, multipart).await {
        Ok((name, bytes)) => service::upload(&state, principal, &name, &bytes).await,
        Err(e) => Err(e),
    };
    match uploaded {
        Ok(up) => Ok(crate::pages::see_other(&format!(
            "/app/contacts/imports/{}",
            up.import.id
        ))),
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("imp-up", error, &["file"])?.pin_to("file");
            let page = imports_page(&state, chrome, form).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "contact_import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub import: ImportView,
    pub wizard: Option<Wizard>,
    pub choices: Vec<(&'static str, Vec<Choice>)>,
    pub kinds: &'static [(&'static str, &'static str)],
    pub preview: Option<Vec<RowResult>>,
    pub form: FormState,
    pub notice: Option<Notice>,
}

impl ImportPage {
    pub fn is_new_kind(&self, column: &super::wizard::ColumnView, kind: &str) -> bool {
        column.new_kind == kind
    }
}

async fn import_page(
    state: &AppState,
    chrome: Chrome,
    id: &str,
    posted: Option<&[(String, String)]>,
) -> Result<ImportPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ImportContacts)?;
    let import = service::found(state, principal, id).await?;
    let fields = fields::store::all(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    let wizard = if import.status == "uploaded" {
        let table = service::table(state, &import).await?;
        Some(match posted {
            Some(pairs) => Wizard::posted(&import.headers(), &table, pairs),
            None => {
                let sample: Vec<Vec<String>> = table.rows.iter().take(50).cloned().collect();
                Wizard::suggested(
                    &import.headers(),
                    &table,
                    &suggest(&import.headers(), &sample, &fields),
                )
            }
        })
    } else {
        None
    };
    Ok(ImportPage {
        import: ImportView::from(&import),
        wizard,
        choices: choices(&fields),
        kinds: &NEW_KINDS,
        preview: None,
        form: FormState::new("imp-map"),
        notice: None,
        chrome,
    })
}

pub async fn show_import(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = import_page(&state, chrome, &id, None).await?;
    page.notice = notice;
    Ok(page.into_response())
}

/// The plan the posted form describes.
async fn posted_plan(
    state: &AppState,
    chrome: &Chrome,
    id: &str,
    pairs: &[(String, String)],
) -> Result<super::plan::PlanIn, PageError> {
    let principal = chrome.principal()?;
    let import = service::found(state, principal, id).await?;
    let table = service::table(state, &import).await?;
    let fields = fields::store::all(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(Wizard::posted(&import.headers(), &table, pairs).plan(&table, &fields))
}

/// Shows what the first rows would do, with the form as it was.
pub async fn preview_import(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    chrome.principal()?.require(Capability::ImportContacts)?;
    let plan = posted_plan(&state, &chrome, &id, &pairs).await?;
    let result = service::preview(&state, chrome.principal()?, &id, &plan).await;
    let mut page = import_page(&state, chrome, &id, Some(&pairs)).await?;
    match result {
        Ok(rows) => page.preview = Some(rows),
        Err(error) => page.form = rejected(error)?,
    }
    Ok(page.into_response())
}

/// Starts the import; its page then follows the progress.
pub async fn start_import(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    chrome.principal()?.require(Capability::ImportContacts)?;
    let plan = posted_plan(&state, &chrome, &id, &pairs).await?;
    match service::start(&state, chrome.principal()?, &id, &plan).await {
        Ok(import) => {
            let text = format!(
                "Importing {} rows from {}.",
                import.row_count, import.filename
            );
            chrome
                .show_once(
                    &state,
                    NOTICE_KIND,
                    &Notice { ok: true, text },
                    &format!("/app/contacts/imports/{id}"),
                )
                .await
        }
        Err(error) => {
            let status = error.status();
            let form = rejected(error)?;
            let mut page = import_page(&state, chrome, &id, Some(&pairs)).await?;
            page.form = form;
            Ok((status, page).into_response())
        }
    }
}

/// A refused plan: its messages at the top of the form (they name columns and fields).
fn rejected(error: crate::http::AppError) -> Result<FormState, PageError> {
    let named = error.named_field_errors();
    let mut form = FormState::rejected("imp-map", error, &[])?;
    if !named.is_empty() {
        let lines: Vec<String> = named
            .iter()
            .map(|(k, v)| format!("{}: {v}", k.trim_start_matches("mapping.")))
            .collect();
        form.message = Some(lines.join(" · "));
        form.errors.clear();
    }
    Ok(form)
}

pub async fn cancel_import(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    chrome.principal()?.require(Capability::ImportContacts)?;
    let (ok, text) = match service::cancel(&state, chrome.principal()?, &id).await {
        Ok(import) => (
            true,
            format!(
                "Import stopped after {} of {} rows; the rows already imported stay.",
                import.rows_done, import.row_count
            ),
        ),
        Err(e) if matches!(e, crate::http::AppError::Client(_)) => (false, e.public_message()),
        Err(e) => return Err(e.into()),
    };
    chrome
        .show_once(
            &state,
            NOTICE_KIND,
            &Notice { ok, text },
            &format!("/app/contacts/imports/{id}"),
        )
        .await
}
