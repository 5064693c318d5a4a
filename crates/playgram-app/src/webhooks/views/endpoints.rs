//! `/app/webhooks`: the workspace's endpoints with their status and last day's delivery health,
//! and the form that adds one (its signing secret is shown once, after the redirect).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use playgram_core::ids::EndpointId;
use playgram_core::time::now_ms;
use serde::Deserialize;

use super::event_types::{Family, families};
use super::form::{EndpointFields, FILTER_EXAMPLE, ORDER};
use super::{
    EndpointView, Health, NOTICE_KIND, NewSecret, Notice, SECRET_KIND, SecretView, disable_after,
};
use crate::auth::Capability;
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult, query_escape};
use crate::state::AppState;
use crate::webhooks::endpoint::EndpointIn;
use crate::webhooks::{messages, service, store};

const PAGE_SIZE: i64 = 50;
const DAY_MS: i64 = 24 * 3_600_000;

#[derive(Template, WebTemplate)]
#[template(path = "webhooks.html")]
pub struct EndpointsPage {
    pub chrome: Chrome,
    pub endpoints: Vec<EndpointView>,
    pub can_manage: bool,
    pub form: FormState,
    pub fields: EndpointFields,
    pub families: Vec<Family>,
    pub filter_example: &'static str,
    pub disable_after: String,
    pub notice: Option<Notice>,
    pub secret: Option<SecretView>,
    pub older: Option<String>,
    pub paged: bool,
}

#[derive(Deserialize, Default)]
pub struct EndpointsQuery {
    /// Only endpoints older than this id (the "Older endpoints" link).
    pub before: Option<String>,
}

impl EndpointsPage {
    async fn load(
        state: &AppState,
        chrome: Chrome,
        before: Option<&str>,
    ) -> Result<Self, PageError> {
        let principal = chrome.principal()?;
        principal.require(Capability::ReadWebhooks)?;
        let before = match before.map(str::trim).filter(|b| !b.is_empty()) {
            Some(text) => Some(EndpointId::parse(text).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_cursor",
                    "That page link is not one this page made.",
                )
            })?),
            None => None,
        };
        let ws = &principal.workspace_id;
        let rows = store::list(&state.db, ws, before.as_ref(), PAGE_SIZE).await?;
        let counts = messages::counts_since(&state.db, ws, now_ms() - DAY_MS).await?;
        let health = Health::by_endpoint(&counts);
        let older = (rows.len() as i64 == PAGE_SIZE)
            .then(|| rows.last().map(|r| r.id.to_string()))
            .flatten()
            .map(|id| format!("/app/webhooks?before={}", query_escape(&id)));
        let endpoints = rows
            .iter()
            .map(|row| {
                let h = health.get(row.id.as_str()).copied().unwrap_or_default();
                EndpointView::of(state, row, h)
            })
            .collect();
        Ok(EndpointsPage {
            endpoints,
            can_manage: chrome.can(Capability::ManageWebhooks),
            form: FormState::new("ep-new"),
            fields: EndpointFields::default(),
            families: families(),
            filter_example: FILTER_EXAMPLE,
            disable_after: disable_after(state),
            notice: None,
            secret: None,
            older,
            paged: before.is_some(),
            chrome,
        })
    }
}

/// The endpoints page.
pub async fn list_endpoints(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<EndpointsQuery>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let secret: Option<NewSecret> = chrome.take_once(&state, SECRET_KIND).await?;
    let mut page = EndpointsPage::load(&state, chrome, query.before.as_deref()).await?;
    page.notice = notice;
    page.secret = secret.map(SecretView::from);
    Ok(page.into_response())
}

/// Adds an endpoint, then shows the list with its secret once; a refused form comes back with
/// the messages beside its fields.
pub async fn create_endpoint(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageWebhooks)?;
    let fields = EndpointFields::from_pairs(&pairs);
    let created = match fields.check(EndpointIn::create) {
        Ok(settings) => service::create(&state, principal, settings, None).await,
        Err(error) => Err(error),
    };
    match created {
        Ok((row, secret)) => {
            let new = NewSecret {
                endpoint_id: row.id.to_string(),
                url: row.url,
                secret: secret.expose(),
                why: "created".into(),
                previous_until: None,
            };
            chrome
                .show_once(&state, SECRET_KIND, &new, "/app/webhooks")
                .await
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("ep-new", error, ORDER)?;
            let mut page = EndpointsPage::load(&state, chrome, None).await?;
            page.form = form;
            page.fields = fields;
            Ok((status, page).into_response())
        }
    }
}
