//! The rules of changing webhooks, each change one transaction with its audit entry (and event):
//! create, update, delete, rotate the secret, resend one message, recover failed messages, send a
//! test event.

use std::time::Duration;

use playgram_core::ids::{EndpointId, MessageId};
use playgram_core::jobs::manage::{self, ChangeError};
use playgram_core::jobs::{enqueue, enqueue_many};
use playgram_core::time::{Millis, now_ms};

use super::deliver::{self, Trigger};
use super::endpoint::{EndpointIn, Settings};
use super::events::{EndpointCreated, EndpointDeleted};
use super::fanout;
use super::messages::{self, MessageRow, NewMessage};
use super::signature::Secret;
use super::store::{self, EndpointRow};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::events::catalog::{self, ActorRef};
use crate::http::{AppError, Result};
use crate::state::AppState;

const ZERO: Duration = Duration::ZERO;

/// The longest overlap a rotation may keep the old secret (7 days).
pub const MAX_OVERLAP_HOURS: i64 = 7 * 24;
/// The overlap when none is asked for.
pub const DEFAULT_OVERLAP_HOURS: i64 = 24;

pub async fn create(
    state: &AppState,
    principal: &Principal,
    settings: Settings,
    secret: Option<Secret>,
) -> Result<(EndpointRow, Secret)> {
    let id = EndpointId::new();
    let secret = secret.unwrap_or_else(Secret::generate);
    let mut tx = state.db.begin().await?;
    let ws = &principal.workspace_id;
    store::insert(
        &mut tx,
        &state.sealer,
        ws,
        &id,
        &settings,
        &secret,
        now_ms(),
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.created")
            .target(id.as_str())
            .details(serde_json::json!({ "url": settings.url })),
    )
    .await?;
    let event = EndpointCreated {
        endpoint_id: id.clone(),
        url: settings.url.clone(),
        event_types: settings.event_types.clone(),
        actor: ActorRef::of(principal),
    };
    catalog::emit(&mut tx, ws, &event).await?;
    let row = found_in(&mut tx, ws, id.as_str()).await?;
    tx.commit().await?;
    Ok((row, secret))
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: EndpointIn,
) -> Result<EndpointRow> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = found_in(&mut tx, ws, id).await?;
    let settings = input.apply(row.settings(&state.sealer))?;
    store::update(&mut tx, &state.sealer, &row, &settings, now_ms()).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.updated")
            .target(id)
            .details(serde_json::json!({ "url": settings.url, "enabled": settings.enabled })),
    )
    .await?;
    let row = found_in(&mut tx, ws, id).await?;
    tx.commit().await?;
    state.webhook_endpoints.forget(&row.id);
    Ok(row)
}

pub async fn delete(state: &AppState, principal: &Principal, id: &str) -> Result<()> {
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await?;
    let row = found_in(&mut tx, ws, id).await?;
    store::delete(&mut tx, ws, &row.id).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.deleted")
            .target(id)
            .details(serde_json::json!({ "url": row.url })),
    )
    .await?;
    let event = EndpointDeleted {
        endpoint_id: row.id.clone(),
        url: row.url.clone(),
        actor: ActorRef::of(principal),
    };
    catalog::emit(&mut tx, ws, &event).await?;
    tx.commit().await?;
    state.webhook_endpoints.forget(&row.id);
    Ok(())
}

/// Makes a new secret current; deliveries are signed with both until the overlap ends.
pub async fn rotate(
    state: &AppState,
    principal: &Principal,
    id: &str,
    overlap_hours: Option<i64>,
) -> Result<(EndpointRow, Secret)> {
    let overlap = overlap_hours.unwrap_or(DEFAULT_OVERLAP_HOURS);
    if !(0..=MAX_OVERLAP_HOURS).contains(&overlap) {
        return Err(AppError::field(
            "overlap_hours",
            format!("Use 0 to {MAX_OVERLAP_HOURS} hours."),
        ));
    }
    let ws = &principal.workspace_id;
    let now = now_ms();
    let secret = Secret::generate();
    let mut tx = state.db.begin().await?;
    let row = found_in(&mut tx, ws, id).await?;
    store::rotate_secret(
        &mut tx,
        &state.sealer,
        &row,
        &secret,
        now + overlap * 3_600_000,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.secret_rotated")
            .target(id)
            .details(serde_json::json!({ "overlap_hours": overlap })),
    )
    .await?;
    let row = found_in(&mut tx, ws, id).await?;
    tx.commit().await?;
    state.webhook_endpoints.forget(&row.id);
    Ok((row, secret))
}

