//! `/app/webhooks/{ep_…}`: one endpoint — its status, the last 24 hours as a chart, the delivery
//! log (filtered by status, event type and time, searched by id or payload text, paged by
//! cursor), the tools (test send, recovery, signing secret) and the settings form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use playgram_core::ids::{EndpointId, MessageId};
use playgram_core::time::now_ms;
use serde::Deserialize;

use super::chart::HourChart;
use super::event_types::{Family, families};
use super::form::{EndpointFields, FILTER_EXAMPLE};
use super::messages::MessageView;
use super::{
    EndpointView, Health, NOTICE_KIND, NewSecret, Notice, SECRET_KIND, SecretView, disable_after,
    endpoint_of, parse_time_input, time_input_value,
};
use crate::auth::Capability;
use crate::events::catalog::catalog;
use crate::http::AppError;
use crate::pages::{Chrome, FormState, PageError, PageResult, query_escape};
use crate::state::AppState;
use crate::webhooks::messages::{self, MessageFilter, STATUSES};
use crate::webhooks::service::{DEFAULT_OVERLAP_HOURS, MAX_OVERLAP_HOURS};

const PAGE_SIZE: i64 = 50;
const DAY_MS: i64 = 24 * 3_600_000;

/// The delivery log's filters as the query string gives them (and the form shows them again).
#[derive(Deserialize, Default, Clone)]
pub struct LogQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub event_type: String,
    /// Created at or after (a `datetime-local` value, UTC).
    #[serde(default)]
    pub since: String,
    /// Created before.
    #[serde(default)]
    pub until: String,
    /// A message id, an event id, or text in the payload.
    #[serde(default)]
    pub q: String,
    /// Only messages older than this id (the "Older messages" link).
    #[serde(default)]
    pub before: String,
}

impl LogQuery {
    /// True when anything narrows the log (the empty state says so).
    pub fn narrows(&self) -> bool {
        [
            &self.status,
            &self.event_type,
            &self.since,
            &self.until,
            &self.q,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    fn filter(&self, endpoint_id: EndpointId) -> Result<MessageFilter, AppError> {
        let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let status = given(&self.status);
        if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
            return Err(AppError::bad_request(
                "invalid_status",
                format!("The status must be one of {}.", STATUSES.join(", ")),
            ));
        }
        let time = |v: &str| match given(v) {
            None => Ok(None),
            Some(text) => parse_time_input(&text).map(Some).ok_or_else(|| {
                AppError::bad_request("invalid_time", "Enter times like 2026-11-22T10:00 (UTC).")
            }),
        };
        let before = match given(&self.before) {
            None => None,
            Some(text) => Some(MessageId::parse(&text).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_cursor",
                    "That page link is not one this page made.",
                )
            })?),
        };
        Ok(MessageFilter {
            endpoint_id: Some(endpoint_id),
            status,
            event_type: given(&self.event_type),
            since: time(&self.since)?,
            until: time(&self.until)?,
            search: given(&self.q).map(|q| q.chars().take(200).collect()),
            before,
        })
    }

    /// The page's address with these filters (no cursor).
    fn address(&self, endpoint_id: &str) -> String {
        let pairs: Vec<String> = [
            ("status", &self.status),
            ("event_type", &self.event_type),
            ("since", &self.since),
            ("until", &self.until),
            ("q", &self.q),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", query_escape(v.trim())))
        .collect();
        match pairs.is_empty() {
            true => format!("/app/webhooks/{endpoint_id}"),
            false => format!("/app/webhooks/{endpoint_id}?{}", pairs.join("&")),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "webhooks_endpoint.html")]
pub struct EndpointPage {
    pub chrome: Chrome,
    pub endpoint: EndpointView,
    pub can_manage: bool,
    pub notice: Option<Notice>,
    pub secret: Option<SecretView>,
    pub chart: HourChart,
    pub messages: Vec<MessageView>,
    pub log: LogQuery,
    pub statuses: [&'static str; 4],
    /// Every catalogued event type (the log's filter and the test form).
    pub event_types: Vec<&'static str>,
    /// This page with the log's filters, and the next page of the log.
    pub here: String,
    pub older: Option<String>,
    pub paged: bool,
    pub form: FormState,
    pub fields: EndpointFields,
    pub families: Vec<Family>,
    pub filter_example: &'static str,
    pub disable_after: String,
    /// The recovery form's default start: a day ago.
    pub recover_since: String,
    pub overlap_default: i64,
    pub overlap_max: i64,
}

impl EndpointPage {
    pub async fn load(
        state: &AppState,
        chrome: Chrome,
        id: &str,
        log: LogQuery,
    ) -> Result<Self, PageError> {
        let principal = chrome.principal()?;
        principal.require(Capability::ReadWebhooks)?;
        let row = endpoint_of(state, principal, id).await?;
        let ws = &principal.workspace_id;
        let now = now_ms();
        let hourly = messages::hourly_since(&state.db, ws, &row.id, now - DAY_MS).await?;
        let chart = HourChart::of(&hourly, now);
        let mut health = Health::default();
        for count in &hourly {
            health.add(&count.status, count.count);
        }
        let endpoint = EndpointView::of(state, &row, health);
        let filter = log.filter(row.id.clone())?;
        let rows = messages::list(&state.db, ws, &filter, PAGE_SIZE).await?;
        let here = log.address(&endpoint.id);
        let older = (rows.len() as i64 == PAGE_SIZE)
            .then(|| rows.last().map(|r| r.id.to_string()))
            .flatten()
            .map(|id| {
                let join = if here.contains('?') { '&' } else { '?' };
                format!("{here}{join}before={}#log", query_escape(&id))
            });
        Ok(EndpointPage {
            can_manage: chrome.can(Capability::ManageWebhooks),
            notice: None,
            secret: None,
            chart,
            messages: rows.into_iter().map(MessageView::from).collect(),
            paged: filter.before.is_some(),
            log,
            statuses: STATUSES,
            event_types: catalog().into_iter().map(|t| t.name).collect(),
            here,
            older,
            form: FormState::new("ep"),
            fields: EndpointFields::of(&row.settings(&state.sealer)),
            families: families(),
            filter_example: FILTER_EXAMPLE,
            disable_after: disable_after(state),
            recover_since: time_input_value(now - DAY_MS),
            overlap_default: DEFAULT_OVERLAP_HOURS,
            overlap_max: MAX_OVERLAP_HOURS,
            endpoint,
            chrome,
        })
    }
}

/// The endpoint page.
pub async fn show_endpoint(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(log): Query<LogQuery>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let secret: Option<NewSecret> = chrome.take_once(&state, SECRET_KIND).await?;
    let mut page = EndpointPage::load(&state, chrome, &id, log).await?;
    page.notice = notice;
    // A secret is shown only on the page of its own endpoint.
    page.secret = secret
        .filter(|s| s.endpoint_id == page.endpoint.id)
        .map(SecretView::from);
    Ok(page.into_response())
}
