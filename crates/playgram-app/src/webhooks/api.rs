//! `/api/v1/webhook-endpoints…` and `/api/v1/webhook-messages…`: endpoints (settings, secret,
//! rotation, test send, recovery) and the delivery log (messages, attempts, resend).

use axum::extract::{Path, Query, State};
use playgram_core::ids::{EndpointId, MessageId};
use playgram_core::time::{Millis, now_ms};
use serde::{Deserialize, Serialize};

use super::endpoint::EndpointIn;
use super::filter::Condition;
use super::messages::{self, AttemptRow, MessageFilter, MessageRow, STATUSES};
use super::service;
use super::store::{self, EndpointRow};
use crate::auth::{Capability, Principal};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

/// An endpoint as the API shows it (the secret only through `/secret`).
#[derive(Serialize)]
pub struct EndpointOut {
    pub id: EndpointId,
    pub url: String,
    pub description: String,
    /// Null: every event.
    pub event_types: Option<Vec<String>>,
    pub filter: Vec<Condition>,
    pub enabled: bool,
    /// manual, gone (answered 410) or failing (failed for too long).
    pub disabled_reason: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub disabled_at: Option<Millis>,
    pub rate_limit: Option<u32>,
    pub max_in_flight: u32,
    pub headers: std::collections::BTreeMap<String, String>,
    /// When the current run of failures began; null when the last attempt succeeded.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub failing_since: Option<Millis>,
    /// While a rotation overlaps, deliveries carry the old secret's signature too, until then.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub previous_secret_until: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub updated_at: Millis,
}

impl EndpointOut {
    /// The endpoint as `principal` may see it: custom header values (often credentials) only for
    /// those who may change the endpoint.
    pub fn shown_to(state: &AppState, row: &EndpointRow, principal: &Principal) -> EndpointOut {
        let mut out = EndpointOut::of(state, row);
        if principal.require(Capability::ManageWebhooks).is_err() {
            for value in out.headers.values_mut() {
                *value = super::deliver::MASK.to_owned();
            }
        }
        out
    }

    /// The whole endpoint (header values included).
    pub fn of(state: &AppState, row: &EndpointRow) -> EndpointOut {
        let settings = row.settings(&state.sealer);
        EndpointOut {
            id: row.id.clone(),
            url: row.url.clone(),
            description: row.description.clone(),
            event_types: settings.event_types,
            filter: settings.filter,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.clone(),
            disabled_at: row.disabled_at,
            rate_limit: settings.rate_limit,
            max_in_flight: settings.max_in_flight,
            headers: settings.headers,
            failing_since: row.failing_since,
            previous_secret_until: row.previous_secret_until.filter(|t| *t > now_ms()),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An endpoint with its signing secret (on creation and rotation, and from `/secret`).
#[derive(Serialize)]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: EndpointOut,
    /// `whsec_…`: verify deliveries with it (Standard Webhooks).
    pub secret: String,
}

pub use crate::http::PageQuery;

pub async fn list_endpoints(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<PageQuery>,
) -> Result<Api<Vec<EndpointOut>>> {
    principal.require(Capability::ReadWebhooks)?;
    let before = crate::http::id_cursor(query.cursor.as_deref(), EndpointId::parse)?;
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    let rows = store::list(&state.db, &principal.workspace_id, before.as_ref(), limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(
        rows.iter()
            .map(|r| EndpointOut::shown_to(&state, r, &principal))
            .collect(),
        next,
    ))
}

/// Adds an endpoint; the answer carries its new `whsec_…` secret.
pub async fn create_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<EndpointIn>,
) -> Result<Api<EndpointWithSecret>> {
    principal.require(Capability::ManageWebhooks)?;
    let settings = input.create()?;
    let (row, secret) = service::create(&state, &principal, settings, None).await?;
    Ok(Api::created(EndpointWithSecret {
        endpoint: EndpointOut::shown_to(&state, &row, &principal),
        secret: secret.expose(),
    }))
}

pub async fn get_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<EndpointOut>> {
    principal.require(Capability::ReadWebhooks)?;
    let row = store::get(&state.db, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(EndpointOut::shown_to(&state, &row, &principal)))
}

/// Changes the fields given; `enabled: true` also restarts the failure clock.
pub async fn update_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EndpointIn>,
) -> Result<Api<EndpointOut>> {
    principal.require(Capability::ManageWebhooks)?;
    let row = service::update(&state, &principal, &id, input).await?;
    Ok(Api::ok(EndpointOut::shown_to(&state, &row, &principal)))
}

