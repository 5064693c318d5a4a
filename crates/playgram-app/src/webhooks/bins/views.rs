//! `/app/webhooks/bins`: the workspace's request bins with the create form, and the posts that
//! create, clear and delete bins. Every post redirects with a one-time message (post, redirect,
//! get); a create with a bad name re-renders the list with the message beside the field.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use playgram_core::ids::BinId;
use serde::{Deserialize, Serialize};

use super::api::BinOut;
use super::service;
use super::store::{self, BinRow};
use crate::auth::Capability;
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult, Stamp, query_escape};
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;
pub(super) const FLASH_KIND: &str = "request_bins_notice";

/// A one-time message from a post to the page it redirects to.
#[derive(Serialize, Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

/// One bin as the pages show it.
pub struct BinView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub captures: i64,
    pub last_capture: Option<Stamp>,
    pub created: Stamp,
}

impl BinView {
    pub fn of(state: &AppState, bin: BinRow) -> BinView {
        let out = BinOut::of(state, bin);
        BinView {
            id: out.id.to_string(),
            name: out.name,
            url: out.url,
            captures: out.capture_count,
            last_capture: Stamp::maybe(out.last_capture_at),
            created: Stamp::new(out.created_at),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request_bins.html")]
pub struct BinsPage {
    pub chrome: Chrome,
    pub bins: Vec<BinView>,
    pub can_manage: bool,
    pub form: FormState,
    /// The create form's name, kept when it is shown again with an error.
    pub name: String,
    pub notice: Option<Notice>,
    pub older: Option<String>,
    pub paged: bool,
    pub retention_hours: i64,
}

#[derive(Deserialize, Default)]
pub struct BinsQuery {
    /// Only bins older than this id (the "Older bins" link).
    pub before: Option<String>,
}

impl BinsPage {
    async fn load(
        state: &AppState,
        chrome: Chrome,
        before: Option<&str>,
    ) -> Result<Self, PageError> {
        let principal = chrome.principal()?;
        principal.require(Capability::ReadWebhooks)?;
        let before = match before.map(str::trim).filter(|b| !b.is_empty()) {
            Some(text) => Some(BinId::parse(text).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_cursor",
                    "That page link is not one this page made.",
                )
            })?),
            None => None,
        };
        let rows = store::list_bins(
            &state.db,
            &principal.workspace_id,
            before.as_ref(),
            PAGE_SIZE,
        )
        .await?;
        let older = (rows.len() as i64 == PAGE_SIZE)
            .then(|| rows.last().map(|b| b.id.to_string()))
            .flatten()
            .map(|id| format!("/app/webhooks/bins?before={}", query_escape(&id)));
        Ok(BinsPage {
            bins: rows.into_iter().map(|b| BinView::of(state, b)).collect(),
            can_manage: chrome.can(Capability::ManageWebhooks),
            form: FormState::new("bin"),
            name: String::new(),
            notice: None,
            older,
            paged: before.is_some(),
            retention_hours: state.config.request_bin_retention_hours,
            chrome,
        })
    }
}

/// The list of bins.
pub async fn list_bins(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<BinsQuery>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, FLASH_KIND).await?;
    let mut page = BinsPage::load(&state, chrome, query.before.as_deref()).await?;
    page.notice = notice;
    Ok(page.into_response())
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    pub name: String,
}

/// Creates a bin and opens its page, which shows the new URL.
pub async fn create_bin(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(form): PageForm<CreateForm>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageWebhooks)?;
    match service::create(&state, principal, &form.name).await {
        Ok(bin) => {
            let text = format!(
                "“{}” is ready. Send a request to its URL and it appears below.",
                bin.name
            );
            let to = format!("/app/webhooks/bins/{}", bin.id);
            tell(&chrome, &state, true, text, &to).await
        }
        Err(error) => {
            let status = error.status();
            let form_state = FormState::rejected("bin", error, &["name"])?;
            let mut page = BinsPage::load(&state, chrome, None).await?;
            page.form = form_state;
            page.name = form.name;
            Ok((status, page).into_response())
        }
    }
}

/// Deletes a bin with its captures, back to the list.
pub async fn delete_bin(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let bin = service::delete(&state, chrome.principal()?, &id).await?;
    let text = format!(
        "“{}” is deleted with its captured requests. Its URL no longer records anything.",
        bin.name
    );
    tell(&chrome, &state, true, text, "/app/webhooks/bins").await
}

/// Deletes a bin's captures, back to its page.
pub async fn clear_bin(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let (bin, cleared) = service::clear(&state, chrome.principal()?, &id).await?;
    let text = match cleared {
        0 => "There was nothing to clear.".to_owned(),
        1 => "1 captured request is deleted.".to_owned(),
        n => format!("{n} captured requests are deleted."),
    };
    tell(
        &chrome,
        &state,
        true,
        text,
        &format!("/app/webhooks/bins/{}", bin.id),
    )
    .await
}

async fn tell(chrome: &Chrome, state: &AppState, ok: bool, text: String, to: &str) -> PageResult {
    chrome
        .show_once(state, FLASH_KIND, &Notice { ok, text }, to)
        .await
}
