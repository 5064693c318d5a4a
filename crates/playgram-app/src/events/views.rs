//! `/app/events`: the workspace's recent events, newest first, filterable by type, with "older"
//! pages and the event catalog. `app.js` follows `/api/v1/stream` from where the page left off and
//! adds new events at the top as they happen; without it the page is a plain list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use playgram_core::events::{self, Event};
use serde::Deserialize;

use super::api::parse_types;
use super::catalog::{EventType, catalog};
use crate::auth::Capability;
use crate::http::AppError;
use crate::pages::{Chrome, PageResult, Stamp, query_escape};
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

/// One event as a list row.
pub struct EventView {
    pub seq: i64,
    pub kind: String,
    pub occurred: Stamp,
    /// `data`, pretty-printed.
    pub data: String,
}

impl From<Event> for EventView {
    fn from(event: Event) -> Self {
        EventView {
            data: serde_json::to_string_pretty(&event.data_json()).unwrap_or_default(),
            seq: event.seq,
            occurred: Stamp::new(event.occurred_at),
            kind: event.kind,
        }
    }
}

/// A catalog entry with its example pretty-printed.
pub struct TypeView {
    pub name: &'static str,
    pub description: &'static str,
    pub example: String,
}

impl From<EventType> for TypeView {
    fn from(t: EventType) -> Self {
        TypeView {
            name: t.name,
            description: t.description,
            example: serde_json::to_string_pretty(&t.example).unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
pub struct EventsPage {
    pub chrome: Chrome,
    pub events: Vec<EventView>,
    pub types: Vec<TypeView>,
    /// The type filter ("" for every type).
    pub kind: String,
    pub older: Option<String>,
    pub paged: bool,
    /// The newest event number when the page was read: the live stream resumes after it, so an
    /// event that happens while the page loads is neither lost nor shown twice.
    pub live_after: i64,
}

impl EventsPage {
    pub fn describe(&self, kind: &str) -> &'static str {
        self.types
            .iter()
            .find(|t| t.name == kind)
            .map(|t| t.description)
            .unwrap_or("")
    }
}

#[derive(Deserialize, Default)]
pub struct EventsQuery {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Only events numbered below this (the "Older events" link).
    pub before: Option<String>,
}

pub async fn list_events(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<EventsQuery>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadEvents)?;
    let kind = query.kind.unwrap_or_default().trim().to_owned();
    // One type at a time here (the API takes several, comma-separated).
    let types = parse_types(Some(&kind))?;
    if types.len() > 1 {
        return Err(AppError::bad_request(
            "unknown_event_type",
            "Choose one event type at a time.",
        )
        .into());
    }
    let before = match query
        .before
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            AppError::bad_request(
                "invalid_cursor",
                "That page link is not one this page made.",
            )
        })?),
        None => None,
    };
    // Read before listing: an event sequenced in between is listed and also streamed, and the
    // script drops the second copy by its number; the other order could miss it entirely.
    let live_after = events::last_seq(&state.db).await?;
    let rows = events::list(
        &state.db,
        &principal.workspace_id,
        &types,
        before,
        PAGE_SIZE,
    )
    .await?;
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|e| e.seq))
        .flatten()
        .map(|seq| {
            let filter = if kind.is_empty() {
                String::new()
            } else {
                format!("type={}&", query_escape(&kind))
            };
            format!("/app/events?{filter}before={seq}")
        });
    Ok(EventsPage {
        events: rows.into_iter().map(EventView::from).collect(),
        types: catalog().into_iter().map(TypeView::from).collect(),
        paged: before.is_some(),
        kind,
        older,
        live_after,
        chrome,
    }
    .into_response())
}