/// Sends one message again now (a fresh retry schedule; the same `webhook-id`).
pub async fn resend(state: &AppState, principal: &Principal, id: &str) -> Result<MessageRow> {
    let ws = &principal.workspace_id;
    let message = messages::get(&state.db, ws, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let endpoint = enabled_endpoint(state, principal, message.endpoint_id.as_str()).await?;
    let attempts = state.config.webhooks_retry_schedule.len();
    let mut tx = state.db.begin().await?;
    let job = deliver::job(
        ws,
        &endpoint,
        message.id.clone(),
        Trigger::Replay,
        attempts,
        ZERO,
        None,
    )?;
    let enqueued = enqueue(&mut tx, job).await?;
    if enqueued.duplicate {
        // A retry is already scheduled: bring it forward to now instead of sending twice.
        manage::retry(&mut tx, ws, enqueued.id.as_str())
            .await
            .map_err(|error| match error {
                ChangeError::Db(error) => AppError::from(error),
                _ => AppError::conflict(
                    "delivery_in_progress",
                    "This message is being delivered right now; look at its attempts in a moment.",
                ),
            })?;
    }
    messages::mark_resent(&mut tx, std::slice::from_ref(&message.id), now_ms()).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_message.resent").target(id),
    )
    .await?;
    tx.commit().await?;
    messages::get(&state.db, ws, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The most messages one recovery queues; the answer says when more remain (call again).
pub const RECOVER_BATCH: usize = 10_000;

/// Resends the messages of the endpoint that ended `failed` since `since` (after re-enabling), up
/// to [`RECOVER_BATCH`]; returns how many, and whether more remain.
pub async fn recover(
    state: &AppState,
    principal: &Principal,
    endpoint_id: &str,
    since: Millis,
) -> Result<(usize, bool)> {
    let ws = &principal.workspace_id;
    let endpoint = enabled_endpoint(state, principal, endpoint_id).await?;
    let attempts = state.config.webhooks_retry_schedule.len();
    let mut tx = state.db.begin().await?;
    let mut ids =
        messages::failed_since(&mut tx, ws, &endpoint.id, since, RECOVER_BATCH + 1).await?;
    let more = ids.len() > RECOVER_BATCH;
    ids.truncate(RECOVER_BATCH);
    let mut jobs = Vec::with_capacity(ids.len());
    for id in &ids {
        jobs.push(deliver::job(
            ws,
            &endpoint,
            id.clone(),
            Trigger::Replay,
            attempts,
            ZERO,
            None,
        )?);
    }
    enqueue_many(&mut tx, jobs).await?;
    messages::mark_resent(&mut tx, &ids, now_ms()).await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.recovered")
            .target(endpoint_id)
            .details(serde_json::json!({ "since": playgram_core::time::rfc3339(since), "messages": ids.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok((ids.len(), more))
}

/// Sends the example of `event_type` to the endpoint once (no retries), as a test.
pub async fn send_test(
    state: &AppState,
    principal: &Principal,
    endpoint_id: &str,
    event_type: &str,
) -> Result<MessageRow> {
    let ws = &principal.workspace_id;
    let kind = catalog::catalog()
        .into_iter()
        .find(|t| t.name == event_type)
        .ok_or_else(|| {
            AppError::field(
                "event_type",
                "Choose an event type from GET /api/v1/event-types.",
            )
        })?;
    let endpoint = enabled_endpoint(state, principal, endpoint_id).await?;
    let id = MessageId::new();
    let now = now_ms();
    let message = NewMessage {
        id: id.clone(),
        workspace_id: ws.clone(),
        endpoint_id: endpoint.id.clone(),
        event_id: None,
        event_type: kind.name.to_owned(),
        payload: fanout::body(kind.name, now, &kind.example.to_string()),
        status: "pending",
        last_error: None,
        created_at: now,
    };
    let mut tx = state.db.begin().await?;
    messages::insert(&mut tx, std::slice::from_ref(&message)).await?;
    enqueue(
        &mut tx,
        deliver::job(ws, &endpoint, id.clone(), Trigger::Test, 1, ZERO, None)?,
    )
    .await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.tested")
            .target(endpoint_id)
            .details(serde_json::json!({ "event_type": kind.name })),
    )
    .await?;
    tx.commit().await?;
    messages::get(&state.db, ws, id.as_str())
        .await?
        .ok_or_else(AppError::not_found)
}

/// The endpoint, which must be enabled for anything to be sent to it.
async fn enabled_endpoint(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<EndpointRow> {
    let endpoint = store::get(&state.db, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !endpoint.enabled {
        return Err(AppError::conflict(
            "endpoint_disabled",
            "This endpoint is disabled; enable it first, then send.",
        ));
    }
    Ok(endpoint)
}

/// The endpoint with its signing secret, for someone about to see it: the viewing is audited.
pub async fn reveal_secret(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(EndpointRow, Secret)> {
    let row = store::get(&state.db, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let secret = row
        .secret(&state.sealer)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("endpoint secret cannot be opened")))?;
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Entry::by(principal, "webhook_endpoint.secret_viewed").target(id),
    )
    .await?;
    tx.commit().await?;
    Ok((row, secret))
}

/// The workspace's endpoint `id` inside `tx`, or 404.
async fn found_in(
    tx: &mut playgram_core::Tx,
    ws: &playgram_core::ids::WorkspaceId,
    id: &str,
) -> Result<EndpointRow> {
    store::get_in(tx, ws, id)
        .await?
        .ok_or_else(AppError::not_found)
}
