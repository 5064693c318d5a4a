//! The endpoint page's posts: save settings, enable or disable, reveal or rotate the signing
//! secret, send a test event, recover failed messages, delete. Each goes through the service (the
//! API's rules and audit), then redirects with a one-time message; a refused settings form is shown
//! again with its field errors, and a refused small form says why at the top of the page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use playgram_core::ids::EndpointId;
use serde::Deserialize;

use super::detail::{EndpointPage, LogQuery};
use super::form::{EndpointFields, ORDER};
use super::{NewSecret, SECRET_KIND, endpoint_of, parse_time_input, tell};
use crate::auth::{Capability, Principal};
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult};
use crate::state::AppState;
use crate::webhooks::endpoint::EndpointIn;
use crate::webhooks::service;

/// The signed-in person, who must be allowed to change webhooks, and the endpoint id from the
/// path (anything that is not one is "not found").
fn manager<'a>(chrome: &'a Chrome, id: &str) -> Result<(&'a Principal, EndpointId), PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageWebhooks)?;
    let id = EndpointId::parse(id).ok_or_else(AppError::not_found)?;
    Ok((principal, id))
}

fn page_of(id: &EndpointId) -> String {
    format!("/app/webhooks/{id}")
}

/// A refusal said at the top of the endpoint page (a disabled endpoint, a value out of range);
/// "not found", "not allowed" and internal errors get their error page.
async fn refused(chrome: &Chrome, state: &AppState, error: AppError, to: &str) -> PageResult {
    match error {
        AppError::Client(c)
            if !matches!(c.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) =>
        {
            tell(chrome, state, false, c.message, to).await
        }
        error => Err(error.into()),
    }
}

/// Saves the settings form; refused, the page comes back with the messages beside the fields.
pub async fn update_endpoint(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    let row = endpoint_of(&state, principal, id.as_str()).await?;
    let fields = EndpointFields::from_pairs(&pairs);
    let saved = match fields.check(|input| input.apply(row.settings(&state.sealer))) {
        Ok(_) => service::update(&state, principal, id.as_str(), fields.input().0).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(_) => {
            let text = "Settings saved. They apply to the next delivery.".to_owned();
            tell(&chrome, &state, true, text, &page_of(&id)).await
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("ep", error, ORDER)?;
            let mut page =
                EndpointPage::load(&state, chrome, id.as_str(), LogQuery::default()).await?;
            page.form = form;
            page.fields = fields;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct EnabledForm {
    #[serde(default)]
    pub enabled: bool,
}

/// Enables or disables the endpoint.
pub async fn set_endpoint_enabled(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(form): PageForm<EnabledForm>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    let input = EndpointIn {
        enabled: Some(form.enabled),
        ..EndpointIn::default()
    };
    service::update(&state, principal, id.as_str(), input).await?;
    let text = if form.enabled {
        "Enabled: new events are delivered again. To send what failed meanwhile, recover failed \
         messages below."
    } else {
        "Disabled: nothing is sent until you enable it again. Events meanwhile are kept as failed \
         messages you can recover."
    };
    tell(&chrome, &state, true, text.to_owned(), &page_of(&id)).await
}

/// Shows the signing secret once (audited).
pub async fn reveal_endpoint_secret(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    let (row, secret) = service::reveal_secret(&state, principal, id.as_str()).await?;
    show_secret(&chrome, &state, &row, secret, "revealed").await
}

#[derive(Deserialize, Default)]
pub struct RotateForm {
    #[serde(default)]
    pub overlap_hours: String,
}

/// Makes a new signing secret current; the old one keeps signing during the overlap.
pub async fn rotate_endpoint_secret(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(form): PageForm<RotateForm>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    let to = page_of(&id);
    let overlap = match form.overlap_hours.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(hours) => Some(hours),
            Err(_) => {
                let text = "Enter the overlap as a whole number of hours.".to_owned();
                return tell(&chrome, &state, false, text, &to).await;
            }
        },
    };
    match service::rotate(&state, principal, id.as_str(), overlap).await {
        Ok((row, secret)) => show_secret(&chrome, &state, &row, secret, "rotated").await,
        Err(error) => refused(&chrome, &state, error, &to).await,
    }
}

async fn show_secret(
    chrome: &Chrome,
    state: &AppState,
    row: &crate::webhooks::store::EndpointRow,
    secret: crate::webhooks::signature::Secret,
    why: &str,
) -> PageResult {
    let new = NewSecret {
        endpoint_id: row.id.to_string(),
        url: row.url.clone(),
        secret: secret.expose(),
        why: why.to_owned(),
        previous_until: row
            .previous_secret_until
            .filter(|_| why == "rotated")
            .filter(|t| *t > playgram_core::time::now_ms()),
    };
    chrome
        .show_once(state, SECRET_KIND, &new, &page_of(&row.id))
        .await
}

#[derive(Deserialize, Default)]
pub struct TestForm {
    #[serde(default)]
    pub event_type: String,
}

/// Sends an event type's example once; opens the new message, where the outcome appears.
pub async fn create_test_message(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(form): PageForm<TestForm>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    match service::send_test(&state, principal, id.as_str(), form.event_type.trim()).await {
        Ok(message) => {
            let text = format!(
                "A test “{}” is on its way (sent once, not retried). Refresh in a moment to see \
                 how the endpoint answered.",
                message.event_type
            );
            let to = format!("/app/webhooks/messages/{}", message.id);
            tell(&chrome, &state, true, text, &to).await
        }
        Err(error) => refused(&chrome, &state, error, &page_of(&id)).await,
    }
}

#[derive(Deserialize, Default)]
pub struct RecoverForm {
    /// A `datetime-local` value, UTC.
    #[serde(default)]
    pub since: String,
}

/// Resends every message that ended failed since a time.
pub async fn recover_endpoint(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(form): PageForm<RecoverForm>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    let to = page_of(&id);
    let Some(since) = parse_time_input(&form.since) else {
        let text = "Enter the start like 2026-11-22T10:00 (UTC).".to_owned();
        return tell(&chrome, &state, false, text, &to).await;
    };
    let text = match service::recover(&state, principal, id.as_str(), since).await {
        Ok((0, _)) => "No message failed since then, so nothing was resent.".to_owned(),
        Ok((1, _)) => "1 failed message is queued to be sent again.".to_owned(),
        Ok((n, false)) => format!("{n} failed messages are queued to be sent again."),
        Ok((n, true)) => format!(
            "{n} failed messages are queued to be sent again; more remain: recover again once these are through."
        ),
        Err(error) => return refused(&chrome, &state, error, &to).await,
    };
    tell(&chrome, &state, true, text, &to).await
}

/// Deletes the endpoint with its delivery log; back to the list.
pub async fn delete_endpoint(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let (principal, id) = manager(&chrome, &id)?;
    let row = endpoint_of(&state, principal, id.as_str()).await?;
    service::delete(&state, principal, id.as_str()).await?;
    let text = format!(
        "The endpoint {} is deleted with its delivery log. Nothing more is sent to it.",
        row.url
    );
    tell(&chrome, &state, true, text, "/app/webhooks").await
}
