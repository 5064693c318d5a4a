//! `/app/webhooks/messages/{msg_…}`: one message — its payload and every delivery attempt
//! (request headers and body, the response's status, headers and first 4 KB, timing, error) —
//! and "Resend"; and the message row the endpoint page's log shares.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use playgram_core::ids::MessageId;

use super::{NOTICE_KIND, Notice, endpoint_of, tell};
use crate::auth::Capability;
use crate::http::AppError;
use crate::pages::{Chrome, PageResult, Stamp};
use crate::state::AppState;
use crate::webhooks::bins::detail::pretty_json;
use crate::webhooks::messages::{self, AttemptRow, MessageRow};
use crate::webhooks::service;

/// One message as a row of the log and the head of its own page.
pub struct MessageView {
    pub id: String,
    pub endpoint_id: String,
    pub event_type: String,
    /// `None` for a test send.
    pub event_id: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub created: Stamp,
    pub delivered: Option<Stamp>,
    pub next_attempt: Option<Stamp>,
    pub last_response_status: Option<i32>,
    pub last_error: Option<String>,
    /// The body as sent, re-indented.
    pub payload: String,
}

impl From<MessageRow> for MessageView {
    fn from(m: MessageRow) -> Self {
        let waiting = matches!(m.status.as_str(), "pending" | "failing");
        MessageView {
            payload: pretty_json(&m.payload).unwrap_or_else(|| m.payload.clone()),
            id: m.id.to_string(),
            endpoint_id: m.endpoint_id.to_string(),
            event_type: m.event_type,
            event_id: m.event_id.map(|e| e.to_string()),
            status: m.status,
            attempts: m.attempts,
            created: Stamp::new(m.created_at),
            delivered: Stamp::maybe(m.delivered_at),
            next_attempt: Stamp::maybe(m.next_attempt_at.filter(|_| waiting)),
            last_response_status: m.last_response_status,
            last_error: m.last_error,
        }
    }
}

/// One delivery attempt as its page shows it.
pub struct AttemptView {
    pub number: i32,
    pub trigger: String,
    pub url: String,
    pub started: Stamp,
    pub duration_ms: i64,
    pub succeeded: bool,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub response_status: Option<i32>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> Self {
        AttemptView {
            number: a.attempt,
            trigger: a.trigger,
            url: a.url,
            started: Stamp::new(a.started_at),
            duration_ms: a.duration_ms,
            succeeded: a.succeeded,
            request_headers: header_pairs(&a.request_headers),
            request_body: a.request_body,
            response_status: a.response_status,
            response_headers: a
                .response_headers
                .as_deref()
                .map(header_pairs)
                .unwrap_or_default(),
            response_body: a
                .response_body
                .map(|body| pretty_json(&body).unwrap_or(body)),
            error: a.error,
        }
    }
}

/// A JSON object of header names and values, as stored in the log, into pairs.
fn header_pairs(json: &str) -> Vec<(String, String)> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => (name, text),
            other => (name, other.to_string()),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "webhooks_message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub message: MessageView,
    pub endpoint_url: String,
    pub attempts: Vec<AttemptView>,
    pub can_manage: bool,
    pub notice: Option<Notice>,
}

/// The message page.
pub async fn show_message(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadWebhooks)?;
    let ws = &principal.workspace_id;
    let message = messages::get(&state.db, ws, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let endpoint = endpoint_of(&state, principal, message.endpoint_id.as_str()).await?;
    let attempts = messages::attempts_of(&state.db, ws, &message.id).await?;
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    Ok(MessagePage {
        message: MessageView::from(message),
        endpoint_url: endpoint.url,
        attempts: attempts.into_iter().map(AttemptView::from).collect(),
        can_manage: chrome.can(Capability::ManageWebhooks),
        notice,
        chrome,
    }
    .into_response())
}

/// Sends the message again now, with the same `webhook-id`; back to its page.
pub async fn resend_message(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageWebhooks)?;
    let id = MessageId::parse(&id).ok_or_else(AppError::not_found)?;
    let to = format!("/app/webhooks/messages/{id}");
    let text = match service::resend(&state, principal, id.as_str()).await {
        Ok(_) => "Sent again with the same webhook-id. Refresh in a moment to see the new attempt."
            .to_owned(),
        // The endpoint is disabled: said on the page, with what to do.
        Err(AppError::Client(c)) if c.status == StatusCode::CONFLICT => {
            return tell(&chrome, &state, false, c.message, &to).await;
        }
        Err(error) => return Err(error.into()),
    };
    tell(&chrome, &state, true, text, &to).await
}