/// Deletes the endpoint with its messages and delivery log; queued deliveries are dropped.
pub async fn delete_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode> {
    principal.require(Capability::ManageWebhooks)?;
    service::delete(&state, &principal, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Shows the signing secret (audited).
pub async fn get_endpoint_secret(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<EndpointWithSecret>> {
    principal.require(Capability::ManageWebhooks)?;
    let (row, secret) = service::reveal_secret(&state, &principal, &id).await?;
    Ok(Api::ok(EndpointWithSecret {
        endpoint: EndpointOut::shown_to(&state, &row, &principal),
        secret: secret.expose(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateIn {
    /// Hours the old secret keeps signing deliveries too (0 to 168; default 24).
    pub overlap_hours: Option<i64>,
}

pub async fn rotate_endpoint_secret(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Api<EndpointWithSecret>> {
    principal.require(Capability::ManageWebhooks)?;
    let overlap = crate::http::json::optional_json::<RotateIn>(body)?.overlap_hours;
    let (row, secret) = service::rotate(&state, &principal, &id, overlap).await?;
    Ok(Api::ok(EndpointWithSecret {
        endpoint: EndpointOut::shown_to(&state, &row, &principal),
        secret: secret.expose(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestIn {
    /// The catalogued event type whose example is sent.
    pub event_type: String,
}

/// Sends the example payload of an event type once; follow the returned message for the outcome.
pub async fn create_test_message(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TestIn>,
) -> Result<Api<MessageOut>> {
    principal.require(Capability::ManageWebhooks)?;
    let message = service::send_test(&state, &principal, &id, &input.event_type).await?;
    Ok(Api::accepted(MessageOut::of(message, None)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoverIn {
    /// Resend the messages that failed at or after this time (RFC 3339).
    pub since: String,
}

#[derive(Serialize)]
pub struct RecoverOut {
    /// Messages queued again (at most 10,000 per call).
    pub resent: usize,
    /// More failed messages remain: call again with the same `since`.
    pub more: bool,
}

/// Resends every failed message since a time (typically after fixing and re-enabling).
pub async fn recover_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RecoverIn>,
) -> Result<Api<RecoverOut>> {
    principal.require(Capability::ManageWebhooks)?;
    let since = parse_time("since", &input.since)?;
    let (resent, more) = service::recover(&state, &principal, &id, since).await?;
    Ok(Api::accepted(RecoverOut { resent, more }))
}

fn parse_time(field: &'static str, text: &str) -> Result<Millis> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| AppError::field(field, "Use an RFC 3339 time such as 2026-11-22T10:00:00Z."))
}

/// A message, with its body and (on the single-message view) its attempts.
#[derive(Serialize)]
pub struct MessageOut {
    #[serde(flatten)]
    pub message: MessageRow,
    /// The body exactly as signed and sent.
    pub payload: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_log: Option<Vec<AttemptRow>>,
}

impl MessageOut {
    pub fn of(message: MessageRow, attempts: Option<Vec<AttemptRow>>) -> MessageOut {
        MessageOut {
            payload: serde_json::from_str(&message.payload).unwrap_or_default(),
            attempts_log: attempts,
            message,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct MessageQuery {
    pub endpoint_id: Option<String>,
    /// pending, failing, delivered or failed.
    pub status: Option<String>,
    pub event_type: Option<String>,
    /// Created at or after (RFC 3339).
    pub since: Option<String>,
    /// Created before (RFC 3339).
    pub until: Option<String>,
    /// A message id, an event id, or text in the payload.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

pub fn message_filter(query: &MessageQuery) -> Result<(MessageFilter, i64)> {
    let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let status = given(&query.status);
    if let Some(status) = &status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(AppError::bad_request(
            "invalid_status",
            format!("`status` must be one of {}.", STATUSES.join(", ")),
        ));
    }
    let endpoint_id = match given(&query.endpoint_id) {
        Some(text) => Some(EndpointId::parse(&text).ok_or_else(AppError::not_found)?),
        None => None,
    };
    let time = |field, v: &Option<String>| given(v).map(|t| parse_time(field, &t)).transpose();
    let filter = MessageFilter {
        endpoint_id,
        status,
        event_type: given(&query.event_type),
        since: time("since", &query.since)?,
        until: time("until", &query.until)?,
        search: given(&query.q).map(|q| q.trim().chars().take(200).collect()),
        before: crate::http::id_cursor(query.cursor.as_deref(), MessageId::parse)?,
    };
    Ok((filter, crate::http::page_limit(query.limit.as_deref(), 50)?))
}

/// The delivery log: messages, newest first, filtered and searched.
pub async fn list_messages(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<MessageQuery>,
) -> Result<Api<Vec<MessageOut>>> {
    principal.require(Capability::ReadWebhooks)?;
    let (filter, limit) = message_filter(&query)?;
    let rows = messages::list(&state.db, &principal.workspace_id, &filter, limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(
        rows.into_iter().map(|m| MessageOut::of(m, None)).collect(),
        next,
    ))
}

/// One message with every attempt (request, response, timing, error).
pub async fn get_message(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<MessageOut>> {
    principal.require(Capability::ReadWebhooks)?;
    let message = messages::get(&state.db, &principal.workspace_id, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut attempts =
        messages::attempts_of(&state.db, &principal.workspace_id, &message.id).await?;
    // Attempts do not store the body again: it is the message's payload.
    let body = super::deliver::cut(&message.payload, super::deliver::REQUEST_LOG_BYTES);
    for attempt in attempts.iter_mut().filter(|a| a.request_body.is_empty()) {
        attempt.request_body = body.to_owned();
    }
    Ok(Api::ok(MessageOut::of(message, Some(attempts))))
}

/// Sends a message again now, with the same `webhook-id`.
pub async fn resend_message(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<MessageOut>> {
    principal.require(Capability::ManageWebhooks)?;
    let message = service::resend(&state, &principal, &id).await?;
    Ok(Api::accepted(MessageOut::of(message, None)))
}
